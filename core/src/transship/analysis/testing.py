"""Test helpers for rule packs: YAML fixture files of DDL -> expected rule codes.

A fixture file maps a rule code to scripts that must raise it (``fail``) and scripts that must not
(``pass``)::

    UNLOGGED_TABLES:
      fail: ["CREATE UNLOGGED TABLE t (id int);"]
      pass: ["CREATE TABLE t (id int);"]

A case may be a mapping ``{sql: ..., export_findings: [...], target: "postgresql 15"}`` to feed adapter notes
or analyse for another target (default: a YugabyteDB older than every fix, or PostgreSQL 11 for a rule that
does not apply to YugabyteDB). Families of rules
share ``_templates``: ``{rule: "PK_UK_ON_{key}_DATATYPE", params: {JSONB: jsonb}, fail: [...], pass: [...]}``
where ``{type}`` in the scripts is replaced by each param value. A rule pack's whole test is then::

    CASES = load_rule_cases(Path(__file__).parent / "rules.yaml")

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_rule(case):
        assert case.passes(), case.explain()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from transship.analysis.engine import AnalysisResult, Analyzer
from transship.analysis.rule import Rule
from transship.analysis.version import (
    OLDEST_POSTGRESQL,
    YUGABYTEDB,
    TargetVersion,
    YBVersion,
    check_target_type,
    parse_target_version,
)

OLDEST_TARGET = "2.0.0.0"
"""Target version for rule cases: older than every fix, so no finding is hidden."""


@dataclass
class RuleCase:
    """One script and whether rule ``code`` must report it."""

    code: str
    expect_issue: bool
    sql: str
    source: str
    index: int
    export_findings: list[dict[str, Any]] = field(default_factory=list)
    result: AnalysisResult | None = None
    target: str = ""
    """``"postgresql 15"``, ``"yugabytedb 2.20.0.0"`` or a bare type; empty: see :meth:`target_for`."""

    def target_for(self, rule: type[Rule]) -> TargetVersion:
        """The version analysed for: ``target``, else the oldest YugabyteDB, else PostgreSQL 11."""
        if self.target:
            kind, _, version = self.target.partition(" ")
            return parse_target_version(check_target_type(kind), version.strip() or None)
        if YUGABYTEDB in rule.targets:
            return YBVersion.parse(OLDEST_TARGET)
        return parse_target_version("postgresql", str(OLDEST_POSTGRESQL))

    @property
    def id(self) -> str:
        where = f"@{self.target.replace(' ', '-')}" if self.target else ""
        return f"{self.code}-{'fail' if self.expect_issue else 'pass'}{self.index}{where}"

    def run(self, rule: type[Rule]) -> list[str]:
        """Analyse the script with ``rule`` alone; the codes reported (failed rules included)."""
        analyzer = Analyzer([rule], self.target_for(rule), self.export_findings)
        self.result = analyzer.analyse_sql(self.sql)
        return [i.rule_code for i in self.result.issues] + [
            f"FAILED:{f.rule_code}" for f in self.result.failed_rules
        ]

    def check(self, rule: type[Rule]) -> bool:
        codes = self.run(rule)
        if any(c.startswith("FAILED:") for c in codes):
            return False
        return (self.code in codes) == self.expect_issue

    def explain(self) -> str:
        issues = self.result.issues if self.result else []
        failed = self.result.failed_rules if self.result else []
        want = "an issue" if self.expect_issue else "no issue"
        return f"{self.source}: expected {want} from {self.code} for:\n{self.sql}\ngot issues {[i.reason for i in issues]} failed {failed}"


def _cases(
    code: str, spec: dict[str, Any], source: str, subst: dict[str, str] | None = None
) -> list[RuleCase]:
    out = []
    for expect, key in ((True, "fail"), (False, "pass")):
        for n, item in enumerate(spec.get(key) or (), 1):
            sql, findings, target = (
                (item.get("sql", ""), item.get("export_findings") or [], str(item.get("target") or ""))
                if isinstance(item, dict)
                else (item, [], "")
            )
            if subst:
                sql = sql.replace("{type}", subst["type"])
            out.append(RuleCase(code, expect, sql, source, n, list(findings), target=target))
    return out


def load_rule_cases(path: Path) -> list[RuleCase]:
    """Read one fixture file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases: list[RuleCase] = []
    for code, spec in data.items():
        if code == "_templates":
            for tpl in spec:
                for key, type_text in tpl["params"].items():
                    cases += _cases(tpl["rule"].format(key=key), tpl, path.name, {"type": str(type_text)})
        else:
            cases += _cases(str(code), spec, path.name)
    return cases
