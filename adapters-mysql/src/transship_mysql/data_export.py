"""Data export: the server formats each row as one COPY-text line; Python only streams bytes.

For every column a SQL expression renders the value exactly as PostgreSQL's COPY text format wants it
(``\\N`` for NULL, backslash escapes, ``\\x`` hex for bytea, ``t``/``f`` booleans, zero dates as NULL,
``{...}`` arrays for SET, float values at full precision) and ``CONCAT_WS(TAB, ...)`` joins them. Rows
stream through an unbuffered cursor (``SSCursor``), so memory stays bounded whatever the table size.

Consistency: ``FLUSH TABLES WITH READ LOCK`` is taken, every reader connection starts
``START TRANSACTION WITH CONSISTENT SNAPSHOT``, auto-increment values are read, then the lock is
released: all readers see the same point in time (InnoDB tables). Without the RELOAD privilege the
lock cannot be taken; readers then start their snapshots one after the other and the command says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard

import pymysql

from transship.adapters.base import DataExportOptions, DataSnapshot, ExportTable, SequenceValue, TableReader
from transship.catalog import Column, Table
from transship.errors import ConfigError, TransshipError
from transship_mysql.connection import connect
from transship_mysql.types import BINARY_TYPES, SPATIAL_TYPES, TEXT_TYPES

if TYPE_CHECKING:
    from transship_mysql.adapter import MySQLAdapter

log = logging.getLogger(__name__)
FETCH_ROWS = 2000
FETCH_ROWS_LONG = 100  # tables with long text columns: bounded memory per fetch
# MariaDB's REPLACE() is quadratic in the number of matches within one value (a 120 KB text with 2,000
# newlines takes ~13 ms per REPLACE): values longer than this are escaped by the client instead (linear).
CLIENT_ESCAPE_BYTES = 4096
_LONG_TEXT_TYPES = frozenset(("text", "mediumtext", "longtext", "json"))
BIGINT_MAX = 9223372036854775807  # a PostgreSQL sequence's largest value
_NULL = "'\\\\N'"  # SQL literal for the two characters \N


def bq(name: str) -> str:
    """A MySQL identifier in backticks."""
    return "`" + name.replace("`", "``") + "`"


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
    q = bq(str(col.extra.get("source_name") or col.name))
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
    elif base in TEXT_TYPES or base in ("json", "enum", "set"):
        expr = _escape(f"REPLACE({q}, '\\0', '')")
        if escaped_by_client(col):
            expr = f"IF(LENGTH({q}) > {CLIENT_ESCAPE_BYTES}, '', {expr})"
    elif base in _PLAIN_TYPES:
        expr = q
    elif base in ("uuid", "inet4", "inet6"):
        expr = f"CAST({q} AS CHAR)"  # IFNULL() on these types would try to cast '\\N' to them
    else:
        expr = _escape(f"CAST({q} AS CHAR)")
    return f"IFNULL({expr}, {_NULL})"


def escaped_by_client(col: Column) -> bool:
    """Long text-like columns: values over :data:`CLIENT_ESCAPE_BYTES` are escaped in Python."""
    target = (col.target_type or "").lower()
    return _source_base(col) in _LONG_TEXT_TYPES and target not in ("boolean", "bytea")


def escape_copy_text(value: bytes) -> bytes:
    """COPY-text escaping done by the client (same result as the SQL expression, NUL removed)."""
    return (
        value.replace(b"\\", b"\\\\")
        .replace(b"\t", b"\\t")
        .replace(b"\n", b"\\n")
        .replace(b"\r", b"\\r")
        .replace(b"\x00", b"")
    )


def select_sql(table: Table, columns: list[Column]) -> tuple[str, list[int]]:
    """``SELECT CONCAT_WS(TAB, ...), <long values> FROM `t```: one COPY line per row, plus the raw value of
    each long text column when it is over :data:`CLIENT_ESCAPE_BYTES` (its field in the line is then empty).

    :return: the query and, for each extra select item, the index of the field it fills.
    """
    source = bq(str(table.extra.get("source_name") or table.name))
    if not columns:
        return f"SELECT '' FROM {source}", []  # noqa: S608 - identifiers are backtick-quoted
    fields = ", ".join(column_sql(c) for c in columns)
    long_idx = [i for i, c in enumerate(columns) if escaped_by_client(c)]
    extra = "".join(
        f", IF(LENGTH({q}) > {CLIENT_ESCAPE_BYTES}, CONVERT({q} USING utf8mb4), NULL)"
        for q in (bq(str(columns[i].extra.get("source_name") or columns[i].name)) for i in long_idx)
    )
    return f"SELECT CONCAT_WS('\\t', {fields}){extra} FROM {source}", long_idx  # noqa: S608 - identifiers are backtick-quoted


def exported_columns(table: Table) -> list[Column]:
    """Columns whose values are copied (generated columns are computed by the target)."""
    return [c for c in table.columns if not c.generated]


class MySQLSnapshot(DataSnapshot):
    """Readers opened under one global read lock, each in a consistent-snapshot transaction."""

    def __init__(self, adapter: MySQLAdapter, options: DataExportOptions) -> None:
        self.adapter = adapter
        conversion = adapter.convert_catalog()
        self.database = adapter.database
        self.queries: dict[str, tuple[str, list[int]]] = {}
        self.tables = []
        self._sources: dict[str, Table] = {}
        for table in conversion.catalog.tables:
            sname = str(table.extra.get("source_name") or table.name)
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
        self.conn = connect(adapter.config)
        try:
            self._check_select()
            from transship_mysql.generated import check_generated_columns  # values checked inside MySQL

            check_generated_columns(self.conn, self._sources.values())
            self._start(max(1, min(options.parallel_jobs, len(self.tables) or 1)), conversion)
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
                f"source user {self.adapter.config.user} lacks SELECT on {', '.join(denied)} in {self.database}",
                fix=f"GRANT SELECT ON `{self.database}`.* TO the export user, or leave the tables out with --exclude-table-list {','.join(denied)}",
            )

    def _start(self, readers: int, conversion: Any) -> None:
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

    def _sequence_values(self, conversion: Any) -> list[SequenceValue]:
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
                column = bq(str(col.extra.get("source_name") or col.name))
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


def _splice(row: tuple[Any, ...], long_idx: list[int]) -> bytes | None:
    """Put the client-escaped long values into their (empty) fields of the server-made line."""
    line = row[0]
    if line is None:
        return None
    fields = line.split(b"\t")  # fields hold no raw TAB: every TAB in a value is escaped
    for value, idx in zip(row[1:], long_idx, strict=True):
        if value is not None:
            fields[idx] = escape_copy_text(value)
    return b"\t".join(fields)


def _complete(lines: list[bytes | None]) -> TypeGuard[list[bytes]]:
    """Whether every row came back (a row over ``max_allowed_packet`` comes back as NULL)."""
    return None not in lines


class MySQLReader(TableReader):
    """One streaming connection inside the snapshot."""

    def __init__(self, snapshot: MySQLSnapshot) -> None:
        self.snapshot = snapshot
        self.conn = connect(snapshot.adapter.config, raw=True, streaming=True)
        MySQLSnapshot._begin(self.conn)

    def copy_table(self, table: ExportTable, write: Callable[[bytes], object]) -> None:
        query, long_idx = self.snapshot.queries[table.name]
        with self.conn.cursor() as cur:
            cur.execute(query)
            while True:
                rows = cur.fetchmany(FETCH_ROWS_LONG if long_idx else FETCH_ROWS)
                if not rows:
                    break
                lines: list[bytes | None] = [
                    r[0] if long_idx == [] or not any(r[1:]) else _splice(r, long_idx) for r in rows
                ]
                if not _complete(lines):
                    raise TransshipError(
                        f"a row of {table.schema}.{table.name} is larger than the server's max_allowed_packet and came back empty",
                        fix="raise it on the source (SET GLOBAL max_allowed_packet = 1073741824), then re-run export data",
                    )
                lines.append(b"")
                write(b"\n".join(lines))

    def close(self) -> None:
        if self.conn.open:
            try:
                self.conn.close()
            except pymysql.err.MySQLError:
                pass
