"""PostgreSQL export writes dates, times, intervals, floats and bytea in one form whatever the source
database or role sets (DateStyle, TimeZone, IntervalStyle, extra_float_digits): both drivers, psql and psycopg."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags
from transship_postgres.psql_copy import DRIVER_ENV


@pytest.mark.parametrize("driver", ["psql", "psycopg"])
def test_dates_times_and_floats_are_exported_in_a_form_the_target_reads_back_unchanged(
    pg_server, pg_db, tmp_path: Path, driver: str
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, d date, tz timestamptz, r real)")
        conn.execute("INSERT INTO t VALUES (1, '2024-06-01', '2024-06-01 12:00:00+00', 1/3.0)")
        conn.execute(f"ALTER DATABASE {pg_db} SET DateStyle = 'SQL, DMY'")
        conn.execute(f"ALTER DATABASE {pg_db} SET TimeZone = 'Asia/Kolkata'")
        conn.execute(f"ALTER DATABASE {pg_db} SET extra_float_digits = 0")
    src = source_flags(pg_server, pg_db, "public")
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src)
    run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", env={DRIVER_ENV: driver})
    line = (export_dir / "data" / "t_data.sql").read_text()
    # what a target session with default settings (DateStyle ISO, MDY; Default abbreviations) reads back
    with pg_server.connect("postgres") as conn:
        conn.execute("SET DateStyle = 'ISO, MDY'")
        conn.execute("SET TimeZone = 'UTC'")
        _, d, tz, r = line.rstrip("\n").split("\t")
        back = conn.execute(
            "SELECT %s::date = '2024-06-01', %s::timestamptz = '2024-06-01 12:00:00+00', %s::real = (1/3.0)::real",
            (d, tz, r),
        ).fetchone()
    # on the old code: the file holds "01/06/2024\t01/06/2024 17:30:00 IST\t0.333333": read back as 6 January,
    # 6 January 15:30 UTC (IST = Israel in the Default abbreviations), and a rounded real
    assert back == (True, True, True), line
