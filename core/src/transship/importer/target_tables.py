"""What import data asks of and does to the target's tables, each as one function over a connection
(identifiers always quoted by psycopg)."""

from __future__ import annotations

import psycopg
from psycopg import sql

Table = tuple[str, str]


def has_rows(conn: psycopg.Connection, schema: str, table: str) -> bool:
    """True when the table holds at least one row (reads one row, never counts)."""
    row = conn.execute(
        sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(schema, table))
    ).fetchone()
    return row == (True,)


def relation_exists(conn: psycopg.Connection, schema: str, name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s)", (sql.Identifier(schema, name).as_string(conn),)).fetchone()
    return row is not None and row[0] is not None


def truncate(conn: psycopg.Connection, tables: list[Table]) -> None:
    """One TRUNCATE of all ``tables`` (so foreign keys among them do not refuse it)."""
    if tables:
        conn.execute(
            sql.SQL("TRUNCATE TABLE {}").format(sql.SQL(", ").join(sql.Identifier(s, n) for s, n in tables))
        )


def replica_role_allowed(conn: psycopg.Connection) -> bool:
    """True when this user may ``SET session_replication_role`` (switches off FK checks and user triggers)."""
    try:
        conn.execute("SET session_replication_role TO replica")
        conn.execute("RESET session_replication_role")
        return True
    except psycopg.errors.InsufficientPrivilege:
        return False


def foreign_key_parents(conn: psycopg.Connection) -> list[tuple[Table, Table]]:
    """``(child, parent)`` for every foreign key of the database."""
    rows = conn.execute(
        "SELECT cn.nspname, c.relname, pn.nspname, p.relname FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace "
        "JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE k.contype = 'f'"
    ).fetchall()
    return [((cs, ct), (ps, pt)) for cs, ct, ps, pt in rows]


_ENABLE = {"O": "ENABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA"}


def firing_triggers(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, ``pg_trigger.tgenabled``) of the table's user triggers that are not disabled."""
    rows = conn.execute(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal"
        " AND tgenabled <> 'D' ORDER BY 1",
        (sql.Identifier(schema, table).as_string(conn),),
    ).fetchall()
    return [(str(n), str(s)) for n, s in rows]


def disable_triggers(conn: psycopg.Connection, schema: str, table: str, names: list[str]) -> None:
    """``ALTER TABLE ... DISABLE TRIGGER`` each of ``names``."""
    for name in names:
        conn.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                sql.Identifier(schema, table), sql.Identifier(name)
            )
        )


def restore_triggers(
    conn: psycopg.Connection, schema: str, table: str, states: list[tuple[str, str]]
) -> None:
    """Put each trigger back in the state :func:`firing_triggers` read (one a user dropped since is skipped)."""
    for name, state in states:
        found = conn.execute(
            "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s",
            (sql.Identifier(schema, table).as_string(conn), name),
        ).fetchone()
        if found:
            conn.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                    sql.Identifier(schema, table), sql.SQL(_ENABLE.get(state, "ENABLE")), sql.Identifier(name)
                )
            )


def restore_sequence(
    conn: psycopg.Connection, schema: str | None, name: str, value: int, called: bool
) -> str | None:
    """``setval`` of one sequence; returns its qualified name when the target has no such sequence."""
    ident = sql.Identifier(schema, name) if schema else sql.Identifier(name)
    text = ident.as_string(conn)
    row = conn.execute("SELECT to_regclass(%s)", (text,)).fetchone()
    if row is None or row[0] is None:
        return text
    conn.execute("SELECT pg_catalog.setval(%s::regclass, %s, %s)", (text, int(value), bool(called)))
    return None
