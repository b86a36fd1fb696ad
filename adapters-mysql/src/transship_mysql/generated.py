"""MySQL generated columns on PostgreSQL: which stay generated, and the check that their values agree.

A generated column (``c DECIMAL(5,2) AS (a * 1000) STORED`` or ``VIRTUAL``) becomes
``GENERATED ALWAYS AS (...) STORED`` on PostgreSQL, which computes every value itself: the data files do
not carry it. In non-strict ``sql_mode`` MySQL cuts a value that does not fit the column (``5000`` becomes
``999.99``, a string is truncated, a negative UNSIGNED value becomes ``0``); a STORED column keeps the cut
value, a VIRTUAL one cuts it again on every read. PostgreSQL would compute the uncut value and refuse it (or
hold a different one). So:

- ``export data`` compares, inside MySQL, each kept column's value with its expression evaluated afresh
  (:func:`check_generated_columns`; one aggregate scan per table, only the first keys of a difference come
  back) and stops with :class:`~transship.errors.ExportFailed` naming table, column and keys;
- the config file's ``type-mapping: plain-generated-columns: [table.column, ...]`` (globs, ``"*"`` for
  all) makes listed columns plain columns on the target that receive MySQL's values
  (:class:`GeneratedChoice`, applied at ``export schema`` and, with the same config, at ``export data``).

The comparison is between the column's value and the expression's *raw* value, adjusted only the way
PostgreSQL adjusts an assigned value without refusing it: rounded to the column's scale (decimals,
integers), converted to the column's precision (FLOAT, temporal types). Clipping to a range or a length is
never applied to the expression, so a clipped value always differs.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pymysql

from transship.sdk import (
    PLAIN_GENERATED_KEY,
    Column,
    ConfigError,
    ExportFailed,
    SourceType,
    Table,
    column_globs,
)
from transship_mysql.names import bq, source_name
from transship_mysql.types import BINARY_TYPES, TEXT_TYPES

log = logging.getLogger(__name__)

SHOWN_KEYS = 10  # keys named in the error
MAX_DECIMAL_DIGITS = 65  # MySQL's largest DECIMAL precision
_SHOWN_VALUE = 40  # characters of one key value in the error
_INTEGER_TYPES = frozenset(("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year"))
_DECIMAL_TYPES = frozenset(("decimal", "numeric", "dec", "fixed"))
_FLOAT_TYPES = frozenset(("float", "double", "double precision", "real"))
_UNBOUNDED_TEXT = frozenset(("longtext", "longblob"))
_GLOB_CHARS = frozenset("*?[")


@dataclass
class GeneratedChoice:
    """The ``plain-generated-columns`` globs of the config file, and which of them matched a column.

    :param patterns: ``table.column`` globs on target names, case-insensitive (``"*"`` = every column).
    """

    patterns: list[str] = field(default_factory=list)
    matched: set[str] = field(default_factory=set)

    @classmethod
    def from_config(cls, section: dict[str, Any] | None) -> GeneratedChoice:
        """The choice of a ``type-mapping:`` config section (``None`` = every generated column kept)."""
        return cls(column_globs(section, PLAIN_GENERATED_KEY))

    def plain(self, table: str, column: str) -> bool:
        """Whether generated column ``table.column`` becomes a plain column on the target."""
        key = f"{table}.{column}".lower()
        hits = {p for p in self.patterns if fnmatch.fnmatchcase(key, p.lower())}
        self.matched |= hits
        return bool(hits)

    def check_matched(self) -> None:
        """Refuse an entry without glob characters that named no generated column (a typo would otherwise
        leave the column generated and stop ``export data`` later)."""
        for pattern in self.patterns:
            if pattern not in self.matched and not _GLOB_CHARS & set(pattern):
                raise ConfigError(
                    f"type-mapping {PLAIN_GENERATED_KEY} entry {pattern!r} names no generated column of the source",
                    fix="write the target names table.column of a generated column (lower case; globs allowed), "
                    "or remove the entry",
                )


def clip_reason(stype: SourceType) -> str | None:
    """How MySQL in non-strict mode may cut a value assigned to a column of type ``stype`` (None: it cannot)."""
    base = stype.base
    if stype.unsigned:
        return "negative values become 0"
    if base in _INTEGER_TYPES or base in _DECIMAL_TYPES or base == "bit":
        return "values out of its range are cut to the range's limit"
    if base in _FLOAT_TYPES and stype.scale is not None:
        return "values out of its range are cut to the range's limit"
    if (base in TEXT_TYPES or base in BINARY_TYPES) and base not in _UNBOUNDED_TEXT:
        return "longer values are truncated"
    if base in ("enum", "set"):
        return "values that are no member become ''"
    return None


def generated_note(table: Table, col: Column, source_expr: str, reason: str | None) -> tuple[str, str]:
    """The analyze-schema note (reason, suggestion) for a generated column kept generated: the target computes
    the converted expression, which can differ from MySQL's (and, where the type can clip, from its values)."""
    kind = "STORED" if col.generated_stored else "VIRTUAL"
    text = (
        f"{kind} generated column kept generated: PostgreSQL computes ({col.generated}) where MySQL computed "
        f"({source_expr}); the two can differ (MySQL compares strings case-insensitively under most collations, "
        "formats decimals with their scale, converts types implicitly), and verify the values after import data"
    )
    if reason:
        text += (
            f". Where MySQL (non-strict sql_mode) cut a value to fit {col.source_type} ({reason}), the source holds "
            "another value, so export data compares every value with its expression on the source and stops on a difference"
        )
    fix = (
        "compare the column on both sides after the import; if export data reports differences or the target computes "
        f"other values, correct the source rows or the expression, or add {table.name}.{col.name} to type-mapping: "
        f"{PLAIN_GENERATED_KEY} in the config file to load MySQL's values into a plain column"
    )
    return text, fix


