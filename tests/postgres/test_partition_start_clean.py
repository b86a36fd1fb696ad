"""``--start-clean --truncate-tables`` never empties more than ``--table-list`` names.

A leaf partition's rows load through its partitioned root, and ``TRUNCATE`` of the root empties every
partition: on main, ``--table-list m1`` truncated ``m2`` and ``m3`` too, whose rows the ledger still counted.
"""

from __future__ import annotations

import psycopg

from tests.conftest import run_cli
from tests.e2e.pgflow import load_sql, migrate, target_flags
from transship.testing.databases import PgServer

SOURCE = """
CREATE TABLE m (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (1) TO (1000);
CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (1000) TO (2000);
CREATE TABLE m3 PARTITION OF m DEFAULT;
INSERT INTO m SELECT g, 'v' || g FROM generate_series(1, 2500) g;
"""


def test_truncating_one_partition_is_refused(
    pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir, tmp_path
) -> None:
    script = tmp_path / "source.sql"
    script.write_text(SOURCE, encoding="utf-8")
    load_sql(pg_server, pg_db, script)
    migrate(pg_server, pg_db, pg_target_db, "public", export_dir)
    e = ["-e", str(export_dir), *target_flags(pg_server, pg_target_db), "--disable-pb"]
    clean = ["--start-clean", "true", "--truncate-tables", "true"]
    bad = run_cli("import", "data", *e, *clean, "--table-list", "m1", check=False)
    assert bad.returncode == 1, bad
    assert (
        "--truncate-tables would empty all of public.m, but --table-list leaves out its partition(s) m2, m3"
        in bad.stderr
    )
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT count(*) FROM m").fetchone() == (2500,)
    run_cli("import", "data", *e, *clean, "--table-list", "m")
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT count(*) FROM m").fetchone() == (2500,)
