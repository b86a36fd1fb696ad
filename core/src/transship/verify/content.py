"""Proving a table's content equal on two databases: chunk digests computed by each server, then the differing
chunks narrowed to keys.

Each side is a :class:`ContentReader` (PostgreSQL in :mod:`transship.verify.postgres`; a source adapter brings
its own through :meth:`transship.adapters.base.SourceAdapter.content_source`). Both sides hash the canonical
text of every row (:mod:`transship.verify.canonical`) and sum the hashes per chunk of a :class:`ChunkPlan`: one
scan per side, run in parallel, and only one (count, sum) per chunk crosses the network. Where a chunk differs,
the (key, row hash) pairs of that chunk are read from both sides, and the values of at most ``max_differences``
rows, to show what differs.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from transship.keyranges import ChunkPlan, plan_hash, plan_ranges
from transship.pools import ContextThreadPool
from transship.verify.canonical import ROW_HASHES, allowed_row_hashes

T = TypeVar("T")


@dataclass(frozen=True)
class ColumnSpec:
    """One compared column: its name on this side, the canonical kind, and this side's type name."""

    name: str
    kind: str
    type_name: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class TableSpec:
    """One side of a compared table: where it is, its columns (paired by position with the other side's) and
    the positions of its primary-key columns (empty for a table without a key)."""

    schema: str | None
    name: str
    columns: list[ColumnSpec]
    key: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def single_int_key(self) -> bool:
        return len(self.key) == 1 and self.columns[self.key[0]].kind == "int"


Digests = dict[int, tuple[int, int]]  # chunk -> (rows, sum of row hashes)


def unpaired_columns(target: TableSpec, source_columns: list[str]) -> str | None:
    """Why the target's columns cannot be paired one to one with the source's, or None when they can."""
    missing = [c.name for c in target.columns if c.name not in set(source_columns)]
    if missing:
        return f"column(s) not on the source: {', '.join(missing)}"
    extra = [c for c in source_columns if c not in {t.name for t in target.columns}]
    if extra:
        return f"column(s) not on the target: {', '.join(extra)}"
    return None


@dataclass
class RowValues:
    """One row as a side shows it: the canonical piece and a readable value of each column."""

    pieces: list[str]
    values: list[str | None]