def expected_sql(col: Column) -> str:
    """The MySQL expression the column's value must equal: the generation expression, adjusted only as an
    assignment on PostgreSQL adjusts it without refusing it (rounding to the scale, temporal precision)."""
    expr = f"({col.extra['source_generation']})"
    stype: SourceType | None = col.extra.get("stype")
    base = stype.base if stype else ""
    if stype and base in _DECIMAL_TYPES:
        scale = int(stype.scale or 0)
        if (stype.precision or 10) < MAX_DECIMAL_DIGITS:
            # rounds as storing does (a double 2.5 gives 3, where ROUND gives 2); its range is wider than the column's
            return f"CAST({expr} AS DECIMAL({MAX_DECIMAL_DIGITS}, {scale}))"
        return f"ROUND({expr}, {scale})"
    if base in _INTEGER_TYPES:
        return f"ROUND({expr}, 0)"
    if stype and base in _FLOAT_TYPES and stype.scale is not None:
        return f"ROUND({expr}, {int(stype.scale)})"
    precision = f"({int(stype.precision)})" if stype and stype.precision else ""
    if base == "date":
        return f"CAST({expr} AS DATE)"
    if base in ("datetime", "timestamp"):
        return f"CAST({expr} AS DATETIME{precision})"
    if base == "time":
        return f"CAST({expr} AS TIME{precision})"
    return expr


def differs_sql(col: Column) -> str:
    """A MySQL condition, true (1, never NULL) for a row whose value of ``col`` differs from its expression."""
    value = bq(source_name(col))
    expected = expected_sql(col)
    stype: SourceType | None = col.extra.get("stype")
    equal = f"{value} <=> {expected}"
    if stype and (stype.base == "float" or (stype.base in _FLOAT_TYPES and stype.scale is not None)):
        # FLOAT keeps about 7 significant digits: compare within that precision
        equal += f" OR ABS({value} - {expected}) <= ABS({expected}) * 1e-6"
    return f"NOT COALESCE({equal}, FALSE)"


def kept_generated(table: Table) -> list[Column]:
    """The columns the target computes from a converted generation expression (their values are not exported)."""
    return [c for c in table.columns if c.generated and c.extra.get("source_generation")]


