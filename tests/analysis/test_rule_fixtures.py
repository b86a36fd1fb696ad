"""Every installed rule against its fixture DDL: positive cases must raise it, negative ones must not."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from transship.analysis.registry import installed_rules
from transship.analysis.testing import RuleCase, load_rule_cases
from transship.plugins import PluginHost

FIXTURES = Path(__file__).parent / "fixtures"
CASES: list[RuleCase] = [c for f in sorted(FIXTURES.glob("*.yaml")) for c in load_rule_cases(f)]
RULES = {r.rule.code: r.rule for r in installed_rules(PluginHost())}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_case(case: RuleCase) -> None:
    assert case.code in RULES, f"{case.source}: no installed rule {case.code}"
    assert case.check(RULES[case.code]), case.explain()


def test_every_rule_has_positive_and_negative_cases() -> None:
    seen: dict[str, set[bool]] = defaultdict(set)
    for case in CASES:
        seen[case.code].add(case.expect_issue)
    missing = sorted(code for code in RULES if seen[code] != {True, False})
    assert not missing, f"rules without both a fail and a pass fixture: {missing}"


def test_packs_are_installed() -> None:
    dists = {r.distribution for r in installed_rules(PluginHost())}
    assert {
        "transship",
        "transship-rules-yugabytedb",
        "transship-rules-hygiene",
        "transship-rules-example",
    } <= dists
