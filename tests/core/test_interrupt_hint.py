"""Ctrl-C (issue 9): after ``export data --start-clean`` the hint names the command that resumes — the same
one without ``--start-clean`` — and that command does resume (the tables finished before the interrupt are
kept); no ``tmp_`` file is left behind."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from transship.cli.hints import interrupt_hint, without_clean_flags

BIG_ROWS = 400_000  # about 55 MB: a second or more of COPY, time enough to interrupt it


def test_the_hint_names_the_command_without_the_clean_flags() -> None:
    args = ["import", "data", "-e", "/x", "--start-clean", "--truncate-tables=true", "--batch-size", "10"]
    assert without_clean_flags(args) == ["import", "data", "-e", "/x", "--batch-size", "10"]
    assert without_clean_flags(["--start-clean", "true", "--yes"]) == ["--yes"]
    plain = interrupt_hint("export data", {"start_clean": False}, ["export", "data"])
    assert plain == "interrupted; re-run the same command to resume"
    # set in the config file, not on the command line: switched off explicitly
    from_config = interrupt_hint("export data", {"start_clean": True}, ["export", "data", "-c", "c.yml"])
    assert from_config.endswith("transship export data -c c.yml --start-clean false"), from_config
    schema = interrupt_hint("import schema", {"start_clean": True}, ["import", "schema", "--start-clean"])
    assert "re-run the same command" in schema and "starts again from the beginning" in schema


def test_interrupted_start_clean_names_the_command_that_resumes(pg_server, pg_db, export_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 4) AS payload"
            f" FROM generate_series(1, {BIG_ROWS}) g; ANALYZE big;"
            " CREATE TABLE small AS SELECT generate_series(1, 10) AS id"
        )
    source = ["--source-db-type", "postgresql", "--source-db-host", pg_server.host,
              "--source-db-port", str(pg_server.port), "--source-db-user", pg_server.user,
              "--source-db-name", pg_db, "--source-db-schema", "public"]  # fmt: skip
    args = ["export", "data", "-e", str(export_dir), *source, "--disable-pb", "--parallel-jobs", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "transship", *args, "--start-clean", "true", "--yes"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1", TRANSSHIP_EXPORT_CHUNK_ROWS="0"),  # one file per table
    )  # fmt: skip
    data = export_dir / "data"
    deadline = time.monotonic() + 60
    try:
        # the small table is finished and the big one is being written
        while not ((data / "tmp_big_data.sql").is_file() and (data / "small_data.sql").is_file()):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"export data ended before it could be interrupted: {proc.communicate()}")
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "to resume, re-run WITHOUT --start-clean/--truncate-tables" in lines[0], stderr
    named = shlex.split(lines[0].split(": ", 1)[1])
    assert named == ["transship", *args, "--yes"], named
    assert sorted(p.name for p in data.iterdir()) == ["small_data.sql"]  # no tmp_ file left
    again = run_cli(*named[1:], env={"TRANSSHIP_EXPORT_CHUNK_ROWS": "0"})
    assert "Resuming: 1 table(s)" in again.stdout and "Export of data complete: 2 table(s)" in again.stdout, (
        again
    )
    with (data / "big_data.sql").open("rb") as f:
        assert sum(1 for _ in f) == BIG_ROWS
