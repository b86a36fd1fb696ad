"""A target user that may not SET session_replication_role: clear note, triggers off per table, parents first."""

from __future__ import annotations

import pytest
from psycopg import sql

from tests.conftest import EXAMPLES, run_cli
from tests.e2e.pgflow import load_sql, source_flags
from transship.testing.compare import compare_pg_databases
from transship.testing.databases import temp_pg_database, unique_name


@pytest.fixture
def plain_role(pg_server):
    name = unique_name("ts_role")
    with pg_server.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with pg_server.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_import_data_falls_back_without_superuser(pg_server, pg_db, plain_role, export_dir):
    load_sql(
        pg_server,
        pg_db,
        EXAMPLES / "sample-postgres" / "schema.sql",
        EXAMPLES / "sample-postgres" / "data.sql",
    )
    with temp_pg_database(pg_server, "ts_tgt") as tgt:
        with pg_server.connect(tgt) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(tgt), sql.Identifier(plain_role)
                )
            )
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(plain_role)))
        e = ["-e", str(export_dir)]
        src = source_flags(pg_server, pg_db, "public,inventory")
        tflags = [
            "--target-db-host",
            pg_server.host,
            "--target-db-port",
            str(pg_server.port),
            "--target-db-user",
            plain_role,
            "--target-db-name",
            tgt,
        ]
        run_cli("export", "schema", *e, *src)
        run_cli("export", "data", *e, *src, "--disable-pb")
        run_cli("import", "schema", *e, *tflags)
        res = run_cli("import", "data", *e, *tflags, "--batch-size", "400", "--disable-pb")
        assert "may not SET session_replication_role" in res.stdout
        assert "GRANT SET ON PARAMETER session_replication_role" in res.stdout
        run_cli("finalize-schema-post-data-import", *e, *tflags, "--refresh-mviews")
        rows, ok = compare_pg_databases(
            pg_server.conninfo(pg_db), pg_server.conninfo(tgt), ["public", "inventory"]
        )
        assert ok, [r for r in rows if not r[3]]
        with pg_server.connect(tgt) as conn:
            # user triggers are enabled again after the load
            states = {
                r[0]
                for r in conn.execute("SELECT tgenabled FROM pg_trigger WHERE NOT tgisinternal").fetchall()
            }
            assert states == {"O"}
            conn.execute("DROP OWNED BY " + sql.Identifier(plain_role).as_string(conn))
