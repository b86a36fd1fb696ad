"""MySQL/MariaDB data export through a ``mariadb`` client session per reader (transship_mysql.client_copy).

- the client and pymysql write the same rows (values COPY escapes, CR, NULLs, zero dates, large text and blobs
  fetched by key, chunks), the client was really used, and a password never reaches its command line;
- no client on the PATH, or a client that cannot connect: pymysql exports, with one warning in the log;
- a client that fails mid-copy stops the export with one line naming the table and MySQL's error, keeps
  nothing of it, and the re-run completes;
- a killed export leaves no client behind.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest

from tests.bigvalues import packet_setting_lock
from tests.child_programs import SETPRIV, assert_no_child_outlives_a_killed_cli, fake_program
from tests.conftest import run_cli
from transship_mysql.client_copy import DRIVER_ENV

CLIENT = "/usr/bin/mariadb"
pytestmark = pytest.mark.skipif(not Path(CLIENT).exists(), reason=f"needs {CLIENT} (MariaDB client)")


def _flags(server, db: str, user: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--source-db-type", "mysql", "--source-db-host", server.host, "--source-db-port", str(server.port),
            "--source-db-user", user or server.user, "--source-db-name", db]  # fmt: skip


def _fake_client(folder: Path, body: str) -> dict[str, str]:
    """PATH finding a ``mariadb`` script with ``body`` first (answering ``--version`` like MariaDB's)."""
    return fake_program(folder, "mariadb", body, version="mariadb from 11.0-MariaDB, fake")


def _exported_schema(server, db: str, tmp_path: Path, rows: int) -> tuple[list[str], Path]:  # type: ignore[no-untyped-def]
    """A table ``t`` of ``rows`` keys and its exported schema: (source flags, export dir)."""
    _run(server, db, "CREATE TABLE t (id INT PRIMARY KEY)", f"INSERT INTO t SELECT seq FROM seq_1_to_{rows}")
    src = _flags(server, db)
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src, "--yes")
    return src, export_dir


def _sorted_lines(export_dir: Path, table: str) -> str:
    lines = sorted(
        line for f in (export_dir / "data").glob(f"{table}*_data.sql") for line in f.read_bytes().splitlines()
    )
    return hashlib.sha256(b"\n".join(lines)).hexdigest() + f" {len(lines)}"


def _export(export_dir: Path, src: list[str], env: dict[str, str], check: bool = True):  # type: ignore[no-untyped-def]
    return run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", "--parallel-jobs", "2",
                   "--yes", env={"TRANSSHIP_EXPORT_CHUNK_ROWS": "400", **env}, check=check)  # fmt: skip


def _run(server, db: str, *statements: str) -> None:  # type: ignore[no-untyped-def]
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            for stmt in statements:
                cur.execute(stmt)
        conn.commit()
    finally:
        conn.close()


