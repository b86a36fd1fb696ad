"""The Oracle adapter's built-in type mapping rules (data, not code), and Oracle type -> rule input.

Rules are tried in order; the first match wins. Users put their own rules before these in the config
file's ``type-mapping:`` section (see docs/type-mapping-oracle.md, which compares every rule with
ora2pg's and voyager's defaults). A rule with a ``note`` is a lossy or guessed mapping: the column is
listed in the analysis report.

Deliberate decisions:

- ``NUMBER`` without precision or scale becomes ``numeric`` (exact for every value Oracle can hold),
  flagged as guessed. ora2pg's default (``bigint``) fails at load time on the first fractional value
  (ora2pg issues #200, #767, #1431); choose ``bigint`` per column with a rule when the column holds keys.
- ``INTEGER``/``INT``/``SMALLINT`` are ``NUMBER(38)`` in Oracle (the dictionary reports them as
  ``NUMBER(*,0)``). They become ``bigint``, flagged: a value beyond 18 digits would not fit.
- ``NUMBER(p,s)`` with a negative scale stores integers rounded to 10^-s: it becomes the integer type
  that holds ``p - s`` digits (PostgreSQL 15 accepts negative scales, YugabyteDB does not).
"""

from __future__ import annotations

from transship.sdk import Column, SourceType, TypeRule
from transship_oracle.datatypes import OracleType

NUMBER = ("number",)
TEXT_TYPES = ("varchar2", "nvarchar2", "varchar")

ORACLE_RULES: tuple[TypeRule, ...] = (
    # exact numbers
    TypeRule("oracle.number_smallint", NUMBER, "smallint", precision=(1, 4), scale=(0, 0)),
    TypeRule("oracle.number_integer", NUMBER, "integer", precision=(5, 9), scale=(0, 0)),
    TypeRule("oracle.number_bigint", NUMBER, "bigint", precision=(10, 18), scale=(0, 0)),
    TypeRule(
        "oracle.number_wide_integer", NUMBER, "numeric({precision})", precision=(19, None), scale=(0, 0)
    ),
    TypeRule(
        "oracle.number_decimal", NUMBER, "numeric({precision},{scale})", precision=(1, None), scale=(1, None)
    ),
    TypeRule("oracle.number_star_scale", NUMBER, "numeric(38,{scale})", scale=(1, None)),
    TypeRule(
        "oracle.integer",
        ("integer",),
        "bigint",
        note="Oracle INTEGER/INT/SMALLINT (NUMBER(*,0)) holds up to 38 digits, bigint up to 18; use a type-mapping rule for numeric(38) if larger values occur",
    ),  # fmt: skip
    TypeRule(
        "oracle.number_unconstrained",
        NUMBER,
        "numeric",
        note="NUMBER without precision: numeric keeps every value exactly; choose bigint with a type-mapping rule where the column only holds integer keys",
    ),  # fmt: skip
    # approximate numbers
    TypeRule("oracle.float_double", ("float",), "double precision", precision=(1, 53)),
    TypeRule("oracle.float_decimal", ("float",), "numeric"),
    TypeRule("oracle.binary_float", ("binary_float",), "real"),
    TypeRule("oracle.binary_double", ("binary_double",), "double precision"),
    TypeRule("oracle.real", ("real",), "real"),
    TypeRule("oracle.double_precision", ("double precision",), "double precision"),
    # characters
    TypeRule("oracle.varchar", TEXT_TYPES, "varchar({length})"),
    TypeRule("oracle.char", ("char", "nchar"), "char({length})"),
    TypeRule("oracle.clob", ("clob", "nclob", "long"), "text"),
    # binary
    TypeRule(
        "oracle.raw16_uuid",
        ("raw",),
        "uuid",
        typemod="16",
        transform="raw_to_uuid",
        note="RAW(16) taken to hold GUIDs (SYS_GUID()); the 16 bytes are written as a uuid — use a type-mapping rule for bytea otherwise",
    ),  # fmt: skip
    TypeRule("oracle.raw", ("raw", "long raw", "blob"), "bytea"),
    TypeRule(
        "oracle.bfile",
        ("bfile",),
        "bytea",
        note="BFILE points to a file on the Oracle server; its content is copied into bytea at export",
    ),  # fmt: skip
    # date and time
    TypeRule("oracle.date", ("date",), "timestamp(0)"),
    TypeRule("oracle.timestamp", ("timestamp",), "timestamp({precision})", precision=(0, 6)),
    TypeRule(
        "oracle.timestamp_nanos",
        ("timestamp",),
        "timestamp(6)",
        note="fractional seconds beyond microseconds are rounded to microseconds",
    ),  # fmt: skip
    TypeRule(
        "oracle.timestamp_tz",
        ("timestamp with time zone",),
        "timestamp({precision}) with time zone",
        precision=(0, 6),
        note="TIMESTAMP WITH TIME ZONE keeps each value's zone; timestamptz keeps the instant only",
    ),  # fmt: skip
    TypeRule(
        "oracle.timestamp_tz_nanos",
        ("timestamp with time zone",),
        "timestamp(6) with time zone",
        note="TIMESTAMP WITH TIME ZONE keeps each value's zone; timestamptz keeps the instant only (and microseconds)",
    ),  # fmt: skip
    TypeRule(
        "oracle.timestamp_ltz",
        ("timestamp with local time zone",),
        "timestamp({precision}) with time zone",
        precision=(0, 6),
    ),
    TypeRule(
        "oracle.timestamp_ltz_nanos",
        ("timestamp with local time zone",),
        "timestamp(6) with time zone",
        note="fractional seconds beyond microseconds are rounded to microseconds",
    ),  # fmt: skip
    TypeRule("oracle.interval_ym", ("interval year to month",), "interval year to month"),
    TypeRule(
        "oracle.interval_ds",
        ("interval day to second",),
        "interval day to second({precision})",
        precision=(0, 6),
    ),
    TypeRule(
        "oracle.interval_ds_nanos",
        ("interval day to second",),
        "interval day to second(6)",
        note="fractional seconds beyond microseconds are rounded to microseconds",
    ),  # fmt: skip
    # others
    TypeRule(
        "oracle.rowid",
        ("rowid", "urowid"),
        "text",
        note="ROWID values are physical row addresses of the source; they are copied as text and mean nothing on the target",
    ),  # fmt: skip
    TypeRule("oracle.xmltype", ("xmltype",), "xml"),
    TypeRule("oracle.json", ("json",), "jsonb"),
    TypeRule("oracle.boolean", ("boolean",), "boolean"),
    TypeRule(
        "oracle.sdo_geometry",
        ("sdo_geometry",),
        "geometry",
        note="SDO_GEOMETRY needs PostGIS on the target and is exported as text (WKT) only after conversion by hand",
    ),  # fmt: skip
)


