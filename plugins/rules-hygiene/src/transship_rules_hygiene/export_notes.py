"""Check a note the adapter saved at export time against the schema files as they are now.

``metainfo/schema_export_findings.json`` describes the files as exported; the user then edits them. A
note is reported only while it still describes the current files, and it points at what the user has
to edit: the column, the statement, or the comment block that keeps an unconverted object.

- type mappings (``table.column``): gone when the table or column no longer exists, or when the column's
  type differs from the recorded ``target_type`` (the user chose another type);
- ``lossy_conversion`` / ``guessed_conversion``: gone when the object no longer exists;
- a note whose ``object_name`` is no object name (``(text columns)``: about the whole database) stays;
- ``unconverted_object``: gone when a statement now creates the object (the user wrote it by hand), unless
  the export's ``-- review: <note>`` line is still in the files; column defaults and generated expressions
  are gone once the column has a default or an expression again (or is dropped), a partitioning note once
  the table is partitioned, a package routine's note once the routine is created. While the object only exists as the adapter's comment block, the issue points
  at that block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transship.sdk import (
    OBJECT_FILES,
    AnalysedStatement,
    AnalysisContext,
    ColumnInfo,
    Comment,
    TableInfo,
    parse_type_signature,
)

_OBJECT_NAME = re.compile(r'^(?:"[^"]+"|[^\s."():]+)(?:\.(?:"[^"]+"|[^\s."():]+))*$')
TYPE_MAPPING_KINDS = ("lossy_type_mapping", "guessed_type_mapping")
CONVERSION_KINDS = ("lossy_conversion", "guessed_conversion")

# object types a hand-written replacement may have (a procedure rewritten as a function ...)
_SAME_KIND: dict[str, set[str]] = {
    "FUNCTION": {"FUNCTION", "PROCEDURE"},
    "PROCEDURE": {"FUNCTION", "PROCEDURE"},
    "VIEW": {"VIEW", "MVIEW"},
    "MVIEW": {"VIEW", "MVIEW"},
    "SYNONYM": {"SYNONYM", "VIEW"},
    "PACKAGE MEMBER": {"FUNCTION", "PROCEDURE", "PACKAGE MEMBER"},
}
_PACKAGE_MEMBER = re.compile(r"^([\w$#]+\.[\w$#]+) not converted\b")
# object types some statement creates (see transship.analysis.nodes.created_object)
_CREATABLE = {
    "TABLE", "PARTITION", "FOREIGN TABLE", "INDEX", "VIEW", "MVIEW", "SEQUENCE", "FUNCTION", "PROCEDURE",
    "TRIGGER", "SCHEMA", "EXTENSION", "TYPE", "DOMAIN", "POLICY", "RULE", "AGGREGATE", "COLLATION",
    "CONVERSION", "OPERATOR",
}  # fmt: skip


@dataclass
class Where:
    """Where a still-valid note points: a statement (and a line in it), or a comment block, or a file."""

    statement: AnalysedStatement | None = None
    file: str | None = None
    line: int | None = None
    sql: str | None = None


def current_location(note: dict[str, Any], ctx: AnalysisContext) -> Where | None:
    """Where ``note`` applies in the current files, or ``None`` when the edits made it obsolete."""
    kind = str(note.get("kind") or "")
    otype = str(note.get("object_type") or "").upper()
    name = str(note.get("object_name") or "")
    if not _OBJECT_NAME.match(name):  # about no single object, e.g. "(text columns)": nothing to check
        return _file_of(ctx, otype)
    if kind in TYPE_MAPPING_KINDS:
        return _type_mapping(ctx, name, str(note.get("target_type") or ""))
    if kind in CONVERSION_KINDS:
        return _converted(ctx, otype, name)
    return _unconverted(ctx, otype, name, str(note.get("reason") or ""))


# -- the three kinds of notes ----------------------------------------------------------------------------
def _type_mapping(ctx: AnalysisContext, name: str, target_type: str) -> Where | None:
    found = _table_and_column(ctx, name)
    if found is None or found[1] is None:
        return None
    col = found[1]
    recorded = parse_type_signature(target_type)
    if recorded is not None and col.declared and col.declared != recorded:
        return None  # the user changed the type
    return _at_column(ctx, found[0], col)


def _converted(ctx: AnalysisContext, otype: str, name: str) -> Where | None:
    if otype == "TABLE":
        found = _table_and_column(ctx, name)
        if found is not None and found[1] is not None:
            return _at_column(ctx, found[0], found[1])
        table = ctx.model.table(name)
        return Where(table.statement) if table is not None else None
    if otype not in _CREATABLE:
        return Where()  # nothing to check it against: keep reporting
    stmt = _created(ctx, otype, name)
    return Where(stmt) if stmt is not None else None


def _unconverted(ctx: AnalysisContext, otype: str, name: str, reason: str) -> Where | None:
    if otype == "TABLE" and "." in name:
        found = _table_and_column(ctx, name)
        if found is not None:
            return _unconverted_part(found, name, reason, ctx)
        if ctx.model.table(name) is None:
            return None  # the table is gone
    if otype == "PARTITION":
        table = ctx.model.table(name)
        return None if table is None or table.partitioned else Where(table.statement)
    review = _review_note(ctx, reason)
    if review is not None:
        return Where(review)
    member = _PACKAGE_MEMBER.match(reason) if otype == "PACKAGE" else None
    if member is not None:  # one routine of a package: the package itself is never "created"
        otype, name = "PACKAGE MEMBER", member.group(1)
    if _created(ctx, otype, name) is not None:
        return None  # written by hand
    block = _comment_block(ctx, otype, name)
    if block is not None:
        path, comment = block
        return Where(file=str(path), line=comment.line, sql=comment.sql)
    return _file_of(ctx, otype)  # where it should be written


def _file_of(ctx: AnalysisContext, otype: str) -> Where:
    otype = "PACKAGE" if otype == "PACKAGE MEMBER" else otype
    if ctx.schema_dir is not None and otype in OBJECT_FILES:
        return Where(file=str(ctx.schema_dir / OBJECT_FILES[otype]))
    return Where()


def _unconverted_part(
    found: tuple[TableInfo, ColumnInfo | None], name: str, reason: str, ctx: AnalysisContext
) -> Where | None:
    """A column default, generated expression or check constraint that was not converted."""
    table, col = found
    part = name.rsplit(".", 1)[1]
    why = reason.lower()
    if col is None:
        if why.startswith("check") and part.lower() not in table.constraint_names:
            return Where(table.statement)  # the constraint is still missing
        return None  # the column was dropped, or the constraint was added by hand
    if why.startswith("default") and col.has_default:
        return None
    if ("generated column" in why or "virtual column" in why) and col.generated:
        return None
    return _at_column(ctx, table, col)


# -- lookups ------------------------------------------------------------------------------------------------
def _table_and_column(ctx: AnalysisContext, name: str) -> tuple[TableInfo, ColumnInfo | None] | None:
    """``table.column`` / ``schema.table.column`` -> (table, column or None); None when the table is gone."""
    if "." not in name:
        return None
    table_name, col_name = name.rsplit(".", 1)
    table = ctx.model.table(_unquote(table_name))
    if table is None:
        return None
    return table, table.column(_unquote(col_name))


def _at_column(ctx: AnalysisContext, table: TableInfo, col: ColumnInfo) -> Where:
    stmt = col.statement or table.statement
    return Where(stmt, line=ctx.line_at(stmt, col.location) if col.statement else None)


def _unquote(name: str) -> str:
    return ".".join(part.strip('"') for part in name.split("."))


def _parts(name: str) -> list[str]:
    return [p.strip('"').lower() for p in name.split(".") if p]


def _same_name(wanted: str, found: str) -> bool:
    """Names match when equal, or when one is unqualified and the other's last part equals it."""
    a, b = _parts(wanted), _parts(found)
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        return a[-1] == b[-1]
    return a == b


