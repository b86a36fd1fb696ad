"""Rules that need the whole schema (keys, foreign keys) or what the adapter reported at export time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from transship.sdk import (
    AnalysisContext,
    Category,
    Finding,
    Impact,
    Rule,
    TableInfo,
    constraint_object,
    rule_anchor,
)
from transship_rules_hygiene.export_notes import Where, current_location

DOCS = "docs/rules.md"
"""The rule catalogue in the transship repository; each rule links to its row there."""


class _Hygiene(Rule):
    abstract = True
    groups: ClassVar[tuple[str, ...]] = ("all", "hygiene")
    category: ClassVar[str] = Category.MIGRATION_HYGIENE

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("abstract", False) and not cls.__dict__.get("docs_link"):
            cls.docs_link = f"{DOCS}#{rule_anchor(cls.code)}"


class Rule_TABLE_WITHOUT_PRIMARY_KEY(_Hygiene):
    """Table has no primary key.

    Without a key, rows cannot be told apart: duplicates slip in, verification and incremental sync cannot
    match rows, and YugabyteDB distributes the table on a hidden row id (yb-voyager#1388).
    """

    name = "hygiene.table_without_primary_key"
    groups = ("all", "hygiene", "keys")
    suggestion = "Add a PRIMARY KEY (promote a UNIQUE NOT NULL column set when there is one)."

    def check_schema(self, ctx: AnalysisContext) -> Iterable[Finding]:
        for table in ctx.model.tables.values():
            if table.primary_key is not None or _is_partition(table):
                continue
            uniques = [k for k in table.keys if k.kind == "UNIQUE"]
            hint = (
                f" It has unique key(s) on ({'), ('.join(', '.join(k.columns) for k in uniques)})."
                if uniques
                else ""
            )
            yield Finding(
                f"Table {table.name} has no primary key.{hint}",
                object_type="TABLE",
                object_name=table.name,
                statement=table.statement,
            )


def _is_partition(table: TableInfo) -> bool:
    node = table.statement.node
    return getattr(node, "partbound", None) is not None


class Rule_FOREIGN_KEY_WITHOUT_INDEX(_Hygiene):
    """Foreign key columns have no supporting index.

    Deleting or updating a referenced row then scans the whole referencing table, and joins along the
    key are slow. An index supports a foreign key when the key's columns are its leading columns.
    """

    name = "hygiene.foreign_key_without_index"
    groups = ("all", "hygiene", "keys", "performance")
    suggestion = "Create an index on the foreign key columns."

    def check_schema(self, ctx: AnalysisContext) -> Iterable[Finding]:
        for fk in ctx.model.foreign_keys:
            table = ctx.model.table(fk.table)
            leading: list[list[str | None]] = [
                i.columns for i in ctx.model.indexes if ctx.model.table(i.table) is table
            ]
            if table is not None:
                leading += [list(k.columns) for k in table.keys]
            n = len(fk.columns)
            if any(
                sorted(c for c in cols[:n] if c) == sorted(fk.columns) and len(cols) >= n for cols in leading
            ):
                continue
            cols = ", ".join(fk.columns)
            yield Finding(
                f"Foreign key ({cols}) of {fk.table} referencing {fk.ref_table} has no index whose leading columns are ({cols}).",
                object_type="TABLE",
                object_name=constraint_object(fk.table, fk.name),
                suggestion=f"CREATE INDEX ON {fk.table} ({cols});",
                statement=fk.statement,
            )


class _ExportFinding(_Hygiene):
    """Reports the export-time notes of one ``kind`` from ``metainfo/schema_export_findings.json``.

    A note is reported only while it still applies to the current schema files (see
    :mod:`transship_rules_hygiene.export_notes`): the user's edits make it go away.
    """

    abstract = True
    kind: ClassVar[str] = ""

    def check_schema(self, ctx: AnalysisContext) -> Iterable[Finding]:
        for note in ctx.export_findings:
            if note.get("kind") != self.kind:
                continue
            where = current_location(note, ctx)
            if where is not None:
                yield self.finding(note, where)

    def finding(self, note: dict[str, Any], where: Where) -> Finding:
        types = ""
        if note.get("source_type") or note.get("target_type"):
            types = f" ({note.get('source_type') or '?'} -> {note.get('target_type') or '?'})"
        reason = (note.get("reason") or self.description) + types
        if note.get("rule"):
            reason += f" [adapter rule {note['rule']}]"
        return Finding(
            reason,
            object_type=str(note.get("object_type") or "") or None,
            object_name=str(note.get("object_name") or ""),
            suggestion=note.get("suggestion") or self.suggestion,
            statement=where.statement,
            sql=where.sql if where.sql is not None else (None if where.statement is not None else ""),
            file=where.file,
            line=where.line,
        )


class Rule_LOSSY_TYPE_MAPPING(_ExportFinding):
    """A source type was mapped to a target type that loses range, precision or meaning.

    Reported at the column's line until the column is dropped or given another type in the schema files.
    """

    name = "hygiene.lossy_type_mapping"
    groups = ("all", "hygiene", "conversion")
    kind = "lossy_type_mapping"
    impact = Impact.LEVEL_2
    category = Category.CONVERSION_REVIEW
    suggestion = "Check the column's values fit the target type, or change the type in the exported DDL."


class Rule_GUESSED_TYPE_MAPPING(_ExportFinding):
    """The adapter had no mapping for a source type and guessed one."""

    name = "hygiene.guessed_type_mapping"
    groups = ("all", "hygiene", "conversion")
    kind = "guessed_type_mapping"
    impact = Impact.LEVEL_2
    category = Category.CONVERSION_REVIEW
    suggestion = "Confirm the guessed type, or edit the exported DDL."


class Rule_LOSSY_CONVERSION(_ExportFinding):
    """An object was converted with a loss the application may notice (e.g. a FULLTEXT or prefix index)."""

    name = "hygiene.lossy_conversion"
    groups = ("all", "hygiene", "conversion")
    kind = "lossy_conversion"
    impact = Impact.LEVEL_2
    category = Category.CONVERSION_REVIEW
    suggestion = "Check the converted object still serves its queries, or edit the exported DDL."


class Rule_GUESSED_CONVERSION(_ExportFinding):
    """An object (e.g. a view body) was converted by a rewrite whose result should be checked."""

    name = "hygiene.guessed_conversion"
    groups = ("all", "hygiene", "conversion")
    kind = "guessed_conversion"
    impact = Impact.LEVEL_2
    category = Category.CONVERSION_REVIEW
    suggestion = "Compare the object's results on source and target, or edit the exported DDL."


class Rule_UNCONVERTED_OBJECT(_ExportFinding):
    """An object could not be converted and was left for review (e.g. a routine body).

    The issue points at the comment block that keeps the original in the schema file, or at the
    ``-- review:`` lines of a partly converted object. It goes away once a statement in the files creates
    the object (and its ``-- review:`` lines are deleted).
    """

    name = "hygiene.unconverted_object"
    groups = ("all", "hygiene", "conversion")
    kind = "unconverted_object"
    impact = Impact.LEVEL_3
    category = Category.CONVERSION_REVIEW
    suggestion = "Rewrite the object in PostgreSQL by hand and add it to the schema files."


RULES: list[type[Rule]] = [
    Rule_TABLE_WITHOUT_PRIMARY_KEY, Rule_FOREIGN_KEY_WITHOUT_INDEX, Rule_LOSSY_TYPE_MAPPING,
    Rule_GUESSED_TYPE_MAPPING, Rule_LOSSY_CONVERSION, Rule_GUESSED_CONVERSION, Rule_UNCONVERTED_OBJECT,
]  # fmt: skip
