"""Entry point ``yugabytedb`` of group ``transship``: registers the rule classes (imported on fetch)."""

from __future__ import annotations

from typing import Any

from transship.sdk import hookimpl


@hookimpl
def transship_analysis_rules() -> list[type[Any]]:
    from transship_rules_yugabytedb import datatypes, ddl, dml, legacy

    return [*ddl.RULES, *datatypes.RULES, *dml.RULES, *legacy.RULES]
