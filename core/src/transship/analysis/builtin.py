"""Core's built-in analysis plugin (rules that ship with core)."""

from __future__ import annotations

from typing import Any

from transship import hookimpl


@hookimpl
def transship_analysis_rules() -> list[type[Any]]:
    return []
