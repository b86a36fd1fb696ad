"""The base class of analysis rules (sqlfluff-shaped).

A rule is a class: ``code``, dotted ``name``, ``groups``, a docstring whose first line is its description,
``impact``, ``category``, ``suggestion``, ``docs_link`` and, when a target release fixed the limitation,
``minimum_versions_fixed_in`` (series -> first fixed version), and ``targets``: the target types
(``postgresql``, ``yugabytedb``) the rule applies to, with ``postgresql_since`` for a construct PostgreSQL
only has from that version on (the rule applies to older PostgreSQL targets only). ``check()`` is called for every parsed
statement and yields :class:`~transship.analysis.model.Finding`; ``check_schema()`` runs once after all
statements for rules that need the whole schema (e.g. foreign keys without an index).

Example::

    class Rule_ACME_TB01(Rule):
        \"\"\"Table name longer than 30 characters.\"\"\"

        name = "acme.long_table_name"
        groups = ("all", "acme")
        suggestion = "Rename the table."

        def check(self, stmt, ctx):
            if isinstance(stmt.node, ast.CreateStmt) and len(stmt.node.relation.relname) > 30:
                yield Finding(f"table name {stmt.object_name} is too long")
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from transship.analysis.model import Category, Finding, Impact
from transship.analysis.version import POSTGRESQL, TARGET_TYPES, PGVersion, TargetVersion
from transship.errors import ConfigError

if TYPE_CHECKING:
    from transship.analysis.context import AnalysisContext
    from transship.analysis.statement import AnalysedStatement

_CLASS_NAME = re.compile(r"^Rule_([A-Za-z0-9_]+)$")
_RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


class RuleDefinitionError(TypeError):
    """A rule class is missing required metadata (raised when the class is defined)."""


class Rule:
    """Base class of every analysis rule. Subclass it, set the metadata, implement ``check``."""

    code: ClassVar[str] = ""
    """Unique code, e.g. ``UNLOGGED_TABLES``; default: the class name after ``Rule_``."""
    name: ClassVar[str] = ""
    """Dotted lower-case name, ``<pack>.<rule>``."""
    groups: ClassVar[tuple[str, ...]] = ("all",)
    """Groups for ``--rules``/``--exclude-rules``; ``"all"`` is always added."""
    description: ClassVar[str] = ""
    """First line of the docstring (derived)."""
    impact: ClassVar[Impact] = Impact.LEVEL_1
    category: ClassVar[str] = Category.UNSUPPORTED_FEATURES
    suggestion: ClassVar[str] = ""
    docs_link: ClassVar[str] = ""
    gh: ClassVar[str] = ""
    """A GitHub issue tracking the limitation."""
    minimum_versions_fixed_in: ClassVar[dict[str, str]] = {}
    """Release series -> first target version without the limitation (``{"2.25": "2.25.0.0"}``)."""
    targets: ClassVar[frozenset[str]] = TARGET_TYPES
    """The target types (``--target-db-type``) the rule applies to: ``postgresql``, ``yugabytedb`` (default both).
    Rules for other targets are not run."""
    postgresql_since: ClassVar[str] = ""
    """On a ``postgresql`` target: the PostgreSQL version that added the construct (``"17"``); the rule then
    applies only to older PostgreSQL targets. Empty: every PostgreSQL version (when ``postgresql`` is a target)."""
    parsed_only: ClassVar[bool] = True
    """Only statements that parsed are checked; ``False`` also feeds unparsed ones (``stmt.node`` is None)."""
    scan_bodies: ClassVar[bool] = False
    """Also check the SQL statements inside function and procedure bodies."""
    order: ClassVar[int] = 0
    """Rules run in ascending order on each statement (the syntax rule runs last)."""
    abstract: ClassVar[bool] = False
    """Base classes shared by several rules set this; they are not validated or listed."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        if not cls.__dict__.get("code"):
            m = _CLASS_NAME.match(cls.__name__)
            if not m:
                raise RuleDefinitionError(
                    f"rule class {cls.__qualname__} needs a 'code' or a name like Rule_XY01"
                )
            cls.code = m.group(1)
        doc = (cls.__dict__.get("__doc__") or "").strip()
        if not doc:
            raise RuleDefinitionError(
                f"rule {cls.code} ({cls.__qualname__}) needs a docstring: its first line is the description"
            )
        cls.description = doc.splitlines()[0].strip()
        if not _RULE_NAME.match(cls.name or ""):
            raise RuleDefinitionError(
                f"rule {cls.code}: name {cls.name!r} must be dotted lower case, like 'pack.rule_name'"
            )
        if "all" not in cls.groups:
            cls.groups = ("all", *cls.groups)
        cls.impact = Impact(cls.impact)
        targets = frozenset(cls.targets)
        if not targets or not targets <= TARGET_TYPES:
            raise RuleDefinitionError(
                f"rule {cls.code}: targets {sorted(targets)} must be a non-empty set of {sorted(TARGET_TYPES)}"
            )
        cls.targets = targets
        if cls.postgresql_since:
            try:
                PGVersion.parse(cls.postgresql_since)
            except ConfigError:
                raise RuleDefinitionError(
                    f"rule {cls.code}: postgresql_since {cls.postgresql_since!r} is not a PostgreSQL version like '15'"
                ) from None

    @classmethod
    def applies_to(cls, target_type: str, target_version: TargetVersion | None = None) -> bool:
        """True when the rule is run for a target of this type and version."""
        if target_type not in cls.targets:
            return False
        if target_type == POSTGRESQL and cls.postgresql_since and isinstance(target_version, PGVersion):
            return target_version < PGVersion.parse(cls.postgresql_since)
        return True

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        """Findings for one statement. Default: none."""
        return ()

    def check_schema(self, ctx: AnalysisContext) -> Iterable[Finding]:
        """Findings that need the whole schema; runs once after every statement was checked. Default: none."""
        return ()

    @classmethod
    def info(cls) -> dict[str, object]:
        """The rule's metadata as a plain dict (``transship rules --output-format json``, the catalogue)."""
        return {
            "code": cls.code,
            "name": cls.name,
            "groups": list(cls.groups),
            "description": cls.description,
            "impact": str(cls.impact),
            "category": cls.category,
            "suggestion": cls.suggestion,
            "docs_link": cls.docs_link,
            "gh": cls.gh,
            "minimum_versions_fixed_in": dict(cls.minimum_versions_fixed_in),
            "targets": sorted(cls.targets),
            "postgresql_since": cls.postgresql_since,
        }


def constraint_object(table: str, constraint: str | None) -> str:
    """voyager's object name for a constraint issue: ``"<table>, constraint: (<name>)"``."""
    return f"{table}, constraint: ({constraint})" if constraint else table
