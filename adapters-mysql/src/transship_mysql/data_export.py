"""Data export: the server formats each row as one COPY-text line; large values are encoded by the client.

For every column a SQL expression renders the value exactly as PostgreSQL's COPY text format wants it
(``\\N`` for NULL, backslash escapes, ``\\x`` hex for bytea, ``t``/``f`` booleans, zero dates as NULL,
``{...}`` arrays for SET, float values at full precision) and ``CONCAT_WS(TAB, ...)`` joins them. Rows
stream through an unbuffered cursor (``SSCursor``), so memory stays bounded whatever the table size.

Large values never pass through a server function: ``HEX``, ``REPLACE``, ``CONCAT`` and ``CONVERT`` results
are bounded by ``max_allowed_packet`` (MariaDB returns NULL with warning 1301 beyond it). A value of a column
that can be large (text/mediumtext/longtext/json, blob/mediumblob/longblob) longer than
:data:`CLIENT_ESCAPE_BYTES` leaves its field empty in the server-made line and comes as stored in an extra
select item; the client encodes it into the line in pieces (:mod:`transship.exporter.copyline`), one row
at a time, so memory stays bounded by about twice the largest value. A row whose line would exceed what
PostgreSQL's COPY accepts is never sent: the server computes its size first and the export stops naming it.

After each table the server's warnings are read; any warning stops the export with
:class:`~transship.errors.ExportFailed` naming the table, the column and the row's key (found by small
locate queries), since a warning means a value was cut, replaced or lost.

Big tables are split into chunks by ranges of the first primary-key column when it is an integer
(:meth:`MySQLSnapshot.plan_chunks`: the number from ``information_schema.TABLES``' ``TABLE_ROWS`` and
``DATA_LENGTH``, the bounds from ``MIN``/``MAX`` in the snapshot), each chunk read by one reader with the same
query and a ``WHERE`` on the key.

Consistency: ``FLUSH TABLES WITH READ LOCK`` is taken, every reader connection starts
``START TRANSACTION WITH CONSISTENT SNAPSHOT``, auto-increment values are read, then the lock is
released: all readers see the same point in time (InnoDB tables). Without the RELOAD privilege the
lock cannot be taken; readers then start their snapshots one after the other and the command says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pymysql

from transship.sdk import (
    Chunk,
    ChunkTarget,
    Column,
    ConfigError,
    DataExportOptions,
    DataSnapshot,
    DBConfig,
    ExportFailed,
    ExportTable,
    SequenceValue,
    Table,
    TableReader,
    TransshipError,
    copyline,
    key_chunks,
)
from transship_mysql import client_copy
from transship_mysql.connection import as_text, connect
from transship_mysql.generated import check_generated_columns
from transship_mysql.names import bq, source_name
from transship_mysql.types import BINARY_TYPES, SPATIAL_TYPES, TEXT_TYPES, enum_labels

if TYPE_CHECKING:
    from transship_mysql.convert.base import Conversion

log = logging.getLogger(__name__)
FETCH_ROWS = 2000
PENDING_BYTES = 1 << 20  # rows of a table with large columns are written in blocks of about this size
# Values of the columns that can be large, when longer than this, are fetched as stored and encoded by the
# client: MariaDB's REPLACE() is quadratic in the number of matches within one value (a 120 KB text with 2,000
# newlines takes ~13 ms per REPLACE), and HEX/REPLACE/CONCAT results are bounded by max_allowed_packet.
# Small enough that the server-made line of any row stays far below the smallest usual max_allowed_packet.
CLIENT_ESCAPE_BYTES = 4096
_LONG_TEXT_TYPES = frozenset(("text", "mediumtext", "longtext", "json"))
_LONG_BINARY_TYPES = frozenset(("blob", "mediumblob", "longblob"))
_INTEGER_TYPES = frozenset(("tinyint", "smallint", "mediumint", "int", "integer", "bigint"))
BIGINT_MAX = 9223372036854775807  # a PostgreSQL sequence's largest value
_NULL = "'\\\\N'"  # SQL literal for the two characters \N
# Warnings of the documented deliberate conversion (a zero date becomes NULL): not a loss. Only a warning
# about exactly a zero date value counts (MariaDB 10.11 raises none; MySQL may): "... value: '0000-00-00 00:00:00'"
_DELIBERATE = re.compile(r"\bvalue: '0000-00-00(?: 00:00:00(?:\.0+)?)?'(?: for column|$)")


def _escape(expr: str) -> str:
    """COPY-text escaping of a string expression (backslash first, then TAB, LF, CR)."""
    text = f"CONVERT({expr} USING utf8mb4) COLLATE utf8mb4_bin"
    for src, dst in (("\\\\", "\\\\\\\\"), ("\\t", "\\\\t"), ("\\n", "\\\\n"), ("\\r", "\\\\r")):
        text = f"REPLACE({text}, '{src}', '{dst}')"
    return text


def _zero_date_guard(q: str) -> str:
    return f"YEAR({q}) = 0 OR MONTH({q}) = 0 OR DAYOFMONTH({q}) = 0"


_PLAIN_TYPES = frozenset(
    (
        "tinyint",
        "smallint",
        "mediumint",
        "int",
        "integer",
        "bigint",
        "decimal",
        "numeric",
        "double",
        "year",
        "time",
    )
)


def _source_base(col: Column) -> str:
    stype = col.extra.get("stype")
    return stype.base if stype else col.source_type.split("(")[0].lower()


def nul_stripped(col: Column) -> bool:
    """True when :func:`column_sql` removes NUL characters from the column's values (text kept as text)."""
    return _source_base(col) in TEXT_TYPES and (col.target_type or "").lower() not in ("boolean", "bytea")


