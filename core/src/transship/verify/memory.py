"""A :class:`~transship.verify.content.ContentReader` over rows held in Python: for sources that are read, not
queried (SQL scripts), whose canonical texts are built in Python with the references of
:mod:`transship.verify.canonical`. Hashes and chunks are computed exactly as the SQL of the other readers does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from transship.keyranges import ChunkPlan
from transship.verify.canonical import HASH_HEX, NULL_MARK, SEPARATOR, float_reference, text_reference
from transship.verify.content import ColumnSpec, Digests, RowValues, TableSpec


class Uncomparable(ValueError):
    """A value :func:`python_piece` has no canonical form for (its table is then compared by counts only)."""


#: the kinds :func:`python_piece` builds from Python values
PYTHON_KINDS = ("int", "numeric", "float", "pgfloat", "bool", "date", "timestamp", "text", "bytes")
_TRUE, _FALSE = ("1", "t", "true", "y", "yes", "on"), ("0", "f", "false", "n", "no", "off")


def python_piece(value: Any, col: ColumnSpec) -> str:
    """The canonical piece (:mod:`transship.verify.canonical`) of a Python value for its target column's kind.

    Values are what a DB-API driver or a script reader returns: numbers (int, float, Decimal, or their text),
    booleans (also 0/1 and ``t``/``f`` text), ``date``/``datetime`` (or ISO text; aware ones in UTC), text,
    bytes. Other kinds (:data:`PYTHON_KINDS` lists the covered ones) raise :class:`Uncomparable`.
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
                return str(d.quantize(Decimal(1).scaleb(-int(scale.group(1))), rounding=ROUND_HALF_UP))
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
            return value.strftime("%Y-%m-%d") if kind == "date" else value.strftime("%Y-%m-%d %H:%M:%S.%f")
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