def _same_on_name(wanted: str, obj: str, relation: str) -> bool:
    """An index/trigger/policy ``obj ON relation`` against a note's ``name`` or ``table.name``.

    MySQL notes name an index ``table.index`` and the adapter creates it as ``<table>_<index>``.
    """
    want = _parts(wanted)
    have, rel = _parts(obj), _parts(relation)
    if not want or not have:
        return False
    last, mine = want[-1], have[-1]
    if len(want) == 1:
        return mine == last
    prefix = want[-2]
    if rel and prefix not in (rel[-1], rel[0]):
        return False
    return mine in (last, f"{prefix}_{last}") or mine.endswith(f"_{last}")


def _created(ctx: AnalysisContext, otype: str, name: str) -> AnalysedStatement | None:
    """The statement that now creates an object of type ``otype`` (or an equivalent type) named ``name``."""
    kinds = _SAME_KIND.get(otype, {otype})
    for ctype, cname, stmt in ctx.created():
        if ctype not in kinds:
            continue
        obj, on, relation = cname.partition(" ON ")
        if (_same_on_name(name, obj, relation) if on else _same_name(name, cname)) and obj:
            return stmt
    return None


def _comment_block(ctx: AnalysisContext, otype: str, name: str) -> tuple[Path, Comment] | None:
    """The adapter's ``<kind> <name> was NOT converted`` comment block for the object, if still there."""
    kinds = {k.lower() for k in _SAME_KIND.get(otype, {otype})} | {"statement"}
    for path, comment in ctx.comments:
        head = comment.unconverted
        if head is not None and head[0] in kinds and _same_name(name, head[1]):
            return path, comment
    return None


def _review_note(ctx: AnalysisContext, reason: str) -> AnalysedStatement | None:
    """The statement under the export's ``-- review: <reason>`` line (a partly converted object)."""
    if not reason.strip():
        return None
    wanted = f"review: {' '.join(reason.split())}"
    for path, comment in ctx.comments:
        if comment.block or " ".join(comment.text.split()) != wanted:
            continue
        after = [
            s
            for s in ctx.statements
            if s.parent is None and s.path == path and s.line > comment.line and s.node is not None
        ]
        if after:
            return min(after, key=lambda s: s.line)
    return None
