"""The closing check of ``import data``: count what is in the target, never only what the ledger says.

Before a table's first batch, the rows it already holds are counted and kept in ``meta.db``
(``import_tables.rows_before``). After the load every loaded table is counted again and must hold

    rows before + rows committed (the target ledger's sum for that table, all of its files)

and at most the rows ``stashed-and-continue`` stashed for it more: a stashed row may since have been corrected
and loaded by the user (``\\copy`` of ``data/errors/<table>/<file>.rows``), which is the documented way to
finish such a table.

A table truncated, dropped and re-created, or written to by someone else during the import shows up here as an
error naming the table and both numbers, and in ``import data status``.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from transship.crashpoints import crash_point, declare
from transship.errors import ImportFailed
from transship.identifiers import qualified
from transship.importer.ledger import LEDGER_TABLE
from transship.state import MetaDB

ROWS_BEFORE_COUNTED = declare(
    "import.rows_before_counted", "the rows a table held before its first batch are kept"
)
COUNTS_CHECKED = declare("import.counts_checked", "every loaded table was counted in the target")

Table = tuple[str, str]


@dataclass(frozen=True)
class CountCheck:
    """One table's closing count."""

    schema: str
    table: str
    rows_before: int
    committed: int
    found: int
    stashed: int = 0  # rows stash-and-continue kept out (the user may have loaded them since)

    @property
    def expected(self) -> int:
        return self.rows_before + self.committed

    @property
    def ok(self) -> bool:
        return self.expected <= self.found <= self.expected + self.stashed

    @property
    def loaded_since(self) -> int:
        """Stashed rows that are in the target now (loaded by the user after the import stashed them)."""
        return max(0, min(self.found - self.expected, self.stashed))


def count_rows(conn: psycopg.Connection, schema: str, table: str) -> int:
    """Exact rows of a target table: its own rows (``ONLY``: inheritance children are tables of their own),
    or, for a partitioned table, the rows of all its partitions (that is where its rows are routed)."""
    ident = sql.Identifier(schema, table)
    kind = conn.execute(
        "SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", (ident.as_string(conn),)
    ).fetchone()
    if kind is None:
        raise ImportFailed(
            f"target table {qualified(schema, table)} no longer exists",
            fix="re-create it (transship import schema), then re-run import data with --start-clean true --truncate-tables true",
        )
    query = sql.SQL("SELECT count(*) FROM {}" if kind[0] == "p" else "SELECT count(*) FROM ONLY {}").format(
        ident
    )
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def ledger_rows(conn: psycopg.Connection, ledger_schema: str, migration_uuid: str) -> dict[Table, int]:
    """Rows committed per target table, from the target's ledger (all files of this migration)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT schema_name, table_name, sum(rows_imported) FROM {} WHERE migration_uuid = %s GROUP BY 1, 2"
        ).format(sql.Identifier(ledger_schema, LEDGER_TABLE)),
        (migration_uuid,),
    ).fetchall()
    return {(s, t): int(n) for s, t, n in rows}


def stashed_rows(conn: psycopg.Connection, ledger_schema: str, migration_uuid: str) -> dict[Table, int]:
    """Rows stashed per target table (complete batches' own ledger rows hold them, all of a batch's)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT schema_name, table_name, sum(rows_stashed) FROM {} WHERE migration_uuid = %s"
            " AND strpos(data_file, '#') = 0 GROUP BY 1, 2"
        ).format(sql.Identifier(ledger_schema, LEDGER_TABLE)),
        (migration_uuid,),
    ).fetchall()
    return {(s, t): int(n) for s, t, n in rows if n}


def record_rows_before(
    meta: MetaDB, conn: psycopg.Connection, tables: set[Table], committed: dict[Table, int]
) -> None:
    """Count the rows of every table that has no committed batch yet and keep the number.

    A table with committed batches keeps the number counted before its first batch. One without a kept number
    (its import was started by an earlier version of transship) gets ``rows now - rows committed``.
    """
    kept = {(r[0], r[1]) for r in meta.query("SELECT target_schema, target_name FROM import_tables")}
    for schema, table in sorted(tables):
        if committed.get((schema, table)) and (schema, table) in kept:
            continue
        before = count_rows(conn, schema, table) - committed.get((schema, table), 0)
        meta.execute(
            "INSERT INTO import_tables (target_schema, target_name, rows_before) VALUES (?, ?, ?)"
            " ON CONFLICT (target_schema, target_name) DO UPDATE SET rows_before = excluded.rows_before,"
            " expected_rows = NULL, target_rows = NULL, error = NULL",
            (schema, table, max(before, 0)),
        )
    crash_point(ROWS_BEFORE_COUNTED)


def forget_tables(meta: MetaDB, tables: set[Table]) -> None:
    """``--start-clean``: the rows-before numbers of these tables are counted again."""
    with meta.tx() as db:
        db.executemany(
            "DELETE FROM import_tables WHERE target_schema = ? AND target_name = ?", sorted(tables)
        )


def check_counts(
    meta: MetaDB, conn: psycopg.Connection, tables: set[Table], ledger_schema: str, migration_uuid: str
) -> list[CountCheck]:
    """Count every table in ``tables`` and compare; store the result (status shows it); raise on a difference."""
    committed = ledger_rows(conn, ledger_schema, migration_uuid)
    stashed = stashed_rows(conn, ledger_schema, migration_uuid)
    before = {
        (r[0], r[1]): int(r[2])
        for r in meta.query("SELECT target_schema, target_name, rows_before FROM import_tables")
    }
    checks = [
        CountCheck(
            s,
            t,
            before.get((s, t), 0),
            committed.get((s, t), 0),
            count_rows(conn, s, t),
            stashed.get((s, t), 0),
        )
        for s, t in sorted(tables)
    ]
    with meta.tx() as db:
        db.executemany(
            "UPDATE import_tables SET expected_rows = ?, target_rows = ? WHERE target_schema = ? AND target_name = ?",
            [(c.expected, c.found, c.schema, c.table) for c in checks],
        )
    crash_point(COUNTS_CHECKED)
    bad = [c for c in checks if not c.ok]
    if bad:
        raise ImportFailed(
            "rows are missing or extra in the target: "
            + "; ".join(
                f"{qualified(c.schema, c.table)} holds {c.found:,} rows, expected {c.expected:,}"
                f" ({c.rows_before:,} before the import + {c.committed:,} imported"
                + (
                    f"; up to {c.expected + c.stashed:,} with the {c.stashed:,} stashed rows"
                    if c.stashed
                    else ""
                )
                + ")"
                for c in bad
            ),
            fix="the tables were changed on the target during the import (truncated, re-created or written to): "
            "re-run import data with --start-clean true --truncate-tables true for them (--table-list)",
        )
    return checks
