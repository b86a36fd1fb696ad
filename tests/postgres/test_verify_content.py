"""verify proves a PostgreSQL → PostgreSQL copy by content: a change of each type, a deleted and an added row, the
last bit of a double, one byte of a blob, a blob set to NULL and a sequence set back are each caught and
located by key; the untouched copy verifies clean, also after harmless rewrites on the target."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.testing.databases import PgServer

SOURCE = r"""
CREATE TYPE colour AS ENUM ('red', 'green', 'blue');
CREATE TABLE typed (
  id serial PRIMARY KEY,
  i int, d numeric(10,2), dbl float8, r real, b boolean, bt bit(5), dt date, ts timestamp(6), tz timestamptz,
  iv interval, bl bytea, js json, jb jsonb, tx text, ch char(5), en colour, arr int[]
);
INSERT INTO typed (i, d, dbl, r, b, bt, dt, ts, tz, iv, bl, js, jb, tx, ch, en, arr)
SELECT 1, 12.50, 0.30000000000000004, 0.1, true, B'10101', '2020-02-28', '2020-01-01 10:00:00.123456',
       '2021-06-01 12:00:00.5+02', '-838:59:59', '\x00ff10', '{"b": 1, "a": [1, 2.50]}', '{"b": 1, "a": [1, 2.50]}',
       'a|b~c', 'ab', 'red', '{1,2}'
