"""What a command works on: the tables of ``--table-list``/``--exclude-table-list`` (inline or from files) and
the object types of ``--object-type-list``/``--exclude-object-type-list``, one definition for every command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from transship.errors import ConfigError
from transship.identifiers import TablePattern, parse_table_list
from transship.schema_files import OBJECT_FILES, normalize_object_type


def table_patterns(p: dict[str, Any]) -> tuple[list[TablePattern], list[TablePattern]]:
    """``--table-list``/``--exclude-table-list`` (inline or from files) of a command's parameters, validated."""
    for inline, path in (
        ("table_list", "table_list_file_path"),
        ("exclude_table_list", "exclude_table_list_file_path"),
    ):
        if p.get(inline) and p.get(path):
            raise ConfigError(
                f"--{inline.replace('_', '-')} and --{path.replace('_', '-')} exclude each other",
                fix="pass only one",
            )

    def load(inline: str, path: str) -> list[TablePattern]:
        if p.get(path):
            try:
                return parse_table_list(Path(p[path]).read_text(encoding="utf-8"))
            except OSError as exc:
                raise ConfigError(
                    f"cannot read {p[path]}: {exc.strerror}", fix=f"check --{path.replace('_', '-')}"
                ) from None
        return parse_table_list(p.get(inline))

    return load("table_list", "table_list_file_path"), load(
        "exclude_table_list", "exclude_table_list_file_path"
    )


def make_filter(include: list[TablePattern], exclude: list[TablePattern]) -> Callable[[str, str], bool]:
    """``accept(schema, name)``: in ``include`` (when given) and not in ``exclude``."""

    def accept(schema: str, name: str) -> bool:
        if include and not any(pat.matches(schema, name) for pat in include):
            return False
        return not any(pat.matches(schema, name) for pat in exclude)

    return accept


def check_patterns_matched(include: list[TablePattern], tables: list[tuple[str, str]], where: str) -> None:
    """A ``--table-list`` name that matches none of ``tables`` is an error (a typo never exports nothing)."""
    unmatched = [pat.text for pat in include if not any(pat.matches(s, n) for s, n in tables)]
    if unmatched:
        raise ConfigError(
            f"--table-list names tables not found in {where}: {', '.join(unmatched)}",
            fix='check the names (unquoted names match case-insensitively; use "Name" for exact case)',
        )


def object_type_list(text: str | None, flag: str) -> list[str] | None:
    """``--object-type-list``/``--exclude-object-type-list``: voyager's object type names, normalised (None: not given)."""
    if not text:
        return None
    out = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            out.append(normalize_object_type(item))
        except KeyError:
            raise ConfigError(
                f"unknown object type '{item.strip()}' in {flag}",
                fix=f"use some of: {', '.join(t for t in OBJECT_FILES if t != 'UNCATEGORIZED')}",
            ) from None
    return out
