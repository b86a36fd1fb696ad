"""The schema analysis report as one document (voyager's JSON field names plus our extras)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pglast import ast

from transship import __version__
from transship.analysis.builtin import guess_name
from transship.analysis.catalogue import resolve_link
from transship.analysis.engine import AnalysisResult
from transship.analysis.nodes import created_object
from transship.analysis.version import target_label
from transship.schema_files import IMPORT_ORDER

DESCRIPTION = "Objects that will be created on the target YugabyteDB or PostgreSQL database."
ORACLE_NOTE = "Some of the index and sequence names might be different from those in the source database."
UNCATEGORIZED_NOTE = (
    "Statements in schema/uncategorized.sql could not be classified; review them and move each into the "
    "file of its object type before import."
)
GIN_NOTE = (
    "There are GIN indexes in the schema: YugabyteDB supports GIN indexes partially (yugabyte-db#7850)."
)


@dataclass(frozen=True)
class SourceInfo:
    """What the report says about the source (from the migration status)."""

    db_type: str = ""
    db_name: str = ""
    schema_names: tuple[str, ...] = ()
    db_version: str = ""


def _object_summary(result: AnalysisResult) -> list[dict[str, Any]]:
    names: dict[str, list[str]] = defaultdict(list)
    for stmt in result.statements:
        if stmt.node is None or stmt.parent is not None:
            continue
        made = created_object(stmt.node)
        if made and made[1]:
            names[made[0]].append(made[1])
    invalid: dict[str, set[str]] = defaultdict(set)
    details: dict[str, set[str]] = defaultdict(set)
    for stmt in result.statements:  # a statement that does not parse still counts, as an object with issues
        if stmt.node is None and stmt.finding_count:
            guessed = guess_name(stmt.sql)
            if guessed and stmt.object_type != "UNCATEGORIZED":
                names[stmt.object_type].append(guessed)
                invalid[stmt.object_type].add(guessed)
    for issue in result.issues:
        otype, oname = issue.subject
        if otype in names and oname in names[otype]:
            invalid[otype].add(oname)
            details[otype].add(issue.rule_code)
        elif issue.object_type in names and issue.object_name in names[issue.object_type]:
            invalid[issue.object_type].add(issue.object_name)
            details[issue.object_type].add(issue.rule_code)
    order = [t for t in IMPORT_ORDER if t in names] + sorted(t for t in names if t not in IMPORT_ORDER)
    return [
        {
            "ObjectType": otype,
            "TotalCount": len(names[otype]),
            "InvalidCount": len(invalid[otype]),
            "ObjectNames": ", ".join(names[otype]),
            "Details": f"issues: {', '.join(sorted(details[otype]))}" if details[otype] else "",
        }
        for otype in order
    ]


def _notes(result: AnalysisResult, source: SourceInfo) -> list[str]:
    notes = list(result.notes)
    if any(
        isinstance(s.node, ast.IndexStmt) and str(s.node.accessMethod).lower() == "gin"
        for s in result.statements
    ):
        notes.append(GIN_NOTE)
    if any(s.object_type == "UNCATEGORIZED" for s in result.statements):
        notes.append(UNCATEGORIZED_NOTE)
    if source.db_type == "oracle":
        notes.append(ORACLE_NOTE)
    if result.rules_not_for_target:
        notes.append(
            f"{len(result.rules_not_for_target)} selected rule(s) do not apply to the target "
            f"{target_label(result.target_version)} and were not run."
        )
    if result.hidden_as_fixed:
        notes.append(
            f"{result.hidden_as_fixed} finding(s) are not listed because target version {result.target_version} fixed them."
        )
    for failed in result.failed_rules:
        where = f" at {failed.file}:{failed.line}" if failed.file else ""
        notes.append(
            f"Rule {failed.rule_code} ({failed.rule_name}) failed{where} and was skipped: {failed.error}"
        )
    return notes


def build_report(
    result: AnalysisResult, source: SourceInfo, docs_base_url: str | None = None
) -> dict[str, Any]:
    """The report document: ``{VoyagerVersion, TargetDBType, TargetDBVersion, Summary, Issues, ...}``.

    ``VoyagerVersion`` keeps voyager's key and carries transship's version, so tools that read voyager's
    JSON read ours. Extras per issue: ``RuleCode``, ``RuleName``, ``Impact``, ``LineNumber``; extras at
    the top: ``TargetDBType`` (``postgresql`` or ``yugabytedb``), ``FailedRules``, ``RulesRun``. ``DocsLink``
    and ``Links`` are resolved for where the report is read (:func:`~transship.analysis.catalogue.resolve_link`):
    a path in transship's docs becomes the catalogue page beside the report, or a URL under ``docs_base_url``.
    """
    return {
        "VoyagerVersion": f"transship {__version__}",
        "TargetDBType": result.target_type,
        "TargetDBVersion": str(result.target_version),
        "Summary": {
            "Description": DESCRIPTION,
            "DbName": source.db_name,
            "SchemaNames": list(source.schema_names),
            "DbVersion": source.db_version,
            "Notes": _notes(result, source),
            "DatabaseObjects": _object_summary(result),
        },
        "Issues": [
            {
                "IssueType": i.category,
                "ObjectType": i.object_type,
                "ObjectName": i.object_name,
                "Reason": i.reason,
                "SqlStatement": i.sql,
                "FilePath": i.file,
                "Suggestion": i.suggestion,
                "GH": i.gh,
                "DocsLink": resolve_link(i.docs_link, docs_base_url),
                "MinimumVersionsFixedIn": i.minimum_versions_fixed_in or None,
                "RuleCode": i.rule_code,
                "RuleName": i.rule_name,
                "Impact": i.impact,
                "LineNumber": i.line,
                "Links": [resolve_link(u, docs_base_url) for u in i.links],
            }
            for i in result.issues
        ],
        "FailedRules": [
            {
                "RuleCode": f.rule_code,
                "RuleName": f.rule_name,
                "Error": f.error,
                "FilePath": f.file,
                "LineNumber": f.line,
            }
            for f in result.failed_rules
        ],
        "RulesRun": len(result.rules_run),
    }