FROM generate_series(1, 40);
INSERT INTO typed (i) VALUES (NULL);
CREATE TABLE keyless (a int, b text);
INSERT INTO keyless VALUES (1, 'x'), (1, 'x'), (2, NULL);
CREATE TABLE wide_key (region text, n int, v text, PRIMARY KEY (region, n));
INSERT INTO wide_key SELECT CASE WHEN g % 2 = 0 THEN 'EAST' ELSE 'west' END, g, 'v' || g FROM generate_series(1, 30) g;
"""


def _ulp_up(value: float, fmt: str = "d") -> str:
    code = "Q" if fmt == "d" else "I"
    raw = struct.unpack(f"<{code}", struct.pack(f"<{fmt}", value))[0]
    return repr(struct.unpack(f"<{fmt}", struct.pack(f"<{code}", raw + 1))[0])


@pytest.fixture
def migrated(pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir: Path) -> dict[str, Any]:
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)  # type: ignore[call-overload]  # a trusted fixture script
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    return {"e": e, "tgt": tgt, "pg": pg_server.conninfo(pg_target_db)}


def _target(m: dict[str, Any], *statements: str) -> None:
    with psycopg.connect(m["pg"], autocommit=True) as conn:
        for s in statements:
            conn.execute(s)  # type: ignore[call-overload]  # test statements


def _verify(m: dict[str, Any], row_hash: str = "") -> tuple[int, dict[str, Any]]:
    res = run_cli(
        "verify", *m["e"], *m["tgt"], "--output-format", "json", "--max-differences", "50",
        env={"TRANSSHIP_VERIFY_ROW_HASHES": row_hash}, check=False,
    )  # fmt: skip
    return res.returncode, json.loads(res.stdout)


def _found(doc: dict[str, Any], table: str) -> dict[str, Any]:
    entry = next(t for t in doc["tables"] if t["table_name"] == f"public.{table}")
    return {d["key"]: d for d in entry["differences"]}


def test_each_type_and_each_kind_of_damage_is_located(migrated: dict[str, Any]) -> None:
    rc, doc = _verify(migrated)
    assert rc == 0, doc["summary"]
    assert [t["proof"] for t in doc["tables"]] == ["content"] * 3
    sampled = run_cli(
        "verify", *migrated["e"], *migrated["tgt"], "--sample-percent", "50"
    )  # asked for less: exit 0
    assert "0 proven by content, 3 by a 50% sample of their content (--sample-percent)" in sampled.stdout
    # harmless on the target: jsonb written with other key order and whitespace, another physical row order
    _target(
        migrated,
        """UPDATE typed SET jb = '{ "a":[1,2.50],  "b":1 }' WHERE id = 1""",
        "CLUSTER typed USING typed_pkey",
    )
    rc, doc = _verify(migrated)
    assert rc == 0, doc

    changes = {
        2: ("i", "UPDATE typed SET i = 2 WHERE id = 2"),
        3: ("d", "UPDATE typed SET d = 12.51 WHERE id = 3"),
        4: ("dbl", f"UPDATE typed SET dbl = {_ulp_up(0.30000000000000004)} WHERE id = 4"),  # the last bit
        5: (
            "r",
            f"UPDATE typed SET r = {_ulp_up(struct.unpack('<f', struct.pack('<f', 0.1))[0], 'f')} WHERE id = 5",
        ),
        6: ("b", "UPDATE typed SET b = false WHERE id = 6"),
        7: ("bt", "UPDATE typed SET bt = B'10100' WHERE id = 7"),
        8: ("dt", "UPDATE typed SET dt = '2020-03-01' WHERE id = 8"),
        9: ("ts", "UPDATE typed SET ts = '2020-01-01 10:00:00.123457' WHERE id = 9"),
        10: ("tz", "UPDATE typed SET tz = '2021-06-01 12:00:00.5+03' WHERE id = 10"),
        11: ("iv", "UPDATE typed SET iv = '-838:59:58' WHERE id = 11"),
        12: ("bl", "UPDATE typed SET bl = set_byte(bl, 2, 17) WHERE id = 12"),  # one byte of a blob
        13: ("bl", "UPDATE typed SET bl = NULL WHERE id = 13"),  # a blob set to NULL
        14: ("js", """UPDATE typed SET js = '{"b": 1, "a": [1, 2.5]}' WHERE id = 14"""),
        15: ("jb", """UPDATE typed SET jb = '{"b": 2, "a": [1, 2.50]}' WHERE id = 15"""),
        16: ("tx", "UPDATE typed SET tx = 'a|b~C' WHERE id = 16"),
        17: ("ch", "UPDATE typed SET ch = 'ab c' WHERE id = 17"),
        18: ("en", "UPDATE typed SET en = 'green' WHERE id = 18"),
        19: ("arr", "UPDATE typed SET arr = '{2,1}' WHERE id = 19"),
        20: ("b", "UPDATE typed SET b = NULL WHERE id = 20"),  # NULL is not false
        21: ("dt", "UPDATE typed SET dt = '2020-02-28 BC' WHERE id = 21"),  # nor BC AD
        22: ("ts", "UPDATE typed SET ts = 'infinity' WHERE id = 22"),
        23: ("iv", "UPDATE typed SET iv = '-34 days -22:59:59' WHERE id = 23"),  # same seconds, other days
        24: (
            "js",
            """UPDATE typed SET js = '{"b": 1, "b": 1, "a": [1, 2.50]}' WHERE id = 24""",
        ),  # json keeps text
        25: ("dbl", "UPDATE typed SET dbl = '-0' WHERE id = 25"),
    }
    _target(
        migrated,
        *(s for _, s in changes.values()),
        "DELETE FROM typed WHERE id = 30",
        "INSERT INTO typed (id, i) VALUES (1000, 1)",
        "UPDATE wide_key SET v = 'changed' WHERE region = 'EAST' AND n = 4",
        "DELETE FROM keyless WHERE ctid = (SELECT min(ctid) FROM keyless WHERE a = 1)",
        "SELECT setval('typed_id_seq', 5)",
    )
    for row_hash in ("pg-hashtextextended", "sha256", "md5"):  # each hash (and value digest) catches each one
        rc, doc = _verify(migrated, row_hash)
        assert rc == 1 and {t["row_hash"] for t in doc["tables"]} == {row_hash}
        found = _found(doc, "typed")
        for key, (column, _) in changes.items():
            diff = found[f"id='{key}'"]
            assert diff["kind"] == "changed" and [c[0] for c in diff["columns"]] == [column], (row_hash, diff)
        assert found["id='30'"]["kind"] == "missing on target"
        assert found["id='1000'"]["kind"] == "extra on target"
        assert len(found) == len(changes) + 2, row_hash
    wide = _found(doc, "wide_key")
    assert list(wide) == ["region='EAST', n='4'"] and wide["region='EAST', n='4'"]["columns"] == [
        ["v", "v4", "changed"]
    ]
    assert [d["kind"] for d in _found(doc, "keyless").values()] == ["missing on target"]
    (seq,) = doc["sequences"]
    assert seq["result"] == "DIFFERENT" and seq["source_next"] == 42 and seq["target_next"] == 6


def test_a_sequence_turned_round_or_made_to_wrap_is_different(migrated: dict[str, Any]) -> None:
    """The direction, bounds and cycling of a sequence come from the schema files, not from the target it is
    checked against: a target sequence counting down, or wrapping to 1 after the source's last id, hands out
    ids the source used (verify took the target's increment and said MATCH)."""
    rc, doc = _verify(migrated)
    assert rc == 0 and doc["sequences"][0]["result"] == "MATCH", doc["sequences"]
    _target(migrated, "ALTER SEQUENCE typed_id_seq INCREMENT BY -1")
    rc, doc = _verify(migrated)
    (seq,) = doc["sequences"]
    assert rc == 1 and seq["result"] == "DIFFERENT", seq
    assert "the target's INCREMENT BY is -1, the schema files' 1" in seq["note"]
    _target(
        migrated,
        "ALTER SEQUENCE typed_id_seq INCREMENT BY 1",
        "ALTER SEQUENCE typed_id_seq MAXVALUE 41 CYCLE",
    )
    rc, doc = _verify(migrated)
    (seq,) = doc["sequences"]
    assert rc == 1 and seq["result"] == "DIFFERENT" and seq["target_next"] == 1, seq
    assert "MAXVALUE" in seq["note"] and "CYCLE" in seq["note"]
    _target(migrated, "ALTER SEQUENCE typed_id_seq NO MAXVALUE NO CYCLE")
    rc, doc = _verify(migrated)
    assert rc == 0 and doc["sequences"][0]["result"] == "MATCH", doc["sequences"]
