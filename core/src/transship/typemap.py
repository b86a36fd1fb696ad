"""Declarative type mapping: source column types -> PostgreSQL types, as data.

A mapping is a list of :class:`TypeRule` records. For each column the first rule that matches wins;
rules from the config file come before an adapter's built-in rules, and a plugin implementing the
``transship_map_type`` hook comes before both. A rule matches on the source base type and, optionally,
the typemod text, signedness, precision/scale ranges, the column default, the "extra" information
(``auto_increment``, ``on update ...``, ``VIRTUAL GENERATED``) and a ``table.column`` glob.

Config file syntax (top-level ``type-mapping:`` section)::

    type-mapping:
      plain-generated-columns: ["orders.total"]   # MySQL: load the source's values, no GENERATED on the target
      rules:
        - source: [year]                 # or a single name: source: year
          target: integer
        - column: "orders.amount"        # one column (glob on table.column, case-insensitive)
          target: numeric(12,2)
        - adapter: mysql                 # only for this adapter
          source: [tinyint]
          typemod: "1"
          target: smallint
          note: kept numeric on purpose

Adapters put the source's extra information text (MySQL ``information_schema.columns.extra``) into
``column.extra["source_extra"]``; an auto-increment column also matches the word ``auto_increment``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from transship.catalog import Column, Table
from transship.errors import ConfigError

NO_MATCH_RULE = "none"
PLUGIN_RULE = "plugin"


@dataclass(frozen=True)
class TypeRule:
    """One mapping rule. ``note`` set means the mapping is lossy or guessed and is reported."""

    name: str  # dotted, e.g. "mysql.tinyint1_to_boolean"
    source: tuple[str, ...]  # lower-case base type names this rule matches; ("*",) = any
    target: str  # PostgreSQL type; placeholders {length} {precision} {scale} {typemod}
    unsigned: bool | None = None
    typemod: str | None = None  # exact typemod text, e.g. "1"
    precision: tuple[int | None, int | None] | None = None  # inclusive range, None = open
    scale: tuple[int | None, int | None] | None = None
    default: str | None = None  # regex on the source default text
    extra: str | None = None  # regex on extra info (auto_increment, on update ..., VIRTUAL GENERATED)
    column: str | None = None  # glob on "table.column" (per-column rules)
    transform: str | None = None  # name of the value transform the dumper applies
    drop_default: bool = False
    drop_not_null: bool = False
    note: str | None = None  # set => lossy or guessed mapping: shown in the analysis report

    def matches(self, table: Table, column: Column, stype: SourceType) -> bool:
        """Whether this rule applies to ``column`` of ``table`` whose parsed type is ``stype``."""
        if "*" not in self.source and stype.base.lower() not in self.source:
            return False
        if self.unsigned is not None and self.unsigned != stype.unsigned:
            return False
        if self.typemod is not None and (stype.typemod or "").replace(" ", "") != self.typemod.replace(
            " ", ""
        ):
            return False
        if self.precision is not None and not _in_range(stype.precision, self.precision):
            return False
        if self.scale is not None and not _in_range(stype.scale, self.scale):
            return False
        if self.default is not None and (
            column.default is None or not re.search(self.default, column.default, re.I)
        ):
            return False
        if self.extra is not None and not re.search(self.extra, _extra_text(column), re.I):
            return False
        if self.column is not None:
            key = f"{table.name}.{column.name}".lower()
            if not fnmatch.fnmatchcase(key, self.column.lower()):
                return False
        return True

    def render_target(self, stype: SourceType) -> str:
        """The target type with its placeholders filled; a parenthesised group with a missing value is dropped."""
        values = {
            "length": stype.length,
            "precision": stype.precision,
            "scale": stype.scale,
            "typemod": stype.typemod,
        }
        text = self.target
        for key, value in values.items():
            text = text.replace("{" + key + "}", "\0" if value is None else str(value))
        text = re.sub(r"\s*\([^()]*\0[^()]*\)", "", text)
        return text.replace("\0", "")


@dataclass
class SourceType:
    """A source column type taken apart: ``int(10) unsigned`` -> base ``int``, typemod ``10``, unsigned."""

    raw: str
    base: str
    typemod: str | None = None
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    unsigned: bool = False


@dataclass
class MappingResult:
    """What mapping chose for one column, and which rule fired."""

    target_type: str
    rule: str
    transform: str | None
    drop_default: bool
    drop_not_null: bool
    note: str | None
    extra: dict[str, Any] = field(default_factory=dict)


def _in_range(value: int | None, bounds: tuple[int | None, int | None]) -> bool:
    if value is None:
        return False
    lo, hi = bounds
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _extra_text(column: Column) -> str:
    text = str(column.extra.get("source_extra") or "")
    if column.auto_increment and "auto_increment" not in text.lower():
        text = f"{text} auto_increment".strip()
    return text


class TypeMapper:
    """Maps columns with plugin hook -> user rules -> built-in rules; first match wins.

    :param adapter: the adapter name (rules from the config file may be scoped to it).
    :param builtin_rules: the adapter's default rules, in priority order.
    :param user_rules: rules from the config file (already filtered to this adapter).
    """

    def __init__(
        self, adapter: str, builtin_rules: Sequence[TypeRule], user_rules: Sequence[TypeRule] = ()
    ) -> None:
        self.adapter = adapter
        self.builtin_rules = list(builtin_rules)
        self.user_rules = list(user_rules)

    @classmethod
    def from_config(
        cls, adapter: str, builtin_rules: Sequence[TypeRule], config_section: dict[str, Any] | None
    ) -> TypeMapper:
        """Build a mapper from the config file's ``type-mapping:`` section (``None`` = no user rules)."""
        return cls(adapter, builtin_rules, parse_rules(config_section, adapter))

    def find_rule(self, table: Table, column: Column, stype: SourceType) -> TypeRule | None:
        """The first user or built-in rule that matches (the plugin hook is not consulted)."""
        for rule in (*self.user_rules, *self.builtin_rules):
            if rule.matches(table, column, stype):
                return rule
        return None

    def map(self, table: Table, column: Column, stype: SourceType) -> MappingResult:
        """Choose the target type of ``column`` and record it on the column (target_type, mapping_rule,
        mapping_note, transform). No matching rule keeps the source type text, with a note."""
        result = self._plugin_result(table, column, stype) or self._rule_result(table, column, stype)
        column.target_type = result.target_type
        column.mapping_rule = result.rule
        column.mapping_note = result.note
        column.transform = result.transform
        return result

    def _rule_result(self, table: Table, column: Column, stype: SourceType) -> MappingResult:
        rule = self.find_rule(table, column, stype)
        if rule is None:
            return MappingResult(
                stype.raw, NO_MATCH_RULE, None, False, False,
                f"no mapping rule matched source type '{stype.raw}'; kept as written (add a type-mapping rule)",
            )  # fmt: skip
        return MappingResult(
            rule.render_target(stype),
            rule.name,
            rule.transform,
            rule.drop_default,
            rule.drop_not_null,
            rule.note,
        )

    def _plugin_result(self, table: Table, column: Column, stype: SourceType) -> MappingResult | None:
        from transship.plugins import get_host

        hook = get_host().pm.hook.transship_map_type
        chosen = hook(column=column, table=table, source_type=stype.base.lower(), adapter=self.adapter)
        if not chosen:
            return None
        base = self._rule_result(table, column, stype)
        same = base.target_type.lower() == str(chosen).lower()
        return MappingResult(
            str(chosen), PLUGIN_RULE, base.transform if same else None,
            base.drop_default if same else False, base.drop_not_null if same else False,
            None if same else f"type chosen by a transship_map_type plugin (built-in rule {base.rule} would give {base.target_type})",
        )  # fmt: skip


