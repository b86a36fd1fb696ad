"""Credentials as a user meets them: a prompt only when the server asks for a password (and only on a terminal),
no password value in ``ps``, in any file of the export dir or in any output, and files for their owner only.

The prompt tests run the CLI on a pseudo-terminal (``pty.fork``), so ``getpass`` sees a real terminal.
"""

from __future__ import annotations

import os
import pty
import re
import secrets
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.core.conftest import Migration, ScramServer

PROMPT = re.compile(r"Password for (\w+) database user (\S*) at (\S+): ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class TtyRun:
    """What a run on a pseudo-terminal showed: exit code, the whole screen, and the prompts it printed."""

    returncode: int
    screen: str
    prompts: list[tuple[str, str, str]]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DB_PASSWORD", "TARGET_DB_PASSWORD")}
    env.pop("TRANSSHIP_NO_PASSWORD_PROMPT", None)
    env.update(extra)
    return env


def run_on_tty(
    *args: str, answers: tuple[str, ...] = (), env: dict[str, str] | None = None, timeout: float = 90
) -> TtyRun:
    """Run ``transship ARGS`` with a pseudo-terminal as its controlling terminal; type ``answers`` at prompts.

    A prompt beyond the given answers is answered with an empty line (and still counted).
    """
    env = _env(**(env or {}))
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes transship at once
        os.execve(sys.executable, [sys.executable, "-m", "transship", *args], env)
    screen = b""
    answered = 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                screen += chunk
            text = screen.decode(errors="replace")
            if len(PROMPT.findall(text)) > answered and text.rstrip(" ").endswith(":"):
                reply = answers[answered] if answered < len(answers) else ""
                os.write(fd, reply.encode() + b"\n")
                answered += 1
        else:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(
                f"transship {' '.join(args)} did not finish in {timeout}s:\n{screen.decode(errors='replace')}"
            )
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = ANSI.sub("", screen.decode(errors="replace").replace("\r\n", "\n"))  # colours of rich
    return TtyRun(os.waitstatus_to_exitcode(status), text, PROMPT.findall(text))


def _error_lines(run: TtyRun) -> list[str]:
    return [line for line in run.screen.splitlines() if line.startswith("ERROR:")]


def _scram_args(m: Migration, side: str, **overrides: str) -> list[str]:
    return m.source_args(**overrides) if side == "source" else m.target_args(**overrides)


# ------------------------------------------------------------------------------------------ prompting
def test_no_prompt_on_a_terminal_when_the_server_needs_no_password(migration: Migration) -> None:
    m = migration
    runs = [
        run_on_tty("export", "schema", "-e", str(m.export_dir), *m.source_args()),
        run_on_tty("export", "data", "-e", str(m.export_dir), *m.source_args(), "--disable-pb"),
        run_on_tty("import", "schema", "-e", str(m.export_dir), *m.target_args()),
    ]
    for run in runs:
        assert run.returncode == 0, run.screen
        assert run.prompts == [], run.screen
        assert "Password" not in run.screen


def test_one_prompt_per_side_on_a_password_server(scram_migration: Migration) -> None:
    m = scram_migration
    pw = m.server.password
    where = f"{m.server.host}:{m.server.port}"
    e = ["-e", str(m.export_dir)]
    steps = [
        ("source", run_on_tty("export", "schema", *e, *m.source_args(), answers=(pw,))),
        # four parallel connections, one prompt
        ("source", run_on_tty("export", "data", *e, *m.source_args(), "--disable-pb", "--parallel-jobs", "4", answers=(pw,))),
        ("target", run_on_tty("import", "schema", *e, *m.target_args(), answers=(pw,))),
        ("target", run_on_tty("import", "data", *e, *m.target_args(), "--disable-pb", "--parallel-jobs", "3", answers=(pw,))),
    ]  # fmt: skip
    for side, run in steps:
        assert run.returncode == 0, run.screen
        assert run.prompts == [(side, m.server.user, where)], run.screen
    m.assert_target_matches_source()
    # verify takes the users an earlier command stored: it names them, never an empty one
    verify = run_on_tty("verify", *e, answers=(pw, pw))
    assert verify.returncode == 0, verify.screen
    assert sorted(verify.prompts) == [("source", m.server.user, where), ("target", m.server.user, where)]
    assert pw not in verify.screen  # getpass does not echo


def test_a_wrong_typed_password_is_one_clear_line(scram_migration: Migration) -> None:
    m = scram_migration
    run = run_on_tty(
        "export",
        "schema",
        "-e",
        str(m.export_dir),
        *m.source_args(),
        answers=("wrong-" + secrets.token_hex(4),),
    )
    assert run.returncode != 0
    assert len(run.prompts) == 1, run.screen  # asked once, tried once more, then the error
    errors = _error_lines(run)
    assert len(errors) == 1, run.screen
    assert "source database login failed for user postgres" in errors[0] and "fix:" in errors[0]


def test_no_prompt_with_yes_or_the_env_switch_or_without_a_user(
    scram_migration: Migration, one_line_error
) -> None:  # type: ignore[no-untyped-def]
    m = scram_migration
    e = ["-e", str(m.export_dir)]
    with_yes = run_on_tty("export", "schema", *e, *m.source_args(), "--yes")
    assert with_yes.returncode != 0 and with_yes.prompts == [], with_yes.screen
    assert "source database login failed" in _error_lines(with_yes)[0]
    switched_off = run_on_tty(
        "export", "schema", *e, *m.source_args(), env={"TRANSSHIP_NO_PASSWORD_PROMPT": "1"}
    )
    assert switched_off.returncode != 0 and switched_off.prompts == [], switched_off.screen
    # no user given: a config error naming the flag, not a prompt for "user " (libpq would log in as the OS user)
    args = [a for a in m.source_args() if a != m.server.user]
    args.remove("--source-db-user")
    no_user = run_on_tty("export", "schema", *e, *args)
    assert no_user.prompts == [], no_user.screen
    errors = _error_lines(no_user)
    assert (
        len(errors) == 1
        and "no source database user is given" in errors[0]
        and "--source-db-user" in errors[0]
    )
    # piped (no terminal): the login error, no prompt
    piped = run_cli("export", "schema", *e, *m.source_args(), check=False, env=_env())
    one_line_error(piped, "source database login failed", "SOURCE_DB_PASSWORD")


# ------------------------------------------------------------------------------------------ ps
@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections (the kernel's backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_password_flags_are_hidden_from_ps(silent_server: int, export_dir: Path) -> None:
    secret = "ps-" + secrets.token_hex(8)
    base = [sys.executable, "-m", "transship", "export", "data", "-e", str(export_dir), "--source-db-type",
            "postgresql", "--source-db-host", "127.0.0.1", "--source-db-port", str(silent_server),
            "--source-db-user", "u", "--source-db-name", "d", "--disable-pb"]  # fmt: skip
    procs = [
        subprocess.Popen([*base, "--source-db-password", secret], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([*base, f"--source-db-password={secret}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]  # fmt: skip
    try:
        for proc in procs:
            cmdline = b""
            deadline = time.monotonic() + 8  # the connect waits 10 s for an answer that never comes
            while time.monotonic() < deadline and b"****" not in cmdline:
                time.sleep(0.05)
                cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
            assert proc.poll() is None, "transship ended before the check"
            assert b"****" in cmdline, cmdline
            assert secret.encode() not in cmdline, cmdline
            assert b"export data" in cmdline
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_help_of_the_password_flags_names_the_env_vars() -> None:
    out = run_cli("export", "data", "--help").stdout + run_cli("import", "data", "--help").stdout
    assert "safe way is SOURCE_DB_PASSWORD" in " ".join(out.split())
    assert "safe way is TARGET_DB_PASSWORD" in " ".join(out.split())


# ------------------------------------------------------------------------------------------ files and leaks
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_whole_migration_keeps_files_private_and_leaks_no_password(migration: Migration, cli) -> None:  # type: ignore[no-untyped-def]
    m = migration
    secret = "leak-" + secrets.token_hex(8)  # trust auth ignores it
    e = ["-e", str(m.export_dir)]
    src = [*m.source_args(), "--source-db-password", secret]
    tgt = [*m.target_args(), f"--target-db-password={secret}"]
    runs = [
        m.run("export", "schema", *e, *src),
        m.run("analyze-schema", *e),
        m.run("export", "data", *e, *src, "--disable-pb"),
        m.run("import", "schema", *e, *tgt),
        m.run("import", "data", *e, *tgt, "--disable-pb"),
        m.run("finalize-schema-post-data-import", *e, *tgt),
        m.run("verify", *e, *src, *tgt),
        m.run("export", "data", "status", *e),
        m.run("import", "data", "status", *e),
        # a failing run: unreachable target port
        m.run("import", "data", *e, *m.target_args(port="1"), "--target-db-password", secret, check=False),
    ]
    m.assert_target_matches_source()
    assert runs[-1].returncode != 0 and "cannot reach the target database server" in runs[-1].stderr
    for run in runs:
        assert secret not in run.stdout + run.stderr, run
    files = [p for p in m.export_dir.rglob("*") if p.is_file()]
    kinds = {p.relative_to(m.export_dir).parts[0] for p in files}
    assert {"logs", "reports", "metainfo", "schema", "data", ".transship.lck"} <= kinds, kinds
    for path in files:
        assert secret.encode() not in path.read_bytes(), f"the password is written into {path}"
        assert _mode(path) == 0o600, f"{path} is {oct(_mode(path))}"
    assert (m.export_dir / "metainfo" / "meta.db").is_file()
    for path in [p for p in m.export_dir.rglob("*") if p.is_dir()]:
        assert _mode(path) == 0o700, f"{path} is {oct(_mode(path))}"


def test_a_readable_config_file_with_a_password_gets_one_warning(tmp_path: Path, export_dir: Path) -> None:
    config = tmp_path / "migration.yaml"
    config.write_text(
        f"export-dir: {export_dir}\nsource:\n  db-type: postgresql\n  db-password: s3cret\n", encoding="utf-8"
    )
    config.chmod(0o644)
    loose = run_cli("export", "data", "status", "-c", str(config), check=False)
    warnings = [line for line in loose.stderr.splitlines() if line.startswith("WARNING:")]
    assert warnings == [
        f"WARNING: config file {config} holds a password and other users can read it — fix: chmod 600 {config}"
    ], loose
    assert "s3cret" not in loose.stdout + loose.stderr
    config.chmod(0o600)
    tight = run_cli("export", "data", "status", "-c", str(config), check=False)
    assert "WARNING" not in tight.stderr and "migration has not started" in tight.stderr, tight


def test_parallel_connections_ask_once(scram_server: ScramServer) -> None:
    """Four threads that connect at once with no password: one question, one stored answer."""
    from concurrent.futures import ThreadPoolExecutor

    from transship import credentials
    from transship.dbconfig import DBConfig
    from transship.pgconn import connect

    asked: list[tuple[str, str, str]] = []

    def ask(side: str, user: str, host: str) -> str:
        asked.append((side, user, host))
        time.sleep(0.2)  # the others fail meanwhile and must wait for this answer
        return scram_server.password

    cfg = DBConfig(host=scram_server.host, port=scram_server.port, user=scram_server.user, name="postgres")
    previous = credentials.set_password_source(ask)
    try:
        with ThreadPoolExecutor(4) as pool:
            conns = list(pool.map(lambda _: connect(cfg, "target"), range(4)))
        for conn in conns:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            conn.close()
    finally:
        credentials.set_password_source(previous)
    assert asked == [("target", scram_server.user, f"{scram_server.host}:{scram_server.port}")]
    assert cfg.password == scram_server.password
