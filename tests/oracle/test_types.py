"""Type mapping for every Oracle type, and edge values written as COPY text and loaded into PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import psycopg
import pytest

from tests.oracle.standin import FakeLob
from transship.catalog import Column, Table
from transship.typemap import TypeMapper
from transship_oracle import copytext
from transship_oracle.datatypes import parse_type, type_from_dictionary
from transship_oracle.typerules import ORACLE_RULES, source_type

CASES = [
    ("NUMBER(4)", "smallint", None),
    ("NUMBER(9)", "integer", None),
    ("NUMBER(18)", "bigint", None),
    ("NUMBER(38)", "numeric(38)", None),
    ("NUMBER(8,2)", "numeric(8,2)", None),
    ("NUMBER(2,7)", "numeric(7,7)", None),
    ("NUMBER(6,-2)", "integer", "rounds to 10^2"),
    ("NUMBER(*,2)", "numeric(38,2)", None),
    ("NUMBER(*,0)", "bigint", "38 digits"),
    ("INTEGER", "bigint", "38 digits"),
    ("NUMBER", "numeric", "without precision"),
    ("FLOAT(53)", "double precision", None),
    ("FLOAT", "numeric", None),
    ("BINARY_FLOAT", "real", None),
    ("BINARY_DOUBLE", "double precision", None),
    ("VARCHAR2(20 CHAR)", "varchar(20)", None),
    ("NVARCHAR2(10)", "varchar(10)", None),
    ("CHAR", "char(1)", None),
    ("NCHAR(3)", "char(3)", None),
    ("CLOB", "text", None),
    ("NCLOB", "text", None),
    ("LONG", "text", None),
    ("BLOB", "bytea", None),
    ("LONG RAW", "bytea", None),
    ("RAW(16)", "uuid", "GUID"),
    ("RAW(32)", "bytea", None),
    ("BFILE", "bytea", "file on the Oracle server"),
    ("DATE", "timestamp(0)", None),
    ("TIMESTAMP", "timestamp(6)", None),
    ("TIMESTAMP(3)", "timestamp(3)", None),
    ("TIMESTAMP(9)", "timestamp(6)", "microseconds"),
    ("TIMESTAMP(6) WITH TIME ZONE", "timestamp(6) with time zone", "instant only"),
    ("TIMESTAMP WITH LOCAL TIME ZONE", "timestamp(6) with time zone", None),
    ("INTERVAL YEAR(2) TO MONTH", "interval year to month", None),
    ("INTERVAL DAY(3) TO SECOND(2)", "interval day to second(2)", None),
    ("ROWID", "text", "physical row addresses"),
    ("UROWID", "text", "physical row addresses"),
    ("XMLTYPE", "xml", None),
    ("JSON", "jsonb", None),
    ("BOOLEAN", "boolean", None),
]


@pytest.mark.parametrize(("oracle", "target", "note"), CASES)
def test_every_oracle_type_maps(oracle: str, target: str, note: str | None) -> None:
    from transship_oracle.typerules import mapping_notes

    otype = parse_type(oracle)
    col = Column("c", otype.raw)
    TypeMapper("oracle", ORACLE_RULES).map(Table("s", "t"), col, source_type(otype))
    extra = mapping_notes(col, otype)
    notes = " ".join(n for n in (col.mapping_note, extra) if n)
    assert col.target_type == target
    if note:
        assert note in notes
    else:
        assert notes == ""


def test_user_rule_overrides_builtin() -> None:
    mapper = TypeMapper.from_config(
        "oracle", ORACLE_RULES, {"rules": [{"source": "number", "target": "bigint", "column": "t.id"}]}
    )
    col = Column("id", "NUMBER")
    mapper.map(Table("s", "t"), col, source_type(parse_type("NUMBER")))
    assert (col.target_type, col.mapping_note) == ("bigint", None)


def test_dictionary_rows_rebuild_types() -> None:
    assert source_type(type_from_dictionary("NUMBER", 22, 0, None, 0)).base == "integer"  # INTEGER
    assert type_from_dictionary("NUMBER", 22, 0, None, None).raw == "NUMBER"
    assert type_from_dictionary("VARCHAR2", 80, 20, None, None, "C").raw == "VARCHAR2(20 CHAR)"
    assert type_from_dictionary("TIMESTAMP(9) WITH TIME ZONE", 13, 0, None, 9).precision == 9
    assert type_from_dictionary("INTERVAL DAY(2) TO SECOND(6)", 11, 0, 2, 6).fraction == 6


EDGE_VALUES = [
    (
        "numeric(38)",
        Decimal("99999999999999999999999999999999999999"),
        "99999999999999999999999999999999999999",
    ),
    ("numeric(38)", Decimal("-1E+37"), "-10000000000000000000000000000000000000"),
    ("integer", Decimal("-12300"), "-12300"),  # NUMBER(6,-2)
    ("numeric(7,7)", Decimal("0.0000012"), "0.0000012"),
    ("double precision", float("inf"), "Infinity"),
    ("double precision", float("-inf"), "-Infinity"),
    ("double precision", float("nan"), "NaN"),
    ("double precision", 0.1 + 0.2, "0.30000000000000004"),
    ("real", 3.4028234663852886e38, "3.4028235e+38"),
    ("timestamp(6)", dt.datetime(1999, 12, 31, 23, 59, 59, 999999), "1999-12-31 23:59:59.999999"),
    ("timestamp(0)", dt.datetime(2024, 2, 29, 13, 14, 15), "2024-02-29 13:14:15"),
    (
        "timestamp(6) with time zone",
        dt.datetime(2024, 3, 31, 1, 30, 0, 500000, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        "2024-03-30 20:00:00.5+00",
    ),
    (
        "interval day to second(6)",
        dt.timedelta(days=-3, seconds=5, microseconds=7),
        "-2 days -23:59:54.999993",
    ),
    ("bytea", b"\x00\xff\\\t", "\\x00ff5c09"),
    ("text", "tab\there\nnew\\line\r", "tab\there\nnew\\line\r"),
    ("varchar(10)", None, None),
]


def test_edge_values_load_into_postgresql(pg_server, pg_db: str) -> None:  # type: ignore[no-untyped-def]
    cols = ", ".join(f"c{k} {t}" for k, (t, _, _) in enumerate(EDGE_VALUES))
    buf = io.BytesIO()
    fields = []
    for _, value, _ in EDGE_VALUES:
        fields.append(copytext.field(value, utc=False))
    buf.write(b"\t".join(fields) + b"\n")
    clob = FakeLob("")
    blob = FakeLob(b"\x01\x02")
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(f"CREATE TABLE edge ({cols}, empty_clob text, small_blob bytea)")
        line = buf.getvalue()[:-1]
        extra = io.BytesIO()
        copytext.stream_lob(clob, extra.write)
        extra.write(b"\t")
        copytext.stream_lob(blob, extra.write)
        with conn.cursor().copy("COPY edge FROM STDIN") as copy:
            copy.write(line + b"\t" + extra.getvalue() + b"\n")
        row = conn.execute("SELECT * FROM edge").fetchone()
        texts = conn.execute(
            "SELECT " + ", ".join(f"c{k}::text" for k in range(len(EDGE_VALUES))) + " FROM edge"
        ).fetchone()
    for (pgtype, _, expected), got in zip(EDGE_VALUES, texts, strict=True):
        if pgtype == "bytea" or pgtype.startswith("interval"):
            continue
        assert got == expected, pgtype
    assert row[12] == dt.timedelta(days=-3, seconds=5, microseconds=7)
    assert row[13] == b"\x00\xff\\\t"
    assert row[-2] == "" and row[-1] == b"\x01\x02"  # empty CLOB stays '' (not NULL)
