"""Raw reads of ``information_schema`` for one MySQL/MariaDB database (no conversion here).

Column names of ``information_schema`` are read case-insensitively (MySQL 8 returns them upper case).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pymysql
import pymysql.cursors

from transship_mysql.names import bq


def _rows(conn: pymysql.connections.Connection, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(sql, args)
        return [{str(k).lower(): v for k, v in row.items()} for row in cur.fetchall()]


_CHECKS_MYSQL = (
    "SELECT tc.table_name, cc.constraint_name, cc.check_clause FROM information_schema.check_constraints cc "
    "JOIN information_schema.table_constraints tc ON tc.constraint_schema = cc.constraint_schema "
    "AND tc.constraint_name = cc.constraint_name AND tc.constraint_type = 'CHECK' "
    "WHERE cc.constraint_schema = %s ORDER BY tc.table_name, cc.constraint_name"
)
# MariaDB check constraint names are unique per table only
_CHECKS_MARIADB = _CHECKS_MYSQL.replace(
    "AND tc.constraint_type", "AND tc.table_name = cc.table_name AND tc.constraint_type"
)


@dataclass
class SourceCatalog:
    """Everything read from the source, grouped by table where it belongs to one."""

    database: str
    version: str
    is_mariadb: bool
    tables: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    constraints: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    key_columns: dict[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    referential: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    statistics: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    partitions: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    views: list[dict[str, Any]] = field(default_factory=list)
    routines: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    triggers: list[dict[str, Any]] = field(default_factory=list)


def read_source_catalog(conn: pymysql.connections.Connection, database: str) -> SourceCatalog:
    """Read tables, columns, constraints, indexes, partitions, views, routines and triggers of ``database``."""
    version = str(_rows(conn, "SELECT VERSION() AS v")[0]["v"])
    cat = SourceCatalog(database=database, version=version, is_mariadb="mariadb" in version.lower())
    db = (database,)
    cat.tables = _rows(
        conn,
        "SELECT table_name, table_type, engine, table_rows, auto_increment, table_comment, create_options "
        "FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name",
        db,
    )
    for r in _rows(
        conn,
        "SELECT * FROM information_schema.columns WHERE table_schema = %s ORDER BY table_name, ordinal_position",
        db,
    ):
        cat.columns[r["table_name"]].append(r)
    for r in _rows(
        conn,
        "SELECT constraint_name, table_name, constraint_type FROM information_schema.table_constraints "
        "WHERE table_schema = %s ORDER BY table_name, constraint_name",
        db,
    ):
        cat.constraints[r["table_name"]].append(r)
    for r in _rows(
        conn,
        "SELECT constraint_name, table_name, column_name, ordinal_position, referenced_table_name, referenced_column_name "
        "FROM information_schema.key_column_usage WHERE table_schema = %s ORDER BY table_name, constraint_name, ordinal_position",
        db,
    ):
        cat.key_columns[(r["table_name"], r["constraint_name"])].append(r)
    for r in _rows(
        conn,
        "SELECT constraint_name, table_name, referenced_table_name, update_rule, delete_rule "
        "FROM information_schema.referential_constraints WHERE constraint_schema = %s",
        db,
    ):
        cat.referential[(r["table_name"], r["constraint_name"])] = r
    check_sql = _CHECKS_MARIADB if cat.is_mariadb else _CHECKS_MYSQL
    try:
        checks = _rows(conn, check_sql, db)
    except pymysql.err.ProgrammingError:  # servers before check constraints
        checks = []
    for r in checks:
        cat.checks[r["table_name"]].append(r)
    for r in _rows(
        conn,
        "SELECT * FROM information_schema.statistics WHERE table_schema = %s ORDER BY table_name, index_name, seq_in_index",
        db,
    ):
        cat.statistics[r["table_name"]].append(r)
    for r in _rows(
        conn,
        "SELECT * FROM information_schema.partitions WHERE table_schema = %s AND partition_name IS NOT NULL "
        "ORDER BY table_name, partition_ordinal_position, subpartition_ordinal_position",
        db,
    ):
        cat.partitions[r["table_name"]].append(r)
    cat.views = _rows(
        conn,
        "SELECT table_name, view_definition, check_option, security_type FROM information_schema.views WHERE table_schema = %s ORDER BY table_name",
        db,
    )
    cat.routines = _rows(
        conn,
        "SELECT * FROM information_schema.routines WHERE routine_schema = %s ORDER BY routine_type, routine_name",
        db,
    )
    for r in _rows(
        conn,
        "SELECT * FROM information_schema.parameters WHERE specific_schema = %s ORDER BY specific_name, ordinal_position",
        db,
    ):
        cat.parameters[r["specific_name"]].append(r)
    cat.triggers = _rows(
        conn,
        "SELECT * FROM information_schema.triggers WHERE trigger_schema = %s ORDER BY event_object_table, action_timing, event_manipulation, action_order",
        db,
    )
    for routine in cat.routines:
        routine["create_sql"] = show_create(conn, str(routine["routine_type"]), str(routine["routine_name"]))
    for trig in cat.triggers:
        trig["create_sql"] = show_create(conn, "TRIGGER", str(trig["trigger_name"]))
    return cat


def show_create(conn: pymysql.connections.Connection, kind: str, name: str) -> str | None:
    """``SHOW CREATE FUNCTION|PROCEDURE|TRIGGER`` text (None when the account may not see it)."""
    try:
        with conn.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute(
                f"SHOW CREATE {kind.upper()} {bq(name)}"
            )  # kind is one of three keywords; name is quoted
            row = cur.fetchone()
    except pymysql.err.MySQLError:
        return None
    if not row:
        return None
    for key, value in row.items():
        if (
            key.lower().startswith(("create function", "create procedure", "sql original statement"))
            and value
        ):
            return str(value)
    return None
