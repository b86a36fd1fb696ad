"""What import schema asks of and does to the target's schemas (identifiers always quoted by psycopg)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from transship.errors import ImportFailed


def use_schema(conn: psycopg.Connection, schema: str) -> str:
    """Create ``schema`` when missing; the ``SET search_path`` statement that puts it first."""
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    return sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)).as_string(conn)


def existing(conn: psycopg.Connection, schemas: list[str]) -> list[str]:
    """The ones of ``schemas`` the target has."""
    rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", (schemas,)).fetchall()
    return [r[0] for r in rows]


def drop(conn: psycopg.Connection, schemas: list[str]) -> None:
    """``DROP SCHEMA ... CASCADE`` of each, in one transaction (``public`` is created again, empty)."""
    with conn.transaction():  # all of them or none
        for s in schemas:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(s)))
            if s == "public":
                conn.execute("CREATE SCHEMA public")


def check_may_drop(conn: psycopg.Connection, schemas: list[str]) -> None:
    """Refuse --start-clean before dropping anything when the target user could not drop every schema (only
    its owner or a superuser may) or could not create them again (CREATE on the database)."""
    if not schemas:
        return
    user, may_create = conn.execute(
        "SELECT current_user, has_database_privilege(current_database(), 'CREATE')"
    ).fetchone()  # type: ignore[misc]
    not_owned = [
        r[0]
        for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) AND NOT pg_has_role(current_user, nspowner, 'USAGE')"
            " ORDER BY nspname",
            (schemas,),
        ).fetchall()
    ]
    if not_owned:
        raise ImportFailed(
            f"--start-clean: target user {user} may not drop schema(s) {', '.join(not_owned)} (only their owner or a superuser may); nothing was dropped",
            fix="run import schema --start-clean as the schemas' owner, or drop them by hand and re-run without --start-clean",
        )
    if not may_create:
        raise ImportFailed(
            f"--start-clean: target user {user} lacks CREATE on the target database, so the dropped schemas could not be created again; nothing was dropped",
            fix="GRANT CREATE ON DATABASE <target db> TO the target user, then re-run",
        )


def refresh_mviews(conn: psycopg.Connection, names: list[str], search_path: str | None) -> list[str]:
    """Refresh each materialized view, those that read one not yet populated after it; the names refreshed.

    ``names`` are identifiers as written in the exported DDL (quoted where they need it)."""
    if search_path:
        conn.execute(search_path)
    pending = names
    refreshed: list[str] = []
    while pending:
        retry = []
        for name in pending:
            try:
                conn.execute(f"REFRESH MATERIALIZED VIEW {name}")
                refreshed.append(name)
            except psycopg.Error as exc:
                message = exc.diag.message_primary or str(exc)
                if "has not been populated" in message:
                    retry.append(name)
                    continue
                raise ImportFailed(
                    f"REFRESH MATERIALIZED VIEW {name} failed: {message}",
                    fix="fix the view or its data, then re-run with --refresh-mviews",
                ) from None
        if len(retry) == len(pending):
            raise ImportFailed(
                f"materialized views could not be refreshed: {', '.join(retry)}",
                fix="refresh them by hand in dependency order",
            )
        pending = retry
    return refreshed
