"""One example of every voyager issue type: each reported exactly once, and fixed ones hidden on new targets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from transship.analysis import Analyzer, YBVersion, is_fixed_in
from transship.analysis.registry import installed_rules
from transship.plugins import PluginHost

SCHEMA = Path(__file__).parent / "fixtures" / "all_voyager_issues.sql"


@pytest.fixture(scope="module")
def yb_rules() -> list[type]:
    return [
        r.rule
        for r in installed_rules(PluginHost())
        if r.distribution in ("transship-rules-yugabytedb", "transship")
    ]


def _counts(rules: list[type], version: str) -> Counter[str]:
    result = Analyzer(rules, YBVersion.parse(version)).analyse_sql(
        SCHEMA.read_text(encoding="utf-8"), path=SCHEMA
    )
    assert not result.failed_rules, result.failed_rules
    return Counter(i.rule_code for i in result.issues)


def test_each_issue_type_reported_exactly_once(yb_rules: list[type]) -> None:
    counts = _counts(yb_rules, "2.20.0.0")
    expected = {r.code for r in yb_rules}
    assert set(counts) == expected, {
        "missing": sorted(expected - set(counts)),
        "unexpected": sorted(set(counts) - expected),
    }
    assert {code: n for code, n in counts.items() if n != 1} == {}
    assert len(expected) > 150


@pytest.mark.parametrize("version", ["2024.2.0.0", "2025.1.0.0", "2.25.1.0"])
def test_fixed_issues_are_hidden_on_fixing_release(yb_rules: list[type], version: str) -> None:
    counts = _counts(yb_rules, version)
    target = YBVersion.parse(version)
    fixed = {r.code for r in yb_rules if is_fixed_in(r.minimum_versions_fixed_in, target)}
    assert fixed, f"no rule is fixed in {version}"
    assert not fixed & set(counts)
    assert set(counts) == {r.code for r in yb_rules} - fixed


def test_fixed_in_examples() -> None:
    assert is_fixed_in({"2024.2": "2024.2.0.0"}, YBVersion.parse("2024.2.1.0"))
    assert not is_fixed_in({"2024.2": "2024.2.1.0"}, YBVersion.parse("2024.2.0.0"))
    assert not is_fixed_in({"2.25": "2.25.0.0", "2025.1": "2025.1.0.0"}, YBVersion.parse("2024.2.3.0"))
    assert is_fixed_in(
        {"2.25": "2.25.0.0", "2025.1": "2025.1.0.0"}, YBVersion.parse("2025.2")
    )  # later stable series
    assert not is_fixed_in({"2025.1": "2025.1.0.0"}, YBVersion.parse("2.27.0.0"))  # other track
    assert not is_fixed_in({}, YBVersion.parse("2099.1"))
