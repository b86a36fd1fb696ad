"""The canonical text of verify's hard kinds, built by MariaDB's SQL and by PostgreSQL's SQL, against the
Python reference, on values chosen to hit every branch (and a few hundred random doubles)."""

from __future__ import annotations

import random
import struct

import pytest
from psycopg import sql

from transship.testing.databases import MySQLServer, PgServer
from transship.verify.canonical import (
    PG_FLOAT_FUNCTION,
    float_reference,
    interval_reference,
    json_reference,
    pg_json_function,
    pg_piece,
)
from transship_mysql.verify_content import float_sql

FLOATS = [1e23, 1e22, 1e-7, 0.001, -0.5, 0.0, -0.0, 0.1, 0.30000000000000004, 1e100, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e15,
          1e16, 1e-4, 1e-5, 1.5e-7, 123.456, -2.5, 123456789012345678.0, 4.35, 100.0]  # fmt: skip


def _doubles() -> list[float]:
    rng = random.Random(20261202)
    out = list(FLOATS)
    out += [float(f"1e{k}") for k in range(-30, 309)]  # PostgreSQL prints a few of these unlike MariaDB
    while len(out) < 1000:
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if x == x and abs(x) != float("inf"):
            out.append(x)
    return out


def test_float_canonical_text_is_the_same_in_both_databases_and_python(
    mysql_server: MySQLServer, pg_server: PgServer
) -> None:
    values = _doubles()
    expected = [float_reference(repr(x)) for x in values]
    assert (
        float_reference("-0") == "-0" and float_reference("0") == "0" and float_reference("1e+100") == "1e101"
    )
    with pg_server.connect() as conn:
        conn.execute(PG_FLOAT_FUNCTION)  # type: ignore[call-overload]
        pieces = sql.SQL(", ").join(
            pg_piece("float", sql.SQL("{}::float8").format(sql.Literal(repr(x))), "double precision")
            for x in values
        )
        got_pg = list(conn.execute(sql.SQL("SELECT {}").format(pieces)).fetchone())  # type: ignore[arg-type]
    mconn = mysql_server.connect()
    try:
        with mconn.cursor() as cur:
            # MariaDB keeps no negative zero: its -0 prints as 0 (the export writes what it prints)
            exprs = ", ".join(
                float_sql(f"CAST(CAST('{repr(x)}' AS DOUBLE) AS CHAR)", f"CAST('{repr(x)}' AS DOUBLE)")
                for x in values
            )
            cur.execute(f"SELECT {exprs}")  # noqa: S608 - literals made by repr() above
            got_my = [str(v) for v in cur.fetchone()]
    finally:
        mconn.close()
    assert got_pg == expected
    assert got_my == [e if e != "-0" else "0" for e in expected]
    # two doubles one bit apart never share a canonical text
    for x in values[:50]:
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        neighbour = struct.unpack("<d", struct.pack("<Q", bits ^ 1))[0]
        assert float_reference(repr(neighbour)) != float_reference(repr(x))


@pytest.mark.parametrize(
    "document",
    ['{"b": 1, "a": [1, 2.50, "x"], "aa": {"z": null, "y": true}}', "[]", "{}", '"s"', "-0.0",
     '[0, -0.0, 1e100, 0.1, 1.5e-7, 100, 123456789012345678901]', '{"a": 1, "a": 2}', '{"é": "ü", "": false}'],
)  # fmt: skip
def test_json_normal_form_matches_mariadb_json_normalize(
    document: str, mysql_server: MySQLServer, pg_server: PgServer
) -> None:
    with pg_server.connect() as conn:
        conn.execute(pg_json_function())
        pg = conn.execute("SELECT pg_temp.transship_json(%s::json)", (document,)).fetchone()[0]  # type: ignore[index]
    mconn = mysql_server.connect()
    try:
        with mconn.cursor() as cur:
            cur.execute("SELECT JSON_NORMALIZE(%s)", (document,))
            maria = cur.fetchone()[0]
    finally:
        mconn.close()
    assert pg == maria == json_reference(document)


