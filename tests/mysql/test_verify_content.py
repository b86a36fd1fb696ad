"""verify proves a MySQL → PostgreSQL copy by content: every canonical type, each kind of damage caught and
located by key, the untouched copy clean (also after harmless rewrites of JSON on the target)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import run_cli
from tests.mysql.mysql_flow import migrate
from transship.testing.databases import MySQLServer, PgServer

SCHEMA = "ts"

SOURCE = r"""
SET SESSION sql_mode = '';
CREATE TABLE typed (
  id INT AUTO_INCREMENT PRIMARY KEY,
  i INT, d DECIMAL(10,2), f FLOAT, dbl DOUBLE, b TINYINT(1), bt BIT(5),
  dt DATE, zd DATE, ts DATETIME(6), tz TIMESTAMP(3) NULL, tm TIME(6), y YEAR,
  bl BLOB, js JSON, en ENUM('red','green','blue'), st SET('x','y','z'), ch CHAR(5), vc VARCHAR(20)
);
INSERT INTO typed (i, d, f, dbl, b, bt, dt, zd, ts, tz, tm, y, bl, js, en, st, ch, vc) VALUES
 (1, 12.50, 0.1, 0.30000000000000004, 1, b'10101', '2020-02-29', '0000-00-00', '2020-01-01 10:00:00.123456',
  '2021-06-01 12:00:00.500', '-838:59:59.000000', 2024, X'00FF10', '{"b": 1, "a": [1, 2.50, "x"]}', 'red', 'x,z',
  'ab', 'a\0b'),
 (2, -7, -0.01, 1e300, 0, b'00001', '0001-01-01', '2020-01-01', '9999-12-31 23:59:59.999999',
  '1970-01-01 00:00:01.000', '12:00:00.5', 1901, X'', '[]', 'blue', '', '', 'ü'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO typed (i, d, f, dbl, b, bt, dt, zd, ts, tz, tm, y, bl, js, en, st, ch, vc)
  SELECT i, d, f, dbl, b, bt, dt, zd, ts, tz, tm, y, bl, js, en, st, ch, vc FROM typed JOIN seq_4_to_60 WHERE id = 1;
CREATE TABLE keyless (a INT, b VARCHAR(10));
INSERT INTO keyless VALUES (1, 'x'), (1, 'x'), (2, NULL);
CREATE TABLE named (code VARCHAR(10) PRIMARY KEY, v INT);
INSERT INTO named VALUES ('A', 1), ('b', 2), ('c', 3);
"""


def _bits_plus_one(value: float, fmt: str) -> str:
    """The float one unit in the last place above ``value`` (``d`` double, ``f`` single), as exact text."""
    code = "Q" if fmt == "d" else "I"
    raw = struct.unpack(f"<{code}", struct.pack(f"<{fmt}", value))[0]
    return repr(struct.unpack(f"<{fmt}", struct.pack(f"<{code}", raw + 1))[0])


@pytest.fixture
def migrated(
    mysql_server: MySQLServer,
    mysql_db: str,
    pg_server: PgServer,
    pg_target_db: str,
    export_dir: Path,
    load: Any,
) -> dict[str, Any]:
    load(SOURCE)
    migrate(export_dir, mysql_server, mysql_db, pg_server, pg_target_db, SCHEMA)
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user",
           pg_server.user, "--target-db-name", pg_target_db, "--target-db-schema", SCHEMA]  # fmt: skip
    return {
        "e": ["-e", str(export_dir)],
        "tgt": tgt,
        "pg": pg_server.conninfo(pg_target_db),
        "dir": export_dir,
    }


def _target(m: dict[str, Any], *statements: str, params: tuple[Any, ...] = ()) -> None:
    with psycopg.connect(m["pg"], autocommit=True) as conn:
        conn.execute(f"SET search_path TO {SCHEMA}")
        for s in statements:
            conn.execute(s, params if "%s" in s else None)  # type: ignore[arg-type]  # test statements


def _verify(m: dict[str, Any], *extra: str, row_hash: str = "") -> tuple[int, dict[str, Any]]:
    res = run_cli(
        "verify",
        *m["e"],
        *m["tgt"],
        "--output-format",
        "json",
        "--max-differences",
        "50",
        *extra,
        env={"TRANSSHIP_VERIFY_ROW_HASHES": row_hash},
        check=False,
    )
    return res.returncode, json.loads(res.stdout)


def _differences(doc: dict[str, Any], table: str) -> dict[str, Any]:
    entry = next(t for t in doc["tables"] if t["table_name"] == f"{SCHEMA}.{table}")
    return {d["key"]: d for d in entry["differences"]}


def test_untouched_copy_is_proven_and_json_rewrites_are_harmless(migrated: dict[str, Any]) -> None:
    rc, doc = _verify(migrated)
    assert rc == 0, doc
    assert {t["table_name"]: (t["proof"], t["result"]) for t in doc["tables"]} == {
        f"{SCHEMA}.typed": ("content", "MATCH"),
        f"{SCHEMA}.keyless": ("content", "MATCH"),
        f"{SCHEMA}.named": ("content", "MATCH"),
    }
    assert doc["summary"]["proven_by_content"] == 3 and doc["sequences"][0]["result"] == "MATCH"
    report = migrated["dir"] / "reports"
    assert (report / "verification_report.html").read_text().count("MATCH") >= 3
    # a json target keeps the text export wrote, so it is compared exactly; a jsonb one (a user's choice)
    # reorders keys and drops whitespace: MariaDB's JSON_NORMALIZE form is built on both sides
    # (changed on the target alone, the type is an object difference; the content still matches)
    _target(migrated, "ALTER TABLE typed ALTER COLUMN js TYPE jsonb USING js::jsonb")
    rc, doc = _verify(migrated)
    assert rc == 1 and [t["result"] for t in doc["tables"]] == ["MATCH"] * 3, doc
    assert [f["text"] for f in doc["objects"]["failures"]] == [
        "column type differs: COLUMN ts.typed.js (files: json, target: jsonb)"
    ]
    _target(migrated, """UPDATE typed SET js = '{"b": 1, "a": [1, 2.5000001, "x"]}' WHERE id = 5""")
    rc, doc = _verify(migrated)
    assert rc == 1 and [c[0] for c in _differences(doc, "typed")["id='5'"]["columns"]] == ["js"]


def test_a_change_of_each_type_is_located_by_key_and_column(migrated: dict[str, Any]) -> None:
    changes = {
        # key -> (column, SQL)
        1: ("i", "UPDATE typed SET i = i + 1 WHERE id = 1"),
        2: ("d", "UPDATE typed SET d = d + 0.01 WHERE id = 2"),
        4: (
            "f",
            f"UPDATE typed SET f = {_bits_plus_one(struct.unpack('<f', struct.pack('<f', 0.1))[0], 'f')} WHERE id = 4",
        ),
        5: ("dbl", f"UPDATE typed SET dbl = {_bits_plus_one(0.30000000000000004, 'd')} WHERE id = 5"),
        6: ("b", "UPDATE typed SET b = false WHERE id = 6"),
        7: ("bt", "UPDATE typed SET bt = B'10100' WHERE id = 7"),
        8: ("dt", "UPDATE typed SET dt = '2020-03-01' WHERE id = 8"),
        9: ("zd", "UPDATE typed SET zd = '2020-01-01' WHERE id = 9"),  # was a zero date: NULL
        10: ("ts", "UPDATE typed SET ts = '2020-01-01 10:00:00.123457' WHERE id = 10"),
        11: ("tz", "UPDATE typed SET tz = '2021-06-01 12:00:00.501+00' WHERE id = 11"),
        12: ("tm", "UPDATE typed SET tm = interval '-838:59:58.999999' WHERE id = 12"),
        13: ("y", "UPDATE typed SET y = 2025 WHERE id = 13"),
        14: ("bl", "UPDATE typed SET bl = '\\x00ff11' WHERE id = 14"),
        15: ("js", """UPDATE typed SET js = '{"b": 1, "a": [1, 2.5000001, "x"]}' WHERE id = 15"""),
        16: ("en", "UPDATE typed SET en = 'green' WHERE id = 16"),
        17: ("st", "UPDATE typed SET st = '{x}' WHERE id = 17"),
        18: ("ch", "UPDATE typed SET ch = 'ab ' WHERE id = 18"),  # CHAR padding is not the value
        19: ("vc", "UPDATE typed SET vc = 'a b' WHERE id = 19"),
        20: ("b", "UPDATE typed SET b = NULL WHERE id = 20"),  # NULL is not false
        21: ("js", """UPDATE typed SET js = '{"b": 1, "b": 1, "a": [1, 2.50, "x"]}' WHERE id = 21"""),
    }
    # rows 4..60 hold row 1's values: each change is to a realistic value of its type
    _target(migrated, *(sql for _, sql in changes.values()))
    for row_hash in ("sha256", "md5"):  # MySQL's fast hash, and the one every reader has
        rc, doc = _verify(migrated, row_hash=row_hash)
        assert rc == 1 and {t["row_hash"] for t in doc["tables"]} == {row_hash}
        found = _differences(doc, "typed")
        assert len(found) == len(changes), (row_hash, found.keys())
        for key, (column, _) in changes.items():
            diff = found.get(f"id='{key}'")
            assert diff is not None, (row_hash, key, column, found.keys())
            assert diff["kind"] == "changed" and [c[0] for c in diff["columns"]] == [column], diff


def test_deleted_added_and_damaged_rows_are_caught_alone(migrated: dict[str, Any]) -> None:
    cases = [
        ("DELETE FROM typed WHERE id = 30", "typed", "id='30'", "missing on target"),
        ("INSERT INTO typed (id, i) VALUES (1000, 1)", "typed", "id='1000'", "extra on target"),
        (f"UPDATE typed SET dbl = {_bits_plus_one(1e300, 'd')} WHERE id = 2", "typed", "id='2'", "changed"),
        ("UPDATE typed SET bl = set_byte(bl, 1, 0) WHERE id = 1", "typed", "id='1'", "changed"),
        ("UPDATE typed SET bl = NULL WHERE id = 2", "typed", "id='2'", "changed"),
        ("UPDATE named SET v = 9 WHERE code = 'b'", "named", "code='b'", "changed"),
        (
            "DELETE FROM keyless WHERE ctid = (SELECT min(ctid) FROM keyless WHERE a = 1)",
            "keyless",
            "row ('1', 'x')",
            "missing on target",
        ),
    ]
    undo = {
        0: "INSERT INTO typed SELECT 30, i, d, f, dbl, b, bt, dt, zd, ts, tz, tm, y, bl, js, en, st, ch, vc FROM typed WHERE id = 31",
        1: "DELETE FROM typed WHERE id = 1000",
        2: "UPDATE typed SET dbl = 1e300 WHERE id = 2",
        3: "UPDATE typed SET bl = '\\x00ff10' WHERE id = 1",
        4: "UPDATE typed SET bl = '\\x' WHERE id = 2",
        5: "UPDATE named SET v = 2 WHERE code = 'b'",
        6: "INSERT INTO keyless VALUES (1, 'x')",
    }
    for n, (change, table, key, kind) in enumerate(cases):
        _target(migrated, change)
        rc, doc = _verify(migrated)
        assert rc == 1, (change, doc["summary"])
        found = _differences(doc, table)
        assert list(found) == [key] and found[key]["kind"] == kind, (change, found)
        _target(migrated, undo[n])
    rc, doc = _verify(migrated)
    assert rc == 0, doc
    # a sequence set back would hand out ids the source used
    _target(migrated, "SELECT setval(pg_get_serial_sequence('typed', 'id'), 5)")
    rc, doc = _verify(migrated)
    assert rc == 1 and doc["sequences"][0]["result"] == "DIFFERENT", doc["sequences"]
