"""A row over the COPY line limit whose key follows a long value is named exactly on the psql path too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags
from transship_postgres.psql_copy import DRIVER_ENV


@pytest.mark.parametrize("driver", ["psql", "psycopg"])
def test_the_row_over_the_limit_is_named_when_its_key_follows_a_long_value(
    pg_server, pg_db, tmp_path: Path, driver: str
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (v text, id int PRIMARY KEY)")
        # id 1: 1.1 MB of 'a' (a 1.1 MB line, under the limit); id 2: 0.9 MB of tabs (a 1.8 MB line, over it)
        conn.execute("INSERT INTO t VALUES (repeat('a', 1100000), 1), (repeat(E'\\t', 900000), 2), ('x', 3)")
    src = source_flags(pg_server, pg_db, "public")
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src)
    res = run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true",
                  env={DRIVER_ENV: driver, "TRANSSHIP_MAX_COPY_LINE_BYTES": "1500000"}, check=False)  # fmt: skip
    assert res.returncode != 0
    # on the old code, with psql: "row id=1 would be a COPY line over the 1,500,000 bytes ... (at least 1,100,004 bytes; as stored ...)"
    assert "row id=2 would be a COPY line" in res.stderr, res.stderr
