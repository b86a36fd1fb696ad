"""A pymysql read that fails (disk full while large rows are written) gives one line, no traceback; both
drivers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mysql.test_client_export import CLIENT, _flags, _run

pytestmark = pytest.mark.skipif(not Path(CLIENT).exists(), reason=f"needs {CLIENT}")


@pytest.mark.parametrize("driver", ["mariadb", "pymysql"])
def test_disk_full_while_large_rows_are_written_gives_one_line_and_no_traceback(
    mysql_server, mysql_db, tmp_path: Path, driver: str
) -> None:
    _run(mysql_server, mysql_db, "CREATE TABLE c (id INT PRIMARY KEY, t LONGTEXT)",
         "INSERT INTO c SELECT seq, IF(seq % 3 = 0, REPEAT('big', 2000), 'small') FROM seq_1_to_60000")  # fmt: skip
    src = _flags(mysql_server, mysql_db)
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src, "--yes")
    res = run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", "--yes",
                  env={"TRANSSHIP_MYSQL_EXPORT_DRIVER": driver, "TRANSSHIP_DISK_FULL_AT": "data@5"}, check=False)  # fmt: skip
    assert res.returncode != 0 and "disk full at" in res.stderr, res
    assert "Traceback" not in res.stderr, res.stderr
