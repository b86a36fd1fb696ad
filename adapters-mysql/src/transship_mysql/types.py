"""MySQL column types: parsing ``information_schema.columns.column_type`` and the built-in mapping rules.

The rules are data (:class:`transship.typemap.TypeRule`), first match wins; user rules from the config
file and the ``transship_map_type`` hook come first. ``docs/type-mapping-mysql.md`` explains each
choice beside pgloader's and yb-voyager's. Two targets are resolved by the adapter after matching:
``enum`` (a created enum type named ``<table>_<column>``) and ``enum[]`` (an array of it, for SET).
"""

from __future__ import annotations

import re
from typing import TypedDict, Unpack

from transship.sdk import SourceType, TypeRule

ENUM_TARGET = "enum"
ENUM_ARRAY_TARGET = "enum[]"
ZERO_DATE = r"^'?0000-00-00"
TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext"}
BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
SPATIAL_TYPES = {
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
}
TEMPORAL_TYPES = {"date", "datetime", "timestamp"}

_TYPE = re.compile(r"^\s*([a-z ]+?)\s*(?:\((.*)\))?\s*((?:unsigned|signed|zerofill|\s)*)$", re.I | re.S)


def parse_type(column_type: str, datetime_precision: int | None = None) -> SourceType:
    """``decimal(10,2) unsigned zerofill`` -> SourceType(base="decimal", typemod="10,2", precision=10, scale=2, unsigned=True)."""
    m = _TYPE.match(column_type)
    if not m:
        return SourceType(raw=column_type, base=column_type.split("(")[0].strip().lower())
    base = m.group(1).strip().lower()
    typemod = m.group(2)
    flags = (m.group(3) or "").lower()
    st = SourceType(raw=column_type, base=base, typemod=typemod, unsigned="unsigned" in flags)
    if typemod and base not in ("enum", "set"):
        nums = [p.strip() for p in typemod.split(",")]
        if all(n.isdigit() for n in nums):
            if base in TEXT_TYPES | BINARY_TYPES:
                st.length = int(nums[0])
            elif base == "bit":
                st.length = st.precision = int(nums[0])
            elif base in TEMPORAL_TYPES or base == "time":
                st.precision = int(nums[0])
            else:
                st.precision = int(nums[0])
                if len(nums) > 1:
                    st.scale = int(nums[1])
    if base in TEMPORAL_TYPES or base == "time":
        st.precision = datetime_precision if datetime_precision else None
    return st


def enum_labels(typemod: str | None) -> list[str]:
    """``'a','b''c','d\\ne'`` -> ``["a", "b'c", "d<LF>e"]`` (MySQL doubles quotes and backslash-escapes LF, CR and
    backslashes)."""
    if not typemod:
        return []
    labels = []
    for m in re.finditer(r"'((?:[^'\\]|''|\\.)*)'", typemod):
        raw = m.group(1).replace("''", "'")
        labels.append(re.sub(r"\\(.)", lambda e: _ESCAPES.get(e.group(1), e.group(1)), raw, flags=re.S))
    return labels


# what a backslash sequence in COLUMN_TYPE stands for (MariaDB writes a label's LF and CR as \n and \r)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "Z": "\x1a", "b": "\b"}


class _RuleOptions(TypedDict, total=False):
    """The optional :class:`TypeRule` fields the built-in rules set."""

    unsigned: bool | None
    typemod: str | None
    precision: tuple[int | None, int | None] | None
    scale: tuple[int | None, int | None] | None
    default: str | None
    extra: str | None
    transform: str | None
    drop_default: bool
    drop_not_null: bool
    note: str | None


def _r(name: str, source: tuple[str, ...], target: str, **kw: Unpack[_RuleOptions]) -> TypeRule:
    return TypeRule(name=f"mysql.{name}", source=source, target=target, **kw)


_INTS = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint")

