"""MySQL/MariaDB's side of ``verify``: the canonical text of each value (:mod:`transship.verify.canonical`)
built by the server, hashed and summed per chunk. Only one (count, sum) per chunk crosses the network.

The canonical forms follow what export data wrote for the type mapping that was used: zero dates are NULL,
NULs are removed from text, ``tinyint(1)`` is a boolean, TIME is a duration, TIMESTAMP is read in UTC, a
FLOAT is compared as the double it widens to. Any warning the server gives while hashing stops ``verify``:
a digest over a truncated value would prove nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pymysql

from transship.sdk import (
    HASH_HEX,
    INTEGER_LIMIT,
    NULL_MARK,
    PROBE_TEXT,
    SEPARATOR,
    TEXT_INLINE_BYTES,
    ChunkPlan,
    ColumnSpec,
    DBConfig,
    Digests,
    RowValues,
    TableSpec,
    TransshipError,
    span_where,
    unpaired_columns,
)
from transship_mysql.connection import as_text, connect
from transship_mysql.names import bq, source_name
from transship_mysql.types import BINARY_TYPES, SPATIAL_TYPES, TEXT_TYPES

if TYPE_CHECKING:
    from transship_mysql.convert.base import Conversion

DISPLAY_CHARS = 200
_INT_BASES = {
    "tinyint",
    "smallint",
    "mediumint",
    "int",
    "integer",
    "bigint",
    "serial",
    "year",
    "bool",
    "boolean",
}


def float_sql(text: str, number: str) -> str:
    """MySQL: :func:`transship.verify.canonical.float_reference` of a float's ``text`` (``number``: the value),
    each part read from the text once (the text is the costly part: the server formats the double each time)."""
    s = f"LOWER({text})"
    digits = f"TRIM(TRAILING '0' FROM TRIM(LEADING '0' FROM REGEXP_REPLACE({s}, '^-|\\\\.|e.*$', '')))"
    exp = (
        f"IF(LOCATE('e', {s}) > 0, CAST(SUBSTRING_INDEX({s}, 'e', -1) AS SIGNED) + 1, "
        f"IF(ABS({number}) < 1, 1 - CHAR_LENGTH(REGEXP_SUBSTR({s}, '\\\\.0*')), "
        f"LOCATE('.', CONCAT({s}, '.')) - 1 - (LEFT({s}, 1) = '-')))"
    )
    sign = f"IF(LEFT({s}, 1) = '-', '-', '')"
    return f"CASE WHEN {digits} = '' THEN CONCAT({sign}, '0') ELSE CONCAT({sign}, {digits}, 'e', {exp}) END"


_UTF8_CHARSETS = {"utf8mb4", "utf8mb3", "utf8", "ascii"}
#: the longest value (bytes) of a column type whose every value is inlined (no length test needed)
_MAX_BYTES_PER_CHAR = 4


def _inline(value: str) -> str:
    return f"CONCAT(LENGTH({value}), ':', {value})"


def digest_sql(value: str, algorithm: str = "md5") -> str:
    """MySQL: the hex digest of a value inside a row's digest input, with the row hash both sides agreed on
    (see :func:`transship.verify.canonical.pg_digest`): SHA2 is MariaDB's own code, MD5 goes through OpenSSL
    per call (0.4 s against 3.5 s per 2 M values)."""
    return f"SHA2({value}, 256)" if algorithm == "sha256" else f"MD5({value})"


def text_sql(value: str, digest: str = "md5") -> str:
    """MySQL: :func:`transship.verify.canonical.text_reference` of a utf8mb4 (or binary) ``value``, an
    expression that is computed up to three times (MariaDB does not share it)."""
    return f"IF(LENGTH({value}) <= {TEXT_INLINE_BYTES}, {_inline(value)}, CONCAT('#', {digest_sql(value, digest)}))"


def _text_piece(q: str, col: ColumnSpec, digest: str) -> str:
    charset = str(col.extra.get("charset") or "utf8mb4").lower()
    value = f"REPLACE({q}, '\\0', '')"  # NULs were removed by the export
    if charset not in _UTF8_CHARSETS:  # converted, a value may grow: measured after conversion
        return text_sql(f"CONVERT({value} USING utf8mb4)", digest)
    length = col.extra.get("length")
    declared = None
    if col.type_name in ("char", "varchar") and isinstance(length, int):
        declared = length * _MAX_BYTES_PER_CHAR
    elif col.type_name == "tinytext":
        declared = 255
    if declared is not None and declared <= TEXT_INLINE_BYTES:
        return _inline(value)
    # the raw length bounds the length after NULs are removed: short values skip one REPLACE
    return f"IF(LENGTH({q}) <= {TEXT_INLINE_BYTES}, {_inline(value)}, {text_sql(value, digest)})"


def piece(col: ColumnSpec, mariadb: bool, digest: str = "md5") -> str:
    """The canonical text of one column (NULL as ``~``; ``digest``: the row hash both sides use)."""
    q = bq(source_name(col))
    base = col.type_name
    kind = col.kind
    if kind in ("int", "numeric"):
        # + 0: no ZEROFILL padding; YEAR and BIT as numbers; a plain integer or decimal prints as it is
        inner = q if base in _PLAIN_NUMBERS and not col.extra.get("zerofill") else f"CAST({q} + 0 AS CHAR)"
    elif kind == "float":
        inner = (
            float_sql(f"CAST(CAST({q} AS DOUBLE) AS CHAR)", f"CAST({q} AS DOUBLE)")
            if base == "float"
            else float_sql(f"CAST({q} AS CHAR)", q)
        )
    elif kind == "bool":
        inner = f"ELT(({q} <> 0) + 1, 'f', 't')"  # NULL stays NULL
    elif kind == "bits":
        inner = f"LPAD(BIN({q}), {int(str(col.extra.get('length') or 1))}, '0')"
    elif kind == "date":
        inner = f"IF({_zero_date(q)}, NULL, DATE_FORMAT({q}, '%Y-%m-%d'))"
    elif kind == "timestamp":
        inner = f"IF({_zero_date(q)}, NULL, DATE_FORMAT({q}, '%Y-%m-%d %H:%i:%s.%f'))"
    elif kind == "interval":
        inner = f"CONCAT('0:0:', CAST(ROUND(TIME_TO_SEC({q}) * 1000000) AS SIGNED))"  # months:days:micros
    elif kind == "bytes":
        inner = digest_sql(q if base in BINARY_TYPES else f"CONVERT({q} USING utf8mb4)", digest)
    elif kind == "json" and mariadb:
        inner = digest_sql(f"JSON_NORMALIZE({q})", digest)
    elif kind == "set":
        inner = digest_sql(f"CONVERT({q} USING utf8mb4)", digest)
    elif kind == "point":
        x, y = f"ST_X({q})", f"ST_Y({q})"
        inner = f"CONCAT({float_sql(f'CAST({x} AS CHAR)', x)}, ',', {float_sql(f'CAST({y} AS CHAR)', y)})"
    elif base in BINARY_TYPES:  # kept as text: the bytes are the text's UTF-8
        inner = text_sql(q, digest)
    elif base in TEXT_TYPES or base in ("json", "enum", "set"):
        inner = _text_piece(q, col, digest)
    elif base in SPATIAL_TYPES:
        inner = text_sql(f"ST_AsText({q})", digest)
    else:
        inner = text_sql(f"CONVERT(CAST({q} AS CHAR) USING utf8mb4)", digest)
    return f"IFNULL({inner}, '{NULL_MARK}')"


def _zero_date(q: str) -> str:
    """True for a date with a zero part (export data wrote those as NULL), NULL for NULL."""
    return f"YEAR({q}) * MONTH({q}) * DAYOFMONTH({q}) = 0"


# integers and decimals that print as their value (no ZEROFILL, YEAR or BIT to undo)
_PLAIN_NUMBERS = (_INT_BASES - {"serial", "year", "bool", "boolean"}) | {"decimal", "numeric", "dec", "fixed"}


def kind_for(source_base: str, target_kind: str, mariadb: bool) -> str:
    """The kind both sides use for a MySQL column of ``source_base`` on a target column of ``target_kind``."""
    if target_kind == "text" and source_base == "set":
        return "set"
    if target_kind == "text" and source_base == "point":
        return "point"
    if target_kind == "pgfloat":
        return "float"
    if (
        source_base == "json"
    ):  # MariaDB normalises with JSON_NORMALIZE; MySQL's own JSON text is compared as is
        return "json" if mariadb and target_kind == "jsonb" else "text"
    if target_kind == "jsonb":
        return "text"
    if target_kind == "bytes" and source_base not in BINARY_TYPES | TEXT_TYPES:
        return "text"
    if target_kind == "int" and source_base not in _INT_BASES | {"bit"}:
        return "numeric" if source_base in ("decimal", "numeric", "dec", "fixed") else "text"
    return target_kind


class MySQLContentSource:
    """The MySQL side for ``verify``: pairs target columns with the converted catalog's columns."""

    def __init__(self, config: DBConfig, conversion: Conversion) -> None:
        self.config = config
        self.tables = {source_name(t): t for t in conversion.catalog.tables}
        conn = connect(config)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT VERSION()")
                self.mariadb = "mariadb" in str(cur.fetchone()[0]).lower()
        finally:
            conn.close()

    def table_spec(self, source_schema: str | None, source_name: str, target: TableSpec) -> TableSpec | str:
        table = self.tables.get(source_name)
        if table is None:
            return "missing on the source"
        by_name = {c.name: c for c in table.columns}
        reason = unpaired_columns(target, list(by_name))
        if reason:
            return reason
        columns = []
        for t in target.columns:
            col = by_name[t.name]
            stype = col.extra.get("stype")
            base = stype.base if stype else col.source_type.split("(")[0].lower()
            length = stype.length if stype else None
            columns.append(
                ColumnSpec(
                    t.name,
                    kind_for(base, t.kind, self.mariadb),
                    base,
                    {
                        "source_name": col.extra.get("source_name") or col.name,
                        "length": length,
                        "charset": col.charset,
                        "zerofill": "zerofill" in col.source_type.lower(),
                    },
                )
            )
        return TableSpec(None, source_name, columns, list(target.key))

    def reader(self) -> MySQLContentReader:
        return MySQLContentReader(connect(self.config), self.mariadb)

    def close(self) -> None:
        pass


