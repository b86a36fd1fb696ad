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
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

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


PLAIN_GENERATED_KEY = "plain-generated-columns"
SECTION_KEYS = ("rules", PLAIN_GENERATED_KEY)

# --- the ``type-mapping:`` section as pydantic models ------------------------------------------------------
# A failure found by a validator is a PydanticCustomError of type _PROBLEM whose context holds the ConfigError's
# message and fix; _config_error turns the first failure of a ValidationError into one ConfigError line.

_PROBLEM = "transship_config"


def _problem(message: str, fix: str, *, joiner: str = ": ") -> PydanticCustomError:
    """A validation failure that reads ``<place><joiner><message>`` (the place: ``type-mapping rule #2``)."""
    return PydanticCustomError(_PROBLEM, "{message}", {"message": message, "fix": fix, "joiner": joiner})


def _glob_list(value: Any, key: str) -> list[str]:
    """``value`` as a list of stripped ``table.column`` globs (``None`` = none)."""
    if value is None:
        return []
    fix = f'write {key}: ["orders.total", "audit.*"] (table.column globs) or {key}: ["*"] for every column'
    if not isinstance(value, list):
        raise _problem(f"type-mapping.{key} must be a list of table.column names", fix)
    for entry in value:
        if not isinstance(entry, str) or not (entry.strip() == "*" or "." in entry.strip().strip(".")):
            raise _problem(f"type-mapping.{key} entry {entry!r} is not a table.column name", fix)
    return [entry.strip() for entry in value]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


#: a free-text field: any scalar the YAML gives is taken as its text
_Text = Annotated[str | None, BeforeValidator(_text)]


