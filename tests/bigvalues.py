"""Helpers of the large-value tests: run the CLI as a child and read that child's own peak RSS, raise
MariaDB's ``max_allowed_packet`` only while the test inserts its values."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from transship.testing.databases import MySQLServer

MB = 1_000_000
PEAK_SLACK = 100 * 1024 * 1024  # the memory target: 2 x the value's COPY-text size + 100 MB


@dataclass
class MeasuredRun:
    """A finished CLI run: exit code, output and the child's own peak resident set size (bytes)."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    seconds: float = 0.0

    def __repr__(self) -> str:
        return f"<rc={self.returncode} peak={self.peak_rss / MB:.0f} MB\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}>"


# Linux keeps a process's peak RSS across exec: a CLI forked straight from a pytest worker would report the
# worker's own peak (hundreds of MB after thousands of tests). So a small launcher (a fresh interpreter) forks the
# CLI and reports the CLI's peak as ``os.wait4`` gives it: the CLI's own and its children's (psql, mariadb).
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "transship", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli_measured(*args: str, env: dict[str, str] | None = None, check: bool = True) -> MeasuredRun:
    """``transship ARGS`` as a child process; its peak RSS (with its own children's) through a small launcher,
    not inherited from the test process."""
    full_env = dict(os.environ)
    full_env["TRANSSHIP_NO_PASSWORD_PROMPT"] = "1"
    full_env.update(env or {})
    start = time.monotonic()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        peak_file = Path(tmp) / "peak"
        proc = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(peak_file), *args], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            env=full_env, check=False,
        )  # fmt: skip
        out.seek(0)
        err.seek(0)
        run = MeasuredRun(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            int(peak_file.read_text()) if peak_file.exists() else 0,
            time.monotonic() - start,
        )
    if check:
        assert run.returncode == 0, run
    return run


@contextmanager
def packet_setting_lock() -> Iterator[None]:
    """Held by every test that raises ``max_allowed_packet`` or needs the server at its default, so tests on
    other pytest-xdist workers never see one another's raised value (an flock: released if a worker dies)."""
    path = Path(tempfile.gettempdir()) / "transship-tests-max-allowed-packet.lock"
    with open(path, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


@contextmanager
def raised_packet(server: MySQLServer, size: int = 1 << 30) -> Iterator[None]:
    """``SET GLOBAL max_allowed_packet`` to ``size`` for connections opened inside; restored afterwards,
    also when the body fails (the export under test must run at the server's default)."""
    before = default_packet(server)
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SET GLOBAL max_allowed_packet = %s", (size,))
        try:
            yield
        finally:
            with conn.cursor() as cur:
                cur.execute("SET GLOBAL max_allowed_packet = %s", (before,))
    finally:
        conn.close()


def default_packet(server: MySQLServer) -> int:
    """The server's global ``max_allowed_packet`` (what a new connection gets)."""
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT @@GLOBAL.max_allowed_packet")
            row = cur.fetchone()
            assert row is not None
            return int(row[0])
    finally:
        conn.close()


def measured_migrate(
    export_dir: str, source: list[str], target: list[str], env: dict[str, str] | None = None
) -> dict[str, MeasuredRun]:
    """export schema → import schema → export data → import data, each step a measured child process."""
    e = ["-e", export_dir]
    env = {"MAX_BATCH_SIZE_BYTES": str(1 << 30), **(env or {})}  # the importer's 200 MiB default is lifted
    out = {"export schema": run_cli_measured("export", "schema", *e, *source, "--yes", env=env)}
    out["import schema"] = run_cli_measured("import", "schema", *e, *target, "--yes", env=env)
    out["export data"] = run_cli_measured(
        "export", "data", *e, *source, "--parallel-jobs", "1", "--disable-pb", "true", "--yes", env=env
    )
    out["import data"] = run_cli_measured(
        "import", "data", *e, *target, "--parallel-jobs", "1", "--disable-pb", "true", "--yes", env=env
    )
    return out


def peaks(runs: dict[str, MeasuredRun]) -> str:
    """``step=NNN MB, ...`` for assertion messages and the test log."""
    return ", ".join(f"{step}={run.peak_rss / MB:.0f} MB/{run.seconds:.1f}s" for step, run in runs.items())
