"""What rules produce (:class:`Finding`) and what the report holds (:class:`Issue`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Impact(enum.StrEnum):
    """How much work an issue causes (voyager's levels)."""

    LEVEL_1 = "LEVEL_1"
    """Schema-only change: edit the exported DDL and move on."""
    LEVEL_2 = "LEVEL_2"
    """The application's queries or code need a change."""
    LEVEL_3 = "LEVEL_3"
    """Significant: a feature must be redesigned or dropped."""


class Category:
    """Report categories (voyager's ``IssueType`` values)."""

    UNSUPPORTED_FEATURES = "unsupported_features"
    UNSUPPORTED_DATATYPES = "unsupported_datatypes"
    UNSUPPORTED_PLPGSQL_OBJECTS = "unsupported_plpgsql_objects"
    MIGRATION_CAVEATS = "migration_caveats"
    MIGRATION_HYGIENE = "migration_hygiene"
    CONVERSION_REVIEW = "conversion_review"


@dataclass
class Finding:
    """One problem a rule found. Empty fields are filled from the rule and the statement.

    :param reason: what is wrong, naming the column/constraint/function concerned.
    :param object_type: e.g. ``TABLE``; default: the type of the statement's object.
    :param object_name: e.g. ``public.film``; default: the statement's object name.
    :param sql: the SQL to show; default: the statement.
    :param suggestion: how to fix it; default: the rule's ``suggestion``.
    :param file, line: where it is; default: the statement's file and first line.
    :param links: extra URLs (GitHub issues, docs).
    :param statement: the :class:`~transship.analysis.statement.AnalysedStatement` the finding is about,
        for findings of ``check_schema`` (``check`` findings default to the statement checked).
    """

    reason: str
    object_type: str | None = None
    object_name: str | None = None
    sql: str | None = None
    suggestion: str | None = None
    file: str | None = None
    line: int | None = None
    links: list[str] = field(default_factory=list)
    statement: Any = field(default=None, repr=False)


@dataclass
class Issue:
    """A finding resolved against its rule and statement: one entry of the report."""

    rule_code: str
    rule_name: str
    category: str
    impact: str
    object_type: str
    object_name: str
    reason: str
    sql: str
    file: str
    line: int | None
    suggestion: str
    gh: str
    docs_link: str
    minimum_versions_fixed_in: dict[str, str]
    links: list[str] = field(default_factory=list)
    subject: tuple[str, str] = ("", "")
    """(object type, name) of the object the statement was about; counts it as "with issues"."""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.rule_code, self.object_name)


@dataclass
class FailedRule:
    """A rule that raised: reported, never a crash."""

    rule_code: str
    rule_name: str
    error: str
    file: str | None = None
    line: int | None = None