def test_client_and_pymysql_write_the_same_rows_and_the_password_stays_off_the_command_line(
    mysql_server, mysql_db, tmp_path: Path
) -> None:
    user, password = f"ts_cli_{secrets.token_hex(4)}", 'p"w\\x y#'
    _run(
        mysql_server, mysql_db,
        "CREATE TABLE mixed (id INT PRIMARY KEY, t TEXT, b LONGBLOB, d DATETIME, e ENUM('a','b'), j JSON, f FLOAT)",
        "INSERT INTO mixed SELECT seq, IF(seq % 7 = 0, NULL, CONCAT('tab\\there\\nnl\\rcr \\\\ ü€ ', seq)), "
        "IF(seq % 50 = 0, REPEAT(UNHEX('00FF0A0D5C'), 2000), UNHEX(MD5(seq))), "
        "IF(seq % 9 = 0, '0000-00-00 00:00:00', '2024-01-02 03:04:05'), IF(seq % 2, 'a', 'b'), "
        "JSON_OBJECT('k', seq), seq / 3 FROM seq_1_to_2000",
        "UPDATE mixed SET t = REPEAT(CONCAT('long\\t\\r\\n', id), 900) WHERE id % 40 = 0",
        "CREATE TABLE nokey (v VARCHAR(20))",
        "INSERT INTO nokey SELECT CONCAT('v\\r', seq) FROM seq_1_to_300",
        f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password.replace(chr(92), chr(92) * 2)}'",
        f"GRANT ALL ON `{mysql_db}`.* TO '{user}'@'%'",
        f"GRANT RELOAD ON *.* TO '{user}'@'%'",
    )  # fmt: skip
    try:
        src = _flags(mysql_server, mysql_db, user)
        env_pw = {"SOURCE_DB_PASSWORD": password}
        calls = tmp_path / "calls"
        fake = _fake_client(tmp_path / "bin", f'echo "$*" >> "{calls}"\nexec {CLIENT} "$@"')
        fast, slow = tmp_path / "fast", tmp_path / "slow"
        for d in (fast, slow):
            d.mkdir()
            run_cli("export", "schema", "-e", str(d), *src, "--yes", env=env_pw)
        with packet_setting_lock():  # a raised max_allowed_packet (another test's) would mean pymysql reads
            _export(fast, src, {**fake, **env_pw})
        _export(slow, src, {DRIVER_ENV: "pymysql", **env_pw})
        assert len(list((fast / "data").glob("mixed+*_data.sql"))) >= 3, "mixed went in chunks"
        for table in ("mixed", "nokey"):
            assert _sorted_lines(fast, table) == _sorted_lines(slow, table), table
        log = (fast / "logs" / "export-data.log").read_text()
        assert calls.exists(), f"the client never ran: {log}"
        started = calls.read_text().splitlines()
        assert len(started) == 2, "one client session per reader"
        assert not any(password in line or 'p\\"w' in line for line in started), "the password is in argv"
        assert "exporting MySQL data with pymysql" not in log
    finally:
        _run(mysql_server, mysql_db, f"DROP USER '{user}'@'%'")


def test_no_client_on_the_path_exports_with_pymysql_and_says_so(
    mysql_server, mysql_db, tmp_path: Path
) -> None:
    src, export_dir = _exported_schema(mysql_server, mysql_db, tmp_path, 50)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    _export(export_dir, src, {"PATH": str(empty)})
    log = (export_dir / "logs" / "export-data.log").read_text()
    assert log.count("no MariaDB client (mariadb) on the PATH: exporting MySQL data with pymysql") == 1, log
    assert (export_dir / "data" / "t_data.sql").read_bytes().count(b"\n") == 50


def test_a_client_that_cannot_connect_falls_back_to_pymysql(mysql_server, mysql_db, tmp_path: Path) -> None:
    src, export_dir = _exported_schema(mysql_server, mysql_db, tmp_path, 70)
    fake = _fake_client(
        tmp_path / "bin", "echo \"ERROR 2002 (HY000): Can't connect to server on 'x' (115)\" >&2; exit 1"
    )
    _export(export_dir, src, fake)
    log = (export_dir / "logs" / "export-data.log").read_text()
    assert (
        log.count("the MariaDB client could not connect to the source (Can't connect to server on 'x'") == 1
    ), log
    assert (export_dir / "data" / "t_data.sql").read_bytes().count(b"\n") == 70


def test_a_client_failing_mid_copy_stops_with_one_line_and_the_rerun_completes(
    mysql_server, mysql_db, tmp_path: Path
) -> None:
    src, export_dir = _exported_schema(mysql_server, mysql_db, tmp_path, 100)
    fake = _fake_client(
        tmp_path / "bin",
        "printf '#transship-ready\\n1\\n2\\n'; sleep 0.2; "
        "echo 'ERROR 2013 (HY000) at line 8: Lost connection to server during query' >&2; exit 1",
    )
    res = _export(export_dir, src, fake, check=False)
    assert res.returncode != 0
    assert (
        f"exporting table {mysql_db}.t failed: Lost connection to server during query (MySQL error 2013)"
        in res.stderr
    ), res
    assert "please report" not in res.stderr + res.stdout
    assert not list((export_dir / "data").glob("t_data.sql")), "nothing is kept of the table"
    _export(export_dir, src, {})
    assert (export_dir / "data" / "t_data.sql").read_bytes().count(b"\n") == 100