BUILTIN_RULES: tuple[TypeRule, ...] = (
    # booleans
    _r("tinyint1_to_boolean", ("tinyint",), "boolean", typemod="1", transform="int_to_bool",
       note="guessed: tinyint(1) is how MySQL stores BOOLEAN; a value other than 0/1 would become true "
            "(map it to smallint with a type-mapping rule if the column holds numbers)"),
    _r("bit1_to_boolean", ("bit",), "boolean", typemod="1", transform="bit_to_bool"),
    _r("bit", ("bit",), "bit({length})", transform="bit_to_bits"),
    _r("bool", ("bool", "boolean"), "boolean", transform="int_to_bool"),
    # integers: auto_increment must stay an integer type (identity)
    _r("bigint_unsigned_auto_increment", ("bigint",), "bigint", unsigned=True, extra=r"auto_increment",
       note="lossy: bigint unsigned auto_increment becomes a bigint identity; ids above 9223372036854775807 do not fit"),
    _r("tinyint", ("tinyint",), "smallint"),
    _r("smallint", ("smallint",), "smallint", unsigned=False),
    _r("smallint_unsigned", ("smallint",), "integer", unsigned=True),
    _r("mediumint", ("mediumint",), "integer"),
    _r("int", ("int", "integer"), "integer", unsigned=False),
    _r("int_unsigned", ("int", "integer"), "bigint", unsigned=True),
    _r("bigint", ("bigint",), "bigint", unsigned=False),
    _r("bigint_unsigned", ("bigint",), "numeric(20)", unsigned=True),
    _r("serial", ("serial",), "numeric(20)"),
    # exact and approximate numbers
    _r("decimal", ("decimal", "numeric", "dec", "fixed"), "numeric({precision},{scale})"),
    _r("float", ("float",), "real", transform="float4"),
    _r("double", ("double", "double precision", "real"), "double precision"),
    # text (NUL characters are removed: PostgreSQL text cannot hold them)
    _r("char", ("char",), "varchar({length})", transform="text"),  # MySQL returns CHAR values without trailing spaces
    _r("varchar", ("varchar",), "varchar({length})", transform="text"),
    _r("text", ("tinytext", "text", "mediumtext", "longtext"), "text", transform="text"),
    _r("json", ("json",), "json", transform="text"),
    # binary
    _r("binary", ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"), "bytea", transform="bytea"),
    # dates and times: zero dates become NULL
    _r("date_zero_default", ("date",), "date", default=ZERO_DATE, transform="zero_date", drop_default=True, drop_not_null=True,
       note="lossy: zero dates ('0000-00-00') become NULL, so the zero default and NOT NULL are dropped"),
    _r("date", ("date",), "date", transform="zero_date"),
    _r("datetime_zero_default", ("datetime",), "timestamp({precision})", default=ZERO_DATE, transform="zero_date",
       drop_default=True, drop_not_null=True,
       note="lossy: zero dates ('0000-00-00 00:00:00') become NULL, so the zero default and NOT NULL are dropped"),
    _r("datetime", ("datetime",), "timestamp({precision})", transform="zero_date"),
    _r("timestamp_zero_default", ("timestamp",), "timestamptz({precision})", default=ZERO_DATE, transform="zero_timestamp",
       drop_default=True, drop_not_null=True,
       note="lossy: zero timestamps become NULL, so the zero default and NOT NULL are dropped"),
    _r("timestamp", ("timestamp",), "timestamptz({precision})", transform="zero_timestamp"),
    _r("time", ("time",), "interval({precision})", transform="text",
       note="guessed: MySQL TIME holds -838:59:59..838:59:59 (a duration); interval keeps every value. "
            "Map it to time with a rule if the column only holds times of day"),
    _r("year", ("year",), "smallint"),
    # enum and set
    _r("enum", ("enum",), ENUM_TARGET, transform="text"),
    _r("set", ("set",), ENUM_ARRAY_TARGET, transform="set_to_array"),
    # spatial
    _r("point", ("point",), "point", transform="point"),
    _r("geometry", tuple(sorted(SPATIAL_TYPES)), "text", transform="wkt",
       note="guessed: spatial values are stored as WKT text (SRID dropped); with PostGIS on the target map them to geometry"),
    # MariaDB types
    _r("uuid", ("uuid",), "uuid", transform="text"),
    _r("inet", ("inet4", "inet6"), "inet", transform="text"),
)  # fmt: skip
