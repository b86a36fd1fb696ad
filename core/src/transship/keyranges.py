"""Splitting a table into chunks by its key: integer-key ranges, or hash buckets where the key is not one integer.

One planner for every reader of a whole table in parts: ``verify`` digests one chunk per bucket, and a
chunked export reads one range per worker. A range plan needs nothing but the key's bounds and the row
count; the same bucket number is computed by every engine (``floor((k - lo) / width)``), so two databases
group their rows alike without agreeing on a collation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ROWS_PER_CHUNK = 4096
MAX_CHUNKS = 100_000


@dataclass(frozen=True)
class KeyRange:
    """Keys ``lo <= k < hi``."""

    lo: int
    hi: int


#: keys in ``[lo, INTEGER_LIMIT)`` are bucketed with integer arithmetic, others with exact decimals
INTEGER_LIMIT = 2**62


@dataclass(frozen=True)
class ChunkPlan:
    """How rows fall into ``count`` chunks.

    ``mode`` is ``range`` (one integer key column: chunk ``b`` holds ``lo + b*width <= k < lo + (b+1)*width``),
    ``hash`` (any other key: chunk = a hash of the key's canonical text modulo ``count``) or ``row`` (no key:
    chunk = the row's own hash modulo ``count``, the table compared as a multiset).
    """

    mode: str
    count: int
    lo: int = 0
    width: int = 1

    def range_of(self, bucket: int) -> KeyRange:
        """The key range of chunk ``bucket`` (range plans only)."""
        if self.mode != "range":
            raise ValueError("only a range plan has key ranges")
        return KeyRange(self.lo + bucket * self.width, self.lo + (bucket + 1) * self.width)

    def integer_safe(self) -> bool:
        """Whether ``key - lo`` fits signed 64-bit arithmetic for every key in ``[lo, INTEGER_LIMIT)``."""
        return self.mode == "range" and abs(self.lo) < INTEGER_LIMIT and 0 < self.width < INTEGER_LIMIT

    def spans(self, chunks: list[int]) -> list[tuple[int | None, int | None]]:
        """Key bounds ``[lo, hi)`` of the contiguous runs of ``chunks`` (range plans only). The first chunk is
        open below and the last open above (None), so keys outside the planned range — rows that only one
        side has — belong to a chunk too."""
        runs: list[tuple[int | None, int | None]] = []
        ordered = sorted(set(chunks))
        start = 0
        for i, c in enumerate(ordered):
            if i + 1 < len(ordered) and ordered[i + 1] == c + 1:
                continue
            first, last = ordered[start], c
            runs.append(
                (
                    None if first <= 0 else self.range_of(first).lo,
                    None if last >= self.count - 1 else self.range_of(last).hi,
                )
            )
            start = i + 1
        return runs

    def holds(self, chunks: list[int], bucket: int) -> bool:
        """Whether a row of ``bucket`` is read with ``chunks`` (see :meth:`spans`)."""
        return min(max(bucket, 0), self.count - 1) in set(chunks)

    def ranges(self) -> list[KeyRange]:
        """Every chunk's key range, in key order."""
        return [self.range_of(b) for b in range(self.count)]


def chunk_count(rows: int, rows_per_chunk: int = ROWS_PER_CHUNK) -> int:
    """Chunks for ``rows`` rows of about ``rows_per_chunk`` each (at least 1, at most :data:`MAX_CHUNKS`)."""
    return max(1, min(MAX_CHUNKS, math.ceil(rows / max(1, rows_per_chunk))))


def plan_ranges(lo: int | None, hi: int | None, rows: int, rows_per_chunk: int = ROWS_PER_CHUNK) -> ChunkPlan:
    """A range plan over integer keys ``lo..hi`` (inclusive) holding ``rows`` rows: equal-width ranges."""
    if lo is None or hi is None or rows == 0:
        return ChunkPlan("range", 1, 0, 1)
    span = hi - lo + 1
    count = max(1, min(chunk_count(rows, rows_per_chunk), span))
    return ChunkPlan("range", count, lo, math.ceil(span / count))


def plan_hash(rows: int, keyed: bool, rows_per_chunk: int = ROWS_PER_CHUNK) -> ChunkPlan:
    """A hash plan: by the key's hash (``keyed``) or by the row's own hash (no key)."""
    return ChunkPlan("hash" if keyed else "row", chunk_count(rows, rows_per_chunk))


def span_where(key_sql: str, plan: ChunkPlan, chunks: list[int]) -> str:
    """`` WHERE ...`` (plain SQL, integer literals) reading the key spans of ``chunks`` of a range plan over the
    quoted key column ``key_sql``; empty when the spans cover every key."""
    parts = []
    for lo, hi in plan.spans(chunks):
        bounds = ([f"{key_sql} >= {int(lo)}"] if lo is not None else []) + (
            [f"{key_sql} < {int(hi)}"] if hi is not None else []
        )
        if not bounds:
            return ""
        parts.append("(" + " AND ".join(bounds) + ")")
    return " WHERE " + " OR ".join(parts)
