"""MySQL/MariaDB's side of ``verify``: the canonical text of each value (:mod:`transship.verify.canonical`)
built by the server, hashed and summed per chunk. Only one (count, sum) per chunk crosses the network.

The canonical forms follow what export data wrote for the type mapping that was used: zero dates are NULL,
NULs are removed from text, ``tinyint(1)`` is a boolean, TIME is a duration, TIMESTAMP is read in UTC, a
FLOAT is compared as the double it widens to. Any warning the server gives while hashing stops ``verify``:
a digest over a truncated value would prove nothing.
"""

from __future__ import annotations

from typing import Any

import pymysql

from transship.dbconfig import DBConfig
from transship.errors import TransshipError
from transship.keyranges import ChunkPlan
from transship.verify.canonical import HASH_HEX, NULL_MARK, SEPARATOR
from transship.verify.content import ColumnSpec, Digests, RowValues, TableSpec, unpaired_columns
from transship_mysql.connection import connect
from transship_mysql.data_export import _zero_date_guard, bq
from transship_mysql.types import BINARY_TYPES, SPATIAL_TYPES, TEXT_TYPES

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


def piece(col: ColumnSpec, mariadb: bool) -> str:
    """The canonical text of one column (NULL as ``~``)."""
    q = bq(str(col.extra.get("source_name") or col.name))
    base = col.type_name
    kind = col.kind
    if kind in ("int", "numeric"):
        inner = f"CAST({q} + 0 AS CHAR)"  # + 0: no ZEROFILL padding; YEAR and BIT as numbers
    elif kind == "float":
        inner = (
            float_sql(f"CAST(CAST({q} AS DOUBLE) AS CHAR)", f"CAST({q} AS DOUBLE)")
            if base == "float"
            else float_sql(f"CAST({q} AS CHAR)", q)
        )
    elif kind == "bool":
        inner = f"CASE WHEN {q} <> 0 THEN 't' WHEN {q} = 0 THEN 'f' END"  # NULL stays NULL
    elif kind == "bits":
        inner = f"LPAD(BIN({q}), {int(str(col.extra.get('length') or 1))}, '0')"
    elif kind == "date":
        inner = f"IF({_zero_date_guard(q)}, NULL, DATE_FORMAT({q}, '%Y-%m-%d'))"
    elif kind == "timestamp":
        inner = f"IF({_zero_date_guard(q)}, NULL, DATE_FORMAT({q}, '%Y-%m-%d %H:%i:%s.%f'))"
    elif kind == "interval":
        inner = f"CONCAT('0:0:', CAST(ROUND(TIME_TO_SEC({q}) * 1000000) AS SIGNED))"  # months:days:micros
    elif kind == "bytes":
        inner = f"MD5({q})" if base in BINARY_TYPES else f"MD5(CONVERT({q} USING utf8mb4))"
    elif kind == "json" and mariadb:
        inner = f"MD5(JSON_NORMALIZE({q}))"
    elif kind == "set":
        inner = f"MD5(CONVERT({q} USING utf8mb4))"
    elif kind == "point":
        x, y = f"ST_X({q})", f"ST_Y({q})"
        inner = f"CONCAT({float_sql(f'CAST({x} AS CHAR)', x)}, ',', {float_sql(f'CAST({y} AS CHAR)', y)})"
    elif base in BINARY_TYPES:  # kept as text: the bytes are the text's UTF-8
        inner = f"MD5({q})"
    elif base in TEXT_TYPES or base in ("json", "enum", "set"):
        inner = f"MD5(CONVERT(REPLACE({q}, '\\0', '') USING utf8mb4))"  # NULs were removed by the export
    elif base in SPATIAL_TYPES:
        inner = f"MD5(ST_AsText({q}))"
    else:
        inner = f"MD5(CONVERT(CAST({q} AS CHAR) USING utf8mb4))"
    return f"IFNULL({inner}, '{NULL_MARK}')"


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

    def __init__(self, config: DBConfig, conversion: Any) -> None:
        self.config = config
        self.tables = {str(t.extra.get("source_name") or t.name): t for t in conversion.catalog.tables}
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
                    {"source_name": col.extra.get("source_name") or col.name, "length": length},
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
        conn.autocommit(True)

    def close(self) -> None:
        self.conn.close()

    # SQL pieces
    def _pieces(self, table: TableSpec, only: list[int] | None = None) -> list[str]:
        idx = range(len(table.columns)) if only is None else only
        return [piece(table.columns[i], self.mariadb) for i in idx]

    @staticmethod
    def _join(pieces: list[str]) -> str:
        return f"CONCAT_WS('{SEPARATOR}', {', '.join(pieces)})" if pieces else "''"

    def _row_hash(self, table: TableSpec) -> str:
        return (
            f"CAST(CONV(SUBSTR(MD5({self._join(self._pieces(table))}), 1, {HASH_HEX}), 16, 10) AS UNSIGNED)"
        )

    def _key_text(self, table: TableSpec) -> str:
        if not table.key:
            return f"CAST({self._row_hash(table)} AS CHAR)"
        return self._join(self._pieces(table, table.key))

    @staticmethod
    def _key_ref(table: TableSpec) -> str:
        col = table.columns[table.key[0]]
        return bq(str(col.extra.get("source_name") or col.name))

    def _bucket(self, table: TableSpec, plan: ChunkPlan) -> str:
        if plan.mode == "range":
            return f"FLOOR((CAST({self._key_ref(table)} AS DECIMAL(65, 0)) - {int(plan.lo)}) / {int(plan.width)})"
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
                " WHERE " + " OR ".join(f"({self._chunk_filter(table, plan, c)})" for c in chunks)
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
        return [(_text(r[0]), int(r[1])) for r in self._all(query, table)]

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
                _text(r[0]),
                RowValues(
                    [_text(v) for v in r[1 : 1 + n]], [None if v is None else _text(v) for v in r[1 + n :]]
                ),
            )
        return out

    @staticmethod
    def _display(col: ColumnSpec) -> str:
        q = bq(str(col.extra.get("source_name") or col.name))
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


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
