"""Data export: ``COPY ... TO STDOUT`` (text format) on connections that share one exported snapshot.

A row arrives as one CopyData message: the driver holds it twice at most (libpq's buffer and the bytes
handed over), and :class:`~transship.exporter.data.CountingWriter` writes it without a further copy, so a
row of a large value costs about twice its COPY-text size in memory. A row whose line is longer than
PostgreSQL's COPY accepts (:data:`~transship.exporter.copyline.MAX_COPY_LINE_BYTES`) stops the export
naming its key and size: the source's own ``COPY TO`` fails on such a row ("out of memory", "Cannot enlarge
string buffer", SQLSTATE 54000, or "invalid memory alloc request size" for a bytea over 512 MB), and the
row is then found by a query over the stored sizes of the table's columns.

Big tables are split into chunks (:meth:`PostgresSnapshot.plan_chunks`), each read by ``COPY (SELECT ... WHERE
...) TO STDOUT`` on a reader of the same exported snapshot: by ranges of a one-column integer primary key (the
same rows at any snapshot, so a resumed export keeps finished chunks), else by ranges of heap blocks
(``ctid``, a TID range scan on PostgreSQL 14 and later; older servers copy such a table whole). The number of
chunks comes from the table's statistics (``reltuples``/``relpages`` scaled to its current size; a table never
analyzed is counted, in a ``TABLESAMPLE`` of about 1,000 pages when bigger) and ``pg_table_size``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from transship.sdk import (
    Chunk,
    ChunkTarget,
    ConfigError,
    DataExportOptions,
    DataSnapshot,
    ExportFailed,
    ExportTable,
    SequenceValue,
    TableReader,
    TransshipError,
    copyline,
    key_chunks,
)
from transship.sdk import pg_connect as connect
from transship.sdk import pg_conninfo_kwargs as conninfo_kwargs
from transship_postgres import psql_copy

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


_STATS_SQL = """
SELECT c.reltuples, c.relpages, pg_relation_size(c.oid) / current_setting('block_size')::bigint,
       pg_table_size(c.oid),
       (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = %s)
