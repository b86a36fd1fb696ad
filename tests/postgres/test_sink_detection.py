"""Choosing the sink: --target-db-type, or detection of YugabyteDB features at run time."""

from __future__ import annotations

import json

from tests.conftest import EXAMPLES, run_cli
from tests.e2e.pgflow import load_sql, source_flags, target_flags


def _status(export_dir):
    import sqlite3

    with sqlite3.connect(export_dir / "metainfo" / "meta.db") as db:
        return json.loads(
            db.execute("SELECT json_text FROM json_objects WHERE key = 'migration_status'").fetchone()[0]
        )


def test_plain_postgresql_detected_and_yugabyte_features_switch_the_sink(
    pg_server, pg_db, pg_target_db, export_dir
):
    load_sql(pg_server, pg_db, EXAMPLES / "sample-postgres" / "schema.sql")
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public,inventory"))
    run_cli("import", "schema", *e, *target_flags(pg_server, pg_target_db))
    assert _status(export_dir)["target_db_type"] == "postgresql"

    # A server that has yb_servers() is YugabyteDB: detection picks the yugabytedb sink (smaller batches)
    with pg_server.connect(pg_target_db) as conn:
        conn.execute(
            "CREATE FUNCTION public.yb_servers() RETURNS TABLE (host text) LANGUAGE sql AS $$ SELECT '127.0.0.1'::text $$"
        )
    run_cli("import", "schema", *e, *target_flags(pg_server, pg_target_db), "--ignore-exist")
    assert _status(export_dir)["target_db_type"] == "yugabytedb"

    # an explicit --target-db-type wins, and an unknown one is a clear error
    run_cli(
        "import",
        "schema",
        *e,
        *target_flags(pg_server, pg_target_db),
        "--target-db-type",
        "postgresql",
        "--ignore-exist",
    )
    assert _status(export_dir)["target_db_type"] == "postgresql"
    bad = run_cli(
        "import",
        "schema",
        *e,
        *target_flags(pg_server, pg_target_db),
        "--target-db-type",
        "oracle",
        check=False,
    )
    assert bad.returncode != 0 and "unknown --target-db-type oracle" in bad.stderr and "fix:" in bad.stderr
