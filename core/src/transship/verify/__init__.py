"""Comparing what arrived with what left.

The package: canonical value text (``canonical``), chunk digests and located differences (``content``), the
PostgreSQL side (``postgres``), per-table verdicts and sequences (``tables``), schema objects (``objects``) and
the reports (``report``). This module keeps the plain PostgreSQL helpers other parts use: exact row counts and
a whole-table digest (the sum of a 64-bit slice of each row's md5: order-independent, duplicates count).
"""

from __future__ import annotations

import psycopg
from psycopg import sql


def relkind(conn: psycopg.Connection, schema: str, name: str) -> str | None:
    """``r`` (table), ``p`` (partitioned), ``m`` (materialized view) ... or None when absent."""
    row = conn.execute(
        "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s",
        (schema, name),
    ).fetchone()
    return str(row[0]) if row else None


def _from(conn: psycopg.Connection, schema: str, name: str) -> sql.Composable:
    # ONLY: the rows of inheritance children are counted with the child, not twice; a partitioned
    # table's rows are all in its partitions, so it is read whole
    kind = relkind(conn, schema, name)
    return sql.SQL("ONLY {}" if kind == "r" else "{}").format(sql.Identifier(schema, name))


def count_rows(conn: psycopg.Connection, schema: str, name: str) -> int:
    """Exact row count of one table (its own rows; a partitioned table: all partitions)."""
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_from(conn, schema, name))).fetchone()
    return int(row[0]) if row else 0


def table_digest(conn: psycopg.Connection, schema: str, name: str) -> tuple[int, str]:
    """(row count, digest of the rows): the sum of a 64-bit slice of each row's md5.

    Order-independent — no sort, no collation involved, no 1 GB string to build — and duplicates count, so two
    tables have the same digest when they hold the same multiset of rows (up to hash collisions).
    """
    query = sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0)::text "
        "FROM {} t"
    ).format(_from(conn, schema, name))
    row = conn.execute(query).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def prepare_for_digests(conn: psycopg.Connection) -> None:
    """Settings that make row text identical on both sides."""
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET extra_float_digits = 3")
    conn.execute("SET DateStyle = 'ISO, MDY'")
    conn.execute("SET IntervalStyle = 'postgres'")