FROM pg_class c WHERE c.oid = %s::regclass
"""
_INTEGER_TYPES = frozenset(("smallint", "integer", "bigint"))
TID_RANGE_SCAN = 140000
SAMPLE_PAGES = 1000  # a table never analyzed is counted whole up to this size (8 MB), else in a sample this big  # the first server version that reads a ctid range without scanning the whole table


class PostgresSnapshot(DataSnapshot):
    """Holds the transaction whose snapshot every reader imports (``pg_export_snapshot()``)."""

    consistency = "one exported snapshot (pg_export_snapshot) shared by every reader"

    def __init__(self, adapter: PostgresAdapter, options: DataExportOptions) -> None:
        self.adapter = adapter
        self._psql = psql_copy.psql_command()  # checked before anything is done (a bad setting is one line)
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

    def plan_chunks(self, table: ExportTable, target: ChunkTarget) -> list[Chunk] | None:
        """Integer-key ranges for a table whose primary key is one integer column, else ctid ranges (PostgreSQL
        14+); None for a table of one chunk. Read in the exporting transaction, so on the snapshot."""
        relation = sql.Identifier(table.schema, table.name)
        key = table.key[0] if len(table.key) == 1 else ""
        row = self.conn.execute(_STATS_SQL, (key, relation.as_string(self.conn))).fetchone()
        if row is None:
            return None
        reltuples, relpages, pages, size, key_type = (
            float(row[0]),
            int(row[1]),
            int(row[2]),
            int(row[3]),
            row[4],
        )
        if pages <= 0:
            return None
        if reltuples >= 0 and relpages > 0:
            rows = int(reltuples / relpages * pages)
        else:  # never analyzed: counted, in a sample of about SAMPLE_PAGES pages of a big table
            percent = min(100.0, 100.0 * SAMPLE_PAGES / pages)
            sample = (
                sql.SQL(" TABLESAMPLE SYSTEM ({})").format(sql.Literal(percent))
                if percent < 100
                else sql.SQL("")
            )
            found = self.conn.execute(
                sql.SQL("SELECT count(*) FROM ONLY {}{}").format(relation, sample)
            ).fetchone()
            rows = int(int(found[0]) * 100.0 / percent) if found else 0
        count = target.chunk_count(rows, size)
        if count <= 1:
            return None
        if key and key_type in _INTEGER_TYPES:
            lo, hi = self.conn.execute(
                sql.SQL("SELECT min({k}), max({k}) FROM ONLY {t}").format(k=sql.Identifier(key), t=relation)
            ).fetchone()  # type: ignore[misc]
            return key_chunks(key, lo, hi, rows, target.chunk_rows(rows, size))
        if self.conn.info.server_version < TID_RANGE_SCAN:
            return None
        per = -(-pages // min(count, pages))
        count = -(-pages // per)
        if count <= 1:
            return None
        return [
            Chunk(i, count, "ctid", i * per if i else None, (i + 1) * per if i + 1 < count else None)
            for i in range(count)
        ]

    def open_reader(self) -> TableReader:
        reader = PostgresReader(self.adapter, self.snapshot_id, self._psql)
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
    """Reads tables inside the exported snapshot: through a ``psql`` child per table or chunk when
    ``psql_command`` is given (:mod:`transship_postgres.psql_copy`), else on its own psycopg connection.

    The psycopg connection is opened only when needed (no psql, or to name a row too large for COPY), so a
    reader holds one server connection either way.
    """

    def __init__(
        self, adapter: PostgresAdapter, snapshot_id: str, psql_command: list[str] | None = None
    ) -> None:
        self.adapter = adapter
        self.snapshot_id = snapshot_id
        self.psql_command = psql_command
        self._conn: psycopg.Connection | None = None
        if psql_command is None:
            self._conn = self._connect()

    def _connect(self) -> psycopg.Connection:
        conn = connect(self.adapter.config, "source", autocommit=False)
        try:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(self.snapshot_id)))
            conn.execute("SET client_encoding = 'UTF8'")
            for stmt in psql_copy.SESSION_SQL:
                conn.execute(stmt)
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def conn(self) -> psycopg.Connection:
        """The reader's psycopg connection on the snapshot (opened on first use)."""
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def copy_table(
        self, table: ExportTable, write: Callable[[bytes | bytearray | memoryview], object]
    ) -> None:
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
        query = (
            sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(table.schema, table.name), cols)
            if table.columns
            else sql.SQL("COPY {} TO STDOUT").format(
                sql.Identifier(table.schema, table.name)
            )  # a table of no columns: an empty line per row
        )
        self._copy(table, query, write)

    def copy_chunk(
        self, table: ExportTable, chunk: Chunk, write: Callable[[bytes | bytearray | memoryview], object]
    ) -> None:
        if chunk.kind == "key":
            column: sql.Composable = sql.Identifier(chunk.column)
            bounds: list[sql.Composable] = [sql.Literal(chunk.lo), sql.Literal(chunk.hi)]
        elif chunk.kind == "ctid":
            column = sql.SQL("ctid")
            bounds = [sql.SQL("{}::tid").format(sql.Literal(f"({b},0)")) for b in (chunk.lo, chunk.hi)]
        else:
            raise TransshipError(
                f"table {table.schema}.{table.name}: unknown chunk kind {chunk.kind!r}",
                fix="re-run export data with --start-clean true",
            )
        conditions = [
            sql.SQL("{} {} {}").format(column, sql.SQL(op), bound)
            for op, bound, given in ((">=", bounds[0], chunk.lo), ("<", bounds[1], chunk.hi))
            if given is not None
        ]
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
        query = sql.SQL("COPY (SELECT {} FROM ONLY {}{}) TO STDOUT").format(
            cols,
            sql.Identifier(table.schema, table.name),
            sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL(""),
        )
        self._copy(table, query, write)

    def _copy(
        self,
        table: ExportTable,
        query: sql.Composed,
        write: Callable[[bytes | bytearray | memoryview], object],
    ) -> None:
        if self.psql_command is not None:
            try:
                self._copy_psql(self.psql_command, table, query, write)
                return
            except psql_copy.PsqlUnavailable as exc:
                psql_copy.warn_once(
                    "psql-failed",
                    f"psql could not connect to the source ({exc}): exporting with psycopg instead (slower)",
                )
                self.psql_command = None
        label = f"{table.schema}.{table.name}"
        limit = copyline.MAX_COPY_LINE_BYTES
        number = 0
        self.conn.execute("SAVEPOINT transship_copy")  # the snapshot stays usable if COPY fails on a row
        try:
            with self.conn.cursor() as cur, cur.copy(query) as copy:
                for chunk in copy:  # one row per CopyData message
                    number += 1
                    if len(chunk) > limit:
                        raise copyline.line_too_large(
                            label, _row_name(table, bytes(chunk), number), len(chunk)
                        )
                    write(chunk)
        except psycopg.Error as exc:
            if not _too_large(exc):
                raise
            self.conn.execute("ROLLBACK TO SAVEPOINT transship_copy")
            raise self.locate_too_large(table, str(exc).strip().splitlines()[0]) from None
        self.conn.execute("RELEASE SAVEPOINT transship_copy")

    def _copy_psql(
        self,
        command: list[str],
        table: ExportTable,
        query: sql.Composed,
        write: Callable[[bytes | bytearray | memoryview], object],
    ) -> None:
        label = f"{table.schema}.{table.name}"
        try:
            psql_copy.copy_out(
                command,
                conninfo_kwargs(self.adapter.config),
                self.snapshot_id,
                query.as_string(None),
                write,
            )
        except psql_copy.LineTooLong as exc:
            name = _row_name_from_prefix(table, exc.prefix, exc.number, exc.complete)
            if name is None:  # its key is further in the line than psql_copy keeps: psycopg reads it whole
                saved, self.psql_command = self.psql_command, None
                try:
                    self._copy(table, query, lambda _data: None)
                finally:
                    self.psql_command = saved
            raise copyline.line_too_large(
                label, name or f"number {exc.number} in COPY order", exc.size
            ) from None
        except psql_copy.PsqlFailed as exc:
            if exc.too_large:
                raise self.locate_too_large(table, exc.reason) from None
            raise  # the exporter names the table (and chunk) and the fix

    def locate_too_large(self, table: ExportTable, reason: str) -> ExportFailed:
        """The error for a row the source could not put into one COPY line: the row whose columns are the
        largest as stored (``octet_length`` of text and bytea, ``pg_column_size`` of other types)."""
        rows = self.conn.execute(
            "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid <> 0",
            (sql.Identifier(table.schema, table.name).as_string(self.conn),),
        ).fetchall()
        types = {str(name): str(typ) for name, typ in rows}
        sizes = sql.SQL(" + ").join(_size_estimate(c, types.get(c, "")) for c in table.columns)
        keys = [k for k in table.key if k in table.columns]
        key = (
            sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(k)) for k in keys)
            if keys
            else sql.SQL("ctid::text")
        )
        row = self.conn.execute(
            sql.SQL("SELECT {}, {} AS size FROM ONLY {} ORDER BY size DESC LIMIT 1").format(
                key, sizes, sql.Identifier(table.schema, table.name)
            )
        ).fetchone()
        label = f"{table.schema}.{table.name}"
        if row is None:
            return ExportFailed(
                f"table {label}: the source could not write a row as one COPY line ({reason})",
                fix="shorten or split the largest value at the source, then re-run export data",
            )
        name = copyline.describe_key(keys, row[:-1]) if keys else f"at ctid {row[0]}"
        return copyline.line_too_large(
            label, name, int(row[-1]), at_least=True, detail=f"as stored; the source server: {reason}"
        )

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.rollback()
            finally:
                self._conn.close()