@pytest.mark.skipif(not SETPRIV.exists(), reason="needs setpriv (util-linux) for the parent-death signal")
def test_a_killed_export_leaves_no_client_behind(mysql_server, mysql_db, tmp_path: Path) -> None:
    src, export_dir = _exported_schema(mysql_server, mysql_db, tmp_path, 10)
    fake = _fake_client(tmp_path / "bin", "printf '#transship-ready\\n'; exec sleep 120")
    assert_no_child_outlives_a_killed_cli(
        ["export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", "--yes"], fake
    )


def test_enum_labels_copy_would_escape_and_plain_ones_arrive_exactly(
    mysql_server, mysql_db, pg_server, pg_target_db, tmp_path: Path
) -> None:
    """Plain labels are sent as they are (no REPLACE per value); labels with TAB, LF, CR or a backslash are
    escaped like any text."""
    from tests.mysql.mysql_flow import migrate

    _run(
        mysql_server, mysql_db,
        "CREATE TABLE e (id INT PRIMARY KEY, plain ENUM('new','it''s paid','a b'), odd ENUM('t\\tab','back\\\\slash','n\\nl','c\\rr'))",
        "INSERT INTO e VALUES (1, 'new', 't\\tab'), (2, 'it''s paid', 'back\\\\slash'), (3, 'a b', 'n\\nl'), (4, NULL, 'c\\rr'), (5, 'new', NULL)",
    )  # fmt: skip
    (tmp_path / "e").mkdir()
    migrate(tmp_path / "e", mysql_server, mysql_db, pg_server, pg_target_db, "public")
    with pg_server.connect(pg_target_db) as conn:
        got = conn.execute("SELECT id, plain::text, odd::text FROM e ORDER BY id").fetchall()
    assert got == [(1, "new", "t\tab"), (2, "it's paid", "back\\slash"), (3, "a b", "n\nl"), (4, None, "c\rr"),
                   (5, "new", None)]  # fmt: skip


def test_warnings_the_client_counted_but_did_not_list_are_found_by_reading_again(
    mysql_server, mysql_db, tmp_path: Path
) -> None:
    """A server may count warnings that SHOW WARNINGS then does not list (the client reports 1, lists none):
    the table is read again through pymysql, whose warning names the table, column and row."""
    _run(
        mysql_server, mysql_db,
        "CREATE TABLE flags (id INT PRIMARY KEY, answer VARCHAR(10))",
        "INSERT INTO flags VALUES (1, '1'), (2, 'yes'), (3, '0')",
    )  # fmt: skip
    config = tmp_path / "rules.yaml"
    config.write_text(
        "type-mapping:\n  rules:\n    - name: answers.as.boolean\n      source: varchar\n      target: boolean\n"
    )
    src = _flags(mysql_server, mysql_db)
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), "-c", str(config), *src, "--yes")
    fake = _fake_client(
        tmp_path / "bin",
        "printf '#transship-ready\\n1\\tt\\n2\\tf\\n3\\tf\\n\\r#transship-end\\t1\\n\\r#transship-done\\n'; cat > /dev/null",
    )
    res = run_cli("export", "data", "-e", str(export_dir), "-c", str(config), *src, "--disable-pb", "true",
                  "--yes", env=fake, check=False)  # fmt: skip
    assert res.returncode != 0, res
    assert f"table {mysql_db}.flags, column answer, row id=2" in res.stderr, res
    assert not list((export_dir / "data").glob("flags*_data.sql")), "nothing is kept of the table"