def source_type(t: OracleType) -> SourceType:
    """The :class:`SourceType` the rules match for an Oracle type (see the module docstring)."""
    base = t.base
    precision, scale = t.precision, t.scale
    if base in ("decimal", "numeric", "dec"):
        base = "number"
        if precision is not None and scale is None:
            scale = 0
    if base == "smallint":
        base = "integer"
    if base == "number":
        if t.star_precision or (precision is None and scale == 0):
            if not scale:
                base, precision, scale = "integer", None, None
        elif precision is not None and scale is not None and scale < 0:
            precision, scale = precision - scale, 0
        elif precision is not None and scale is not None and scale > precision:
            precision = scale
        elif precision is not None and scale is None:
            scale = 0
    if (
        base in ("timestamp", "timestamp with time zone", "timestamp with local time zone")
        and precision is None
    ):
        precision = 6
    if base == "interval day to second":
        precision = 6 if t.fraction is None else t.fraction
    length = t.length
    if base in ("varchar2", "nvarchar2", "varchar", "char", "nchar", "raw") and length is None:
        length = 1 if base in ("char", "nchar") else None
    return SourceType(
        raw=t.raw, base=base, typemod=t.typemod, length=length, precision=precision, scale=scale
    )


def mapping_notes(column: Column, t: OracleType) -> str | None:
    """An extra note for decisions taken before the rules run (negative scale)."""
    if t.base == "number" and t.scale is not None and t.scale < 0:
        return f"NUMBER({t.precision},{t.scale}) rounds to 10^{-t.scale}; the target type does not round new values"
    return None
