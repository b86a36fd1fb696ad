"""Create and drop uniquely named databases on the real PostgreSQL and MariaDB servers.

Connection defaults follow the project's test services (127.0.0.1, trust auth) and can be changed with
``TRANSSHIP_TEST_PG_HOST/PORT/USER`` and ``TRANSSHIP_TEST_MYSQL_HOST/PORT/USER/PASSWORD``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class PgServer:
    host: str = os.environ.get("TRANSSHIP_TEST_PG_HOST", "127.0.0.1")
    port: int = int(os.environ.get("TRANSSHIP_TEST_PG_PORT", "5432"))
    user: str = os.environ.get("TRANSSHIP_TEST_PG_USER", "postgres")

    def conninfo(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(host=self.host, port=self.port, user=self.user, dbname=dbname)

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit)


@dataclass(frozen=True)
class MySQLServer:
    host: str = os.environ.get("TRANSSHIP_TEST_MYSQL_HOST", "127.0.0.1")
    port: int = int(os.environ.get("TRANSSHIP_TEST_MYSQL_PORT", "3306"))
    user: str = os.environ.get("TRANSSHIP_TEST_MYSQL_USER", "root")
    password: str = os.environ.get("TRANSSHIP_TEST_MYSQL_PASSWORD", "")

    def connect(self, database: str | None = None, **kw):
        import pymysql

        return pymysql.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, database=database,
            charset="utf8mb4", autocommit=True, **kw,
        )  # fmt: skip


def unique_name(prefix: str) -> str:
    """``<prefix>_<12 hex chars>``: safe as an unquoted identifier in both servers."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@contextmanager
def temp_pg_database(server: PgServer, prefix: str = "ts") -> Iterator[str]:
    """A fresh empty PostgreSQL database, dropped (with its connections) afterwards."""
    name = unique_name(prefix)
    with server.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with server.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def temp_mysql_database(server: MySQLServer, prefix: str = "ts") -> Iterator[str]:
    """A fresh empty MariaDB/MySQL database (utf8mb4), dropped afterwards."""
    name = unique_name(prefix)
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()
    try:
        yield name
    finally:
        conn = server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            conn.close()
