"""``--rules`` / ``--exclude-rules``: pick rules by code, name or group, with fnmatch globs."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from transship.analysis.rule import Rule
from transship.errors import ConfigError


def parse_patterns(text: str | None) -> list[str]:
    """``"a, b*"`` -> ``["a", "b*"]``."""
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def matches(rule: type[Rule], pattern: str) -> bool:
    """True when ``pattern`` matches the rule's code, name or one of its groups (case-insensitive)."""
    pat = pattern.lower()
    return any(fnmatchcase(value.lower(), pat) for value in (rule.code, rule.name, *rule.groups))


def select_rules(rules: Iterable[type[Rule]], include: list[str], exclude: list[str]) -> list[type[Rule]]:
    """The rules ``include`` selects (all when empty) minus those ``exclude`` selects.

    A pattern that matches no installed rule is an error: it is almost always a typo.
    """
    pool = list(rules)
    for flag, patterns in (("--rules", include), ("--exclude-rules", exclude)):
        for pat in patterns:
            if not any(matches(r, pat) for r in pool):
                raise ConfigError(
                    f"{flag} {pat!r} matches no installed rule code, name or group",
                    fix="run 'transship rules' to list the installed rules",
                )
    chosen = [r for r in pool if not include or any(matches(r, p) for p in include)]
    return [r for r in chosen if not any(matches(r, p) for p in exclude)]
