"""MariaDB client path: a server error is named in the server's words, a warning whose message holds a
newline and a tab names table, column and row, and a pause in the stream (rows fetched by key) does not
make the server drop the query."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mysql.test_client_export import CLIENT
from transship.sdk import DBConfig
from transship_mysql import client_copy

pytestmark = pytest.mark.skipif(not Path(CLIENT).exists(), reason=f"needs {CLIENT}")


def _session(mysql_server, mysql_db) -> client_copy.ClientSession:  # type: ignore[no-untyped-def]
    """A mariadb client session on the test database (the client must be installed)."""
    config = DBConfig(host=mysql_server.host, port=mysql_server.port, user=mysql_server.user,
                      password=getattr(mysql_server, "password", None) or None, name=mysql_db)  # fmt: skip
    command = client_copy._find_client()
    assert command is not None
    return client_copy.ClientSession(command, config)


def test_a_server_error_in_the_client_session_is_named_by_the_servers_words(mysql_server, mysql_db) -> None:
    session = _session(mysql_server, mysql_db)
    try:
        with pytest.raises(client_copy.ClientFailed) as caught:
            session.copy("SELECT * FROM no_such_table", lambda _data: None, lambda _keys: None)
    finally:
        session.close()
    # on the old code: str(caught.value) == "--------------" (mariadb echoes the failing statement between such lines
    # before the ERROR line), so the user sees "exporting table x failed: -------------- — fix: fix the cause"
    assert "doesn't exist" in str(caught.value), str(caught.value)


def test_a_warning_whose_message_holds_a_newline_and_a_tab_names_the_table_column_and_row(
    mysql_server, mysql_db, tmp_path: Path
) -> None:
    from tests.conftest import run_cli
    from tests.mysql.test_client_export import _flags, _run

    _run(mysql_server, mysql_db, "CREATE TABLE flags (id INT PRIMARY KEY, answer VARCHAR(10))",
         "INSERT INTO flags VALUES (1, '1'), (2, 'a\\nb\\tc'), (3, '0')")  # fmt: skip
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "type-mapping:\n  rules:\n    - name: answers.as.boolean\n      source: varchar\n      target: boolean\n"
    )
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    src = _flags(mysql_server, mysql_db)
    run_cli("export", "schema", "-e", str(export_dir), "-c", str(rules), *src, "--yes")
    res = run_cli("export", "data", "-e", str(export_dir), "-c", str(rules), *src, "--disable-pb", "true", "--yes",
                  check=False)  # fmt: skip
    assert res.returncode != 0
    # pymysql: "table ..flags, column answer, row id=2: the source server reported warning 1292 ..."
    # the client path: "exporting table ..flags failed: invalid literal for int() with base 10: b"c'"" (SHOW WARNINGS
    # printed with --raw: the message's newline splits it, client_copy.ClientSession.copy parses "c'" as a code)
    assert "column answer, row id=2" in res.stderr, res.stderr


def test_a_slow_fetch_of_large_rows_does_not_make_the_server_drop_the_client_query(
    mysql_server, mysql_db
) -> None:
    """While ``fetch`` reads 1,000 large rows through pymysql, nobody reads the client's pipe: the client stops
    reading its socket, and the server would abort the streaming query after net_write_timeout (60 s by
    default). The session raises it to a day, and a pause in the stream does not stop the copy."""
    import time

    session = _session(mysql_server, mysql_db)
    try:
        lines: list[bytes] = []
        session.copy("SELECT @@SESSION.net_write_timeout", lines.append, lambda keys: None)
        assert int(b"".join(lines)) >= 86400
        sql = "SELECT IF(seq <= 1000, CONCAT('\\r!', seq), REPEAT('x', 200)) FROM seq_1_to_300000"
        rows = []
        lost, count, warnings = session.copy(sql, lambda data: rows.append(bytes(data).count(b"\n")),
                                             lambda keys: time.sleep(2))  # fmt: skip
        assert sum(rows) == 299_000
    finally:
        session.close()