def _too_large(exc: psycopg.Error) -> bool:
    """Whether the source refused to build a COPY line too large for its buffers."""
    text = str(exc)
    return getattr(exc, "sqlstate", None) in ("54000", "53200") or "invalid memory alloc request size" in text


def _size_estimate(column: str, type_name: str) -> sql.Composable:
    """At least the bytes ``column`` takes in a COPY line, from the stored value (text and bytea are not
    detoasted for this)."""
    ident = sql.Identifier(column)
    if type_name == "bytea":
        return sql.SQL("coalesce(octet_length({}) * 2 + 3, 0)").format(ident)
    if type_name in ("text", "character varying", "character", "xml"):
        cast = sql.SQL("::text") if type_name == "xml" else sql.SQL("")  # binary-coercible: no detoasting
        return sql.SQL("coalesce(octet_length({}{}), 0)").format(ident, cast)
    return sql.SQL("coalesce(pg_column_size({}), 0)").format(ident)  # as stored: maybe compressed


def _row_name_from_prefix(table: ExportTable, prefix: bytes, number: int, complete: bool) -> str | None:
    """:func:`_row_name` from the first bytes of a line, or None when its key fields are not all in them."""
    keys = [k for k in table.key if k in table.columns]
    fields = prefix.rstrip(b"\n").split(b"\t") if complete else prefix.split(b"\t")[:-1]
    if keys and max(table.columns.index(k) for k in keys) >= len(fields):
        return None
    return _row_name(table, prefix if complete else b"\t".join(fields), number)


def _row_name(table: ExportTable, line: bytes, number: int) -> str:
    """The row's key from its COPY line, or its position for a table without a primary key."""
    keys = [k for k in table.key if k in table.columns]
    if not keys:
        return f"number {number} in COPY order (the table has no primary key)"
    fields = line.rstrip(b"\n").split(b"\t")
    return copyline.describe_key(keys, [fields[table.columns.index(k)] for k in keys])
