"""verify against a live Oracle source: the canonical SQL of each Oracle type, run with Oracle's documented
semantics (``tests/oracle/oracle_sql.py``) on recorded values, equals PostgreSQL's canonical text of the value
export data wrote; and a migrated HR copy is proven, its damage caught and located."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.oracle.oracle_sql import Evaluator
from tests.oracle.standin import FakeDriver, FakeLob
from tests.oracle.test_live import apply_schema, export, make_adapter
from transship.adapters.base import DataExportOptions
from transship.verify.canonical import pg_piece
from transship.verify.content import ColumnSpec
from transship.verify.postgres import PgContentReader, kind_for_pg_type
from transship.verify.tables import TableToCheck, check_table
from transship_oracle import copytext
from transship_oracle.verify_content import kind_for, piece

UTC = dt.UTC
# (Oracle type, precision, scale, target type, values as python-oracledb returns them)
CASES: list[tuple[str, int | None, int | None, str, list[Any]]] = [
    ("number", 10, 0, "bigint", [Decimal(0), Decimal(-42), Decimal(9999999999)]),
    ("number", 38, 0, "numeric(38)", [Decimal("12345678901234567890123456789012345678"), Decimal("1E+2")]),
    ("number", 8, 2, "numeric(8,2)", [Decimal("0.01"), Decimal("-0.5"), Decimal("24000"), Decimal("999999.99")]),
    ("number", 10, 2, "numeric(12,4)", [Decimal("12345678.5"), Decimal("-0.25")]),  # a rule widened the type
    ("number", None, None, "numeric", [Decimal("0.5"), Decimal("-0.25"), Decimal("1E+2"), Decimal("123.456"), Decimal(0)]),
    ("binary_double", None, None, "double precision",
     [0.1, -0.0, 1e308, 5e-324, float("inf"), float("-inf"), float("nan"), 0.30000000000000004]),
    ("binary_float", None, None, "real", [0.10000000149011612, 1.5, -3.4028234663852886e38]),  # float32 values
    ("date", None, None, "timestamp(0)", [dt.datetime(2024, 2, 29, 23, 59, 59), dt.datetime(1, 1, 1)]),
    ("timestamp", 9, None, "timestamp(6)", [dt.datetime(2023, 5, 1, 22, 30, 15, 123456)]),
    ("timestamp", 6, None, "timestamp(6)", [dt.datetime(2023, 5, 1, 22, 30, 15, 123456), dt.datetime(9999, 12, 31, 0, 0, 0, 1)]),
    ("timestamp with time zone", 6, None, "timestamp(6) with time zone",
     [dt.datetime(2023, 5, 1, 22, 30, 15, 5, tzinfo=dt.timezone(dt.timedelta(hours=-7))), dt.datetime(2020, 1, 1, tzinfo=UTC)]),
    ("interval day to second", 6, None, "interval day to second(6)",
     [dt.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7), dt.timedelta(seconds=-1),
      dt.timedelta(days=-2, microseconds=500), dt.timedelta(0)]),
    ("varchar2", None, None, "varchar(4000)", ["Ünïcode ✓", "a|b~", "x" * 3000, "tab\there"]),
    ("char", None, None, "char(5)", ["ab   ", "     ", "abcde"]),
    ("clob", None, None, "text", ["", "big " * 10_000, "北京"]),
    ("raw", None, None, "bytea", [b"\x00\x01\xff", b"x"]),
    ("raw", None, None, "uuid", [bytes(range(16))]),
    ("blob", None, None, "bytea", [b"", bytes(range(256)) * 100]),
]  # fmt: skip


class _YM:
    """Shaped like ``oracledb.IntervalYM``."""

    def __init__(self, years: int, months: int) -> None:
        self.years, self.months = years, months


CASES.append(("interval year to month", None, None, "interval year to month", [_YM(1, 2), _YM(-3, -4)]))


def _copy_text(value: Any, target: str) -> str:
    """The value as export data writes it (a COPY field, unescaped for a literal)."""
    if isinstance(value, FakeLob):
        value = value.value
    utc = "with time zone" in target
    raw = copytext.field(value, "raw_to_uuid" if target == "uuid" else None, utc).decode()
    return raw.replace("\\\\", "\\").replace("\\t", "\t")


@pytest.mark.parametrize(
    ("base", "precision", "scale", "target", "values"), CASES, ids=[f"{c[0]}->{c[3]}" for c in CASES]
)
def test_each_oracle_type_canonical_sql_equals_the_postgresql_side(
    pg_server, pg_db: str, base: str, precision: int | None, scale: int | None, target: str, values: list[Any]
) -> None:  # type: ignore[no-untyped-def]
    kind = kind_for(base, target, kind_for_pg_type(target))
    assert kind is not None
    from transship_oracle.verify_content import _target_numeric

    target_precision, target_scale = _target_numeric(target)
    col = ColumnSpec("c", kind, base, {"oracle_name": "C", "precision": precision, "scale": target_scale,
                                       "target_precision": target_precision})  # fmt: skip
    oracle_sql = f"SELECT {piece(col)} FROM DUAL"
    import sqlglot

    expression = sqlglot.parse_one(oracle_sql, read="oracle").expressions[0]
    oracle = [Evaluator({"C": v}, {}).ev(expression) for v in [*values, None]]
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(sql.SQL("CREATE TABLE t (n int, c {})").format(sql.SQL(target)))
        for n, v in enumerate(values):
            conn.execute("INSERT INTO t VALUES (%s, %s)", (n, _copy_text(v, target)))
        conn.execute("INSERT INTO t VALUES (%s, NULL)", (len(values),))
        got = [r[0] for r in conn.execute(
            sql.SQL("SELECT {} FROM t ORDER BY n").format(pg_piece(kind, sql.Identifier("c"), target))
        )]  # fmt: skip
    assert oracle == got
    assert got[-1] == "~"
    if base == "binary_double":  # one bit apart: different texts
        assert len(set(got)) == len(got)


def _hr_copy(tmp_path: Path, pg_server, pg_db: str) -> FakeDriver:  # type: ignore[no-untyped-def]
    data = {
        "EMP_AUDIT": {
            "columns": ["AUDIT_ID", "EMPLOYEE_ID", "OLD_SALARY", "NEW_SALARY", "CHANGED_AT", "NOTE", "ROW_GUID"],
            "rows": [
                (Decimal(1), Decimal(100), Decimal("24000.00"), None,
                 dt.datetime(2023, 5, 1, 22, 30, 15, 123456, tzinfo=UTC), FakeLob("x\ty|z\n" * 500), bytes(range(16))),
                (Decimal(2), Decimal(100), Decimal("0.01"), Decimal("99999.99"),
                 dt.datetime(2024, 2, 29, 0, 0, tzinfo=UTC), FakeLob(""), None),
                (Decimal(3), Decimal(101), Decimal("-0.5"), Decimal("7"), dt.datetime(2024, 3, 1, tzinfo=UTC), None, bytes(16)),
            ],
        },
        "REGIONS": {
            "columns": ["REGION_ID", "REGION_NAME"],
            "rows": [(Decimal("12345678901234567890123456789012345678"), "Ünïcode ✓"), (Decimal("1E+2"), None)],
        },
    }  # fmt: skip
    driver = FakeDriver(data)
    adapter = make_adapter(driver)
    export(adapter, tmp_path)
    assert apply_schema(pg_server, pg_db, tmp_path / "schema") == []
    snapshot = adapter.begin_data_export(
        DataExportOptions(include=lambda s, t: t in ("emp_audit", "regions"))
    )
    reader = snapshot.open_reader()
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE emp_audit DROP CONSTRAINT emp_audit_emp_fk")
        for table in snapshot.tables:
            buf = io.BytesIO()
            reader.copy_table(table, buf.write)
            with conn.cursor().copy(
                f"COPY {table.target_name} ({', '.join(table.columns)}) FROM STDIN"
            ) as copy:
                copy.write(buf.getvalue())
    reader.close()
    snapshot.close()
    driver.run_selects = True
    return driver


def _verdicts(driver: FakeDriver, pg_server, pg_db: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    adapter = make_adapter(driver)
    source = adapter.content_source()
    out = {}
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        target = PgContentReader(conn)
        s_reader = source.reader()
        for name, rows in (("emp_audit", 3), ("regions", 2)):
            item = TableToCheck("public", name, "HR", name.upper(), rows, rows)
            out[name] = check_table(target, conn, source, s_reader, item, "", 10)
        s_reader.close()
    return out


def test_a_migrated_copy_is_proven_and_damage_is_located(tmp_path: Path, pg_server, pg_db: str) -> None:  # type: ignore[no-untyped-def]
    driver = _hr_copy(tmp_path, pg_server, pg_db)
    clean = _verdicts(driver, pg_server, pg_db)
    assert {n: (v.proof, v.result) for n, v in clean.items()} == {
        "emp_audit": ("content", "MATCH"),
        "regions": ("content", "MATCH"),
    }, {n: v.note for n, v in clean.items()}
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("UPDATE emp_audit SET note = note || ' ' WHERE audit_id = 1")
        conn.execute("UPDATE emp_audit SET old_salary = 0.02 WHERE audit_id = 2")
        conn.execute("DELETE FROM regions WHERE region_id = 100")
    damaged = _verdicts(driver, pg_server, pg_db)
    audit, regions = damaged["emp_audit"], damaged["regions"]
    assert audit.result == "DIFFERENT" and regions.result == "DIFFERENT"
    # the key of the partitioned emp_audit is (audit_id, changed_at)
    located = {d["key"].split(",")[0]: d for d in audit.differences}
    assert set(located) == {"audit_id='1'", "audit_id='2'"}
    assert [c[0] for c in located["audit_id='1'"]["columns"]] == ["note"]
    assert [c[0] for c in located["audit_id='2'"]["columns"]] == ["old_salary"]
    assert [d["kind"] for d in regions.differences] == ["missing on target"]


def test_lobs_without_dbms_crypto_are_counted_with_the_grant_to_ask_for(
    tmp_path: Path, pg_server, pg_db: str
) -> None:  # type: ignore[no-untyped-def]
    driver = _hr_copy(tmp_path, pg_server, pg_db)
    driver.fail_on = ("DBMS_CRYPTO.HASH(UTL_RAW", (904, '"DBMS_CRYPTO"."HASH": invalid identifier'))
    verdicts = _verdicts(driver, pg_server, pg_db)
    assert verdicts["regions"].proof == "content"
    audit = verdicts["emp_audit"]
    assert audit.proof == "counts only" and "GRANT EXECUTE ON SYS.DBMS_CRYPTO" in audit.note


def test_text_on_a_database_that_is_not_utf8_is_converted_first(pg_server, pg_db: str) -> None:  # type: ignore[no-untyped-def]
    """WE8MSWIN1252 and friends: the text is made UTF-8 bytes with UTL_I18N before hashing (up to 2000 bytes:
    a RAW returned to SQL holds no more; the emulator fails beyond, as Oracle does)."""
    import sqlglot

    from tests.oracle.oracle_sql import Unsupported

    values = ["Grüße", "a|b", "x" * 1999]
    col = ColumnSpec("c", "texthash", "nvarchar2", {"oracle_name": "C", "utf8_database": False})
    expression = sqlglot.parse_one(f"SELECT {piece(col)} FROM DUAL", read="oracle").expressions[0]
    got = [Evaluator({"C": v}, {}).ev(expression) for v in values]
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        want = [conn.execute(sql.SQL("SELECT {}").format(pg_piece("texthash", sql.Literal(v), "text"))).fetchone()[0] for v in values]  # type: ignore[index]  # fmt: skip
    assert got == want
    with pytest.raises(Unsupported, match="ORA-06502"):
        Evaluator({"C": "é" * 1001}, {}).ev(expression)
