"""Memory stays bounded and flat as tables grow: export data and import data of twice the rows (with rows of
128 KB among them) peak at about the same RSS, below 300 MB; measured per process with wait4's rusage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

from tests.bigvalues import run_cli_measured
from transship.testing.databases import PgServer, temp_pg_database

LIMIT_KB = 300 * 1024


def _migrate(pg: PgServer, rows: int, wide: int, work: Path) -> tuple[int, int]:
    with temp_pg_database(pg, "ts_mem_src") as src, temp_pg_database(pg, "ts_mem_tgt") as tgt:
        with psycopg.connect(pg.conninfo(src), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, small text, big text)")
            conn.execute(
                "INSERT INTO t SELECT g, md5(g::text), CASE WHEN g %% 200 = 0 THEN repeat(md5(g::text), %s) END"
                " FROM generate_series(1, %s) g",
                (wide // 32, rows),
            )
        e = ["-e", str(work)]
        work.mkdir()
        source = ["--source-db-type", "postgresql", "--source-db-host", pg.host, "--source-db-port", str(pg.port),
                  "--source-db-user", pg.user, "--source-db-name", src, "--source-db-schema", "public"]  # fmt: skip
        target = ["--target-db-host", pg.host, "--target-db-port", str(pg.port), "--target-db-user", pg.user,
                  "--target-db-name", tgt]  # fmt: skip
        subprocess.run([sys.executable, "-m", "transship", "export", "schema", *e, *source], check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([sys.executable, "-m", "transship", "import", "schema", *e, *target], check=True,
                       capture_output=True)  # fmt: skip
        export = _peak(["export", "data", *e, *source, "--disable-pb"])
        load = _peak(["import", "data", *e, *target, "--disable-pb", "--batch-size", "20000"])
        with psycopg.connect(pg.conninfo(tgt)) as conn:
            assert conn.execute("SELECT count(*) FROM t").fetchone() == (rows,)
        return export, load


def _peak(argv: list[str]) -> int:
    """Peak RSS in KB of ``transship ARGV`` (with its children), through tests.bigvalues' launcher: a process
    forked straight from the pytest worker would report the worker's own peak."""
    run = run_cli_measured(*argv)
    return run.peak_rss // 1024


def test_peak_memory_is_bounded_and_flat_as_rows_grow(pg_server: PgServer, tmp_path: Path) -> None:
    small = _migrate(pg_server, 60_000, 128 * 1024, tmp_path / "small")
    large = _migrate(pg_server, 120_000, 128 * 1024, tmp_path / "large")
    print(f"peak RSS KB: small {small}, large {large}")
    for (step, a), b in zip((("export data", small[0]), ("import data", small[1])), large, strict=True):
        assert b < LIMIT_KB, f"{step}: {b / 1024:.0f} MB"
        assert b < a * 1.25 + 16 * 1024, f"{step} grew with the rows: {a / 1024:.0f} MB -> {b / 1024:.0f} MB"
