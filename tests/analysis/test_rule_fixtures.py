"""Every installed rule against its fixture DDL: positive cases must raise it, negative ones must not."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.example_pack import EXAMPLE_DIST, with_example
from transship.analysis.registry import installed_rules
from transship.analysis.testing import RuleCase, load_rule_cases
from transship.plugins import PluginHost

FIXTURES = Path(__file__).parent / "fixtures"
CASES: list[RuleCase] = [c for f in sorted(FIXTURES.glob("*.yaml")) for c in load_rule_cases(f)]
# the installed packs and the example pack (registered, never installed: tests/example_pack.py)
RULES = {r.rule.code: r.rule for r in installed_rules(with_example())}


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
    assert {"transship", "transship-rules-yugabytedb", "transship-rules-hygiene"} <= dists
    assert EXAMPLE_DIST not in dists, "scripts/install.sh must not install the example pack"
    assert EXAMPLE_DIST in {r.distribution for r in installed_rules(with_example())}


def test_a_users_venv_has_no_example_pack() -> None:
    """A fresh process on the venv scripts/install.sh made: no example distribution, plugin or rule."""
    import subprocess
    import sys

    code = (
        "import importlib.metadata as md, json\n"
        "from transship.plugins import PluginHost\n"
        "from transship.analysis.registry import installed_rules\n"
        "host = PluginHost()\n"
        "try:\n    md.distribution('transship-rules-example'); dist = True\n"
        "except md.PackageNotFoundError:\n    dist = False\n"
        "print(json.dumps([dist, sorted({i.distribution for i in host.infos.values()}),"
        " sorted({r.distribution for r in installed_rules(host)})]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    import json

    installed, plugins, rule_dists = json.loads(out)
    assert not installed and EXAMPLE_DIST not in plugins and EXAMPLE_DIST not in rule_dists, out
    assert "transship-rules-yugabytedb" in plugins, out
    script = (Path(__file__).parents[2] / "scripts" / "install.sh").read_text(encoding="utf-8")
    assert "EXAMPLE_PACK=plugins/rules-example" in script and '!= "$EXAMPLE_PACK"' in script
