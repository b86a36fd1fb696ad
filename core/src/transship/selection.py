"""What a command works on: the tables of ``--table-list``/``--exclude-table-list`` (inline or from files) and
the object types of ``--object-type-list``/``--exclude-object-type-list``, one definition for every command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from transship.errors import ConfigError
from transship.identifiers import TablePattern, parse_table_list
from transship.schema_files import OBJECT_FILES, normalize_object_type

if TYPE_CHECKING:
    from transship.steps.options import TableFilters


def table_patterns(o: TableFilters) -> tuple[list[TablePattern], list[TablePattern]]:
    """``--table-list``/``--exclude-table-list`` (inline or from files) of a step's options, validated."""
    for inline, path in (
        ("table_list", "table_list_file_path"),
        ("exclude_table_list", "exclude_table_list_file_path"),
    ):
        if getattr(o, inline) and getattr(o, path):
            raise ConfigError(
                f"--{inline.replace('_', '-')} and --{path.replace('_', '-')} exclude each other",
                fix="pass only one",
            )

    def load(items: list[str], path: str | None, flag: str) -> list[TablePattern]:
        if path:
            try:
                return parse_table_list(Path(path).read_text(encoding="utf-8"))
            except OSError as exc:
                raise ConfigError(f"cannot read {path}: {exc.strerror}", fix=f"check {flag}") from None
        return [pattern for item in items for pattern in parse_table_list(item)]

    return (
        load(o.table_list, o.table_list_file_path, "--table-list-file-path"),
        load(o.exclude_table_list, o.exclude_table_list_file_path, "--exclude-table-list-file-path"),
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


def object_type_list(items: list[str], flag: str) -> list[str] | None:
    """``--object-type-list``/``--exclude-object-type-list``: voyager's object type names, normalised (None: not
    given). Each item is a type or a comma list of them."""
    if not items:
        return None
    out = []
    for item in ",".join(items).split(","):
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