_RULE_FIELDS = {f.name for f in fields(TypeRule)}
_RANGE_FIELDS = ("precision", "scale")


PLAIN_GENERATED_KEY = "plain-generated-columns"
SECTION_KEYS = ("rules", PLAIN_GENERATED_KEY)


def column_globs(section: dict[str, Any] | None, key: str) -> list[str]:
    """The ``table.column`` globs listed under ``key`` of a ``type-mapping:`` section (``"*"`` = every column).

    Globs match case-insensitively on the target names, as a rule's ``column:`` does; ConfigError names a bad entry.
    """
    value = (section or {}).get(key)
    if value is None:
        return []
    fix = f'write {key}: ["orders.total", "audit.*"] (table.column globs) or {key}: ["*"] for every column'
    if not isinstance(value, list):
        raise ConfigError(f"type-mapping.{key} must be a list of table.column names", fix=fix)
    for entry in value:
        if not isinstance(entry, str) or not (entry.strip() == "*" or "." in entry.strip().strip(".")):
            raise ConfigError(f"type-mapping.{key} entry {entry!r} is not a table.column name", fix=fix)
    return [entry.strip() for entry in value]


def parse_rules(section: dict[str, Any] | None, adapter: str) -> list[TypeRule]:
    """Rules of a ``type-mapping:`` config section that apply to ``adapter``; ConfigError names a bad entry."""
    if not section:
        return []
    if not isinstance(section, dict):
        raise ConfigError(
            "type-mapping must be a mapping with a 'rules:' list", fix="see docs/type-mapping-mysql.md"
        )
    unknown = set(section) - set(SECTION_KEYS)
    if unknown:
        raise ConfigError(
            f"type-mapping has unknown keys: {', '.join(sorted(unknown))}",
            fix=f"only {', '.join(k + ':' for k in SECTION_KEYS)} are accepted",
        )
    # validated here; read by the adapters whose sources have generated columns (MySQL)
    column_globs(section, PLAIN_GENERATED_KEY)
    entries = section.get("rules") or []
    if not isinstance(entries, list):
        raise ConfigError(
            "type-mapping.rules must be a list of rules",
            fix="write each rule as a '- source: ... target: ...' item",
        )
    out: list[TypeRule] = []
    for i, entry in enumerate(entries, 1):
        where = f"type-mapping rule #{i}"
        if not isinstance(entry, dict):
            raise ConfigError(
                f"{where} is not a mapping", fix="write it as keys, e.g. source: year, target: integer"
            )
        entry = dict(entry)
        scope = entry.pop("adapter", None)
        rule = _parse_rule(entry, where, i)
        if scope is None or str(scope).lower() == adapter:
            out.append(rule)
    return out