class MySQLContentReader:
    """A :class:`~transship.verify.content.ContentReader` over one MySQL connection."""

    def __init__(self, conn: pymysql.connections.Connection, mariadb: bool) -> None:
        self.conn = conn
        self.mariadb = mariadb
        self.row_hash = "md5"
        conn.autocommit(True)

    def close(self) -> None:
        self.conn.close()

    # SQL pieces
    def _pieces(self, table: TableSpec, only: list[int] | None = None) -> list[str]:
        idx = range(len(table.columns)) if only is None else only
        return [piece(table.columns[i], self.mariadb, self.row_hash) for i in idx]

    @staticmethod
    def _join(pieces: list[str]) -> str:
        return f"CONCAT_WS('{SEPARATOR}', {', '.join(pieces)})" if pieces else "''"

    def _hash60(self, text: str) -> str:
        return f"CAST(CONV(LEFT({digest_sql(text, self.row_hash)}, {HASH_HEX}), 16, 10) AS UNSIGNED)"

    def _row_hash(self, table: TableSpec) -> str:
        return self._hash60(self._join(self._pieces(table)))

    def row_hash_probe(self, algorithm: str) -> int | None:
        """This server's hash of ``PROBE_TEXT`` with ``algorithm`` (md5 or sha256), None for others."""
        if algorithm not in ("md5", "sha256"):
            return None
        digest = (
            "SHA2(CONVERT(%s USING utf8mb4), 256)"
            if algorithm == "sha256"
            else "MD5(CONVERT(%s USING utf8mb4))"
        )
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT CAST(CONV(LEFT({digest}, {HASH_HEX}), 16, 10) AS UNSIGNED)", (PROBE_TEXT,))  # noqa: S608 - constants
            row = cur.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def use_row_hash(self, algorithm: str) -> None:
        """Hash rows with ``algorithm`` (one both sides agreed on) from now on."""
        self.row_hash = algorithm

    def _key_text(self, table: TableSpec) -> str:
        if not table.key:
            return f"CAST({self._row_hash(table)} AS CHAR)"
        return self._join(self._pieces(table, table.key))

    @staticmethod
    def _key_ref(table: TableSpec) -> str:
        col = table.columns[table.key[0]]
        return bq(source_name(col))

    def _bucket(self, table: TableSpec, plan: ChunkPlan) -> str:
        if plan.mode == "range":
            k, lo, width = self._key_ref(table), int(plan.lo), int(plan.width)
            exact = f"FLOOR((CAST({k} AS DECIMAL(65, 0)) - {lo}) / {width})"
            if not plan.integer_safe():
                return exact
            # integer arithmetic where it cannot overflow (DECIMAL costs a quarter second per million rows)
            return f"IF({k} >= {lo} AND {k} < {INTEGER_LIMIT}, ({k} - {lo}) DIV {width}, {exact})"
        if plan.mode == "hash" and self.row_hash != "md5":
            return f"({self._hash60(self._key_text(table))} MOD {int(plan.count)})"
        if plan.mode == "hash":
            return f"(CONV(SUBSTR(MD5({self._key_text(table)}), 1, 8), 16, 10) MOD {int(plan.count)})"
        return f"({self._row_hash(table)} MOD {int(plan.count)})"

    def _chunk_filter(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> str:
        if plan.mode == "range":
            r = plan.range_of(chunk)
            k = self._key_ref(table)
            return f"{k} >= {int(r.lo)} AND {k} < {int(r.hi)}"
        return f"{self._bucket(table, plan)} = {int(chunk)}"

    @staticmethod
    def _from(table: TableSpec) -> str:
        return bq(table.name)

    # ContentReader
    def key_bounds(self, table: TableSpec) -> tuple[int | None, int | None, int]:
        if table.single_int_key():
            k = self._key_ref(table)
            row = self._all(f"SELECT MIN({k}), MAX({k}), COUNT(*) FROM {self._from(table)}", table)[0]  # noqa: S608 - quoted identifiers
            return (
                None if row[0] is None else int(row[0]),
                None if row[1] is None else int(row[1]),
                int(row[2]),
            )
        row = self._all(f"SELECT COUNT(*) FROM {self._from(table)}", table)[0]  # noqa: S608 - quoted identifiers
        return None, None, int(row[0])

    def digests(self, table: TableSpec, plan: ChunkPlan, chunks: list[int] | None = None) -> Digests:
        where = ""
        if chunks is not None:
            where = (
                span_where(self._key_ref(table), plan, chunks)
                if plan.mode == "range"
                else f" WHERE {self._bucket(table, plan)} IN ({', '.join(str(int(c)) for c in chunks)})"
            )
        query = (
            f"SELECT {self._bucket(table, plan)} , COUNT(*), IFNULL(SUM({self._row_hash(table)}), 0) "  # noqa: S608 - quoted identifiers
            f"FROM {self._from(table)}{where} GROUP BY 1"
        )
        return {
            int(r[0]) if r[0] is not None else -1: (int(r[1]), int(r[2])) for r in self._all(query, table)
        }

    def chunk_rows(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> list[tuple[str, int]]:
        query = (
            f"SELECT {self._key_text(table)}, {self._row_hash(table)} FROM {self._from(table)} "  # noqa: S608 - quoted identifiers
            f"WHERE {self._chunk_filter(table, plan, chunk)}"
        )
        return [(as_text(r[0]), int(r[1])) for r in self._all(query, table)]

    def rows(self, table: TableSpec, plan: ChunkPlan, chunk: int, keys: list[str]) -> dict[str, RowValues]:
        if not keys:
            return {}
        shown = [self._display(c) for c in table.columns]
        marks = ", ".join(
            self.conn.escape(k) for k in keys
        )  # quoted literals: the query holds DATE_FORMAT's %
        query = (
            f"SELECT {self._key_text(table)}, {', '.join(self._pieces(table))}, {', '.join(shown)} "  # noqa: S608 - quoted identifiers
            f"FROM {self._from(table)} WHERE {self._chunk_filter(table, plan, chunk)} "
            f"AND {self._key_text(table)} IN ({marks})"
        )
        n = len(table.columns)
        out: dict[str, RowValues] = {}
        for r in self._all(query, table):
            out.setdefault(
                as_text(r[0]),
                RowValues(
                    [as_text(v) for v in r[1 : 1 + n]],
                    [None if v is None else as_text(v) for v in r[1 + n :]],
                ),
            )
        return out

    @staticmethod
    def _display(col: ColumnSpec) -> str:
        q = bq(source_name(col))
        if col.type_name in BINARY_TYPES:
            return f"CONCAT('\\\\x', LOWER(HEX(LEFT({q}, 32))), IF(LENGTH({q}) > 32, '...', ''))"
        if col.type_name == "bit":
            return f"BIN({q})"
        if col.type_name in SPATIAL_TYPES:
            return f"LEFT(ST_AsText({q}), {DISPLAY_CHARS})"
        return f"LEFT(CAST({q} AS CHAR), {DISPLAY_CHARS})"

    def _all(self, query: str, table: TableSpec) -> list[Any]:
        with self.conn.cursor() as cur:
            cur.execute(query)
            rows = list(cur.fetchall())
            if cur.warning_count:
                cur.execute("SHOW WARNINGS")
                first = cur.fetchone()
                raise TransshipError(
                    f"verify: the MySQL source warned while hashing {table.name}: {first[2] if first else '?'}",
                    fix="a digest over a changed value proves nothing; report the warning with the column types",
                )
        return rows
