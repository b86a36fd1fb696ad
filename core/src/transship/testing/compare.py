"""Table-by-table comparison of two PostgreSQL databases (row counts and content hashes).

Used by the demo and the end-to-end tests: for every table (partitioned tables through their root) the
md5 of all rows, ordered by primary key (or by the whole row when there is none), is computed on each
side by the servers themselves.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from transship.verify import prepare_for_digests, table_digest

_TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition AND n.nspname = ANY(%s)
ORDER BY 1, 2
"""


def table_digests(conninfo: str, schemas: list[str]) -> dict[str, tuple[int, str]]:
    """``schema.table`` -> (row count, md5 of the rows in key order)."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(conninfo) as conn:
        prepare_for_digests(conn)
        for schema, name in conn.execute(_TABLES, (schemas,)).fetchall():
            out[f"{schema}.{name}"] = table_digest(conn, schema, name)
    return out


def compare_pg_databases(
    source: str, target: str, schemas: list[str]
) -> tuple[list[tuple[str, int, int, bool]], bool]:
    """Rows of (table, source count, target count, same content) and whether everything matched."""
    a = table_digests(source, schemas)
    b = table_digests(target, schemas)
    rows = []
    for name in sorted(set(a) | set(b)):
        ca, da = a.get(name, (-1, "missing"))
        cb, db = b.get(name, (-1, "missing"))
        rows.append((name, ca, cb, ca == cb and da == db))
    return rows, all(r[3] for r in rows)


def sequence_values(conninfo: str, schemas: list[str]) -> dict[str, tuple[int | None, bool]]:
    """``schema.sequence`` -> (last_value, is_called): equal on both sides means equal next values."""
    out: dict[str, tuple[int | None, bool]] = {}
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = ANY(%s)", (schemas,)
        ).fetchall()
        for schema, name in rows:
            last, called = conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(schema, name))
            ).fetchone()  # type: ignore[misc]
            out[f"{schema}.{name}"] = (last, called)
    return out


def schema_dump(
    dbname: str, schemas: list[str], host: str = "127.0.0.1", port: int = 5432, user: str = "postgres"
) -> str:
    """``pg_dump --schema-only`` of ``schemas`` without owners, privileges and psql meta-commands."""
    import subprocess

    args = [
        "pg_dump",
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        "-h",
        host,
        "-p",
        str(port),
        "-U",
        user,
        "-d",
        dbname,
    ]
    for schema in schemas:
        args += ["--schema", schema]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return "\n".join(line for line in out.splitlines() if not line.startswith("\\"))
