"""A :class:`~transship.verify.content.ContentReader` over rows held in Python: for sources that are read, not
queried (SQL scripts), whose canonical texts are built in Python with the references of
:mod:`transship.verify.canonical`. Hashes and chunks are computed exactly as the SQL of the other readers does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from transship.keyranges import ChunkPlan
from transship.verify.canonical import HASH_HEX, SEPARATOR
from transship.verify.content import Digests, RowValues, TableSpec


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
