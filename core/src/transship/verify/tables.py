"""The verdict on each migrated table: counts at every stage, and the content proven (or why it is not).

Works over plain arguments (connections, readers, numbers from the export's metadata); the ``verify`` command
only gathers them and prints the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import psycopg
from psycopg import sql

from transship.errors import TransshipError
from transship.identifiers import qualified
from transship.verify.content import ContentReader, ContentResult, ContentSource, compare_content
from transship.verify.objects import key
from transship.verify.postgres import table_spec
from transship.verify.sequences import SequenceShape

CONTENT = "content"
SAMPLED = "sampled"
COUNTS_ONLY = "counts only"
SKIPPED = "skipped"


@dataclass
class TableToCheck:
    """One target table and what the export's metadata says about it."""

    schema: str
    name: str
    source_schema: str | None
    source_name: str
    exported_rows: int
    imported_rows: int
    stashed_rows: int = 0

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class TableVerdict:
    """What ``verify`` found for one table (the screen row and the report entry)."""

    table_name: str
    source_rows: int | None
    exported_rows: int
    imported_rows: int
    target_rows: int | None
    proof: str  # content | sampled | counts only | skipped
    content: str  # same | different | not compared
    result: str  # MATCH | DIFFERENT | SAMPLE MATCH | COUNTS MATCH
    note: str = ""
    chunks: int = 0
    differing_chunks: int = 0
    row_hash: str = ""  # the row hash both sides computed (content proofs only)
    differences: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_table(
    target: ContentReader,
    tconn: psycopg.Connection,
    source: ContentSource | None,
    source_reader: ContentReader | None,
    table: TableToCheck,
    no_content_reason: str,
    max_differences: int,
    count_source: Callable[[], int | None] = lambda: None,
    sample_percent: float | None = None,
    more_targets: Sequence[ContentReader] = (),
    more_sources: Sequence[ContentReader] = (),
) -> TableVerdict:
    """Count and, where a source reader is given, prove the content of one table. ``more_targets`` and
    ``more_sources``: further readers (own connections) that read key-range tables in parallel spans."""
    t_spec = table_spec(tconn, table.schema, table.name)
    verdict = TableVerdict(
        table.label,
        None,
        table.exported_rows,
        table.imported_rows,
        None,
        SKIPPED,
        "not compared",
        "DIFFERENT",
    )
    if t_spec is None:
        verdict.note = "missing on the target"
        return verdict
    notes: list[str] = []
    result: ContentResult | None = None
    reason = no_content_reason
    if source is not None and source_reader is not None:
        s_spec = source.table_spec(table.source_schema, table.source_name, t_spec)
        if isinstance(s_spec, str):
            reason = s_spec
        else:
            # a source may leave columns out (computed ones it cannot know): the target then leaves them out too
            if [c.name for c in s_spec.columns] != [c.name for c in t_spec.columns]:
                by_name = {c.name: c for c in t_spec.columns}
                key_names = [t_spec.columns[i].name for i in t_spec.key]
                t_spec.columns = [by_name[c.name] for c in s_spec.columns]
                t_spec.key = [i for i, c in enumerate(t_spec.columns) if c.name in key_names]
                notes.append(
                    "computed column(s) not compared: "
                    + ", ".join(sorted(set(by_name) - {c.name for c in s_spec.columns}))
                )
            # both sides hash each column as the kind the source chose for it (e.g. a MySQL SET on an enum array)
            t_spec.columns = [
                replace(t, kind=s.kind) for t, s in zip(t_spec.columns, s_spec.columns, strict=True)
            ]
            try:
                result = compare_content(
                    [source_reader, *more_sources], [target, *more_targets], s_spec, t_spec, max_differences,
                    sample_percent,
                )  # fmt: skip
            except psycopg.Error as exc:
                raise TransshipError(
                    f"verify: comparing {table.label} failed on the target: {str(exc).strip().splitlines()[0]}",
                    fix="check that the target table has the columns the export wrote",
                ) from None
    if result is not None:
        verdict.proof = SAMPLED if result.sampled else CONTENT
        verdict.content = "same" if result.same else "different"
        verdict.target_rows = result.target_rows
        verdict.chunks = result.chunks
        verdict.differing_chunks = result.differing_chunks
        verdict.row_hash = result.row_hash
        verdict.differences = [asdict(d) | {"text": d.describe()} for d in result.differences]
        verdict.source_rows = result.source_rows
    else:
        verdict.proof = COUNTS_ONLY
        verdict.target_rows = _count(target, t_spec)
        verdict.source_rows = count_source()
        notes.append(f"content not compared: {reason}")
    ok = table.exported_rows == table.imported_rows == verdict.target_rows and verdict.content != "different"
    if verdict.source_rows is not None and verdict.source_rows != table.exported_rows:
        ok = False
        notes.insert(0, "the source changed since the export")
    if table.stashed_rows:  # never MATCH: those rows are not in the target
        ok = False
        notes.insert(0, f"{table.stashed_rows:,} row(s) stashed by stash-and-continue (data/errors/)")
    elif table.imported_rows != table.exported_rows:
        notes.insert(0, "import data has not finished")
    elif verdict.target_rows is not None and verdict.target_rows < table.imported_rows:
        notes.insert(0, "rows imported are missing from the target")
    elif verdict.target_rows != table.imported_rows:
        notes.insert(0, "the target table holds other rows too")
    if result is not None and result.sampled:
        notes.append(f"{result.chunks} of its chunks compared (--sample-percent)")
    if result is not None and not result.same:
        shown = "; ".join(d["text"] for d in verdict.differences[:3])
        notes.insert(
            0,
            f"{result.differing_chunks} of {result.chunks} chunk(s) differ" + (f": {shown}" if shown else ""),
        )
    verdict.note = "; ".join(notes)
    if not ok:
        verdict.result = "DIFFERENT"
    else:
        verdict.result = {CONTENT: "MATCH", SAMPLED: "SAMPLE MATCH"}.get(verdict.proof, "COUNTS MATCH")
    return verdict


