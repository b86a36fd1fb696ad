"""The MariaDB client reads no user or system option file: a ~/.my.cnf with safe-updates or an
init-command does not change the exported rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.mysql.test_client_export import CLIENT, _export, _flags, _run

pytestmark = pytest.mark.skipif(not Path(CLIENT).exists(), reason=f"needs {CLIENT}")


@pytest.mark.parametrize(
    "option",
    ["safe-updates", "init-command=SET SESSION sql_select_limit=7"],
    ids=["safe-updates", "init-command"],
)
def test_an_option_file_of_the_user_does_not_change_the_exported_rows(
    mysql_server, mysql_db, tmp_path: Path, option: str
) -> None:
    _run(mysql_server, mysql_db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))",
         "INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000")  # fmt: skip
    home = tmp_path / "home"
    home.mkdir()
    (home / ".my.cnf").write_text(f"[mysql]\n{option}\n", encoding="utf-8")
    src = _flags(mysql_server, mysql_db)
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src, "--yes")
    _export(export_dir, src, {"HOME": str(home), "TRANSSHIP_EXPORT_CHUNK_ROWS": "100000"})
    rows = sum(f.read_bytes().count(b"\n") for f in (export_dir / "data").glob("t*_data.sql"))
    assert (
        rows == 3000
    )  # on the old code: 1000 rows with safe-updates, 7 with the init-command, and the export says "complete"
