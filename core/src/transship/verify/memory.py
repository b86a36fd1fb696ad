"""A :class:`~transship.verify.content.ContentReader` over rows held in Python: for sources that are read, not
queried (SQL scripts), whose canonical texts are built in Python with the references of
:mod:`transship.verify.canonical`. Hashes and chunks are computed exactly as the SQL of the other readers does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from transship.keyranges import ChunkPlan
from transship.verify.canonical import HASH_HEX, NULL_MARK, SEPARATOR, float_reference, text_reference
from transship.verify.content import ColumnSpec, Digests, RowValues, TableSpec, unpaired_columns


class Uncomparable(ValueError):
    """A value :func:`python_piece` has no canonical form for (its table is then compared by counts only)."""


#: the kinds :func:`python_piece` builds from Python values
PYTHON_KINDS = ("int", "numeric", "float", "pgfloat", "bool", "date", "timestamp", "text", "bytes")
_TRUE, _FALSE = ("1", "t", "true", "y", "yes", "on"), ("0", "f", "false", "n", "no", "off")


def python_piece(value: Any, col: ColumnSpec, scale_rounds: bool = True) -> str:
    """The canonical piece (:mod:`transship.verify.canonical`) of a Python value for its target column's kind.

    Values are what a DB-API driver or a script reader returns: numbers (int, float, Decimal, or their text),
    booleans (also 0/1 and ``t``/``f`` text), ``date``/``datetime`` (or ISO text; aware ones in UTC), text,
    bytes. Other kinds (:data:`PYTHON_KINDS` lists the covered ones) raise :class:`Uncomparable`.

    ``scale_rounds``: the source rounds a decimal to its column's scale when it stores it (Oracle's NUMBER(p,s),
    MySQL's DECIMAL), so the value read is compared rounded; a source that keeps what it was given (SQLite)
    passes False, and a value with more digits than the target's scale then differs, as it does after import.
    A date whose value has a time of day keeps it (the target's ``date`` would have dropped it).
    """
    if value is None:
        return NULL_MARK
    kind, t = col.kind, col.type_name.lower()
    try:
        if kind in ("int", "numeric"):
            d = value if isinstance(value, Decimal) else Decimal(str(value))
            if kind == "int":
                if d != d.to_integral_value():
                    raise Uncomparable(f"the value {value!r} for an integer column")
                return str(int(d))
            scale = re.search(r"numeric\(\d+,\s*(\d+)\)", t)
            if scale:
                rounded = d.quantize(Decimal(1).scaleb(-int(scale.group(1))), rounding=ROUND_HALF_UP)
                return str(rounded) if scale_rounds or rounded == d else format(d, "f")
            return format(d, "f")
        if kind in ("float", "pgfloat"):
            return float_reference(repr(float(value)))
        if kind == "bool":
            text = str(int(value) if isinstance(value, (bool, int)) else value).strip().lower()
            if text in _TRUE or text in _FALSE:
                return "t" if text in _TRUE else "f"
            raise Uncomparable(f"the value {value!r} for a boolean column")
        if kind in ("date", "timestamp"):
            if isinstance(value, str):
                value = dt.datetime.fromisoformat(value.strip())
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            if not isinstance(value, dt.datetime):
                raise Uncomparable(f"the value {value!r} for a {t} column")
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            # not strftime: its %Y writes year 1 as "1" (glibc), the canonical text is "0001"
            day = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
            moment = f"{day} {value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
            return day if kind == "date" and value.time() == dt.time() else moment
        if kind == "bytes":
            data = bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else str(value).encode()
            return hashlib.md5(data).hexdigest()  # noqa: S324 - a checksum
        if kind == "text":
            return text_reference(value.hex() if isinstance(value, (bytes, bytearray)) else str(value))
    except (InvalidOperation, ValueError, TypeError, OverflowError) as exc:
        if isinstance(exc, Uncomparable):
            raise
        raise Uncomparable(f"the value {str(value)[:40]!r} for a {t} column") from None
    raise Uncomparable(f"{kind} columns")


def row_hash(pieces: list[str]) -> int:
    """The 60-bit hash of a row's canonical pieces (as ``pg_hash(row_expression(...))`` computes it)."""
    return int(hashlib.md5(SEPARATOR.join(pieces).encode()).hexdigest()[:HASH_HEX], 16)  # noqa: S324 - a checksum


@dataclass
class MemoryTable:
    """One table's rows: each row's canonical pieces and its readable values."""

    rows: list[RowValues] = field(default_factory=list)


class MemoryContentReader:
    """Content of tables held in memory, by table name."""

    def __init__(self, tables: dict[str, MemoryTable]) -> None:
        self.tables = tables

    def _rows(self, table: TableSpec) -> list[RowValues]:
        return self.tables[table.name].rows

    @staticmethod
    def _key_text(table: TableSpec, row: RowValues) -> str:
        if not table.key:
            return str(row_hash(row.pieces))
        return SEPARATOR.join(row.pieces[i] for i in table.key)

    def _bucket(self, table: TableSpec, plan: ChunkPlan, row: RowValues) -> int:
        if plan.mode == "range":
            return (int(row.pieces[table.key[0]]) - plan.lo) // plan.width
        if plan.mode == "hash":
            digest = hashlib.md5(self._key_text(table, row).encode()).hexdigest()  # noqa: S324 - a checksum
            return int(digest[:8], 16) % plan.count
        return row_hash(row.pieces) % plan.count

    def key_bounds(self, table: TableSpec) -> tuple[int | None, int | None, int]:
        rows = self._rows(table)
        if table.single_int_key() and rows:
            keys = [int(r.pieces[table.key[0]]) for r in rows]
            return min(keys), max(keys), len(rows)
        return None, None, len(rows)

    def digests(self, table: TableSpec, plan: ChunkPlan, chunks: list[int] | None = None) -> Digests:
        out: dict[int, tuple[int, int]] = {}
        wanted = None if chunks is None else set(chunks)
        for row in self._rows(table):
            b = self._bucket(table, plan, row)
            if wanted is not None and not (
                plan.holds(chunks or [], b) if plan.mode == "range" else b in wanted
            ):
                continue
            n, s = out.get(b, (0, 0))
            out[b] = (n + 1, s + row_hash(row.pieces))
        return out

    def chunk_rows(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> list[tuple[str, int]]:
        return [
            (self._key_text(table, r), row_hash(r.pieces))
            for r in self._rows(table)
            if self._bucket(table, plan, r) == chunk
        ]

    def rows(self, table: TableSpec, plan: ChunkPlan, chunk: int, keys: list[str]) -> dict[str, RowValues]:
        wanted = set(keys)
        out: dict[str, RowValues] = {}
        for r in self._rows(table):
            k = self._key_text(table, r)
            if k in wanted and self._bucket(table, plan, r) == chunk:
                out.setdefault(k, r)
        return out

    def close(self) -> None:
        pass


class PythonContentSource:
    """A :class:`~transship.verify.content.ContentSource` for sources read as Python values (a DB-API cursor,
    files): each table's rows are read once and turned into canonical pieces with :func:`python_piece`, then
    compared by a :class:`MemoryContentReader`. The pieces stay in memory (about 300 bytes per value, a display copy included).

    :param columns_of: a source table's column names (empty: the table is missing).
    :param rows_of: ``rows_of(table, columns)`` yields each row's values in ``columns`` order.
    :param strip_nul: compare text without its NUL characters (a source whose export drops them on purpose and
        says so at analysis); False: a value with NULs differs from the target, which cannot hold them.
    :param scale_rounds: see :func:`python_piece`.
    """

    def __init__(
        self,
        columns_of: Callable[[str], list[str]],
        rows_of: Callable[[str, list[str]], Iterable[Sequence[Any]]],
        close: Callable[[], object] | None = None,
        strip_nul: bool = True,
        scale_rounds: bool = True,
    ) -> None:
        self.columns_of, self.rows_of, self._close, self.strip_nul = columns_of, rows_of, close, strip_nul
        self.scale_rounds = scale_rounds
        self.tables: dict[str, MemoryTable] = {}

    def table_spec(self, source_schema: str | None, source_name: str, target: TableSpec) -> TableSpec | str:
        names = self.columns_of(source_name)
        reason = unpaired_columns(target, names) if names else "missing on the source"
        if reason:
            return reason
        # floats by the cross-engine form: this side is Python, not PostgreSQL
        kinds = [replace(c, kind="float" if c.kind == "pgfloat" else c.kind) for c in target.columns]
        rows = []
        for row in self.rows_of(source_name, [c.name for c in kinds]):
            values = [v.replace("\0", "") if self.strip_nul and isinstance(v, str) else v for v in row]
            try:
                pieces = [python_piece(v, c, self.scale_rounds) for v, c in zip(values, kinds, strict=True)]
            except Uncomparable as exc:
                return f"a value has no canonical form: {exc}"
            rows.append(RowValues(pieces, [None if v is None else str(v)[:200] for v in values]))
        self.tables[source_name] = MemoryTable(rows)
        return TableSpec(None, source_name, kinds, list(target.key))

    @classmethod
    def over_connection(
        cls, conn: Any, quote: Callable[[str], str], strip_nul: bool = True, scale_rounds: bool = True
    ) -> PythonContentSource:
        """Over a DB-API connection: columns from an empty ``SELECT *``, rows from a ``SELECT`` of them
        (``quote`` quotes a name in the source's SQL); closing the source closes ``conn``."""

        def columns(table: str) -> list[str]:
            cur = conn.cursor()
            try:
                cur.execute(f"SELECT * FROM {quote(table)} WHERE 1 = 0")  # noqa: S608 - a quoted name
            except Exception:  # the driver's "no such table": the table is missing
                return []
            return [d[0] for d in cur.description]

        def rows(table: str, names: list[str]) -> Iterable[Sequence[Any]]:
            cur = conn.cursor()
            cur.execute(f"SELECT {', '.join(map(quote, names))} FROM {quote(table)}")  # noqa: S608 - quoted names
            return cur

        return cls(columns, rows, conn.close, strip_nul, scale_rounds)

    def reader(self) -> MemoryContentReader:
        return MemoryContentReader(self.tables)

    def close(self) -> None:
        if self._close is not None:
            self._close()
