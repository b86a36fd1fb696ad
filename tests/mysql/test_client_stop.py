"""A failed MySQL export (disk full, another table failed) with the MariaDB client path stops about as fast
as with pymysql: a client stopped mid-copy is killed, not waited for."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mysql.test_client_export import CLIENT, _flags, _run
from transship_mysql.client_copy import DRIVER_ENV

pytestmark = pytest.mark.skipif(not Path(CLIENT).exists(), reason=f"needs {CLIENT}")


def _failing_export(export_dir: Path, src: list[str], driver: str) -> float:
    start = time.monotonic()
    res = run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", "--parallel-jobs", "4",
                  "--start-clean", "true", "--yes",
                  env={DRIVER_ENV: driver, "TRANSSHIP_EXPORT_CHUNK_ROWS": "50000", "TRANSSHIP_DISK_FULL_AT": "data@3"},
                  check=False)  # fmt: skip
    assert res.returncode != 0 and "disk full" in res.stderr, res
    return time.monotonic() - start


def test_a_failed_export_stops_about_as_fast_with_the_client_as_with_pymysql(
    mysql_server, mysql_db, tmp_path: Path
) -> None:
    _run(mysql_server, mysql_db, "CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(200))",
         "INSERT INTO a SELECT seq, CONCAT(MD5(seq), REPEAT('x', 100)) FROM seq_1_to_400000", "ANALYZE TABLE a")  # fmt: skip
    src = _flags(mysql_server, mysql_db)
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src, "--yes")
    slow_path = _failing_export(export_dir, src, "pymysql")
    fast_path = _failing_export(export_dir, src, "mariadb")
    # on the old code: about slow_path + 5 s per reader (4 readers: ~20 s more)
    assert fast_path < slow_path + 4, (fast_path, slow_path)