def test_time_canonical_text_is_the_same_in_both_databases(
    mysql_server: MySQLServer, pg_server: PgServer
) -> None:
    from transship.verify.content import ColumnSpec
    from transship_mysql.verify_content import piece

    times = ["-838:59:59", "838:59:59.000000", "12:00:00.5", "-00:00:00.5", "00:00:00", "-12:34:56.789012"]
    expected = [interval_reference(t) for t in times]
    with pg_server.connect() as conn:
        pieces = sql.SQL(", ").join(
            pg_piece("interval", sql.SQL("{}::interval").format(sql.Literal(t)), "interval") for t in times
        )
        assert list(conn.execute(sql.SQL("SELECT {}").format(pieces)).fetchone()) == expected  # type: ignore[arg-type]
        # an interval of days or months is not the same duration in hours
        a, b = conn.execute(
            sql.SQL("SELECT {}, {}").format(
                pg_piece("interval", sql.SQL("interval '1 mon'"), "interval"),
                pg_piece("interval", sql.SQL("interval '30 days'"), "interval"),
            )
        ).fetchone()  # type: ignore[misc]
        assert a != b
    mconn = mysql_server.connect()
    try:
        with mconn.cursor() as cur:
            col = ColumnSpec("t", "interval", "time")
            exprs = ", ".join(piece(col, True).replace("`t`", f"CAST('{t}' AS TIME(6))") for t in times)
            cur.execute(f"SELECT {exprs}")  # noqa: S608 - literals from the list above
            assert [str(v) for v in cur.fetchone()] == expected
    finally:
        mconn.close()


TEXTS = [
    "",
    "a|b",
    "~",
    "x" * 1024,
    "x" * 1025,
    "é" * 512,
    "é" * 513,
    "Grüße ★ 北京",
    "tab\tnew\nline\\",
    "nul\0byte",
]


def test_text_canonical_form_is_the_same_in_both_databases_and_python(
    mysql_server: MySQLServer, mysql_db: str, pg_server: PgServer
) -> None:
    """Text up to 1024 UTF-8 bytes inlined after its length, longer text hashed; the MariaDB forms for utf8mb4
    and latin1 columns, declared-short and unbounded types; NULs removed as the export removes them."""
    from transship.verify.canonical import text_reference
    from transship.verify.content import ColumnSpec
    from transship_mysql.verify_content import piece

    expected = [text_reference(t.replace("\0", "")) for t in TEXTS]
    assert text_reference("a|b") == "3:a|b" and text_reference("x" * 1025).startswith("#")
    with pg_server.connect() as conn:
        pieces = sql.SQL(", ").join(pg_piece("text", sql.Literal(t.replace("\0", "")), "text") for t in TEXTS)
        assert list(conn.execute(sql.SQL("SELECT {}").format(pieces)).fetchone()) == expected  # type: ignore[arg-type]
    columns = [  # (column, type, charset, declared length)
        ("u_text", "longtext CHARACTER SET utf8mb4", "utf8mb4", None, "longtext"),
        ("u_short", "varchar(200) CHARACTER SET utf8mb4", "utf8mb4", 200, "varchar"),
        ("u_long", "varchar(2000) CHARACTER SET utf8mb4", "utf8mb4", 2000, "varchar"),
        ("l_long", "varchar(2000) CHARACTER SET latin1", "latin1", 2000, "varchar"),
    ]
    mconn = mysql_server.connect(mysql_db)
    try:
        with mconn.cursor() as cur:
            cur.execute(
                "CREATE TABLE t (n INT PRIMARY KEY, " + ", ".join(f"{c} {t}" for c, t, *_ in columns) + ")"
            )
            for n, value in enumerate(TEXTS):
                latin = value if all(ord(ch) < 256 for ch in value) else "Grüße"
                short = value[:200]
                cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s)", (n, value, short, value, latin))
            exprs = ", ".join(
                piece(ColumnSpec(c, "text", base, {"charset": cs, "length": length}), True)
                for c, _, cs, length, base in columns
            )
            cur.execute(f"SELECT {exprs} FROM t ORDER BY n")  # noqa: S608 - the pieces quote their columns
            rows = cur.fetchall()
            assert cur.warning_count == 0
    finally:
        mconn.close()
    for n, value in enumerate(TEXTS):
        latin = value if all(ord(ch) < 256 for ch in value) else "Grüße"
        want = [text_reference(v.replace("\0", "")) for v in (value, value[:200], value, latin)]
        assert [str(v) for v in rows[n]] == want, value[:20]
