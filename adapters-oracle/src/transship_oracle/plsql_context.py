"""What the PL/SQL converter passes around: the schema :class:`Context` and converted :class:`Piece` s."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Context:
    """What the converter knows about the schema: routine names, user types, tables."""

    schema: str
    procedures: set[str] = field(default_factory=set)  # Oracle names (upper case)
    functions: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)  # Oracle type name -> PostgreSQL name
    packages: dict[str, set[str]] = field(default_factory=dict)  # package -> member names
    disabled_triggers: set[str] = field(default_factory=set)
    column_types: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> target type


@dataclass
class Piece:
    """A converted fragment and the problems found in it."""

    text: str
    problems: list[str] = field(default_factory=list)
