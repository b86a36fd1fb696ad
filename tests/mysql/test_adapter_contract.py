"""The MySQL adapter passes the adapter contract (transship.testing.contract) on the project's own sample."""

from __future__ import annotations

from tests.conftest import EXAMPLES
from tests.mysql.mysql_helpers import adapter_for, load_mysql
from transship.testing.contract import check_adapter_contract


def test_mysql_adapter_contract(mysql_server, mysql_db, pg_server, pg_target_db, tmp_path):
    load_mysql(mysql_server, mysql_db, (EXAMPLES / "sample-mysql" / "schema.sql").read_text(encoding="utf-8"))
    report = check_adapter_contract(
        adapter_for(mysql_server, mysql_db), pg_server, pg_target_db, tmp_path, "shop"
    )
    assert report.schema_failures == []
    assert report.rows and all(key.startswith("shop.") for key in report.rows)
    assert sum(report.rows.values()) > 0
    assert {"customer", "Order-Line"} <= set(report.chunked)  # primary-key ranges
