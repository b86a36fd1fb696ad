"""Oracle script splitting, expression and PL/SQL conversion, INSERT-script reading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from transship.errors import DataFileError, TransshipError
from transship_oracle.ddl_script import SourceUnit
from transship_oracle.expressions import rewrite
from transship_oracle.plsql import Context, convert_unit
from transship_oracle.script_data import parse_oracle_datetime, read_data_scripts
from transship_oracle.sqlplus import SqlPlus


def test_split_handles_sqlplus_slash_and_plsql(tmp_path: Path) -> None:
    script = (
        "REM header\nSET ECHO OFF\nPROMPT making t ...\n"
        "CREATE TABLE t (a NUMBER); -- trailing comment\n/\n"
        "CREATE OR REPLACE PROCEDURE p IS\nBEGIN\n  NULL; -- ; inside\nEND p;\n/\n"
        "INSERT INTO t VALUES (q'[it's; fine]');\n"
        "BEGIN\n  INSERT INTO t VALUES (1);\nEND;\n/\n"
    )
    path = tmp_path / "script.sql"
    path.write_text(script, encoding="utf-8")
    session = SqlPlus()
    statements = list(session.statements(str(path), "--source-ddl-file"))
    assert [st.line for st in statements if st.rerun] == [5]  # the "/" after "...;" runs it again
    parts = [st for st in statements if not st.rerun]
    assert [(p.line, p.plsql) for p in parts] == [(4, False), (6, True), (11, False), (12, True)]
    assert parts[0].sql == "CREATE TABLE t (a NUMBER)"
    assert parts[1].sql.endswith("END p;") and parts[2].sql.endswith("]')")


@pytest.mark.parametrize(
    ("oracle", "postgres"),
    [
        ("NVL(a, 0)", "COALESCE(a, 0)"),
        ("NVL2(a, 'y', 'n')", "CASE WHEN (a) IS NOT NULL THEN 'y' ELSE 'n' END"),
        (
            "DECODE(x, 1, 'one', NULL, 'none', 'other')",
            "CASE WHEN (x) IS NOT DISTINCT FROM 1 THEN 'one' WHEN (x) IS NULL THEN 'none' ELSE 'other' END",
        ),
        ("SYSDATE", "LOCALTIMESTAMP(0)"),
        ("hr.emp_seq.NEXTVAL", "nextval('emp_seq')"),
        ("SELECT s.currval FROM dual", "SELECT currval('s') "),
        ("x = ''", "x = NULL"),
        ("TRUNC(SYSDATE, 'MM')", "date_trunc('month', LOCALTIMESTAMP(0))::timestamp(0)"),
        ("a MINUS b", "a EXCEPT b"),
    ],
)
def test_expression_rewrites(oracle: str, postgres: str) -> None:
    r = rewrite(oracle)
    assert r.ok and r.text == postgres


def test_outer_join_is_reported_never_converted() -> None:
    r = rewrite("SELECT * FROM e, d WHERE e.dept_id = d.id(+)")
    assert not r.ok and "(+)" in r.problems[0]


def _unit(kind: str, name: str, sql: str) -> SourceUnit:
    return SourceUnit(kind, name, sql)


def test_unsupported_plsql_is_kept_and_reported() -> None:
    ctx = Context(schema="HR", procedures={"LOG_IT"})
    routine = convert_unit(
        _unit(
            "procedure",
            "P",
            "CREATE PROCEDURE p IS\n  TYPE t IS TABLE OF NUMBER;\n  v t;\nBEGIN\n  SELECT id BULK COLLECT INTO v FROM emp;\nEND;",
        ),
        ctx,
    )
    assert routine.target_sql is None
    assert any("BULK COLLECT" in n for n in routine.notes) and any("TYPE t" in n for n in routine.notes)
    outer = convert_unit(
        _unit(
            "function",
            "F",
            "CREATE FUNCTION f RETURN NUMBER IS n NUMBER;\nBEGIN\n  SELECT count(*) INTO n FROM e, d WHERE e.d = d.id(+);\n  RETURN n;\nEND;",
        ),
        ctx,
    )
    assert outer.target_sql is None and any("(+)" in n for n in outer.notes)
    unknown = convert_unit(
        _unit("procedure", "Q", "CREATE PROCEDURE q IS BEGIN other_schema_proc(1); END;"), ctx
    )
    assert unknown.target_sql is None and any("other_schema_proc".upper() in n for n in unknown.notes)


def test_trigger_conversion_shape() -> None:
    ctx = Context(schema="HR")
    routine = convert_unit(_unit("trigger", "T_BI", (
        "CREATE OR REPLACE TRIGGER t_bi BEFORE INSERT OR DELETE ON t FOR EACH ROW\n"
        "BEGIN\n  IF INSERTING THEN\n    :NEW.id := NVL(:NEW.id, t_seq.NEXTVAL);\n  END IF;\nEND;"
    )), ctx)  # fmt: skip
    sql = routine.target_sql or ""
    assert "NEW.id := COALESCE(NEW.id, nextval('t_seq'))" in sql and "(TG_OP = 'INSERT')" in sql
    assert "RETURN OLD;" in sql and "BEFORE INSERT OR DELETE ON t" in sql and routine.table == "t"


def test_oracle_date_formats() -> None:
    assert parse_oracle_datetime("17-06-2013", "dd-MM-yyyy") == dt.datetime(2013, 6, 17)
    assert parse_oracle_datetime("2024-01-31 23:59:58.123456789", "YYYY-MM-DD HH24:MI:SS.FF9") == dt.datetime(
        2024, 1, 31, 23, 59, 58, 123456
    )
    assert parse_oracle_datetime("05-JAN-24 10:00 PM", "DD-MON-RR HH:MI AM") == dt.datetime(2024, 1, 5, 22, 0)


def test_insert_scripts_need_columns_and_constants(tmp_path: Path) -> None:
    data = tmp_path / "data.sql"
    data.write_text("INSERT INTO t VALUES (1, 'a');\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="no CREATE TABLE T was read"):
        read_data_scripts([str(data)], "HR")
    data.write_text(
        "CREATE TABLE t (a NUMBER, b VARCHAR2(5));\nINSERT INTO t VALUES (1, SYSDATE);\n", encoding="utf-8"
    )
    with pytest.raises(TransshipError) as info:
        read_data_scripts([str(data)], "HR")
    assert "data.sql:2" in info.value.one_line() and "not a constant" in info.value.one_line()
    data.write_text(
        "CREATE TABLE t (a NUMBER, b VARCHAR2(5));\nINSERT INTO t (b, a) VALUES ('', -2.50);\nINSERT INTO t VALUES (3, 'x' || CHR(9) || 'y');\n",
        encoding="utf-8",
    )
    tables, _ = read_data_scripts([str(data)], "HR")
    assert tables["T"].rows == [[pytest.approx(-2.5), None], [3, "x\ty"]]  # '' is NULL, as Oracle stores it
