"""What ``transship verify`` costs beside the cheapest full read: ``count(*)`` plus one full scan of every
table on the source and on the target (the slower side is the reference)."""

from __future__ import annotations

import time

import psycopg
from psycopg import sql

from benchlib.databases import MySQLServer, PgServer


def pg_scan_s(pg: PgServer, db: str, schema: str = "public", only: str | None = None) -> float:
    """Seconds for count(*) and a scan that reads every value of every table of ``schema`` (or of ``only``)."""
    with psycopg.connect(pg.conninfo(db), autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
            if only is None or r[0] == only
        ]
        t0 = time.perf_counter()
        for name in tables:
            ident = sql.Identifier(schema, name)
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()
            conn.execute(sql.SQL("SELECT sum(length(t::text)) FROM {} t").format(ident)).fetchone()
        return time.perf_counter() - t0


def mysql_scan_s(mysql: MySQLServer, db: str, only: str | None = None) -> float:
    """The same on MariaDB: COUNT(*) and SUM(LENGTH(CONCAT_WS('|', <every column>))) per table."""
    conn = mysql.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, GROUP_CONCAT(CONCAT('`', REPLACE(column_name, '`', '``'), '`') ORDER BY ordinal_position) "
                "FROM information_schema.columns WHERE table_schema = %s GROUP BY table_name",
                (db,),
            )
            tables = [t for t in cur.fetchall() if only is None or t[0] == only]
            t0 = time.perf_counter()
            for name, columns in tables:
                quoted = "`" + str(name).replace("`", "``") + "`"
                cur.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 - quoted identifiers
                cur.fetchall()
                cur.execute(f"SELECT SUM(LENGTH(CONCAT_WS('|', {columns}))) FROM {quoted}")  # noqa: S608 - quoted identifiers
                cur.fetchall()
            return time.perf_counter() - t0
    finally:
        conn.close()
