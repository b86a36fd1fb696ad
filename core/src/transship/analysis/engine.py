"""The analysis engine: parse each statement with pglast, run the selected rules, collect issues."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transship.analysis.context import AnalysisContext, SchemaModel
from transship.analysis.model import Category, FailedRule, Finding, Issue
from transship.analysis.rule import Rule
from transship.analysis.statement import AnalysedStatement, parse_statement
from transship.analysis.version import TargetVersion, YBVersion, is_fixed_in, target_type_of
from transship.schema_files import OBJECT_FILES, SchemaStatement, read_schema_files

log = logging.getLogger(__name__)


@dataclass
class AnalysisResult:
    """Everything a report needs."""

    statements: list[AnalysedStatement]
    issues: list[Issue]
    failed_rules: list[FailedRule]
    rules_run: list[type[Rule]]
    target_version: TargetVersion
    hidden_as_fixed: int = 0
    """Findings not reported because the target version fixed them."""
    notes: list[str] = field(default_factory=list)
    rules_not_for_target: list[type[Rule]] = field(default_factory=list)
    """Selected rules that were not run: they do not apply to the target's type or version."""

    @property
    def target_type(self) -> str:
        """``postgresql`` or ``yugabytedb`` (from the type of ``target_version``)."""
        return target_type_of(self.target_version)


def parse_schema(items: Iterable[SchemaStatement]) -> list[AnalysedStatement]:
    """Parse every statement on its own (one bad statement never hides the others)."""
    out: list[AnalysedStatement] = []
    for item in items:
        out.extend(parse_statement(item.sql, item.path, item.line, item.object_type))
    return out


class Analyzer:
    """Runs rules over statements.

    :param rules: the rule classes to run (already selected); those that do not apply to the target
        (:meth:`Rule.applies_to`) are left out.
    :param target_version: a :class:`YBVersion` (a YugabyteDB target) or a
        :class:`~transship.analysis.version.PGVersion` (a PostgreSQL target); issues fixed in it are not reported.
    :param export_findings: notes recorded by the source adapter at export time.
    :param root: file paths in the report are shown relative to this directory when inside it.
    """

    def __init__(
        self,
        rules: Iterable[type[Rule]],
        target_version: TargetVersion,
        export_findings: list[dict[str, Any]] | None = None,
        source_db_type: str | None = None,
        root: Path | None = None,
    ) -> None:
        self.target_version = target_version
        self.target_type = target_type_of(target_version)
        chosen = sorted(rules, key=lambda r: (r.order, r.code))
        self.rule_classes = [r for r in chosen if r.applies_to(self.target_type, target_version)]
        self.rules_not_for_target = [r for r in chosen if r not in self.rule_classes]
        self.export_findings = export_findings or []
        self.source_db_type = source_db_type
        self.root = root

    def analyse_dir(self, schema_dir: Path) -> AnalysisResult:
        """Analyse the current files under ``schema/`` (user edits included)."""
        sources = {
            path: path.read_text(encoding="utf-8")
            for path in dict.fromkeys(schema_dir / f for f in OBJECT_FILES.values())
            if path.is_file()
        }
        return self.analyse(parse_schema(read_schema_files(schema_dir)), sources, schema_dir)

    def analyse_sql(
        self, sql: str, object_type: str = "UNCATEGORIZED", path: Path | None = None
    ) -> AnalysisResult:
        """Analyse a script (tests, and rule authors trying a rule)."""
        from transship.sqlsplit import split_sql

        where = path or Path("<sql>")
        return self.analyse(
            parse_schema(SchemaStatement(object_type, where, s) for s in split_sql(sql)), {where: sql}
        )

    def analyse(
        self,
        statements: list[AnalysedStatement],
        sources: dict[Path, str] | None = None,
        schema_dir: Path | None = None,
    ) -> AnalysisResult:
        """Run the rules over parsed statements; ``sources`` are the texts they came from (path -> text)."""
        ctx = AnalysisContext(
            statements,
            SchemaModel(statements),
            self.target_version,
            self.source_db_type,
            self.export_findings,
            sources or {},
            schema_dir,
        )
        result = AnalysisResult(
            statements,
            [],
            [],
            list(self.rule_classes),
            self.target_version,
            rules_not_for_target=list(self.rules_not_for_target),
        )
        rules = [cls() for cls in self.rule_classes]
        broken: set[str] = set()
        for stmt in statements:
            for rule in rules:
                if rule.code in broken:
                    continue
                targets = [stmt, *(stmt.embedded if rule.scan_bodies else ())]
                for target in targets:
                    if target.node is None and rule.parsed_only:
                        continue
                    if not self._run(rule, lambda r=rule, t=target: r.check(t, ctx), target, result, broken):
                        break
        for rule in rules:
            if rule.code not in broken:
                self._run(rule, lambda r=rule: r.check_schema(ctx), None, result, broken)
        result.issues.sort(key=Issue.sort_key)
        return result

    def _run(
        self, rule: Rule, call: Any, stmt: AnalysedStatement | None, result: AnalysisResult, broken: set[str]
    ) -> bool:
        """Run one rule call; a rule that raises becomes a failed rule and is not run again."""
        try:
            findings = list(call() or ())
        except Exception as exc:  # noqa: BLE001 - a broken rule must never stop the analysis
            log.error("rule %s failed: %s", rule.code, traceback.format_exc())
            result.failed_rules.append(
                FailedRule(
                    rule.code,
                    rule.name,
                    f"{type(exc).__name__}: {exc}",
                    stmt.file if stmt else None,
                    stmt.line if stmt else None,
                )
            )
            broken.add(rule.code)
            return False
        for finding in findings:
            if not isinstance(finding, Finding):
                result.failed_rules.append(
                    FailedRule(
                        rule.code, rule.name, f"check() yielded {type(finding).__name__}, not a Finding"
                    )
                )
                broken.add(rule.code)
                return False
            target = finding.statement or stmt
            if target is not None:
                top = target.parent or target
                top.finding_count += 1
                target.finding_count += 1
            if isinstance(self.target_version, YBVersion) and is_fixed_in(
                rule.minimum_versions_fixed_in, self.target_version
            ):
                result.hidden_as_fixed += 1
                continue
            result.issues.append(self._issue(rule, finding, target))
        return True

    def _display_path(self, path: str) -> str:
        if self.root is not None and path:
            try:
                return str(Path(path).resolve().relative_to(self.root.resolve()))
            except ValueError:
                return path
        return path

    def _issue(self, rule: Rule, f: Finding, stmt: AnalysedStatement | None) -> Issue:
        subject = stmt.subject if stmt is not None else ("", "")
        category = rule.category
        if stmt is not None and stmt.in_body and category == Category.UNSUPPORTED_FEATURES:
            category = Category.UNSUPPORTED_PLPGSQL_OBJECTS
        return Issue(
            rule_code=rule.code,
            rule_name=rule.name,
            category=category,
            impact=str(rule.impact),
            object_type=f.object_type or subject[0] or (stmt.object_type if stmt else ""),
            object_name=f.object_name if f.object_name is not None else subject[1],
            reason=f.reason,
            sql=f.sql if f.sql is not None else (stmt.sql if stmt else ""),
            file=self._display_path(f.file or (stmt.file if stmt else "")),
            line=f.line if f.line is not None else (stmt.line if stmt else None),
            suggestion=f.suggestion if f.suggestion is not None else rule.suggestion,
            gh=rule.gh,
            docs_link=rule.docs_link,
            minimum_versions_fixed_in=dict(rule.minimum_versions_fixed_in),
            links=list(f.links),
            subject=subject,
        )
