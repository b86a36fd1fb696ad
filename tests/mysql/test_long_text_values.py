"""Long text values are escaped by the client (MariaDB's REPLACE is quadratic in matches per value):
the result must equal the server-escaped path, byte for byte, for short and long values alike."""

from __future__ import annotations

from mysql_helpers import adapter_for, copy_data, export_and_apply, pg_rows

from transship_mysql.data_export import CLIENT_ESCAPE_BYTES

SPECIAL = "tab\there, line\nbreak, cr\rreturn, back\\slash, ü東京✓🚀, end"


def test_long_and_short_text_values_arrive_equal(
    mysql_server, mysql_db, pg_server, pg_target_db, load, tmp_path
):
    long_value = (SPECIAL + "\n") * (3 * CLIENT_ESCAPE_BYTES // len(SPECIAL))
    lit = ["'" + v.replace("\\", "\\\\").replace("'", "''") + "'" for v in (long_value, long_value, SPECIAL)]
    load(
        "CREATE TABLE docs (id INT PRIMARY KEY, title VARCHAR(50), body LONGTEXT, note TEXT, meta JSON);"
        # row 1: long body and note, with a NUL (removed, as on the server path); row 2: short values; row 3: NULLs
        f"INSERT INTO docs VALUES (1, 't\\t1', CONCAT(REPEAT('x', 10), CHAR(0 USING utf8mb4), {lit[0]}), {lit[1]}, "
        f"'{{\"k\": \"v\\\\n\"}}'), (2, 'short', {lit[2]}, 'n', NULL), (3, NULL, NULL, NULL, NULL);"
    )
    adapter = adapter_for(mysql_server, mysql_db)
    _, (_result, failed) = export_and_apply(adapter, tmp_path, pg_server, pg_target_db)
    assert failed == []
    assert copy_data(adapter, pg_server, pg_target_db) == {"docs": 3}
    rows = pg_rows(pg_server, pg_target_db, "SELECT id, title, body, note FROM docs ORDER BY id")
    assert len(long_value) > CLIENT_ESCAPE_BYTES
    assert rows == [
        (1, "t\t1", "x" * 10 + long_value, long_value),
        (2, "short", SPECIAL, "n"),
        (3, None, None, None),
    ]