class RuleEntry(BaseModel):
    """One item of ``type-mapping.rules``: the fields of :class:`TypeRule` and ``adapter:``, its scope.

    Fields are checked in this order; the first failure is the one reported.
    """

    model_config = ConfigDict(extra="forbid")

    target: str = Field(min_length=1)
    column: _Text = None  # before ``source``: a rule without source types needs it
    source: tuple[str, ...] = Field(default=("*",), validate_default=True)
    precision: tuple[int | None, int | None] | None = None
    scale: tuple[int | None, int | None] | None = None
    default: _Text = None
    extra: _Text = None
    drop_default: StrictBool = False
    drop_not_null: StrictBool = False
    unsigned: StrictBool | None = None
    typemod: _Text = None
    transform: _Text = None
    note: _Text = None
    name: _Text = None  # None: user.rule<number>
    adapter: _Text = None  # None: the rule applies to every adapter

    @field_validator("source", mode="before")
    @classmethod
    def _source_names(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == ("*",):  # absent: the rule selects columns by name only
            if not info.data.get("column"):
                raise _problem(
                    "needs 'source' (type names) or 'column' (table.column glob)",
                    "add source: [int] or column: t.c",
                    joiner=" ",
                )
            return ("*",)
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(s, str) and s.strip() for s in names):
            raise _problem(
                "'source' must be a type name or a list of them", "e.g. source: [tinyint, smallint]"
            )
        return tuple(s.strip().lower() for s in names)

    @field_validator("precision", "scale", mode="before")
    @classmethod
    def _range(cls, value: Any, info: ValidationInfo) -> Any:
        """An int ``v`` is ``[v, v]``; ``[min, max]`` with null for an open end."""

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        if value is None:
            return None
        if is_int(value):
            value = [value, value]
        if not (isinstance(value, list) and len(value) == 2 and all(v is None or is_int(v) for v in value)):
            key = info.field_name
            raise _problem(f"'{key}' must be [min, max] (null for open)", f"e.g. {key}: [1, 9]")
        return tuple(value)

    @field_validator("default", "extra")
    @classmethod
    def _regex(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise _problem(
                    f"'{info.field_name}' is not a valid regular expression: {exc}", "fix the pattern"
                ) from None
        return value

    def to_rule(self, number: int) -> TypeRule:
        """The :class:`TypeRule` of the rule numbered ``number`` (1-based) in the section."""
        values = self.model_dump(exclude={"adapter", "name"})
        return TypeRule(name=f"user.rule{number}" if self.name is None else self.name, **values)


class TypeMappingSection(BaseModel):
    """The ``type-mapping:`` section of the config file."""

    model_config = ConfigDict(extra="forbid")

    #: MySQL: generated columns loaded with the source's values (read by the adapter through column_globs)
    plain_generated_columns: list[str] = Field(default_factory=list, alias="plain-generated-columns")
    rules: list[RuleEntry] = Field(default_factory=list)

    @field_validator("plain_generated_columns", mode="before")
    @classmethod
    def _globs(cls, value: Any) -> list[str]:
        return _glob_list(value, PLAIN_GENERATED_KEY)

    @field_validator("rules", mode="before")
    @classmethod
    def _rule_list(cls, value: Any) -> Any:
        if not value:
            return []
        if not isinstance(value, list):
            raise _problem(
                "type-mapping.rules must be a list of rules",
                "write each rule as a '- source: ... target: ...' item",
            )
        return value


#: what a pydantic error of its own type means for a rule field: (message, fix, joiner)
_RULE_TYPE_ERRORS = {
    "target": ("has no 'target' type", "add target: <PostgreSQL type>", " "),
    **{key: (f"'{key}' must be true or false", f"{key}: true", ": ")
       for key in ("drop_default", "drop_not_null", "unsigned")},
}  # fmt: skip
_UNKNOWN_KEY = ("extra_forbidden", "invalid_key")


def _config_error(exc: ValidationError) -> ConfigError:
    """The first problem of a ``type-mapping:`` section's ValidationError as one ConfigError line.

    Order: the section itself, its unknown keys, ``plain-generated-columns``, the ``rules`` list, then the
    rules by number, each with its unknown keys first.
    """
    errors = exc.errors()

    def rank(error: Any) -> tuple[int, int]:
        loc = error["loc"]
        if len(loc) < 2 or loc[0] != "rules":
            return (0, 0 if error["type"] in _UNKNOWN_KEY else 1)
        return (1 + int(loc[1]), 0 if error["type"] in _UNKNOWN_KEY and len(loc) == 3 else 1)

    first = min(errors, key=rank)  # min keeps pydantic's (field) order among equals
    loc, kind = first["loc"], first["type"]
    rule = len(loc) >= 2 and loc[0] == "rules"
    where = f"type-mapping rule #{int(loc[1]) + 1}" if rule else "type-mapping"
    if kind in _UNKNOWN_KEY and len(loc) == (3 if rule else 1):
        keys = sorted(
            str(e["loc"][-1]) for e in errors if e["type"] in _UNKNOWN_KEY and e["loc"][:-1] == loc[:-1]
        )
        if rule:
            fix = f"use only: adapter, {', '.join(sorted(_RULE_FIELDS))}"
        else:
            fix = f"only {', '.join(k + ':' for k in SECTION_KEYS)} are accepted"
        return ConfigError(f"{where} has unknown keys: {', '.join(keys)}", fix=fix)
    if kind == _PROBLEM:
        ctx = first["ctx"]
        text = f"{where}{ctx['joiner']}{ctx['message']}" if rule else ctx["message"]
        return ConfigError(text, fix=ctx["fix"])
    if not loc:
        return ConfigError(
            "type-mapping must be a mapping with a 'rules:' list", fix="see docs/type-mapping-mysql.md"
        )
    if rule and len(loc) == 2:
        return ConfigError(
            f"{where} is not a mapping", fix="write it as keys, e.g. source: year, target: integer"
        )
    key = str(loc[2]) if rule else ".".join(str(p) for p in loc)
    if rule and key in _RULE_TYPE_ERRORS:
        message, fix, joiner = _RULE_TYPE_ERRORS[key]
        return ConfigError(f"{where}{joiner}{message}", fix=fix)
    return ConfigError(f"{where}: '{key}': {first['msg']}", fix="see docs/type-mapping-mysql.md")


def column_globs(section: dict[str, Any] | None, key: str) -> list[str]:
    """The ``table.column`` globs listed under ``key`` of a ``type-mapping:`` section (``"*"`` = every column).

    Globs match case-insensitively on the target names, as a rule's ``column:`` does; ConfigError names a bad entry.
    """
    try:
        return _glob_list((section or {}).get(key), key)
    except PydanticCustomError as exc:
        ctx = exc.context or {}
        raise ConfigError(ctx["message"], fix=ctx["fix"]) from None


def parse_rules(section: dict[str, Any] | None, adapter: str) -> list[TypeRule]:
    """Rules of a ``type-mapping:`` config section that apply to ``adapter``; ConfigError names a bad entry.

    Every rule is checked, also those scoped to another adapter.
    """
    if not section:
        return []
    try:
        parsed = TypeMappingSection.model_validate(section)
    except ValidationError as exc:
        raise _config_error(exc) from None
    return [
        entry.to_rule(number)
        for number, entry in enumerate(parsed.rules, 1)
        if entry.adapter is None or entry.adapter.lower() == adapter
    ]
