"""verify between databases of different encodings: text is measured and hashed as UTF-8 on both sides,
whatever the server stores and whatever the client encoding is (a LATIN1 database read by a UTF8 client)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from transship.testing.databases import PgServer, unique_name
from transship.verify.content import compare_content
from transship.verify.postgres import PgContentReader, table_spec


@pytest.fixture
def latin1_db(pg_server: PgServer) -> Iterator[str]:
    name = unique_name("ts_latin1")
    with pg_server.connect() as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            ).format(sql.Identifier(name))
        )
    try:
        yield name
    finally:
        with pg_server.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _load(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET client_encoding = 'UTF8'")
        conn.execute(
            "CREATE TABLE by_text (k text PRIMARY KEY, v text)"
        )  # a hash-chunked key, several chunks
        conn.execute(
            "INSERT INTO by_text SELECT 'é' || g || 'ß', repeat('ü', g % 700) FROM generate_series(1, 10000) g"
        )
        conn.execute("CREATE TABLE by_int (id int PRIMARY KEY, v varchar(600))")
        conn.execute("INSERT INTO by_int SELECT g, repeat('é', g % 600) FROM generate_series(1, 5000) g")


@pytest.mark.parametrize("client_encoding", ["UTF8", "LATIN1"])
def test_latin1_and_utf8_databases_prove_equal_and_differences_are_located(
    pg_server: PgServer, pg_db: str, latin1_db: str, client_encoding: str
) -> None:
    _load(pg_server.conninfo(latin1_db))
    _load(pg_server.conninfo(pg_db))
    with (
        psycopg.connect(pg_server.conninfo(latin1_db), autocommit=True) as lconn,
        psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as uconn,
    ):
        lconn.execute(sql.SQL("SET client_encoding = {}").format(sql.Literal(client_encoding)))
        source, target = PgContentReader(lconn), PgContentReader(uconn)
        for name in ("by_text", "by_int"):
            s_spec, t_spec = table_spec(lconn, "public", name), table_spec(uconn, "public", name)
            assert s_spec is not None and t_spec is not None
            result = compare_content(source, target, s_spec, t_spec)
            assert result.same and result.chunks > 1, name
        uconn.execute("UPDATE by_text SET v = v || 'x' WHERE k = 'é77ß'")
        uconn.execute("UPDATE by_int SET v = 'è' WHERE id = 3")
        found = []
        for name in ("by_text", "by_int"):
            s_spec, t_spec = table_spec(lconn, "public", name), table_spec(uconn, "public", name)
            assert s_spec is not None and t_spec is not None
            found += [d.describe() for d in compare_content(source, target, s_spec, t_spec).differences]
    assert len(found) == 2 and found[0].startswith("k='é77ß': v:") and found[1].startswith("id='3': v:")
