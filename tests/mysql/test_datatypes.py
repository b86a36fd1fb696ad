"""Every MySQL column type with edge values travels to PostgreSQL with the value it had."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from mysql_helpers import adapter_for, copy_data, export_and_apply, pg_rows

SCHEMA = r"""
SET NAMES utf8mb4;
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
CREATE TABLE ints (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, b1 TINYINT(1), bit1 BIT(1), bit9 BIT(9)
);
INSERT INTO ints VALUES
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, b'0', b'000000000'),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 1, b'1', b'101010101'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE nums (id INT PRIMARY KEY, d DECIMAL(65,30), f FLOAT, db DOUBLE);
INSERT INTO nums VALUES
 (1, '99999999999999999999999999999999999.999999999999999999999999999999', 3.40282e38, 1.7976931348623157e308),
 (2, '-0.000000000000000000000000000001', -1.17549e-38, 4.9406564584124654e-324),
 (3, 0, 0.1, -2.2250738585072014e-308);
CREATE TABLE times (
  id INT PRIMARY KEY, d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL, t TIME(3), y YEAR,
  dz DATE NOT NULL DEFAULT '0000-00-00'
);
INSERT INTO times VALUES
 (1, '1000-01-01', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01', '838:59:59.000', 1901, '2024-02-29'),
 (2, '0000-00-00', '0000-00-00 00:00:00', '2024-00-15 10:00:00', '2038-01-19 03:14:07', '-838:59:59.000', 2155, '0000-00-00'),
 (3, '2024-05-00', NULL, NULL, NULL, '00:00:00.5', 0, '2024-01-01');
CREATE TABLE texts (
  id INT PRIMARY KEY, c CHAR(5), v VARCHAR(20), tx TEXT, lt LONGTEXT, bin BINARY(4), vb VARBINARY(300), bl BLOB,
  j JSON, e ENUM('a','b c','it''s'), s SET('x','y z','w'), u UUID
);
INSERT INTO texts VALUES
 (1, 'ab', '', 'tab\there\nnew\rcr\\back', '😀 4-byte 𝄞', 'ab', NULL, '', '{"k": "ünï", "n": [1, 2]}', 'b c', 'x,y z', '123e4567-e89b-12d3-a456-426614174000'),
 (2, NULL, NULL, NULL, CONCAT('nul', CHAR(0 USING utf8mb4), 'byte'), NULL, NULL, NULL, NULL, 'it''s', '', NULL),
 (3, '', 'x', '', '', 'abcd', NULL, NULL, '[]', NULL, NULL, NULL);
UPDATE texts SET vb = (SELECT CAST(GROUP_CONCAT(CHAR(n) ORDER BY n SEPARATOR '') AS BINARY) FROM
  (SELECT a.i * 16 + b.i AS n FROM (SELECT 0 i UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6
   UNION SELECT 7 UNION SELECT 8 UNION SELECT 9 UNION SELECT 10 UNION SELECT 11 UNION SELECT 12 UNION SELECT 13 UNION SELECT 14 UNION SELECT 15) a,
  (SELECT 0 i UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7 UNION SELECT 8
   UNION SELECT 9 UNION SELECT 10 UNION SELECT 11 UNION SELECT 12 UNION SELECT 13 UNION SELECT 14 UNION SELECT 15) b) n) WHERE id = 1;
CREATE TABLE geo (id INT PRIMARY KEY, p POINT, g GEOMETRY);
INSERT INTO geo VALUES (1, POINT(1.5, -2.25), ST_GeomFromText('LINESTRING(0 0, 1 1)')), (2, NULL, NULL);
"""


def test_every_type_round_trips(mysql_server, mysql_db, pg_server, pg_target_db, load, tmp_path):
    load(SCHEMA)
    adapter = adapter_for(mysql_server, mysql_db)
    _, (result, failed) = export_and_apply(adapter, tmp_path, pg_server, pg_target_db)
    assert failed == []
    copy_data(adapter, pg_server, pg_target_db)
    q = lambda s: pg_rows(pg_server, pg_target_db, s)  # noqa: E731

    assert q("SELECT * FROM ints ORDER BY id") == [
        (
            1,
            -128,
            0,
            -32768,
            0,
            -8388608,
            0,
            -2147483648,
            0,
            -9223372036854775808,
            Decimal(0),
            False,
            False,
            "000000000",
        ),
        (
            2,
            127,
            255,
            32767,
            65535,
            8388607,
            16777215,
            2147483647,
            4294967295,
            9223372036854775807,
            Decimal(18446744073709551615),
            True,
            True,
            "101010101",
        ),
        (3, *([None] * 13)),
    ]
    types = dict(q("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ints'"))
    assert (
        types["biu"] == "numeric"
        and types["iu"] == "bigint"
        and types["b1"] == "boolean"
        and types["bit9"] == "bit"
    )

    nums = q("SELECT id, d, f, db FROM nums ORDER BY id")
    assert nums[0][1] == Decimal("99999999999999999999999999999999999.999999999999999999999999999999")
    assert nums[1][1] == Decimal("-0.000000000000000000000000000001")
    assert (
        nums[0][3] == 1.7976931348623157e308
        and nums[1][3] == 5e-324
        and nums[2][3] == -2.2250738585072014e-308
    )
    # float (4-byte) values arrive as the same 4-byte value: compare at single precision
    import struct

    def f4(x: float) -> float:
        return struct.unpack("f", struct.pack("f", x))[0]

    assert [f4(r[2]) for r in nums] == [f4(3.40282e38), f4(-1.17549e-38), f4(0.1)]

    times = q("SELECT id, d, dt, dt6, ts, t::text, y, dz FROM times ORDER BY id")
    utc = dt.UTC
    assert times[0] == (1, dt.date(1000, 1, 1), dt.datetime(1000, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
                        dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=utc), "838:59:59", 1901, dt.date(2024, 2, 29))  # fmt: skip
    # zero and partial-zero dates become NULL; the zero-default column lost NOT NULL and its default
    assert times[1] == (
        2,
        None,
        None,
        None,
        dt.datetime(2038, 1, 19, 3, 14, 7, tzinfo=utc),
        "-838:59:59",
        2155,
        None,
    )
    assert times[2] == (3, None, None, None, None, "00:00:00.5", 0, dt.date(2024, 1, 1))
    nullable, default = q(
        "SELECT is_nullable, column_default FROM information_schema.columns WHERE table_name = 'times' AND column_name = 'dz'"
    )[0]
    assert (nullable, default) == ("YES", None)
    assert any(
        f["object_name"] == "times.dz" and f["rule"] == "mysql.date_zero_default" for f in result.findings
    )
    assert any(f["object_name"] == "times.t" and f["kind"] == "guessed_type_mapping" for f in result.findings)

    texts = q(
        "SELECT id, c, v, tx, lt, bin, vb, bl, j::text, e::text, s::text[], u::text FROM texts ORDER BY id"
    )
    assert texts[0][1:5] == ("ab", "", "tab\there\nnew\rcr\\back", "😀 4-byte 𝄞")
    assert (
        bytes(texts[0][5]) == b"ab\x00\x00"
        and bytes(texts[0][6]) == bytes(range(256))
        and bytes(texts[0][7]) == b""
    )
    assert json.loads(texts[0][8]) == {"k": "ünï", "n": [1, 2]}
    assert texts[0][9:] == ("b c", ["x", "y z"], "123e4567-e89b-12d3-a456-426614174000")
    assert texts[1] == (
        2,
        None,
        None,
        None,
        "nulbyte",
        None,
        None,
        None,
        None,
        "it's",
        [],
        None,
    )  # NUL removed
    assert texts[2][1:4] == ("", "x", "")  # empty string stays empty, not NULL

    geo = q("SELECT p::text, g FROM geo ORDER BY id")
    assert geo == [("(1.5,-2.25)", "LINESTRING(0 0,1 1)"), (None, None)]
