"""End to end: the project's own sample database, PostgreSQL → PostgreSQL, through the CLI in the seed's order."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.conftest import EXAMPLES, run_cli
from tests.e2e.pgflow import assert_identical, import_status, load_sql, migrate, target_flags

pytestmark = pytest.mark.e2e


def test_sample_migrates_identically(pg_server, pg_db, pg_target_db, export_dir, tmp_path):
    load_sql(
        pg_server,
        pg_db,
        EXAMPLES / "sample-postgres" / "schema.sql",
        EXAMPLES / "sample-postgres" / "data.sql",
    )
    steps = migrate(pg_server, pg_db, pg_target_db, "public,inventory", export_dir, batch_size="700")
    assert "NOT VALID constraint(s) held back" in steps["import schema"].stdout
    assert "Refreshed 1 materialized view" in steps["post-snapshot"].stdout
    assert_identical(pg_server, pg_db, pg_target_db, ["public", "inventory"])

    # NOT VALID constraints arrive NOT VALID, and the materialized view holds rows
    with pg_server.connect(pg_target_db) as conn:
        not_valid = conn.execute("SELECT count(*) FROM pg_constraint WHERE NOT convalidated").fetchone()[0]
        assert not_valid == 2
        assert conn.execute("SELECT count(*) FROM public.book_sales_summary").fetchone()[0] > 0

    # exact per-table status, from local state only
    status = import_status(export_dir)
    assert status and all(
        d["status"] == "DONE" and d["imported_count"] == d["total_count"] for d in status.values()
    )
    exported = json.loads(
        run_cli("export", "data", "status", "-e", str(export_dir), "--output-format", "json").stdout
    )
    assert {d["status"] for d in exported} == {"DONE"}
    assert (export_dir / "reports" / "import-data-status-report.json").is_file()

    # a second import data run is a no-op (exactly once)
    again = run_cli(
        "import", "data", "-e", str(export_dir), *target_flags(pg_server, pg_target_db), "--disable-pb"
    )
    assert "0 batch(es)" in again.stdout
    assert_identical(pg_server, pg_db, pg_target_db, ["public", "inventory"])

    # end migration: backups, ledger gone, export dir cleared
    backup = tmp_path / "backup"
    backup.mkdir()
    run_cli("end", "migration", "-e", str(export_dir), *target_flags(pg_server, pg_target_db), "--yes", "--backup-dir", str(backup),
            "--backup-schema-files", "--backup-data-files", "true", "--save-migration-reports", "yes", "--backup-log-files", "1")  # fmt: skip
    assert (backup / "schema" / "tables" / "table.sql").is_file()
    assert any((backup / "data").glob("*_data.sql"))
    # each status report once, under the status command's name
    saved = sorted(p.name for p in (backup / "reports").iterdir())
    assert "import-data-status-report.json" in saved and "export-data-status-report.json" in saved, saved
    assert not any("_data_status" in name for name in saved), saved
    assert any((backup / "logs").glob("*.log"))
    assert not (export_dir / "metainfo").exists() and not (export_dir / "data").exists()
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT to_regnamespace('transship_metadata')").fetchone()[0] is None
        # triggers were off during the load only: they fire on the target now
        audit_before = conn.execute("SELECT count(*) FROM public.audit_log").fetchone()[0]
        conn.execute(
            "INSERT INTO public.orders (customer_id, status) SELECT min(customer_id), 'pending' FROM public.customers"
        )
        assert conn.execute("SELECT count(*) FROM public.audit_log").fetchone()[0] == audit_before + 1
