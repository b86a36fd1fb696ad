"""The two database servers the benchmark uses: create, load, count and drop its databases."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from urllib.parse import quote

import psycopg
import pymysql
from psycopg import sql

#: per-table aggregates compared between source and every target (cheap, type-neutral content checks:
#: they catch lost rows, NULLs turned into values and truncated large values)
CHECKS: dict[str, list[tuple[str, str, str]]] = {
    # table: [(label, MySQL expression, PostgreSQL expression)]
    "customers": [
        ("rows", "COUNT(*)", "count(*)"),
        ("notes not null", "COUNT(notes)", "count(notes)"),
        ("notes chars", "COALESCE(SUM(CHAR_LENGTH(notes)), 0)", "coalesce(sum(char_length(notes)), 0)"),
    ],
    "orders": [
        ("rows", "COUNT(*)", "count(*)"),
        ("created_at not null", "COUNT(created_at)", "count(created_at)"),
        ("sum amount", "COALESCE(SUM(amount), 0)", "coalesce(sum(amount), 0)"),
    ],
    "documents": [
        ("rows", "COUNT(*)", "count(*)"),
        ("body chars", "COALESCE(SUM(CHAR_LENGTH(body)), 0)", "coalesce(sum(char_length(body)), 0)"),
        (
            "attachment bytes",
            "COALESCE(SUM(LENGTH(attachment)), 0)",
            "coalesce(sum(octet_length(attachment)), 0)",
        ),
    ],
}
TABLES = list(CHECKS)


def _mysql_ident(name: str) -> str:
    """A MySQL identifier in backquotes (backquotes inside doubled)."""
    return "`" + name.replace("`", "``") + "`"


@dataclass
class PgServer:
    """Where the PostgreSQL server is (source and targets live on the same one)."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default_factory=lambda: os.environ.get("PGPASSWORD", ""))

    def conninfo(self, db: str = "postgres") -> str:
        """A libpq URI for ``db``."""
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(db, safe='')}"

    def cli_env(self) -> dict[str, str]:
        """libpq environment for psql / pg_dump / pg_restore."""
        env = {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def execute(self, statement: sql.SQL | sql.Composed, db: str = "postgres") -> None:
        """Run one statement in autocommit (CREATE/DROP DATABASE need it)."""
        with psycopg.connect(self.conninfo(db), autocommit=True) as conn:
            conn.execute(statement)

    def create(self, db: str) -> None:
        """Create an empty database."""
        self.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))

    def drop(self, db: str) -> None:
        """Drop a database, ending its sessions first."""
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))

    def checkpoint(self) -> None:
        """Write dirty buffers now, so the previous run's writes are not charged to the next one."""
        self.execute(sql.SQL("CHECKPOINT"))

    def load(self, db: str, script: str) -> None:
        """Run a SQL script with psql (stops at the first error)."""
        subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", "-"],
            input=script.encode(),
            env={**os.environ, **self.cli_env(), "PGOPTIONS": "-c client_min_messages=warning"},
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def version(self) -> str:
        """server_version."""
        with psycopg.connect(self.conninfo()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def find_table(self, db: str, table: str) -> tuple[str, str] | None:
        """(schema, table) of the one user table named ``table`` in any schema (tools differ in where they put it)."""
        with psycopg.connect(self.conninfo(db)) as conn:
            rows = conn.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND lower(c.relname) = lower(%s) "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'",
                (table,),
            ).fetchall()
        return (rows[0][0], rows[0][1]) if len(rows) == 1 else None

    def checks(self, db: str) -> dict[str, dict[str, str]]:
        """table -> check label -> value (as text), for the tables of :data:`CHECKS`; missing tables are absent."""
        out: dict[str, dict[str, str]] = {}
        for table, checks in CHECKS.items():
            where = self.find_table(db, table)
            if where is None:
                continue
            exprs = sql.SQL(", ").join(sql.SQL(pg_expr) for _, _, pg_expr in checks)
            query = sql.SQL("SELECT {} FROM {}").format(exprs, sql.Identifier(*where))
            with psycopg.connect(self.conninfo(db)) as conn:
                row = conn.execute(query).fetchone()
            assert row is not None
            out[table] = {label: str(value) for (label, _, _), value in zip(checks, row, strict=True)}
        return out


@dataclass
class MySQLServer:
    """Where the MariaDB/MySQL source server is."""

    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = field(default_factory=lambda: os.environ.get("MYSQL_PWD", ""))

    def connect(self, db: str | None = None) -> pymysql.connections.Connection:
        """A pymysql connection (autocommit)."""
        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=db,
            autocommit=True,
        )

    def execute(self, statement: str) -> None:
        """Run one statement."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def create(self, db: str) -> None:
        """Create an empty utf8mb4 database."""
        self.execute(f"CREATE DATABASE {_mysql_ident(db)} CHARACTER SET utf8mb4")

    def drop(self, db: str) -> None:
        """Drop a database if it exists."""
        self.execute(f"DROP DATABASE IF EXISTS {_mysql_ident(db)}")

    def load(self, db: str, script: str) -> None:
        """Run a SQL script with the mariadb (or mysql) client."""
        client = "mariadb" if _which("mariadb") else "mysql"
        env = {**os.environ, "MYSQL_PWD": self.password} if self.password else None
        subprocess.run(
            [client, "--protocol=tcp", "-h", self.host, "-P", str(self.port), "-u", self.user, db],
            input=script.encode(),
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def version(self) -> str:
        """SELECT VERSION()."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT VERSION()")
                row = cur.fetchone()
        finally:
            conn.close()
        return str(row[0]) if row else "?"

    def url(self, db: str) -> str:
        """A ``mysql://`` URL for pgloader."""
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return f"mysql://{auth}@{self.host}:{self.port}/{quote(db, safe='')}"

    def checks(self, db: str) -> dict[str, dict[str, str]]:
        """table -> check label -> value (as text), like :meth:`PgServer.checks`."""
        out: dict[str, dict[str, str]] = {}
        conn = self.connect(db)
        try:
            with conn.cursor() as cur:
                for table, checks in CHECKS.items():
                    exprs = ", ".join(my_expr for _, my_expr, _ in checks)
                    # fixed expressions from CHECKS and a quoted identifier, no outside input
                    cur.execute(f"SELECT {exprs} FROM {_mysql_ident(table)}")  # noqa: S608
                    row = cur.fetchone()
                    assert row is not None
                    out[table] = {label: str(v) for (label, _, _), v in zip(checks, row, strict=True)}
        finally:
            conn.close()
        return out


def _which(name: str) -> bool:
    from shutil import which

    return which(name) is not None
