"""The PostgreSQL adapter passes the adapter contract that third-party adapters run too."""

from __future__ import annotations

from tests.conftest import EXAMPLES
from tests.e2e.pgflow import load_sql
from transship.dbconfig import DBConfig
from transship.testing.contract import check_adapter_contract
from transship_postgres.adapter import PostgresAdapter


def test_postgres_adapter_contract(pg_server, pg_db, pg_target_db, tmp_path):
    load_sql(
        pg_server,
        pg_db,
        EXAMPLES / "sample-postgres" / "schema.sql",
        EXAMPLES / "sample-postgres" / "data.sql",
    )
    cfg = DBConfig(
        "postgresql", pg_server.host, pg_server.port, pg_server.user, None, pg_db, "public,inventory"
    )
    report = check_adapter_contract(PostgresAdapter(cfg), pg_server, pg_target_db, tmp_path)
    assert report.schema_failures == []
    assert report.rows["public.orders"] == 2400 and report.rows["public.sales_ledger"] == 2500
    # chunks by integer key (orders), by ctid (book_authors: a two-column key) and of leaf partitions
    assert {"orders", "book_authors", "sales_ledger_2023"} <= set(report.chunked)
