"""Converted routines that call unconverted ones are kept unconverted and reported (never fail at run time)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.oracle.test_live import apply_schema, export
from transship.dbconfig import DBConfig
from transship_oracle.adapter import OracleAdapter
from transship_oracle.dependencies import called_names

SCRIPT = """
CREATE TABLE t (id NUMBER(9) PRIMARY KEY, n NUMBER);
CREATE OR REPLACE PROCEDURE bulk_load IS
  v_ids NUMBER;
BEGIN
  SELECT id BULK COLLECT INTO v_ids FROM t;
END;
/
CREATE OR REPLACE FUNCTION uses_bulk RETURN NUMBER IS
BEGIN
  bulk_load;
  RETURN 1;
END;
/
CREATE OR REPLACE FUNCTION double_it(p NUMBER) RETURN NUMBER IS
BEGIN
  RETURN p * 2;
END;
/
CREATE OR REPLACE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW
BEGIN
  bulk_load;
END;
/
CREATE OR REPLACE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW
BEGIN
  :NEW.n := double_it(:NEW.n);
END;
/
CREATE OR REPLACE PACKAGE tools AS
  FUNCTION raw_count RETURN NUMBER;
  FUNCTION wrapped RETURN NUMBER;
  FUNCTION twice_wrapped RETURN NUMBER;
  FUNCTION plain(p NUMBER) RETURN NUMBER;
END tools;
/
CREATE OR REPLACE PACKAGE BODY tools AS
  FUNCTION raw_count RETURN NUMBER IS
    v_ids NUMBER;
  BEGIN
    SELECT id BULK COLLECT INTO v_ids FROM t;
    RETURN 0;
  END raw_count;
  FUNCTION wrapped RETURN NUMBER IS
  BEGIN
    RETURN raw_count() + 1;
  END wrapped;
  FUNCTION twice_wrapped RETURN NUMBER IS
  BEGIN
    RETURN wrapped() + double_it(1);
  END twice_wrapped;
  FUNCTION plain(p NUMBER) RETURN NUMBER IS
  BEGIN
    RETURN double_it(p) + 1;
  END plain;
END tools;
/
"""


def test_called_names_reads_bodies_only() -> None:
    ddl = (
        "CREATE FUNCTION tools.f(p numeric) RETURNS numeric LANGUAGE plpgsql AS $body$\n"
        'BEGIN\n  INSERT INTO t (id) VALUES (1);\n  PERFORM "Mixed"(1);\n  CALL tools.g();\n'
        "  RETURN coalesce(p, 'h(1)');\nEND;\n$body$;"
    )
    names = called_names(ddl)  # keywords before "(" (VALUES) may appear: only the intersection is used
    assert {"Mixed", "tools.g", "coalesce"} <= names
    assert not names & {"t", "tools.f", "f", "h", "id", "p"}


def test_callers_of_unconverted_routines_stay_unconverted(tmp_path: Path, pg_server, pg_db: str) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "schema.sql"
    script.write_text(SCRIPT, encoding="utf-8")
    adapter = OracleAdapter(DBConfig("oracle", schema="app"))
    adapter.source_ddl_files = [str(script)]
    adapter.validate_config()
    result = export(adapter, tmp_path)
    unconverted = {
        (f["object_type"], f["object_name"], f["reason"])
        for f in result.findings
        if f["kind"] == "unconverted_object" and "calls unconverted" in f["reason"]
    }
    assert unconverted == {
        ("FUNCTION", "uses_bulk", "not converted: calls unconverted bulk_load"),
        ("TRIGGER", "t_bi", "not converted: calls unconverted bulk_load"),
        ("PACKAGE", "tools", "tools.wrapped not converted: calls unconverted tools.raw_count"),
        ("PACKAGE", "tools", "tools.twice_wrapped not converted: calls unconverted tools.wrapped"),
    }
    package_file = (tmp_path / "schema" / "packages" / "package.sql").read_text(encoding="utf-8")
    assert "package member tools.twice_wrapped was NOT converted" in package_file
    assert apply_schema(pg_server, pg_db, tmp_path / "schema") == []
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        # what stayed converted runs; nothing that would fail at run time was created
        assert conn.execute("SELECT tools.plain(2)").fetchone()[0] == 5
        created = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname IN ('public', 'tools') ORDER BY 1"
        ).fetchall()
        assert [r[0] for r in created] == ["double_it", "plain", "trigger_fct_t_bu"]
        conn.execute("INSERT INTO t (id, n) VALUES (1, 3)")
        conn.execute("UPDATE t SET n = n + 1 WHERE id = 1")
        assert conn.execute("SELECT n FROM t").fetchone()[0] == 8
