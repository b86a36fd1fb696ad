"""The Oracle adapter (script mode) passes the adapter contract on the project's own sample scripts."""

from __future__ import annotations

from tests.conftest import EXAMPLES
from transship.dbconfig import DBConfig
from transship.testing.contract import check_adapter_contract
from transship_oracle.adapter import OracleAdapter


def test_oracle_script_adapter_contract(pg_server, pg_target_db, tmp_path):
    sample = EXAMPLES / "sample-oracle"
    adapter = OracleAdapter(DBConfig("oracle", schema="ferries"))
    adapter.source_ddl_files = [str(sample / "schema.sql")]
    adapter.source_data_files = [str(sample / "data.sql")]
    report = check_adapter_contract(adapter, pg_server, pg_target_db, tmp_path, "ferries")
    assert report.schema_failures == []
    assert report.rows and sum(report.rows.values()) > 0
