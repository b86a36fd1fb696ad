"""MySQL's ON UPDATE CURRENT_TIMESTAMP, as the trigger transship writes: the timestamp moves when a row really
changes, stays on a no-op UPDATE (also on a table with generated columns, whose values a BEFORE trigger does not
see yet) and keeps a value the statement sets itself."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.conftest import run_cli
from transship.testing.databases import MySQLServer, PgServer


def test_on_update_timestamp_follows_mysql(
    mysql_server: MySQLServer, mysql_db: str, pg_server: PgServer, pg_target_db: str, export_dir: Path
) -> None:
    with mysql_server.connect(mysql_db) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, doc JSON, doubled INT AS (a * 2) STORED,"
            " changed TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)"
        )
    src = ["--source-db-type", "mysql", "--source-db-host", mysql_server.host, "--source-db-port",
           str(mysql_server.port), "--source-db-user", mysql_server.user, "--source-db-name", mysql_db]  # fmt: skip
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user",
           pg_server.user, "--target-db-name", pg_target_db]  # fmt: skip
    env = {"SOURCE_DB_PASSWORD": mysql_server.password} if mysql_server.password else None
    run_cli("export", "schema", "-e", str(export_dir), *src, env=env)
    run_cli("import", "schema", "-e", str(export_dir), *tgt)
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("INSERT INTO public.t (id, a, changed) VALUES (1, 5, '2000-01-01 00:00:00')")

        def changed() -> object:
            return conn.execute("SELECT changed FROM public.t WHERE id = 1").fetchone()[0]  # type: ignore[index]

        start = changed()
        conn.execute("UPDATE public.t SET a = a WHERE id = 1")  # no change: MySQL keeps the timestamp
        assert changed() == start
        conn.execute("UPDATE public.t SET a = 6 WHERE id = 1")  # a change: the timestamp moves
        moved = changed()
        assert moved != start
        conn.execute(
            "UPDATE public.t SET a = 7, changed = '2001-02-03 04:05:06' WHERE id = 1"
        )  # set by the statement
        assert str(changed()).startswith("2001-02-03 04:05:06")
        assert conn.execute("SELECT doubled FROM public.t WHERE id = 1").fetchone() == (14,)
