"""Comparing what arrived with what left: row counts, and content digests where both sides are PostgreSQL.

The digest of a table is the md5 of all its rows' text, ordered by primary key (by the whole row when there is
none), computed by each server itself: no row crosses the network twice.
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


def primary_key(conn: psycopg.Connection, schema: str, name: str) -> list[str]:
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY k(attnum, o) ON true "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY k.o",
        (sql.Identifier(schema, name).as_string(conn),),
    ).fetchall()
    return [str(r[0]) for r in rows]


def table_digest(
    conn: psycopg.Connection, schema: str, name: str, key: list[str] | None = None
) -> tuple[int, str]:
    """(row count, md5 of the rows in key order). Run with the same settings on both sides (UTC, float digits)."""
    key = primary_key(conn, schema, name) if key is None else key
    order = sql.SQL(", ").join(sql.Identifier(k) for k in key) if key else sql.SQL("t::text")
    query = sql.SQL(
        "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY {})), '') FROM {} t"
    ).format(order, _from(conn, schema, name))
    row = conn.execute(query).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def prepare_for_digests(conn: psycopg.Connection) -> None:
    """Settings that make row text identical on both sides."""
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute("SET extra_float_digits = 3")
    conn.execute("SET DateStyle = 'ISO, MDY'")
    conn.execute("SET IntervalStyle = 'postgres'")