def _parse_rule(entry: dict[str, Any], where: str, index: int) -> TypeRule:
    bad = set(entry) - _RULE_FIELDS
    if bad:
        raise ConfigError(
            f"{where} has unknown keys: {', '.join(sorted(bad))}",
            fix=f"use only: adapter, {', '.join(sorted(_RULE_FIELDS))}",
        )
    if not entry.get("target") or not isinstance(entry["target"], str):
        raise ConfigError(f"{where} has no 'target' type", fix="add target: <PostgreSQL type>")
    source = entry.get("source")
    if source is None:
        if not entry.get("column"):
            raise ConfigError(
                f"{where} needs 'source' (type names) or 'column' (table.column glob)",
                fix="add source: [int] or column: t.c",
            )
        source = ["*"]
    if isinstance(source, str):
        source = [source]
    if not isinstance(source, list) or not all(isinstance(s, str) and s.strip() for s in source):
        raise ConfigError(
            f"{where}: 'source' must be a type name or a list of them", fix="e.g. source: [tinyint, smallint]"
        )
    kwargs: dict[str, Any] = {k: v for k, v in entry.items() if k not in ("source",)}
    kwargs["source"] = tuple(s.strip().lower() for s in source)
    kwargs.setdefault("name", f"user.rule{index}")
    for key in _RANGE_FIELDS:
        if key in kwargs and kwargs[key] is not None:
            value = kwargs[key]
            if isinstance(value, int):
                value = [value, value]
            if not (
                isinstance(value, list)
                and len(value) == 2
                and all(v is None or isinstance(v, int) for v in value)
            ):
                raise ConfigError(
                    f"{where}: '{key}' must be [min, max] (null for open)", fix=f"e.g. {key}: [1, 9]"
                )
            kwargs[key] = (value[0], value[1])
    for key in ("default", "extra"):
        if kwargs.get(key) is not None:
            try:
                re.compile(str(kwargs[key]))
            except re.error as exc:
                raise ConfigError(
                    f"{where}: '{key}' is not a valid regular expression: {exc}", fix="fix the pattern"
                ) from None
    for key in ("typemod", "default", "extra", "column", "transform", "note", "name"):
        if kwargs.get(key) is not None:
            kwargs[key] = str(kwargs[key])
    for key in ("drop_default", "drop_not_null"):
        if key in kwargs and not isinstance(kwargs[key], bool):
            raise ConfigError(f"{where}: '{key}' must be true or false", fix=f"{key}: true")
    if "unsigned" in kwargs and kwargs["unsigned"] is not None and not isinstance(kwargs["unsigned"], bool):
        raise ConfigError(f"{where}: 'unsigned' must be true or false", fix="unsigned: true")
    return TypeRule(**kwargs)
