"""Large MySQL values arrive whole through the CLI workflow, at the server's default ``max_allowed_packet``
(docs/design.md, "No silent loss"): binary values above half the packet size used to come back as NULL."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bigvalues import (
    MB,
    PEAK_SLACK,
    default_packet,
    measured_migrate,
    packet_setting_lock,
    peaks,
    raised_packet,
)
from tests.conftest import run_cli
from tests.mysql.mysql_flow import migrate
from transship.testing.databases import MySQLServer, PgServer


@pytest.fixture(autouse=True)
def _packet_setting() -> Iterator[None]:
    """Every test here either raises ``max_allowed_packet`` or relies on its default: one at a time."""
    with packet_setting_lock():
        yield


def mysql_one(server: MySQLServer, db: str, query: str) -> tuple:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            row = cur.fetchone()
            assert row is not None
            return tuple(row)
    finally:
        conn.close()


def pg_one(server: PgServer, db: str, query: str) -> tuple:
    with server.connect(db) as conn:
        row = conn.execute(query).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return tuple(row)


def test_15mb_binary_value_arrives_whole_at_default_packet(
    mysql_server, mysql_db, pg_server, pg_target_db, export_dir: Path
):
    """The original report: a 15 MB blob (30 MB as hex) arrived as NULL. Also in a table without a key, and
    a 15 MB text beside it."""
    assert default_packet(mysql_server) == 16 * 1024 * 1024, (
        "the test needs MariaDB's default max_allowed_packet"
    )
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB)")
        cur.execute("INSERT INTO big VALUES (1, REPEAT(UNHEX('00FF0A5C09'), 3000000)), (2, NULL), (3, 'x')")
        cur.execute("CREATE TABLE big_nokey (b LONGBLOB, t LONGTEXT)")
        cur.execute(
            "INSERT INTO big_nokey VALUES (REPEAT(UNHEX('00FF0A5C09'), 3000000), REPEAT('a\\tb\\\\c\\nü', 1500000)), (NULL, '')"
        )
    conn.close()
    migrate(export_dir, mysql_server, mysql_db, pg_server, pg_target_db, "public")
    digest = "CONCAT(IFNULL(MD5(b), 'null'), ':', IFNULL(LENGTH(b), -1))"
    pg_digest = "coalesce(md5(b), 'null') || ':' || coalesce(octet_length(b), -1)"
    src = mysql_one(
        mysql_server, mysql_db, f"SELECT GROUP_CONCAT(CONCAT(id, ':', {digest}) ORDER BY id) FROM big"
    )
    tgt = pg_one(
        pg_server, pg_target_db, f"SELECT string_agg(id || ':' || {pg_digest}, ',' ORDER BY id) FROM big"
    )
    assert src == tgt
    assert "1:null" not in str(tgt)
    src = mysql_one(
        mysql_server,
        mysql_db,
        f"SELECT GROUP_CONCAT(CONCAT({digest}, ':', MD5(t)) ORDER BY LENGTH(t)) FROM big_nokey",
    )
    tgt = pg_one(
        pg_server,
        pg_target_db,
        f"SELECT string_agg({pg_digest} || ':' || md5(t), ',' ORDER BY length(t)) FROM big_nokey",
    )
    assert src == tgt


# 100 MB each; the text holds characters COPY escapes (TAB, LF, backslash) and multi-byte ones
TEXT_100MB = r"REPEAT(CONCAT('ü€\t\n\\', REPEAT('x', 92)), 1000000)"
BINARY_100MB = "REPEAT(UNHEX('00FF0A5C09'), 20000000)"


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_100mb_value_arrives_whole_within_memory_target(
    kind: str, mysql_server, mysql_db, pg_server, pg_target_db, export_dir: Path
):
    column, value = ("LONGTEXT", TEXT_100MB) if kind == "text" else ("LONGBLOB", BINARY_100MB)
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE big (id INT PRIMARY KEY, v {column})")
    conn.close()
    with raised_packet(mysql_server):  # only to insert the value: the export runs at the default
        conn = mysql_server.connect(mysql_db)
        try:
            with conn.cursor() as cur:
                cur.execute(f"INSERT INTO big VALUES (1, {value}), (2, 'small')")
        finally:
            conn.close()
    assert default_packet(mysql_server) == 16 * 1024 * 1024
    src = ["--source-db-type", "mysql", "--source-db-host", mysql_server.host, "--source-db-port",
           str(mysql_server.port), "--source-db-user", mysql_server.user, "--source-db-name", mysql_db]  # fmt: skip
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user",
           pg_server.user, "--target-db-name", pg_target_db, "--target-db-schema", "public"]  # fmt: skip
    runs = measured_migrate(str(export_dir), src, tgt)
    print(f"mysql {kind}: {peaks(runs)}")
    expected = mysql_one(
        mysql_server,
        mysql_db,
        "SELECT GROUP_CONCAT(CONCAT(id, ':', MD5(v), ':', LENGTH(v)) ORDER BY id) FROM big",
    )
    got = pg_one(
        pg_server,
        pg_target_db,
        "SELECT string_agg(id || ':' || md5(v) || ':' || octet_length(v), ',' ORDER BY id) FROM big",
    )
    assert got == expected
    copy_size = sum(f.stat().st_size for f in (export_dir / "data").glob("*_data.sql"))
    assert copy_size > 100 * MB
    limit = 2 * copy_size + PEAK_SLACK
    for step in ("export schema", "import schema", "export data", "import data"):
        assert runs[step].peak_rss <= limit, f"{step}: {peaks(runs)}; limit {limit / MB:.0f} MB"


def _source_flags(server: MySQLServer, db: str) -> list[str]:
    return ["--source-db-type", "mysql", "--source-db-host", server.host, "--source-db-port", str(server.port),
            "--source-db-user", server.user, "--source-db-name", db]  # fmt: skip


def test_warning_of_a_type_rule_stops_the_export_naming_table_column_and_key(
    mysql_server, mysql_db, export_dir: Path, tmp_path: Path
):
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        # the key's order differs from the columns' order: the row is named in key order
        cur.execute(
            "CREATE TABLE flags (grp INT, id INT, answer VARCHAR(10), note TEXT, PRIMARY KEY (id, grp))"
        )
        # 'yes' <> 0 warns "Truncated incorrect DECIMAL value" and would arrive as false
        cur.execute(
            "INSERT INTO flags VALUES (1, 1, '1', 'a'), (1, 2, '0', 'b'), (1, 3, NULL, 'c'), (2, 3, '1', 'c'), "
            "(1, 4, 'yes', 'd'), (1, 5, '1', 'e'), (1, 6, 'maybe', 'f'), (1, 7, '0', 'g')"
        )
    conn.close()
    config = tmp_path / "rules.yaml"
    config.write_text(
        "type-mapping:\n  rules:\n    - name: answers.as.boolean\n      source: varchar\n      target: boolean\n"
    )
    e = ["-e", str(export_dir), "-c", str(config)]
    run_cli("export", "schema", *e, *_source_flags(mysql_server, mysql_db), "--yes")
    out = _failed_export(e, mysql_server, mysql_db)
    assert f"table {mysql_db}.flags, column answer, row (id, grp)=(4, 1)" in out, out
    assert 'warning 1292 "Truncated incorrect' in out and "'yes'" in out, out
    assert not list((export_dir / "data").glob("*flags*")), "nothing is kept for the table"


def _failed_export(e: list[str], mysql_server: MySQLServer, mysql_db: str) -> str:
    """Run export data, which must fail; its output on one line."""
    res = run_cli(
        "export",
        "data",
        *e,
        *_source_flags(mysql_server, mysql_db),
        "--disable-pb",
        "true",
        "--yes",
        check=False,
    )
    assert res.returncode != 0, res
    return " ".join((res.stdout + res.stderr).split())


def _linestring(points: int) -> bytes:
    """WKB of a LINESTRING whose WKT is about 2.6 x longer than its WKB."""
    head = struct.pack("<BII", 1, 2, points)
    return head + b"".join(
        struct.pack("<dd", 0.1234567890123 + i, 0.9876543210987 + i) for i in range(points)
    )


def test_line_cut_by_the_server_is_an_error_not_a_null(mysql_server, mysql_db, export_dir: Path):
    """Geometries are formatted by the server (ST_AsText): a row whose line is then longer than
    max_allowed_packet comes back NULL from CONCAT_WS with warning 1301, which must stop the export."""
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE shapes (id INT PRIMARY KEY, g GEOMETRY, note TEXT)")
        cur.execute("INSERT INTO shapes VALUES (1, ST_GeomFromText('POINT(1 2)'), 'a'), (2, NULL, NULL)")
    conn.close()
    with raised_packet(mysql_server):  # only to insert the value (as an escaped literal)
        conn = mysql_server.connect(mysql_db, max_allowed_packet=1 << 30)
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO shapes VALUES (3, ST_GeomFromWKB(%s), 'c')", (_linestring(600_000),)
                )  # ~15 MB as WKT
        finally:
            conn.close()
    assert default_packet(mysql_server) == 16 * 1024 * 1024
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *_source_flags(mysql_server, mysql_db), "--yes")
    out = _failed_export(e, mysql_server, mysql_db)
    assert f"table {mysql_db}.shapes, column g, row id=3: the source server reported warning 1301" in out, out
    assert "Result of concat_ws() was larger than max_allowed_packet" in out, out


def test_row_over_the_copy_line_limit_stops_the_export_naming_key_and_size(
    mysql_server, mysql_db, export_dir: Path
):
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE blobs (id INT PRIMARY KEY, b LONGBLOB)")
        cur.execute("INSERT INTO blobs VALUES (1, 'small'), (2, REPEAT('x', 60000)), (3, NULL)")
        cur.execute("CREATE TABLE texts (id INT, t LONGTEXT)")  # no key: the row is named by its position
        # 60,000 bytes as stored (under the limit), 120,000 once every TAB is escaped
        cur.execute("INSERT INTO texts VALUES (1, 'a'), (2, REPEAT('\\t', 60000))")
    conn.close()
    e = ["-e", str(export_dir)]
    env = {"TRANSSHIP_MAX_COPY_LINE_BYTES": "100000"}
    run_cli("export", "schema", *e, *_source_flags(mysql_server, mysql_db), "--yes")
    for table, expected in (
        (
            "blobs",
            f"table {mysql_db}.blobs: row id=2 would be a COPY line over the 100,000 bytes PostgreSQL's COPY accepts in one line (at least 120,004 bytes;",
        ),
        (
            "texts",
            f"table {mysql_db}.texts: row number 2 in scan order (the table has no primary key) would be a COPY line over the 100,000 bytes PostgreSQL's COPY accepts in one line (120,003 bytes;",
        ),
    ):
        res = run_cli("export", "data", *e, *_source_flags(mysql_server, mysql_db), "--table-list", table,
                      "--disable-pb", "true", "--yes", env=env, check=False)  # fmt: skip
        assert res.returncode != 0, res
        assert expected in " ".join((res.stdout + res.stderr).split()), res