def column_sql(col: Column) -> str:
    """The SQL expression producing ``col``'s COPY-text field (``\\N`` for NULL)."""
    return f"IFNULL({column_expr(col)}, {_NULL})"


def column_expr(col: Column) -> str:
    """``col``'s COPY-text field before NULL handling: NULL for a NULL value (and for a zero date).

    A column that can be large gives an empty field for values over :data:`CLIENT_ESCAPE_BYTES`: the client
    puts the value there (:func:`large_kind`).
    """
    q = bq(source_name(col))
    stype = col.extra.get("stype")
    base = _source_base(col)
    target = (col.target_type or "").lower()
    transform = col.transform
    if base in BINARY_TYPES:
        expr = f"CONCAT('\\\\\\\\x', HEX({q}))" if target == "bytea" else _escape(q)
    elif base in TEXT_TYPES and target == "bytea":  # a type rule keeps the text's bytes, NULs included
        expr = f"CONCAT('\\\\\\\\x', HEX(CONVERT({q} USING utf8mb4)))"
    elif target == "boolean":
        expr = f"ELT(({q} <> 0) + 1, 'f', 't')"
    elif base == "bit":
        expr = (
            f"LPAD(BIN({q}), {stype.length if stype and stype.length else 1}, '0')"
            if target.startswith(("bit", "varbit"))
            else f"({q} + 0)"
        )
    elif base in ("date", "datetime"):
        expr = f"IF({_zero_date_guard(q)}, NULL, {q})"
    elif base == "timestamp":
        suffix = (
            ", '+00'"
            if target.startswith("timestamptz") or "time zone" in target and "without" not in target
            else ""
        )
        expr = f"IF({_zero_date_guard(q)}, NULL, CONCAT({q}{suffix}))"
    elif base == "float":
        expr = f"CAST({q} AS DOUBLE)"
    elif base in ("set",) and (transform == "set_to_array" or target.endswith("[]")):
        items = f"REPLACE(REPLACE(REPLACE({q}, '\\\\', '\\\\\\\\'), '\"', '\\\\\"'), ',', '\",\"')"
        expr = _escape(f"IF({q} = '', '{{}}', CONCAT('{{\"', {items}, '\"}}'))")
    elif base == "point" and target == "point":
        expr = f"CONCAT('(', ST_X({q}), ',', ST_Y({q}), ')')"
    elif base in SPATIAL_TYPES:
        expr = f"ST_AsText({q})"
    elif base == "enum" and stype is not None and _plain_labels(enum_labels(stype.typemod)):
        # always one of its labels (or ''), none of which COPY escapes: no REPLACE per value
        expr = f"CONVERT({q} USING utf8mb4) COLLATE utf8mb4_bin"
    elif base in TEXT_TYPES or base in ("json", "enum", "set"):
        expr = _escape(f"REPLACE({q}, '\\0', '')")
    elif base in _PLAIN_TYPES:
        expr = q
    elif base in ("uuid", "inet4", "inet6"):
        expr = f"CAST({q} AS CHAR)"  # IFNULL() on these types would try to cast '\\N' to them
    else:
        expr = _escape(f"CAST({q} AS CHAR)")
    if large_kind(col) is not None:
        expr = f"IF(LENGTH({q}) > {CLIENT_ESCAPE_BYTES}, '', {expr})"
    return expr