def check_generated_columns(conn: pymysql.connections.Connection, tables: Iterable[Table]) -> None:
    """Stop export data when a kept generated column's value differs from its expression on the source.

    One aggregate query per table with kept generated columns counts the differing rows of each column inside
    MySQL; only for a difference are the first :data:`SHOWN_KEYS` keys read. Every difference of every table
    is listed in the one :class:`ExportFailed` line, the first with its keys.
    """
    found: list[tuple[Table, Column, int]] = []
    for table in tables:
        cols = kept_generated(table)
        if not cols:
            continue
        log.info("checking the values of generated columns %s against their expressions",
                 ", ".join(f"{table.name}.{c.name}" for c in cols))  # fmt: skip
        counts = _count_differences(conn, table, cols)
        found += [(table, col, n) for col, n in zip(cols, counts, strict=True) if n]
    if not found:
        return
    table, col, rows = found[0]
    keys = _first_keys(conn, table, col)
    others = "; ".join(f"{t.name}.{c.name} differs in {n} row(s)" for t, c, n in found[1:6])
    if len(found) > 6:
        others += f"; and {len(found) - 6} more column(s)"
    listed = ", ".join(f"{t.name}.{c.name}" for t, c, _ in found)
    raise ExportFailed(
        f"generated column {table.name}.{col.name}: {rows} row(s) of {source_name(table)} hold a value other than "
        f"its expression {col.extra['source_generation']} gives on the source (MySQL fits values to "
        f"{col.source_type}: non-strict sql_mode cuts those that do not fit), first at {keys}; PostgreSQL would compute the expression "
        f"instead, so no data is exported" + (f"; also {others}" if others else ""),
        fix=f"correct those rows on the source (or widen the column), or load MySQL's values into plain columns: "
        f"type-mapping: {{{PLAIN_GENERATED_KEY}: [{listed}]}} in the -c config file, then run export schema, "
        "import schema and export data again with it",
    )


def _count_differences(conn: pymysql.connections.Connection, table: Table, cols: list[Column]) -> list[int]:
    # the comparisons are select items, not WHERE terms: MySQL 8 (and MariaDB 11.8) replace an indexed generated
    # column's expression in WHERE by the column itself, which would make every comparison true
    sums = ", ".join(f"COALESCE(SUM({differs_sql(c)}), 0)" for c in cols)
    sql = f"SELECT {sums} FROM {bq(source_name(table))}"  # noqa: S608 - quoted identifiers, the server's own expressions
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
    except pymysql.err.MySQLError as exc:
        names = ", ".join(f"{table.name}.{c.name}" for c in cols)
        raise ExportFailed(
            f"the generation expressions of {names} cannot be evaluated on the source to check the stored values "
            f"({exc.args[-1] if exc.args else exc})",
            fix=f"load MySQL's values into plain columns instead: type-mapping: {{{PLAIN_GENERATED_KEY}: [{names}]}} "
            "in the -c config file, then run export schema, import schema and export data again with it",
        ) from None
    log.debug("generated columns of %s checked: %s", table.name, row)
    return [int(v or 0) for v in row]


def _key_columns(table: Table) -> tuple[list[Column], bool]:
    """Primary key, else a unique key on NOT NULL columns, else the first plain columns (values, not a key)."""
    by_name = {c.name: c for c in table.columns}
    pk = table.primary_key
    if pk and all(c in by_name for c in pk.columns):
        return [by_name[c] for c in pk.columns], True
    for con in table.constraints:
        if (
            con.kind == "unique"
            and con.columns
            and all(c in by_name and not by_name[c].nullable for c in con.columns)
        ):
            return [by_name[c] for c in con.columns], True
    return [c for c in table.columns if not c.generated][:3], False


def _first_keys(conn: pymysql.connections.Connection, table: Table, col: Column) -> str:
    keys, is_key = _key_columns(table)
    if not keys:
        return "rows of a table with only generated columns"
    names = ", ".join(bq(source_name(k)) for k in keys)
    # the condition is a select item filtered by HAVING, as in the count: never a WHERE term the optimizer could
    # rewrite by substituting the (indexed) generated column for its own expression
    sql = (
        f"SELECT {names}, {differs_sql(col)} AS transship_differs FROM {bq(source_name(table))} "  # noqa: S608 - quoted identifiers
        f"HAVING transship_differs ORDER BY {names} LIMIT {SHOWN_KEYS}"
    )
    with conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
    shown = [", ".join(f"{k.name}={_shown(v)}" for k, v in zip(keys, row[:-1], strict=True)) for row in rows]
    if len(keys) > 1:
        shown = [f"({s})" for s in shown]
    return ("" if is_key else "rows with ") + ", ".join(shown)


def _shown(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (bytes, bytearray)):
        text = "0x" + bytes(value).hex()
    else:
        text = str(value)
    return text if len(text) <= _SHOWN_VALUE else text[: _SHOWN_VALUE - 1] + "…"
