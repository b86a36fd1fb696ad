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
where ``{type}`` in the scripts is replaced by each param value.

Object kinds: a case mapping may also say in which kind of object the construct sits and what the issue
must name — ``{sql: ..., kind: index, object_type: INDEX, object_name: "i ON public.t", count: 1}``. A
case with a ``kind`` must raise the rule exactly ``count`` times (default 1), each issue with that object
type and name. A file's ``_kinds`` section holds templates that embed a fragment ``{x}`` in an object::

    _kinds:
      view.expr: {sql: "CREATE VIEW public.v AS SELECT {x} AS x FROM public.t;", object_type: VIEW, object_name: public.v}

and a rule's ``in`` blocks put fragments into kinds (one fail/pass case per kind and fragment)::

    JSON_TYPE_PREDICATE:
      in:
        - kinds: [view.expr, table.check]
          fail: ["c IS JSON"]
          pass: ["c IS NOT NULL"]

The object kind of ``view.expr`` is ``view`` (the part before the dot). Other keys starting with ``_`` are
ignored (lists of kinds shared through YAML anchors); ``_kinds_from: [other.yaml]`` also uses the kinds of
other files of the folder. A rule pack's whole test is then::

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
    kind: str | None = None
    """Where the construct sits (``view.expr``, ``plpgsql_function.stmt`` ...); see :attr:`object_kind`."""
    object_type: str | None = None
    """The object type each issue must have (fail cases)."""
    object_name: str | None = None
    """The object name each issue must have (fail cases)."""
    count: int | None = None
    """How many issues the rule must raise (fail cases; default 1 when ``kind`` is set)."""
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
        where = f"{self.kind}-" if self.kind else ""
        on = f"@{self.target.replace(' ', '-')}" if self.target else ""
        return f"{self.code}-{where}{'fail' if self.expect_issue else 'pass'}{self.index}{on}"

    @property
    def object_kind(self) -> str | None:
        """The kind of object: ``view`` for ``view.expr``."""
        return self.kind.split(".", 1)[0] if self.kind else None

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
        if not self.expect_issue or self.result is None:
            return self.code not in codes
        issues = [i for i in self.result.issues if i.rule_code == self.code]
        count = self.count if self.count is not None else (1 if self.kind else None)
        if count is None and not issues:
            return False
        if count is not None and len(issues) != count:
            return False
        return all(
            (self.object_type is None or i.object_type == self.object_type)
            and (self.object_name is None or i.object_name == self.object_name)
            for i in issues
        )

    def explain(self) -> str:
        issues = self.result.issues if self.result else []
        failed = self.result.failed_rules if self.result else []
        want = "an issue" if self.expect_issue else "no issue"
        if self.expect_issue and (self.kind or self.object_type or self.object_name or self.count):
            count = self.count if self.count is not None else (1 if self.kind else "some")
            want = f"{count} issue(s) on {self.object_type or '*'} {self.object_name or '*'}"
        got = [(i.object_type, i.object_name, i.reason) for i in issues]
        return f"{self.source}: expected {want} from {self.code} for:\n{self.sql}\ngot issues {got} failed {failed}"


_CASE_KEYS = ("kind", "object_type", "object_name", "count", "target")


def _cases(
    code: str, spec: dict[str, Any], source: str, subst: dict[str, str] | None = None
) -> list[RuleCase]:
    out = []
    for expect, key in ((True, "fail"), (False, "pass")):
        for n, item in enumerate(spec.get(key) or (), 1):
            extra: dict[str, Any] = {}
            if isinstance(item, dict):
                sql, findings = item.get("sql", ""), item.get("export_findings") or []
                extra = {k: item[k] for k in _CASE_KEYS if item.get(k) is not None}
            else:
                sql, findings = item, []
            if subst:
                sql = sql.replace("{type}", subst["type"])
            out.append(RuleCase(code, expect, sql, source, n, list(findings), **extra))
    return out


def _kind_cases(
    code: str, blocks: list[dict[str, Any]], kinds: dict[str, Any], source: str
) -> list[RuleCase]:
    """The cases of a rule's ``in`` blocks: each fragment put into each kind's template."""
    out: list[RuleCase] = []
    numbers: dict[tuple[str, bool], int] = {}
    for block in blocks:
        for kind in block["kinds"]:
            if kind not in kinds:
                raise ValueError(f"{source}: {code} uses kind {kind!r}, which _kinds does not define")
            tpl = kinds[kind]
            for expect, key in ((True, "fail"), (False, "pass")):
                for fragment in block.get(key) or ():
                    n = numbers[(kind, expect)] = numbers.get((kind, expect), 0) + 1
                    expected = {k: block.get(k, tpl.get(k)) for k in ("object_type", "object_name", "count")}
                    out.append(
                        RuleCase(
                            code, expect, str(tpl["sql"]).replace("{x}", str(fragment)), source, n,
                            kind=kind, **{k: v for k, v in expected.items() if v is not None},
                        )
                    )  # fmt: skip
    return out


def load_rule_cases(path: Path) -> list[RuleCase]:
    """Read one fixture file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kinds: dict[str, Any] = {}
    for other in data.get("_kinds_from") or ():  # kinds defined in other fixture files of the folder
        kinds.update(yaml.safe_load((path.parent / other).read_text(encoding="utf-8")).get("_kinds") or {})
    kinds.update(data.get("_kinds") or {})
    cases: list[RuleCase] = []
    for code, spec in data.items():
        if code == "_kinds" or (str(code).startswith("_") and code != "_templates"):
            continue  # kind templates, and lists shared through YAML anchors
        if code == "_templates":
            for tpl in spec:
                for key, type_text in tpl["params"].items():
                    cases += _cases(tpl["rule"].format(key=key), tpl, path.name, {"type": str(type_text)})
        else:
            cases += _cases(str(code), spec, path.name)
            cases += _kind_cases(str(code), spec.get("in") or [], kinds, path.name)
    return cases