def _plain_labels(labels: list[str]) -> bool:
    """Whether every label is printable ASCII without a backslash (nothing COPY escapes, no NUL)."""
    return bool(labels) and all(
        label.isascii() and label.isprintable() and "\\" not in label for label in labels
    )


def large_kind(col: Column) -> str | None:
    """How the client encodes the column's values over :data:`CLIENT_ESCAPE_BYTES`, None for columns whose
    values are always small (formatted by the server): ``text`` (escaped, NUL removed), ``bytea`` (hex) or
    ``binary_text`` (a binary column mapped to text: escaped, NULs kept, must be UTF-8)."""
    base = _source_base(col)
    target = (col.target_type or "").lower()
    if base in _LONG_TEXT_TYPES:
        if target == "boolean":
            return None
        return "bytea" if target == "bytea" else "text"
    if base in _LONG_BINARY_TYPES:
        return "bytea" if target == "bytea" else "binary_text"
    return None


def escaped_by_client(col: Column) -> bool:
    """Columns that can be large: values over :data:`CLIENT_ESCAPE_BYTES` are encoded by the client."""
    return large_kind(col) is not None


def escape_copy_text(value: bytes) -> bytes:
    """COPY-text escaping done by the client (same result as the SQL expression, NUL removed)."""
    return copyline.escape_copy_text(value)


@dataclass(frozen=True)
class LargeColumn:
    """A column whose large values the client encodes: its field position, name and encoding."""

    index: int
    name: str
    kind: str


@dataclass
class TableQuery:
    """The export query of one table and what the client needs to finish its lines and name its rows."""

    sql: str
    source: str  # the backtick-quoted table
    line: str  # the CONCAT_WS expression of the server-made line
    columns: list[Column]
    large: list[LargeColumn] = field(default_factory=list)
    key: list[str] = field(default_factory=list)  # primary-key column names
    key_index: list[int] = field(default_factory=list)  # their field positions in the line
    # for the MariaDB client (transship_mysql.client_copy): the lines and marker lines; None: pymysql only
    client_sql: str | None = None
    client_key: str = ""  # the backtick-quoted integer key of the "!" rows


def _source_ref(col: Column) -> str:
    return bq(source_name(col))


def select_sql(table: Table, columns: list[Column], limit: int | None = None) -> TableQuery:
    """``SELECT CONCAT_WS(TAB, ...) FROM `t```: one COPY line per row. For tables with columns that can be
    large, also each such value as stored when it is over :data:`CLIENT_ESCAPE_BYTES` (its field in the line
    is then empty), and last the row's least COPY size when that is over ``limit`` (the value items are then
    NULL: a row too large for COPY is never sent)."""
    limit = copyline.MAX_COPY_LINE_BYTES if limit is None else limit
    source = bq(source_name(table))
    pk = table.primary_key
    key = [c for c in (pk.columns if pk else []) if any(col.name == c for col in columns)]
    query = TableQuery(
        "",
        source,
        "''",
        columns,
        key=key,
        key_index=[next(i for i, c in enumerate(columns) if c.name == k) for k in key],
    )
    if not columns:
        query.sql = f"SELECT '' FROM {source}"  # noqa: S608 - identifiers are backtick-quoted
        query.client_sql = query.sql
        return query
    query.line = f"CONCAT_WS('\\t', {', '.join(column_sql(c) for c in columns)})"
    query.large = [LargeColumn(i, c.name, kind) for i, c in enumerate(columns) if (kind := large_kind(c))]
    if not query.large:
        query.sql = f"SELECT {query.line} FROM {source}"  # noqa: S608 - identifiers are backtick-quoted
        query.client_sql = f"SELECT IFNULL({query.line}, '\\rNULL') FROM {source}"  # noqa: S608 - quoted identifiers
        return query
    refs = [_source_ref(columns[lc.index]) for lc in query.large]
    size = " + ".join(
        f"IFNULL(LENGTH({q}), 0) * 2 + 3" if lc.kind == "bytea" else f"IFNULL(LENGTH({q}), 0)"
        for q, lc in zip(refs, query.large, strict=True)
    )
    extra = "".join(
        f", IF(LENGTH({q}) > {CLIENT_ESCAPE_BYTES} AND {size} < {limit}, {q}, NULL)" for q in refs
    )
    query.sql = f"SELECT {query.line}{extra}, IF({size} < {limit}, NULL, {size}) FROM {source}"  # noqa: S608 - identifiers are backtick-quoted
    if len(key) == 1 and _source_base(columns[query.key_index[0]]) in _INTEGER_TYPES:
        # rows with a value the client encodes come as a marker with their key, and are fetched through pymysql
        query.client_key = _source_ref(columns[query.key_index[0]])
        big = " OR ".join(f"LENGTH({q}) > {CLIENT_ESCAPE_BYTES}" for q in refs)
        query.client_sql = (
            f"SELECT IF({big} OR {size} >= {limit}, CONCAT('\\r!', {query.client_key}), IFNULL({query.line}, '\\rNULL')) "  # noqa: S608 - quoted identifiers
            f"FROM {source}"
        )
    return query


