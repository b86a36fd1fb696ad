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


def _owned_by(pg_server, tgt: str, role: str) -> list[str]:
    """Make ``role`` own the target database and its public schema; the target flags that log in as it."""
    with pg_server.connect(tgt) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(tgt), sql.Identifier(role))
        )
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(role)))
    return ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port),
            "--target-db-user", role, "--target-db-name", tgt]  # fmt: skip


def test_import_data_falls_back_without_superuser(pg_server, pg_db, plain_role, export_dir):
    load_sql(
        pg_server,
        pg_db,
        EXAMPLES / "sample-postgres" / "schema.sql",
        EXAMPLES / "sample-postgres" / "data.sql",
    )
    with temp_pg_database(pg_server, "ts_tgt") as tgt:
        tflags = _owned_by(pg_server, tgt, plain_role)
        e = ["-e", str(export_dir)]
        src = source_flags(pg_server, pg_db, "public,inventory")
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


def test_triggers_come_back_as_they_were_also_after_a_kill(pg_server, pg_db, plain_role, export_dir):
    """Without session_replication_role the load turns the table's firing triggers off one by one and puts each
    back in its own state (a disabled one stays disabled, an ALWAYS one stays ALWAYS: ENABLE TRIGGER USER made
    them all plain enabled); a run killed mid-load leaves them recorded, and the next run puts them back first."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE t (id int PRIMARY KEY, v text);"
            "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := 'changed'; RETURN NEW; END $$;"
            "CREATE TRIGGER on_t BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();"
            "CREATE TRIGGER off_t BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"
            "CREATE TRIGGER alw_t BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"
            "ALTER TABLE t DISABLE TRIGGER off_t; ALTER TABLE t ENABLE ALWAYS TRIGGER alw_t;"
        )
        conn.execute("ALTER TABLE t DISABLE TRIGGER alw_t")  # the rows go in as they are
        conn.execute("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g")
        conn.execute("ALTER TABLE t ENABLE ALWAYS TRIGGER alw_t")
    states = "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'public.t'::regclass ORDER BY 1"
    with temp_pg_database(pg_server, "ts_tgt") as tgt:
        tflags = _owned_by(pg_server, tgt, plain_role)
        e = ["-e", str(export_dir)]
        src = source_flags(pg_server, pg_db, "public")
        run_cli("export", "schema", *e, *src)
        run_cli("export", "data", *e, *src, "--disable-pb")
        run_cli("import", "schema", *e, *tflags)
        with pg_server.connect(tgt) as conn:
            before = conn.execute(states).fetchall()
        assert dict(before) == {"alw_t": "A", "off_t": "D", "on_t": "O"}, before
        killed = run_cli(
            "import", "data", *e, *tflags, "--batch-size", "100", "--parallel-jobs", "1", "--disable-pb",
            env={"TRANSSHIP_CRASH_AT": "import.batch_committed@2"}, check=False,
        )  # fmt: skip
        assert killed.returncode != 0
        with pg_server.connect(tgt) as conn:
            assert {s for _, s in conn.execute(states).fetchall()} == {"D"}  # left off by the killed run
        again = run_cli("import", "data", *e, *tflags, "--batch-size", "100", "--disable-pb")
        assert "Triggers an interrupted import had disabled are enabled again on: public.t." in again.stdout
        with pg_server.connect(tgt) as conn:
            assert conn.execute(states).fetchall() == before
            assert conn.execute("SELECT count(*) FROM t WHERE v = 'changed'").fetchone()[0] == 0
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 500
            conn.execute("DROP OWNED BY " + sql.Identifier(plain_role).as_string(conn))
