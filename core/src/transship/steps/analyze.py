"""``analyze-schema``: analyse the current files under ``schema/`` and write the reports."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from transship.analysis.catalogue import check_docs_base_url
from transship.analysis.engine import AnalysisResult, Analyzer
from transship.analysis.registry import installed_rules
from transship.analysis.report import SourceInfo, build_report
from transship.analysis.selection import parse_patterns, select_rules
from transship.analysis.version import (
    DEFAULT_TARGET_DB_TYPE,
    TARGET_TYPES,
    TargetVersion,
    check_target_type,
    parse_target_version,
    target_label,
)
from transship.analysis.writers import parse_formats, write_reports
from transship.errors import ConfigError, ExportDirError
from transship.schema_files import existing_object_types
from transship.steps.common import print_table
from transship.steps.context import StepContext
from transship.steps.options import AnalyzeOptions, items_text

FINDINGS_FILE = "schema_export_findings.json"


def load_export_findings(metainfo: Path) -> list[dict[str, Any]]:
    """The notes the source adapter recorded at export (``[]`` when there are none)."""
    path = metainfo / FINDINGS_FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ExportDirError(
            f"{path} is not valid JSON: {exc}", fix="re-run 'transship export schema --start-clean true'"
        ) from None
    if not isinstance(data, list):
        raise ExportDirError(
            f"{path} should hold a JSON list", fix="re-run 'transship export schema --start-clean true'"
        )
    return [d for d in data if isinstance(d, dict)]


def source_info(status: dict[str, Any]) -> SourceInfo:
    conf = status.get("source_conf") or {}
    schemas = [s.strip() for s in str(conf.get("schema") or "").split(",") if s.strip()]
    return SourceInfo(
        db_type=str(status.get("source_db_type") or conf.get("db_type") or ""),
        db_name=str(conf.get("name") or ""),
        schema_names=tuple(schemas),
        db_version=str(status.get("source_db_version") or ""),
    )


def choose_target(ctx: StepContext, o: AnalyzeOptions, status: dict[str, Any]) -> TargetVersion:
    """The target analysed for: ``--target-db-type``/``--target-db-version`` when given, else the target the
    import commands connected to (recorded in the migration status), else the newest YugabyteDB default.

    An explicit type that differs from the recorded target is printed as one warning line.
    """
    recorded = str(status.get("target_db_type") or "").lower()
    recorded = recorded if recorded in TARGET_TYPES else ""
    recorded_version = str(status.get("target_db_version") or "")
    explicit = check_target_type(o.target_db_type) if o.target_db_type else ""
    if explicit and recorded and explicit != recorded:
        seen = f"{recorded} {recorded_version}".strip()
        ctx.err.print(
            f"WARNING: --target-db-type {explicit} differs from the migration's target ({seen}, recorded by "
            f"import schema): the report is for {explicit}",
            markup=False,
        )
    target_type = explicit or recorded or DEFAULT_TARGET_DB_TYPE
    if o.target_db_version or target_type != recorded or not recorded_version:
        return parse_target_version(target_type, o.target_db_version)
    try:
        return parse_target_version(target_type, recorded_version)
    except ConfigError:  # a version string we cannot read: the newest one
        return parse_target_version(target_type, None)


def run(ctx: StepContext, o: AnalyzeOptions) -> AnalysisResult:
    """Analyse ``schema/`` as it is now and write the reports."""
    ed = ctx.export_dir
    formats = parse_formats(items_text(o.output_formats))
    if o.target_db_type:
        check_target_type(o.target_db_type)
    docs_base_url = check_docs_base_url(o.docs_base_url)
    status = ctx.meta.status()
    if not status.get("export_schema_done"):
        raise ExportDirError(
            f"the schema has not been exported into {ed.root} yet",
            fix=f"run 'transship export schema -e {ed.root}' first",
        )
    if not existing_object_types(ed.schema):
        raise ExportDirError(
            f"no schema files under {ed.schema}",
            fix="run 'transship export schema --start-clean true' to export again",
        )
    target = choose_target(ctx, o, status)
    installed = installed_rules()
    rules = select_rules(
        [r.rule for r in installed],
        parse_patterns(items_text(o.rules)),
        parse_patterns(items_text(o.exclude_rules)),
    )
    source = source_info(status)
    analyzer = Analyzer(
        rules, target, load_export_findings(ed.metainfo), source.db_type or None, root=ed.root
    )
    result = analyzer.analyse_dir(ed.schema)
    doc = build_report(result, source, docs_base_url)
    paths = write_reports(doc, ed.reports, formats, installed)
    ctx.meta.update_status(analyze_schema_done=True, analyze_schema_issue_count=len(result.issues))
    _print_summary(ctx, result, doc)
    for path in paths:
        ctx.console.print(f"-- find schema analysis report at: {path}", markup=False)
    return result


def _print_summary(ctx: StepContext, result: AnalysisResult, doc: dict[str, Any]) -> None:
    rows = [[o["ObjectType"], o["TotalCount"], o["InvalidCount"]] for o in doc["Summary"]["DatabaseObjects"]]
    print_table(
        ctx,
        f"Schema analysis (target {target_label(result.target_version)})",
        ["OBJECT TYPE", "TOTAL", "WITH ISSUES"],
        rows,
    )
    by_category = Counter(i.category for i in result.issues)
    parsed = sum(1 for s in result.statements if s.node is not None)
    ctx.console.print(
        f"{len(result.statements)} statements ({parsed} parsed), {len(result.rules_run)} rules, {len(result.issues)} issues"
        + (": " + ", ".join(f"{n} {c}" for c, n in sorted(by_category.items())) if by_category else ""),
        markup=False,
    )
    for failed in result.failed_rules:
        ctx.err.print(
            f"WARNING: rule {failed.rule_code} failed and was skipped: {failed.error}", markup=False
        )