def _count(reader: ContentReader, spec: Any) -> int:
    return reader.key_bounds(spec)[2]


@dataclass
class SequenceVerdict:
    """A sequence's next value on the target against the one the export recorded."""

    sequence: str
    source_next: int
    target_next: int | None
    result: str
    note: str = ""


def check_sequences(
    tconn: psycopg.Connection,
    sequences: list[tuple[str | None, str, int, bool]],
    shapes: dict[str, SequenceShape] | None = None,
    default_schema: str = "public",
) -> list[SequenceVerdict]:
    """For each (schema, name, last_value, is_called) the export recorded: the target's next value must be at
    least the source's (a lower one hands out ids the source already used), and where the schema files define
    the sequence (``shapes``), the target's increment, bounds and cycling must be theirs: the direction and the
    source's next value come from the files, never from the target it is checked against."""
    out = []
    for schema, name, last_value, is_called in sequences:
        label = qualified(schema, name)
        ident = sql.Identifier(schema, name) if schema else sql.Identifier(name)
        row = tconn.execute(
            "SELECT s.last_value, s.increment_by, s.start_value, s.min_value, s.max_value, s.cycle"
            " FROM pg_sequences s JOIN pg_namespace n ON n.nspname = s.schemaname"
            " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename"
            " WHERE c.oid = to_regclass(%s)",
            (ident.as_string(tconn),),
        ).fetchone()
        if row is None:
            out.append(SequenceVerdict(label, int(last_value), None, "DIFFERENT", "missing on the target"))
            continue
        target = SequenceShape(int(row[1]), int(row[3]), int(row[4]), bool(row[5]))
        shape = (shapes or {}).get(key(schema or default_schema, name))
        # without a definition in the files (an identity column's sequence): the target's increment
        step = (shape or target).increment
        source_next = int(last_value) + (step if is_called else 0)
        following = int(row[2]) if row[0] is None else int(row[0]) + target.increment
        target_next: int | None = following
        if not target.minimum <= following <= target.maximum:  # past its end: wraps, or nextval fails
            target_next = (
                (target.minimum if target.increment > 0 else target.maximum) if target.cycle else None
            )
        differs = _shape_differences(shape, target) if shape is not None else []
        if differs:
            out.append(SequenceVerdict(label, source_next, target_next, "DIFFERENT", "; ".join(differs)))
        elif target_next is None:
            exhausted = not target.minimum <= source_next <= target.maximum
            out.append(
                SequenceVerdict(label, source_next, None, "MATCH" if exhausted else "DIFFERENT",
                                "" if exhausted else "the target's sequence is exhausted, the source's is not")
            )  # fmt: skip
        elif (target_next < source_next) if step > 0 else (target_next > source_next):
            out.append(
                SequenceVerdict(
                    label,
                    source_next,
                    target_next,
                    "DIFFERENT",
                    "the target would hand out values the source already used",
                )  # fmt: skip
            )
        else:
            out.append(SequenceVerdict(label, source_next, target_next, "MATCH"))
    return out


def _shape_differences(expected: SequenceShape, target: SequenceShape) -> list[str]:
    words = {"increment": "INCREMENT BY", "minimum": "MINVALUE", "maximum": "MAXVALUE", "cycle": "CYCLE"}
    return [
        f"the target's {words[field]} is {getattr(target, field)}, the schema files' {getattr(expected, field)}"
        for field in ("increment", "minimum", "maximum", "cycle")
        if getattr(target, field) != getattr(expected, field)
    ]
