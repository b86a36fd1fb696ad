"""The target runs out of disk space (SQLSTATE 53100) during ``import data``: one line naming the target,
committed batches kept, and the same command finishes once there is room.

The target table is moved to a tablespace on a small tmpfs (mounted by the test; skipped where mounting is not
permitted), so only this test's table fills up — never the shared server's disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.testing.databases import PgServer, unique_name


@pytest.fixture
def small_tablespace(pg_server: PgServer) -> Iterator[tuple[str, Path]]:
    root = Path(tempfile.mkdtemp(prefix="transship-tblspc-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(root)], capture_output=True
    )
    if mounted.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip() or 'not permitted'})")
    name = unique_name("ts_small")
    try:
        shutil.chown(root, "postgres", "postgres")
        with pg_server.connect() as conn:
            conn.execute(f"CREATE TABLESPACE {name} LOCATION '{root}'")
        yield name, root
    finally:
        with pg_server.connect() as conn:  # the test dropped what it put there
            conn.execute(f"DROP TABLESPACE IF EXISTS {name}")
        subprocess.run(["umount", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_target_disk_full_then_room(
    pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir, small_tablespace
) -> None:
    tablespace, root = small_tablespace
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE fill (id int PRIMARY KEY, payload text)")
        conn.execute("INSERT INTO fill SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 40000) g")
    e = ["-e", str(export_dir)]
    src, tgt = source_flags(pg_server, pg_db, "public"), target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute(f"ALTER TABLE fill SET TABLESPACE {tablespace}")
    try:
        _fill_then_room(pg_server, pg_target_db, e, tgt, root)
    finally:  # the tablespace must be empty before it is dropped
        with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS fill")


def _fill_then_room(pg_server: PgServer, pg_target_db: str, e: list[str], tgt: list[str], root: Path) -> None:
    load = ["import", "data", *e, *tgt, "--disable-pb", "--batch-size", "2000", "--parallel-jobs", "1"]
    bad = run_cli(*load, check=False)
    assert bad.returncode == 1, bad
    lines = [ln for ln in bad.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "is out of disk space" in lines[0] and str(pg_server.port) in lines[0], bad
    assert "unexpected" not in bad.stderr
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        kept = conn.execute("SELECT count(*) FROM transship_metadata.import_batches").fetchone()[0]
        assert kept > 0, "committed batches are kept"
    subprocess.run(["mount", "-o", "remount,size=64m", str(root)], check=True)
    again = run_cli(*load)
    assert "Resuming import" in again.stdout and "Import data complete" in again.stdout
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT count(*), sum(length(payload)) FROM fill").fetchone() == (
            40000,
            40000 * 192,
        )
    assert os.path.ismount(root)