def exported_columns(table: Table) -> list[Column]:
    """Columns whose values are copied (generated columns are computed by the target)."""
    return [c for c in table.columns if not c.generated]


class MySQLSnapshot(DataSnapshot):
    """Readers opened under one global read lock, each in a consistent-snapshot transaction."""

    def __init__(
        self, config: DBConfig, database: str, conversion: Conversion, options: DataExportOptions
    ) -> None:
        self.config = config
        self.database = database
        self.queries: dict[str, TableQuery] = {}
        self.tables = []
        self._sources: dict[str, Table] = {}
        for table in conversion.catalog.tables:
            sname = source_name(table)
            if not options.include(self.database, sname) and not options.include(self.database, table.name):
                continue
            cols = exported_columns(table)
            pk = table.primary_key
            self.tables.append(ExportTable(
                schema=self.database, name=sname, columns=[c.name for c in cols], target_schema=None,
                target_name=table.name, row_estimate=table.row_estimate or 0, key=tuple(pk.columns) if pk else (),
            ))  # fmt: skip
            self.queries[sname] = select_sql(table, cols)
            self._sources[sname] = table
        self._pending: list[MySQLReader] = []
        self._opened: list[MySQLReader] = []
        self.sequences: list[SequenceValue] = []
        self.conn = connect(config)
        self.check_lines = False  # whether a server-made line can be longer than a COPY line may be
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT @@SESSION.max_allowed_packet")
                packet = cur.fetchone()
            self.check_lines = packet is not None and int(packet[0]) + 1 > copyline.MAX_COPY_LINE_BYTES
            self._check_select()
            check_generated_columns(self.conn, self._sources.values())  # values checked inside MySQL
            # a table that may be read in chunks keeps every reader busy: open them all (under the lock)
            chunkable = any(self._chunk_column(t.name) for t in self.tables)
            wanted = options.parallel_jobs if chunkable else min(options.parallel_jobs, len(self.tables) or 1)
            self._start(max(1, wanted), conversion)
        except BaseException:
            self.close()
            raise

    def _check_select(self) -> None:
        denied = []
        with self.conn.cursor() as cur:
            for t in self.tables:
                try:
                    cur.execute(f"SELECT 1 FROM {bq(t.name)} LIMIT 0")  # noqa: S608 - quoted identifier
                except pymysql.err.OperationalError as exc:
                    if exc.args and exc.args[0] in (1142, 1143):
                        denied.append(t.name)
                        continue
                    raise
        if denied:
            raise ConfigError(
                f"source user {self.config.user} lacks SELECT on {', '.join(denied)} in {self.database}",
                fix=f"GRANT SELECT ON `{self.database}`.* TO the export user, or leave the tables out with --exclude-table-list {','.join(denied)}",
            )

    def _start(self, readers: int, conversion: Conversion) -> None:
        locked = False
        with self.conn.cursor() as cur:
            try:
                cur.execute("FLUSH TABLES WITH READ LOCK")
                locked = True
            except pymysql.err.MySQLError as exc:
                if not (exc.args and exc.args[0] in (1227, 1044, 1045)):
                    raise
                log.warning(
                    "no RELOAD privilege: FLUSH TABLES WITH READ LOCK is not possible; readers start their snapshots one after the other"
                )
        try:
            for _ in range(readers):
                self._pending.append(MySQLReader(self))
            self._begin(self.conn)
            self.sequences = self._sequence_values(conversion)
        finally:
            if locked:
                with self.conn.cursor() as cur:
                    cur.execute("UNLOCK TABLES")
        engines = sorted(
            {
                str(t.extra.get("engine"))
                for t in self._sources.values()
                if str(t.extra.get("engine") or "InnoDB").lower() != "innodb"
            }
        )
        if locked:
            self.consistency = "one consistent snapshot (FLUSH TABLES WITH READ LOCK + START TRANSACTION WITH CONSISTENT SNAPSHOT on every reader)"
        else:
            self.consistency = (
                "per-reader snapshots, NOT one point in time: the export user lacks RELOAD (needed for FLUSH TABLES WITH READ LOCK); "
                "stop writes to the source during the export or GRANT RELOAD ON *.* to the export user"
            )
        if engines:
            self.consistency += (
                f"; tables using {', '.join(engines)} are not transactional and may change during the export"
            )

    @staticmethod
    def _begin(conn: pymysql.connections.Connection) -> None:
        with conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")

    def _sequence_values(self, conversion: Conversion) -> list[SequenceValue]:
        out = []
        exported = {t.target_name for t in self.tables}
        with self.conn.cursor() as cur:
            try:
                cur.execute(
                    "SET SESSION information_schema_stats_expiry = 0"
                )  # MySQL 8 caches AUTO_INCREMENT otherwise
            except pymysql.err.MySQLError:
                pass
            for seq in conversion.catalog.sequences:
                if not seq.owned_by or seq.owned_by[0] not in exported:
                    continue
                table = next(t for t in conversion.catalog.tables if t.name == seq.owned_by[0])
                col = table.column(seq.owned_by[1])
                sname = str(table.extra.get("source_name"))
                cur.execute(
                    "SELECT auto_increment FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                    (self.database, sname),
                )
                row = cur.fetchone()
                next_value = int(row[0]) if row and row[0] is not None else 1
                column = bq(source_name(col))
                cur.execute(f"SELECT MAX({column}) FROM {bq(sname)}")  # noqa: S608 - quoted identifiers
                mrow = cur.fetchone()
                top = max(next_value - 1, int(mrow[0]) if mrow and mrow[0] is not None else 0)
                if top > BIGINT_MAX:  # a numeric auto_increment column (type rule) beyond any sequence
                    log.warning(
                        "%s.%s holds ids above %d: sequence %s is set to its maximum, so inserts without an id fail on the target",
                        sname, col.name, BIGINT_MAX, seq.name,
                    )  # fmt: skip
                    top = BIGINT_MAX
                out.append(
                    SequenceValue(
                        schema=None, name=seq.name, last_value=top if top >= 1 else 1, is_called=top >= 1
                    )
                )
        return out

    def _chunk_column(self, name: str) -> str:
        """The column a table is chunked by: its primary key's first column when that is an integer ("" if none)."""
        table = self._sources[name]
        pk = table.primary_key
        if not pk or not pk.columns:
            return ""
        col = table.column(pk.columns[0])
        return source_name(col) if _source_base(col) in _INTEGER_TYPES else ""

    def plan_chunks(self, table: ExportTable, target: ChunkTarget) -> list[Chunk] | None:
        """Ranges of the first primary-key column (an integer), sized from ``information_schema.TABLES``; the
        bounds are read on the snapshot's own connection, inside the consistent snapshot."""
        column = self._chunk_column(table.name)
        if not column:
            return None
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT TABLE_ROWS, DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                (self.database, table.name),
            )
            row = cur.fetchone()
            rows, size = (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
            if target.chunk_count(rows, size) <= 1:
                return None
            cur.execute(f"SELECT MIN({bq(column)}), MAX({bq(column)}) FROM {bq(table.name)}")  # noqa: S608 - quoted identifiers
            bounds = cur.fetchone()
        lo, hi = (bounds[0], bounds[1]) if bounds else (None, None)
        return key_chunks(
            column,
            None if lo is None else int(lo),
            None if hi is None else int(hi),
            rows,
            target.chunk_rows(rows, size),
        )

    def open_reader(self) -> TableReader:
        if not self._pending:
            raise TransshipError(
                "more export readers were requested than were opened on the snapshot",
                fix="report this as a bug; meanwhile run export data with a smaller --parallel-jobs",
            )
        reader = self._pending.pop(0)
        self._opened.append(reader)
        return reader

    def close(self) -> None:
        for reader in self._pending + self._opened:
            reader.close()
        self._pending.clear()
        conn = getattr(self, "conn", None)
        if conn is not None and conn.open:
            try:
                conn.rollback()
            finally:
                conn.close()


def _lost_rows(label: str, lost: int) -> ExportFailed:
    return ExportFailed(
        f"table {label}: {lost} row(s) came back empty from the server (a row larger than max_allowed_packet)",
        fix="raise it on the source (SET GLOBAL max_allowed_packet = 1073741824), then re-run export data",
    )


class _Abort(Exception):
    """Raised inside a table's read loop to stop it; the connection is then closed (the rest is not read)."""

    def __init__(self, error: ExportFailed) -> None:
        super().__init__(error.message)
        self.error = error


class MySQLReader(TableReader):
    """One streaming connection inside the snapshot."""

    def __init__(self, snapshot: MySQLSnapshot) -> None:
        self.snapshot = snapshot
        self.conn = connect(snapshot.config, raw=True, streaming=True)
        MySQLSnapshot._begin(self.conn)
        self.client: client_copy.ClientSession | None = None
        command = None if snapshot.check_lines else client_copy.client_command(snapshot.config)
        if command is not None:
            try:  # started here, so under the export's read lock like the pymysql connection
                self.client = client_copy.ClientSession(command, snapshot.config)
            except client_copy.ClientUnavailable as exc:
                client_copy.warn_once(
                    "client-failed",
                    f"the MariaDB client could not connect to the source ({exc}): exporting with pymysql instead (slower)",
                )

    def copy_table(self, table: ExportTable, write: Callable[[bytes], object]) -> None:
        query = self.snapshot.queries[table.name]
        if self.client is not None and query.client_sql is not None:
            self._copy_client(table, query.client_sql, write)
            return
        self._copy(table, query.sql, write)

    def copy_chunk(self, table: ExportTable, chunk: Chunk, write: Callable[[bytes], object]) -> None:
        if chunk.kind != "key":
            raise TransshipError(
                f"table {table.schema}.{table.name}: a MySQL table cannot be read in {chunk.kind} chunks",
                fix="re-run export data with --start-clean true",
            )
        column = bq(chunk.column)
        bounds = [f"{column} >= {int(chunk.lo)}"] if chunk.lo is not None else []
        bounds += [f"{column} < {int(chunk.hi)}"] if chunk.hi is not None else []
        where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
        query = self.snapshot.queries[table.name]
        if self.client is not None and query.client_sql is not None:
            self._copy_client(table, query.client_sql + where, write)
            return
        self._copy(table, query.sql + where, write)

    def _copy_client(self, table: ExportTable, text: str, write: Callable[[bytes], object]) -> None:
        """Copy through the MariaDB client session; rows with client-encoded values through pymysql."""
        assert self.client is not None
        query = self.snapshot.queries[table.name]
        label = f"{table.schema}.{table.name}"

        def fetch(keys: list[int]) -> None:
            listed = ", ".join(str(int(k)) for k in keys)
            self._copy(table, f"{query.sql} WHERE {query.client_key} IN ({listed})", write)

        lost, count, warnings = self.client.copy(text, write, fetch)  # ClientFailed: named by the exporter
        found = [w for w in warnings if not _DELIBERATE.search(w[2])]
        if found:
            raise self._locate(query, label, found)
        if count and not warnings:  # the server counted warnings it did not list: read again to name them
            self._copy(table, text.replace(query.client_sql or "", query.sql, 1), lambda _data: None)
        if lost:
            raise _lost_rows(label, lost)

    def _copy(self, table: ExportTable, text: str, write: Callable[[bytes], object]) -> None:
        query = self.snapshot.queries[table.name]
        label = f"{table.schema}.{table.name}"
        cur = self.conn.cursor()
        try:
            cur.execute(text)
            if query.large:
                lost = self._copy_large(cur, query, label, write)
            else:
                lost = self._copy_small(cur, query, label, write)
        except BaseException as exc:
            # the rows not read yet are dropped with the connection, not drained
            result = getattr(cur, "_result", None)
            if result is not None:
                result.unbuffered_active = False
            cur.connection = None
            self.close()
            if isinstance(exc, _Abort):
                raise exc.error from None
            if isinstance(exc, pymysql.err.MySQLError):  # one line; the exporter names the table and chunk
                code, text = (exc.args[0], exc.args[1]) if len(exc.args) > 1 else ("?", str(exc))
                raise client_copy.ClientFailed(f"{text} (MySQL error {code})") from None
            raise
        warnings = cur.warning_count
        cur.close()
        if warnings:
            found = [w for w in self._warnings() if not _DELIBERATE.search(w[2])]
            if found:
                raise self._locate(query, label, found)
        if lost:
            raise _lost_rows(label, lost)

    def _copy_small(self, cur: Any, query: TableQuery, label: str, write: Callable[[bytes], object]) -> int:
        """Tables without columns that can be large: the server-made lines, FETCH_ROWS at a time."""
        lost = 0
        number = 0
        while True:
            rows = cur.fetchmany(FETCH_ROWS)
            if not rows:
                return lost
            lines = [r[0] for r in rows]
            if None in lines:
                lost += lines.count(None)
                lines = [line for line in lines if line is not None]
            if self.snapshot.check_lines:
                self._check_lines(query, label, lines, number)
            number += len(rows)
            lines.append(b"")
            write(b"\n".join(lines))

    def _check_lines(self, query: TableQuery, label: str, lines: list[bytes], number: int) -> None:
        """Stop at a server-made line longer than a COPY line may be (only possible with a huge max_allowed_packet)."""
        for i, line in enumerate(lines):
            if len(line) + 1 > copyline.MAX_COPY_LINE_BYTES:
                raise _Abort(
                    copyline.line_too_large(label, self._row_name(query, line, number + i + 1), len(line) + 1)
                )

    def _copy_large(self, cur: Any, query: TableQuery, label: str, write: Callable[[bytes], object]) -> int:
        """Tables with columns that can be large: one row at a time (a row may hold a value of any size);
        rows without a client-encoded value are written in blocks, the others field by field."""
        limit = copyline.MAX_COPY_LINE_BYTES
        small = (None,) * (len(query.large) + 1)  # no value sent, not too large
        check = self.snapshot.check_lines
        pending: list[bytes] = []
        pending_bytes = 0
        lost = 0
        number = 0
        fetch = cur.fetchone
        while (row := fetch()) is not None:
            number += 1
            line = row[0]
            if line is None:
                lost += 1
            elif row[1:] == small:
                if check:
                    self._check_lines(query, label, [line], number - 1)
                pending.append(line)
                pending_bytes += len(line)
                if pending_bytes >= PENDING_BYTES:
                    pending.append(b"")
                    write(b"\n".join(pending))
                    pending, pending_bytes = [], 0
            elif row[-1] is not None:  # the server did not send the values: the line would be too large
                raise _Abort(
                    copyline.line_too_large(
                        label, self._row_name(query, line, number), int(row[-1]) + 1, limit, at_least=True
                    )
                )
            else:
                if pending:
                    pending.append(b"")
                    write(b"\n".join(pending))
                    pending, pending_bytes = [], 0
                self._write_row(query, label, line, row[1:-1], number, write)
                # drop the row before the next one is read: a large value must not be held twice
                del row
                if getattr(cur, "_result", None) is not None:
                    cur._result.rows = None
        if pending:
            pending.append(b"")
            write(b"\n".join(pending))
        return lost

    def _write_row(
        self,
        query: TableQuery,
        label: str,
        line: bytes,
        values: tuple[Any, ...],
        number: int,
        write: Callable[[bytes], object],
    ) -> None:
        """Write one line whose large values are encoded here, in pieces, into their empty fields."""
        fields = line.split(b"\t")  # fields hold no raw TAB: every TAB in a value is escaped
        encoded = {
            lc.index: (lc, value) for lc, value in zip(query.large, values, strict=True) if value is not None
        }
        size = len(line) + 1
        parts: list[bytes] = []
        for i, text in enumerate(fields):
            if i:
                parts.append(b"\t")
            if i not in encoded:
                parts.append(text)
                continue
            write(b"".join(parts))
            parts = []
            lc, value = encoded[i]
            try:
                if lc.kind == "bytea":
                    size += copyline.write_hex(value, write)
                else:
                    size += copyline.write_escaped(
                        value, write, strip_nul=lc.kind == "text", validate_utf8=lc.kind == "binary_text"
                    )
            except UnicodeDecodeError:
                raise _Abort(
                    ExportFailed(
                        f"table {label}, column {lc.name}, row {self._row_name(query, line, number)}: the binary value is not UTF-8 text, "
                        "but a type rule maps the column to a text type",
                        fix="map the column to bytea (drop the type rule), or correct the value at the source, then re-run export data",
                    )
                ) from None
        parts.append(b"\n")
        write(b"".join(parts))
        if size > copyline.MAX_COPY_LINE_BYTES:
            raise _Abort(copyline.line_too_large(label, self._row_name(query, line, number), size))

    @staticmethod
    def _row_name(query: TableQuery, line: bytes, number: int) -> str:
        """The row's key from its line (COPY text), or its position for a table without a primary key."""
        if not query.key:
            return f"number {number} in scan order (the table has no primary key)"
        fields = line.split(b"\t")
        return copyline.describe_key(query.key, [fields[i] for i in query.key_index])

    def _warnings(self) -> list[tuple[str, int, str]]:
        with self.conn.cursor() as cur:
            cur.execute("SHOW WARNINGS")
            return [(as_text(level), int(code), as_text(message)) for level, code, message in cur.fetchall()]

    def _locate(self, query: TableQuery, label: str, warnings: list[tuple[str, int, str]]) -> ExportFailed:
        """The error for warnings raised by a table's query: names the column and the row where found."""
        level, code, message = warnings[0]
        column: Column | None = None
        row = "not found"
        try:
            column, row = self._find(query, message)
        except pymysql.err.MySQLError as exc:  # the locate queries are a courtesy: the warning is the error
            log.warning("locating the row of warning %s in %s failed: %s", code, label, exc)
        where = f"column {column.name}, row {row}" if column is not None else "column and row not found"
        more = f" (and {len(warnings) - 1} more warning(s))" if len(warnings) > 1 else ""
        fix = (
            "raise max_allowed_packet on the source (SET GLOBAL max_allowed_packet = 1073741824), then re-run export data"
            if code == 1301
            else "correct the value at the source, or change the column's type rule so that it converts without loss, then re-run export data"
        )
        return ExportFailed(
            f'table {label}, {where}: the source server reported {level.lower()} {code} "{message}"{more}: a value would not arrive as stored',
            fix=fix,
        )

    def _find(self, query: TableQuery, message: str) -> tuple[Column | None, str]:
        """The column whose expression warns, and the first row (by key) where it does.

        First a value that came back NULL though stored (what warning 1301 does): one query per column. Else
        each column's expression is evaluated over the table until one warns, and its row is found by halving
        windows of rows in key order.
        """
        named = re.findall(r"\b(\w+)\(\)", message.lower())
        cols = sorted(query.columns, key=lambda c: not any(f in column_expr(c).lower() for f in named))
        key = ", ".join(_source_ref(query.columns[i]) for i in query.key_index)  # in key order
        none = "unknown (the table has no primary key)"
        with self.conn.cursor() as cur:
            # a whole line over max_allowed_packet (CONCAT_WS gives NULL): its row, and its largest field
            sizes = ", ".join(f"IFNULL(LENGTH({column_expr(c)}), 0)" for c in query.columns)
            probe = f"SELECT {sizes}{', ' + key if key else ''} FROM {query.source} WHERE {query.line} IS NULL LIMIT 1"  # noqa: S608 - quoted identifiers
            cur.execute(probe)
            found = cur.fetchall()
            if found:
                lengths = [int(v) for v in found[0][: len(query.columns)]]
                col = query.columns[lengths.index(max(lengths))]
                return col, self._key_text(query, found[0][len(query.columns) :]) if key else none
            for col in cols:
                if _source_base(col) in ("date", "datetime", "timestamp"):
                    continue  # zero dates become NULL on purpose
                cur.execute(
                    f"SELECT {key or 1} FROM {query.source} WHERE {_source_ref(col)} IS NOT NULL AND ({column_expr(col)}) IS NULL LIMIT 1"  # noqa: S608 - quoted identifiers
                )
                found = cur.fetchall()
                if found:
                    return col, self._key_text(query, found[0]) if key else none
            for col in cols:
                cur.execute(f"SELECT COUNT({column_expr(col)}) FROM {query.source}")  # noqa: S608 - quoted identifiers
                cur.fetchall()
                if not cur.warning_count:
                    continue
                if not key:
                    return col, none
                return col, self._bisect(cur, query, col, key)
        return None, "not found"

    def _bisect(self, cur: Any, query: TableQuery, col: Column, key: str) -> str:
        """The first row, in key order, whose value of ``col`` makes its expression warn."""
        cur.execute(f"SELECT COUNT(*) FROM {query.source}")  # noqa: S608 - quoted identifiers
        total = int(cur.fetchall()[0][0])
        expr = column_expr(col)
        low, count = 0, total
        while count > 1:
            half = count // 2
            cur.execute(
                f"SELECT COUNT({expr}) FROM {query.source} JOIN (SELECT {key} FROM {query.source} ORDER BY {key} LIMIT {half} OFFSET {low}) w USING ({key})"  # noqa: S608 - quoted identifiers
            )
            cur.fetchall()
            if cur.warning_count:
                count = half
            else:
                low, count = low + half, count - half
        cur.execute(f"SELECT {key} FROM {query.source} ORDER BY {key} LIMIT 1 OFFSET {low}")  # noqa: S608 - quoted identifiers
        return self._key_text(query, cur.fetchall()[0])

    @staticmethod
    def _key_text(query: TableQuery, values: tuple[Any, ...]) -> str:
        return copyline.describe_key(query.key, list(values))

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.conn.open:
            try:
                self.conn.close()
            except pymysql.err.MySQLError:
                pass
