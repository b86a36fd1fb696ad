"""import data into a target that lacks the tables (import schema not run) or their columns names each table once,
however many leaf partitions were exported for it (mixed-case schema and names, a sub-partitioned partition)."""

from __future__ import annotations

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags

SOURCE = """
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Order" (id int, "Region" text, v int) PARTITION BY LIST ("Region");
CREATE TABLE "Sales"."Order_East" PARTITION OF "Sales"."Order" FOR VALUES IN ('East');
CREATE TABLE "Sales"."Order_West" PARTITION OF "Sales"."Order" FOR VALUES IN ('West');
CREATE TABLE "Sales"."Order_North" PARTITION OF "Sales"."Order" FOR VALUES IN ('North') PARTITION BY RANGE (id);
CREATE TABLE "Sales"."Order_North_1" PARTITION OF "Sales"."Order_North" FOR VALUES FROM (0) TO (100);
CREATE TABLE "Sales"."Order_North_2" PARTITION OF "Sales"."Order_North" FOR VALUES FROM (100) TO (1000);
INSERT INTO "Sales"."Order" SELECT g, (ARRAY['East', 'West', 'North'])[g % 3 + 1], g FROM generate_series(1, 300) g;
CREATE TABLE "Sales"."Plain" (id int);
INSERT INTO "Sales"."Plain" VALUES (1);
"""


def _exported(pg_server, pg_db, export_dir) -> list[str]:
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "Sales"))
    run_cli("export", "data", *e, *source_flags(pg_server, pg_db, "Sales"), "--disable-pb")
    assert len(list((export_dir / "data").glob("*rder_*_data.sql"))) == 4  # one file per leaf partition
    return e


def _error_line(result) -> str:
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert result.returncode == 1 and len(lines) == 1, result
    return lines[0]


def test_an_empty_target_lists_a_partitioned_table_once(pg_server, pg_db, pg_target_db, export_dir):
    e = _exported(pg_server, pg_db, export_dir)
    line = _error_line(
        run_cli("import", "data", *e, *target_flags(pg_server, pg_target_db), "--disable-pb", check=False)
    )
    assert line.startswith('ERROR: the target lacks table(s): "Sales"."Order", "Sales"."Plain" — fix: '), line


def test_a_partitioned_table_lacking_a_column_is_listed_once(pg_server, pg_db, pg_target_db, export_dir):
    e = _exported(pg_server, pg_db, export_dir)
    with pg_server.connect(pg_target_db) as conn:
        conn.execute(
            'CREATE SCHEMA "Sales"; CREATE TABLE "Sales"."Order" (id int, "Region" text) PARTITION BY LIST ("Region");'
            'CREATE TABLE "Sales"."Plain" (id int)'
        )
    line = _error_line(
        run_cli("import", "data", *e, *target_flags(pg_server, pg_target_db), "--disable-pb", check=False)
    )
    assert line.startswith('ERROR: target table(s) lack exported column(s): "Sales"."Order" (v) — fix: '), (
        line
    )
