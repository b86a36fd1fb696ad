"""Entry point ``hygiene`` of group ``transship``."""

from __future__ import annotations

from typing import Any

from transship.sdk import hookimpl


@hookimpl
def transship_analysis_rules() -> list[type[Any]]:
    from transship_rules_hygiene.rules import RULES

    return list(RULES)