class ContentReader(Protocol):
    """One database's side of the comparison (one connection; used from one thread at a time)."""

    def key_bounds(self, table: TableSpec) -> tuple[int | None, int | None, int]:
        """(min, max) of the single integer key (None, None without one) and the row count."""
        ...

    def digests(self, table: TableSpec, plan: ChunkPlan, chunks: list[int] | None = None) -> Digests:
        """Row count and hash sum of every non-empty chunk (of only these chunks, when given)."""
        ...

    def chunk_rows(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> list[tuple[str, int]]:
        """(key text, row hash) of every row of one chunk; without a key, (row hash text, row hash)."""
        ...

    def rows(self, table: TableSpec, plan: ChunkPlan, chunk: int, keys: list[str]) -> dict[str, RowValues]:
        """The rows of one chunk with these key texts (row hash texts without a key)."""
        ...

    def close(self) -> None: ...


class ContentSource(Protocol):
    """What a source adapter offers ``verify``: its side of each table and a reader to compute it."""

    def table_spec(self, source_schema: str | None, source_name: str, target: TableSpec) -> TableSpec | str:
        """The source side of ``target`` (same columns in the same order, the kinds it agrees on), or the
        reason the content cannot be compared."""
        ...

    def reader(self) -> ContentReader:
        """A reader on its own connection."""
        ...

    def close(self) -> None: ...


@dataclass
class Difference:
    """One row that differs: its key, what kind of difference, and the differing columns' values."""

    key: str
    kind: str  # "changed" | "missing on target" | "extra on target"
    columns: list[tuple[str, str | None, str | None]] = field(
        default_factory=list
    )  # (column, source, target)

    def describe(self) -> str:
        if self.kind != "changed":
            return f"{self.key}: {self.kind}"
        cols = ", ".join(f"{c}: {_short(s)} -> {_short(t)}" for c, s, t in self.columns)
        return f"{self.key}: {cols}"


def _short(value: str | None, width: int = 60) -> str:
    if value is None:
        return "NULL"
    return repr(value if len(value) <= width else value[:width] + "...")


@dataclass
class ContentResult:
    """The outcome for one table."""

    source_rows: int
    target_rows: int
    chunks: int
    differing_chunks: int
    differences: list[Difference]
    plan: str
    sampled: bool = False  # only some chunks were compared (--sample-percent)
    row_hash: str = "md5"  # the row hash both sides computed (agree_row_hash)

    @property
    def same(self) -> bool:
        return self.differing_chunks == 0


def both(source: Callable[[], T], target: Callable[[], T]) -> tuple[T, T]:
    """Run the source's and the target's query at the same time."""
    with ContextThreadPool(max_workers=2, thread_name_prefix="verify") as pool:
        s, t = pool.submit(source), pool.submit(target)
        return s.result(), t.result()


def _readers(side: ContentReader | Sequence[ContentReader]) -> list[ContentReader]:
    return list(side) if isinstance(side, (list, tuple)) else [side]  # type: ignore[list-item]


def _parallel_digests(
    sources: list[ContentReader],
    targets: list[ContentReader],
    s_table: TableSpec,
    t_table: TableSpec,
    plan: ChunkPlan,
) -> tuple[Digests, Digests]:
    """Digests of a range plan with every reader of each side at once, each on its own span of the keys."""
    n = min(len(sources), len(targets), plan.count)
    parts = [list(range(i * plan.count // n, (i + 1) * plan.count // n)) for i in range(n)]
    with ContextThreadPool(max_workers=2 * n, thread_name_prefix="verify") as pool:
        s_futures = [pool.submit(sources[i].digests, s_table, plan, part) for i, part in enumerate(parts)]
        t_futures = [pool.submit(targets[i].digests, t_table, plan, part) for i, part in enumerate(parts)]
        s_dig: Digests = {}
        t_dig: Digests = {}
        for f in s_futures:
            s_dig.update(f.result())
        for f in t_futures:
            t_dig.update(f.result())
    return s_dig, t_dig


def agree_row_hash(
    sources: Sequence[ContentReader],
    targets: Sequence[ContentReader],
    allowed: Sequence[str] | None = None,
) -> str:
    """Pick the fastest row hash (:data:`~transship.verify.canonical.ROW_HASHES`) that every reader of both sides
    computes alike, and tell the readers to use it; ``md5``, which every reader has, when no other agrees.

    A reader offers more than md5 with two optional methods: ``row_hash_probe(name) -> int | None`` (its hash
    of :data:`~transship.verify.canonical.PROBE_TEXT`, None where it cannot) and ``use_row_hash(name)``. The
    probe catches servers that name the same function but hash differently (another build, encoding or
    byte order); a reader without the methods (an older third-party one) keeps both sides on md5.
    ``allowed``: the hashes to consider (default :func:`~transship.verify.canonical.allowed_row_hashes`).
    """
    readers = [*sources, *targets]
    names = allowed_row_hashes() if allowed is None else allowed
    for name in [h for h in ROW_HASHES if h in names and h != "md5"]:
        probes = [getattr(r, "row_hash_probe", None) for r in readers]
        if any(p is None for p in probes) or not all(hasattr(r, "use_row_hash") for r in readers):
            return _use(readers, "md5")
        values = {p(name) for p in probes if p is not None}
        if len(values) == 1 and None not in values:
            return _use(readers, name)
    return _use(readers, "md5")


def _use(readers: Sequence[ContentReader], name: str) -> str:
    for r in readers:
        use = getattr(r, "use_row_hash", None)
        if use is not None:
            use(name)
    return name


def compare_content(
    source: ContentReader | Sequence[ContentReader],
    target: ContentReader | Sequence[ContentReader],
    s_table: TableSpec,
    t_table: TableSpec,
    max_differences: int = 10,
    sample_percent: float | None = None,
) -> ContentResult:
    """Compare one table's content on both sides: digests per chunk, then the rows of differing chunks.

    ``sample_percent``: compare only that share of the chunks, picked at random (at least one). With several
    readers per side (each on its own connection), a key-range table is read in as many spans at once.
    """
    sources, targets = _readers(source), _readers(target)
    row_hash = agree_row_hash(sources, targets)
    source, target = sources[0], targets[0]
    lo, hi, source_rows = source.key_bounds(s_table)
    plan = (
        plan_ranges(lo, hi, source_rows)
        if s_table.single_int_key()
        else plan_hash(source_rows, bool(s_table.key))
    )
    sample: list[int] | None = None
    if sample_percent is not None and sample_percent < 100:
        wanted = max(1, math.ceil(plan.count * sample_percent / 100))
        sample = sorted(random.sample(range(plan.count), min(wanted, plan.count)))
    if sample is None and plan.mode == "range" and min(len(sources), len(targets), plan.count) > 1:
        s_dig, t_dig = _parallel_digests(sources, targets, s_table, t_table, plan)
    else:
        s_dig, t_dig = both(
            lambda: source.digests(s_table, plan, sample), lambda: target.digests(t_table, plan, sample)
        )
    seen = sorted(set(s_dig) | set(t_dig))
    bad = [c for c in seen if s_dig.get(c) != t_dig.get(c)]
    differences: list[Difference] = []
    names = [c.name for c in t_table.columns]
    for chunk in bad:
        if len(differences) >= max_differences:
            break
        differences.extend(
            _locate(source, target, s_table, t_table, plan, chunk, names, max_differences - len(differences))
        )
    if sample is None:
        target_rows = sum(r for r, _ in t_dig.values())
        source_rows = sum(r for r, _ in s_dig.values())
    else:  # the digests covered part of the table: count it whole
        target_rows = target.key_bounds(t_table)[2]
    return ContentResult(
        source_rows=source_rows,
        target_rows=target_rows,
        chunks=len(sample)
        if sample is not None
        else max(len(seen), plan.count if plan.mode == "range" else len(seen)),
        differing_chunks=len(bad),
        differences=differences,
        plan={"range": "key ranges", "hash": "key hash", "row": "row multiset"}[plan.mode],
        sampled=sample is not None,
        row_hash=row_hash,
    )


def _locate(
    source: ContentReader,
    target: ContentReader,
    s_table: TableSpec,
    t_table: TableSpec,
    plan: ChunkPlan,
    chunk: int,
    names: list[str],
    limit: int,
) -> list[Difference]:
    """Up to ``limit`` differing rows of one chunk, with the values of the differing columns."""

    def s_rows() -> list[tuple[str, int]]:
        return source.chunk_rows(s_table, plan, chunk)

    def t_rows() -> list[tuple[str, int]]:
        return target.chunk_rows(t_table, plan, chunk)

    found = _row_differences(*both(s_rows, t_rows), limit)
    keys = [k for k, _ in found]

    def s_values() -> dict[str, RowValues]:
        return source.rows(s_table, plan, chunk, keys)

    def t_values() -> dict[str, RowValues]:
        return target.rows(t_table, plan, chunk, keys)

    s_vals, t_vals = both(s_values, t_values)
    out = []
    for key, kind in found:
        s_row, t_row = s_vals.get(key), t_vals.get(key)
        shown = _key_display(key, s_row or t_row, s_table if s_row else t_table)
        if kind != "changed" or s_row is None or t_row is None:
            out.append(Difference(shown, kind, _all_columns(names, s_row, t_row)))
            continue
        cols = [
            (n, s_row.values[i], t_row.values[i])
            for i, n in enumerate(names)
            if s_row.pieces[i] != t_row.pieces[i]
        ]
        out.append(Difference(shown, "changed", cols))
    return out


def _row_differences(
    s_rows: list[tuple[str, int]], t_rows: list[tuple[str, int]], limit: int
) -> list[tuple[str, str]]:
    """Keys of rows that differ in one chunk: (key text, kind), at most ``limit``."""
    s_count = Counter(s_rows)
    t_count = Counter(t_rows)
    s_keys = {k: h for k, h in s_rows}
    t_keys = {k: h for k, h in t_rows}
    out: list[tuple[str, str]] = []
    for key in sorted(set(s_keys) | set(t_keys)):
        if len(out) >= limit:
            break
        if key not in t_keys:
            out.append((key, "missing on target"))
        elif key not in s_keys:
            out.append((key, "extra on target"))
        elif s_keys[key] != t_keys[key]:
            out.append((key, "changed"))
        elif s_count[(key, s_keys[key])] != t_count[(key, t_keys[key])]:  # keyless: the same row n times
            n, m = s_count[(key, s_keys[key])], t_count[(key, t_keys[key])]
            out.append((key, "missing on target" if n > m else "extra on target"))
    return out


def _key_display(key: str, row: RowValues | None, table: TableSpec) -> str:
    if row is None:
        return key
    if not table.key:
        return "row (" + ", ".join(_short(v, 30) for v in row.values) + ")"
    return ", ".join(f"{table.columns[i].name}={_short(row.values[i], 40)}" for i in table.key)


def _all_columns(
    names: list[str], s_row: RowValues | None, t_row: RowValues | None
) -> list[tuple[str, str | None, str | None]]:
    return [
        (n, s_row.values[i] if s_row else None, t_row.values[i] if t_row else None)
        for i, n in enumerate(names)
    ]
