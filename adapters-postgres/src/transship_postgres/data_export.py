"""Data export: ``COPY ... TO STDOUT`` (text format) on connections that share one exported snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from transship.adapters.base import DataExportOptions, DataSnapshot, ExportTable, SequenceValue, TableReader
from transship.errors import ConfigError, TransshipError
from transship.pgconn import connect

if TYPE_CHECKING:
    from transship_postgres.adapter import PostgresAdapter

_TABLES_SQL = """
SELECT n.nspname, c.relname, c.relispartition,
       CASE WHEN c.relispartition THEN pn.nspname END AS root_schema,
       CASE WHEN c.relispartition THEN pc.relname END AS root_name,
       GREATEST(c.reltuples, 0)::bigint AS estimate,
       has_table_privilege(c.oid, 'SELECT') AS can_select,
       ARRAY(SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum) AS columns,
       ARRAY(SELECT a.attname FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.ord) AS key
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class pc ON c.relispartition AND pc.oid = pg_partition_root(c.oid)
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relkind = 'r' AND n.nspname = ANY(%s)
ORDER BY n.nspname, c.relname
"""

_SEQUENCES_SQL = """
SELECT s.schemaname, s.sequencename, has_sequence_privilege(format('%%I.%%I', s.schemaname, s.sequencename), 'SELECT')
FROM pg_sequences s WHERE s.schemaname = ANY(%s) ORDER BY 1, 2
"""


class PostgresSnapshot(DataSnapshot):
    """Holds the transaction whose snapshot every reader imports (``pg_export_snapshot()``)."""

    consistency = "one exported snapshot (pg_export_snapshot) shared by every reader"

    def __init__(self, adapter: PostgresAdapter, options: DataExportOptions) -> None:
        self.adapter = adapter
        self.conn = connect(adapter.config, "source", autocommit=False)
        try:
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self.snapshot_id = str(self.conn.execute("SELECT pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
            self.tables = self._list_tables(options)
            self._lock_tables()
            self.sequences = self._read_sequences()
        except BaseException:
            self.conn.close()
            raise
        self._readers: list[PostgresReader] = []
        self._mutex = threading.Lock()

    def _list_tables(self, options: DataExportOptions) -> list[ExportTable]:
        schemas = self.adapter.schemas()
        rows = self.conn.execute(_TABLES_SQL, (schemas,)).fetchall()
        tables: list[ExportTable] = []
        denied: list[str] = []
        for schema, name, is_part, root_schema, root_name, estimate, can_select, columns, key in rows:
            if not options.include(schema, name) and not (
                is_part and options.include(root_schema, root_name)
            ):
                continue
            if not can_select:
                denied.append(f"{schema}.{name}")
                continue
            target_schema, target_name = (root_schema, root_name) if is_part else (schema, name)
            tables.append(
                ExportTable(
                    schema, name, list(columns), target_schema, target_name, int(estimate), tuple(key)
                )
            )
        if denied:
            raise ConfigError(
                f"source user {self.adapter.config.user} lacks SELECT on {', '.join(denied)}",
                fix="GRANT SELECT ON those tables (or ALL TABLES IN SCHEMA ...) to the export user, or exclude them with --exclude-table-list",
            )
        return tables

    def _lock_tables(self) -> None:
        """ACCESS SHARE locks keep concurrent DDL (DROP/ALTER) away while the rows are copied."""
        if not self.tables:
            return
        names = sql.SQL(", ").join(sql.Identifier(t.schema, t.name) for t in self.tables)
        self.conn.execute("SET LOCAL lock_timeout = '60s'")
        try:
            self.conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(names))
        except psycopg.errors.LockNotAvailable:
            raise TransshipError(
                "could not lock the source tables for export within 60 s (another session holds an exclusive lock)",
                fix="wait for the DDL or maintenance on the source to finish, then re-run export data",
            ) from None

    def _read_sequences(self) -> list[SequenceValue]:
        out: list[SequenceValue] = []
        for schema, name, allowed in self.conn.execute(_SEQUENCES_SQL, (self.adapter.schemas(),)).fetchall():
            if not allowed:
                raise ConfigError(
                    f"source user {self.adapter.config.user} lacks SELECT on sequence {schema}.{name}",
                    fix="GRANT SELECT ON ALL SEQUENCES IN SCHEMA ... to the export user",
                )
            last, called = self.conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(schema, name))
            ).fetchone()  # type: ignore[misc]
            out.append(SequenceValue(schema, name, int(last), bool(called)))
        return out

    def open_reader(self) -> TableReader:
        reader = PostgresReader(self.adapter, self.snapshot_id)
        with self._mutex:
            self._readers.append(reader)
        return reader

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


class PostgresReader(TableReader):
    """One connection inside the exported snapshot."""

    def __init__(self, adapter: PostgresAdapter, snapshot_id: str) -> None:
        self.conn = connect(adapter.config, "source", autocommit=False)
        self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_id)))
        self.conn.execute("SET client_encoding = 'UTF8'")

    def copy_table(
        self, table: ExportTable, write: Callable[[bytes | bytearray | memoryview], object]
    ) -> None:
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
        query = sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(table.schema, table.name), cols)
        with self.conn.cursor() as cur, cur.copy(query) as copy:
            for chunk in copy:
                write(chunk)

    def close(self) -> None:
        if not self.conn.closed:
            try:
                self.conn.rollback()
            finally:
                self.conn.close()
