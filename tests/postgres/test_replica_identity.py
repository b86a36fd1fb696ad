"""``ALTER TABLE ... REPLICA IDENTITY`` reaches a PostgreSQL target (it was skipped without a word, so logical
replication or CDC after the migration behaved differently); a target that does not take it (YugabyteDB) skips
it and import schema lists the statements it skipped."""

from __future__ import annotations

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.importer.schema import SchemaImporter
from transship.schema_files import existing_object_types, read_schema_files

SOURCE = """
CREATE TABLE ri (id int PRIMARY KEY, u int NOT NULL, v text);
CREATE UNIQUE INDEX ri_u ON ri (u);
ALTER TABLE ri REPLICA IDENTITY USING INDEX ri_u;
CREATE TABLE rf (id int PRIMARY KEY, v text);
ALTER TABLE rf REPLICA IDENTITY FULL;
INSERT INTO ri SELECT g, g * 2, 'v' FROM generate_series(1, 500) g;
INSERT INTO rf SELECT g, 'v' FROM generate_series(1, 500) g;
"""
IDENTITIES = """
SELECT c.relname, c.relreplident,
       (SELECT ci.relname FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
        WHERE i.indrelid = c.oid AND i.indisreplident)
FROM pg_class c WHERE c.relname IN ('ri', 'rf') ORDER BY 1
"""


def test_replica_identities_reach_a_postgresql_target(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
        source = conn.execute(IDENTITIES).fetchall()
    assert source == [("rf", "f", None), ("ri", "i", "ri_u")]
    e, src, tgt = (
        ["-e", str(export_dir)],
        source_flags(pg_server, pg_db, "public"),
        target_flags(pg_server, pg_target_db),
    )
    run_cli("export", "schema", *e, *src)
    run_cli("import", "schema", *e, *tgt)
    with pg_server.connect(pg_target_db) as conn:
        assert conn.execute(IDENTITIES).fetchall() == source
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli(
        "import", "data", *e, *tgt, "--parallel-jobs", "2", "--disable-pb"
    )  # indexes deferred for the load
    with pg_server.connect(pg_target_db) as conn:
        assert conn.execute(IDENTITIES).fetchall() == source
    run_cli("verify", *e, *tgt)


def test_a_target_without_replica_identities_lists_what_it_skipped(
    pg_server, pg_db, pg_target_db, export_dir
):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
    run_cli("export", "schema", "-e", str(export_dir), *source_flags(pg_server, pg_db, "public"))
    schema_dir = export_dir / "schema"
    statements = read_schema_files(schema_dir, existing_object_types(schema_dir))
    with pg_server.connect(pg_target_db) as conn:
        conn.autocommit = True
        importer = SchemaImporter(
            conn=conn,
            ignore_exist=False,
            continue_on_error=False,
            schema_dir=schema_dir,
            replica_identity=False,
        )
        result = importer.run(statements)
        assert not result.failed
        assert len(result.skipped_replica_identity) == 2
        assert all(where.startswith("schema/tables/") for where in result.skipped_replica_identity)
        assert conn.execute(IDENTITIES).fetchall() == [("rf", "d", None), ("ri", "d", None)]
