"""The declarative type-mapping engine (core/src/transship/typemap.py) with the MySQL rules."""

from __future__ import annotations

import pytest

from transship import hookimpl
from transship.catalog import Column, Table
from transship.errors import ConfigError
from transship.plugins import get_host
from transship.typemap import TypeMapper, TypeRule
from transship_mysql.types import BUILTIN_RULES, parse_type


def mapped(
    mapper: TypeMapper,
    column_type: str,
    name: str = "c",
    table: str = "t",
    default: str | None = None,
    extra: str = "",
) -> Column:
    col = Column(name, column_type, default=default, auto_increment="auto_increment" in extra)
    col.extra["source_extra"] = extra
    mapper.map(Table("db", table), col, parse_type(column_type))
    return col


def test_builtin_defaults_first_match_wins():
    m = TypeMapper("mysql", BUILTIN_RULES)
    cases = {
        "tinyint(1)": "boolean", "tinyint(4)": "smallint", "tinyint(3) unsigned": "smallint", "smallint(5) unsigned": "integer",
        "int(11)": "integer", "int(10) unsigned": "bigint", "bigint(20) unsigned": "numeric(20)", "decimal(65,30)": "numeric(65,30)",
        "varchar(45)": "varchar(45)", "bit(1)": "boolean", "bit(9)": "bit(9)", "year(4)": "smallint", "float": "real", "longblob": "bytea",
    }  # fmt: skip
    assert {t: mapped(m, t).target_type for t in cases} == cases
    ai = mapped(m, "bigint(20) unsigned", extra="auto_increment")
    assert (ai.target_type, ai.mapping_rule) == (
        "bigint",
        "mysql.bigint_unsigned_auto_increment",
    ) and ai.mapping_note


def test_zero_date_default_drops_default_and_not_null():
    m = TypeMapper("mysql", BUILTIN_RULES)
    col = Column("d", "datetime")
    res = m.map(Table("db", "t"), col, parse_type("datetime"))
    assert (res.drop_default, res.rule) == (False, "mysql.datetime")
    col = Column("d", "datetime", default="'0000-00-00 00:00:00'")
    res = m.map(Table("db", "t"), col, parse_type("datetime"))
    assert res.drop_default and res.drop_not_null and res.transform == "zero_date" and col.mapping_note


def test_user_rules_come_first_and_can_target_one_column():
    section = {"rules": [
        {"source": "tinyint", "typemod": "1", "target": "smallint", "name": "keep.numbers"},
        {"column": "orders.amount", "target": "numeric(12,2)"},
        {"adapter": "oracle", "source": ["int"], "target": "text"},
    ]}  # fmt: skip
    m = TypeMapper.from_config("mysql", BUILTIN_RULES, section)
    assert len(m.user_rules) == 2  # the oracle-scoped rule is not for mysql
    col = mapped(m, "tinyint(1)")
    assert (col.target_type, col.mapping_rule) == ("smallint", "keep.numbers")
    assert mapped(m, "double", name="amount", table="Orders").target_type == "numeric(12,2)"
    assert mapped(m, "double", name="amount", table="other").target_type == "double precision"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"rules": [{"source": "int"}]}, "rule #1 has no 'target'"),
        ({"rules": [{"target": "int"}]}, "needs 'source'"),
        ({"rules": [{"source": "int", "target": "x", "colour": 1}]}, "unknown keys: colour"),
        ({"rules": [{"source": "int", "target": "x", "default": "("}]}, "not a valid regular expression"),
        ({"rules": [{"source": "int", "target": "x", "precision": "big"}]}, "'precision' must be [min, max]"),
        ({"rulez": []}, "unknown keys: rulez"),
    ],
)
def test_bad_config_rules_name_the_entry(section, message):
    with pytest.raises(
        ConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
    ):
        TypeMapper.from_config("mysql", BUILTIN_RULES, section)


def test_no_matching_rule_keeps_the_type_with_a_note():
    m = TypeMapper("mysql", [TypeRule("only.int", ("int",), "integer")])
    col = mapped(m, "mystery(3)")
    assert (
        col.target_type == "mystery(3)"
        and col.mapping_rule == "none"
        and "no mapping rule" in (col.mapping_note or "")
    )


def test_placeholders_and_ranges():
    rule = TypeRule("r", ("decimal",), "numeric({precision},{scale})", precision=(1, 10))
    assert rule.render_target(parse_type("decimal(10,2)")) == "numeric(10,2)"
    assert rule.matches(Table("d", "t"), Column("c", "decimal(10,2)"), parse_type("decimal(10,2)"))
    assert not rule.matches(Table("d", "t"), Column("c", "decimal(11,2)"), parse_type("decimal(11,2)"))
    assert (
        TypeRule("r", ("datetime",), "timestamp({precision})").render_target(parse_type("datetime"))
        == "timestamp"
    )


class _YearAsInteger:
    @hookimpl
    def transship_map_type(self, source_type, adapter):  # type: ignore[no-untyped-def]
        if adapter == "mysql" and source_type == "year":
            return "integer"
        return None


def test_plugin_hook_overrides_rules():
    host = get_host()
    host.register(_YearAsInteger(), name="test-year-plugin")
    try:
        col = mapped(TypeMapper("mysql", BUILTIN_RULES), "year(4)")
        assert (col.target_type, col.mapping_rule) == ("integer", "plugin")
        assert mapped(TypeMapper("mysql", BUILTIN_RULES), "int(11)").target_type == "integer"
    finally:
        host.unregister("test-year-plugin")
