"""Every row of SQL*Plus-style Oracle scripts arrives: multi-row VALUES, INSERT ALL, @@, DEFINE, SET DEFINE OFF."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli
from tests.e2e.test_oracle_example import target_flags

pytestmark = pytest.mark.e2e

SCRIPTS = {
    "create.sql": """REM customers and their orders
SET ECHO OFF
WHENEVER SQLERROR EXIT SQL.SQLCODE
DEFINE cust = customers
CREATE TABLE &cust (
  id NUMBER(6) PRIMARY KEY,
  name VARCHAR2(40) NOT NULL,
  city VARCHAR2(20)
);
@@ddl/orders
EXIT
CREATE TABLE never_created (x NUMBER);
""",
    "ddl/orders.sql": """PROMPT creating orders ...
CREATE TABLE orders (
  order_id NUMBER(8) PRIMARY KEY,
  customer_id NUMBER(6) REFERENCES customers,
  item VARCHAR2(30),
  placed DATE
);
/
""",
    "populate.sql": """SET FEEDBACK OFF
DEFINE city = "Oslo"
DEFINE item = anchor
INSERT INTO &cust (id, name, city) VALUES (1, 'Nordmann & Sons', '&city'), (2, 'Kari', 'Bergen'),
  (3, 'O''Hara', NULL);
INSERT ALL
  INTO orders (order_id, customer_id, item, placed) VALUES (10, 1, 'rope', DATE '2024-01-02')
  INTO orders (order_id, customer_id, item, placed) VALUES (11, 2, 'sail', DATE '2024-02-03')
  INTO customers (id, name) VALUES (4, 'Per')
SELECT * FROM dual;
@@rows/more_orders 12
SET DEFINE OFF
INSERT INTO customers VALUES (5, 'AT&T', 'Dallas');
COMMIT;
EXIT
INSERT INTO customers VALUES (6, 'never read', NULL);
""",
    "rows/more_orders.sql": "INSERT INTO orders VALUES (&1, 3, '&item.s', DATE '2024-03-04');\n",
}


def test_sqlplus_scripts_arrive_row_by_row(
    tmp_path: Path, export_dir: Path, pg_server, pg_target_db: str
) -> None:  # type: ignore[no-untyped-def]
    for name, text in SCRIPTS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    src = ["--source-db-type", "oracle", "--source-db-schema", "shop"]
    ddl = ["--source-ddl-file", str(tmp_path / "create.sql")]
    run_cli("export", "schema", "-e", str(export_dir), *src, *ddl)
    run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", *ddl,
            "--source-data-file", str(tmp_path / "populate.sql"))  # fmt: skip
    tgt = target_flags(pg_server, pg_target_db, "shop")
    assert "failed" not in run_cli("import", "schema", "-e", str(export_dir), *tgt).stdout
    run_cli("import", "data", "-e", str(export_dir), *tgt, "--disable-pb", "true")
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("SET search_path TO shop")
        assert conn.execute("SELECT id, name, city FROM customers ORDER BY id").fetchall() == [
            (1, "Nordmann & Sons", "Oslo"), (2, "Kari", "Bergen"), (3, "O'Hara", None), (4, "Per", None),
            (5, "AT&T", "Dallas"),
        ]  # fmt: skip
        assert conn.execute("SELECT order_id, customer_id, item, placed FROM orders ORDER BY 1").fetchall() == [
            (10, 1, "rope", dt.datetime(2024, 1, 2)), (11, 2, "sail", dt.datetime(2024, 2, 3)),
            (12, 3, "anchors", dt.datetime(2024, 3, 4)),
        ]  # fmt: skip
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'shop' ORDER BY 1"
        ).fetchall()
        assert tables == [("customers",), ("orders",)]  # nothing after EXIT was read

    # the client commands of each DDL script are noted in the analysis report
    run_cli("analyze-schema", "-e", str(export_dir), "--output-format", "json", "--yes")
    report = json.loads((export_dir / "reports" / "schema_analysis_report.json").read_text(encoding="utf-8"))
    notes = {i["ObjectName"]: i["Reason"] for i in report["Issues"] if i["RuleCode"] == "LOSSY_CONVERSION"}
    create = notes[f"{tmp_path / 'create.sql'} (SQL*Plus commands)"]
    assert "REMARK (line 1)" in create and "WHENEVER (line 3)" in create and "@@ (line 10" in create
    assert "EXIT (line 11: the rest of the script was not read)" in create
    orders = notes[f"{tmp_path / 'ddl' / 'orders.sql'} (SQL*Plus commands)"]
    assert "PROMPT (line 1)" in orders and "/ (line 8)" in orders
