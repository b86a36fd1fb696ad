"""End to end: PostgreSQL Sakila (from ../shared) → PostgreSQL through the CLI in the seed's order."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tests.e2e.pgflow import assert_identical, load_sql, migrate

pytestmark = [pytest.mark.e2e, pytest.mark.shared]


def test_sakila_migrates_identically(pg_server, pg_db, pg_target_db, export_dir):
    base = shared_path("datasets", "postgres-sakila")
    load_sql(pg_server, pg_db, base / "sakila-schema.sql", base / "sakila-data.sql")
    steps = migrate(pg_server, pg_db, pg_target_db, "public", export_dir, batch_size="3000", import_jobs="3")
    assert "Import data complete" in steps["import data"].stdout
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])
