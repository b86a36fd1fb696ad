"""End to end through the CLI on examples/sample-mysql (needs no ../shared)."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import EXAMPLES, run_cli
from tests.mysql.mysql_flow import compare_tables, migrate, mysql_rows, pg_rows
from tests.mysql.mysql_helpers import load_mysql

pytestmark = pytest.mark.e2e


def _load(mysql_server, db: str) -> None:
    load_mysql(mysql_server, db, (EXAMPLES / "sample-mysql" / "schema.sql").read_text(encoding="utf-8"))


def test_sample_mysql_migrates(mysql_server, mysql_db, pg_server, pg_target_db, export_dir):
    _load(mysql_server, mysql_db)
    out = migrate(export_dir, mysql_server, mysql_db, pg_server, pg_target_db, "shop")
    assert "failed" not in out["import schema"].stdout
    counts = compare_tables(mysql_server, mysql_db, pg_server, pg_target_db, "shop")
    assert counts["customer"] == 3 and counts["measurement"] == 3
    report = (export_dir / "reports" / "schema_analysis_report.txt").read_text(encoding="utf-8")
    assert "list_customers" in report  # a procedure returning a result set is reported, not dropped
    # views return the same rows, converted routines and triggers work on the target
    assert sorted(pg_rows(pg_server, pg_target_db, "shop", "SELECT * FROM customer_orders")) == sorted(
        mysql_rows(mysql_server, mysql_db, "SELECT * FROM customer_orders")
    )
    assert pg_rows(pg_server, pg_target_db, "shop", "SELECT order_total(1)") == mysql_rows(
        mysql_server, mysql_db, "SELECT order_total(1)"
    )
    rows = pg_rows(
        pg_server,
        pg_target_db,
        "shop",
        "INSERT INTO \"order\" (customer_id, amount, placed_on) VALUES (1, -5, '2024-01-01') RETURNING id, amount",
    )
    assert rows == [(4, 0)]  # identity resumed after the source's ids; BEFORE trigger clamped the amount
    assert pg_rows(
        pg_server, pg_target_db, "shop", "SELECT count(*) FROM audit_log WHERE message = 'order 4 placed'"
    ) == [(1,)]
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        conn.execute("SET search_path TO shop")
        conn.execute("CALL deactivate_customer(3)")
    assert pg_rows(pg_server, pg_target_db, "shop", "SELECT is_active FROM customer WHERE id = 3") == [(0,)]
    bad = run_cli("export", "schema", "-e", str(export_dir), "--source-db-type", "mysql", "--source-db-schema", "x",
                  "--source-db-name", mysql_db, "--start-clean", "true", "--yes", check=False)  # fmt: skip
    assert bad.returncode != 0 and "--source-db-schema is not applicable for mysql" in bad.stdout + bad.stderr
