"""Large PostgreSQL values arrive whole through the CLI workflow, within the memory target
(docs/design.md, "No silent loss"): peak RSS of every step <= 2 x the value's COPY-text size + 100 MB."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bigvalues import MB, PEAK_SLACK, measured_migrate, peaks
from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.adapters.base import DataExportOptions
from transship.dbconfig import DBConfig
from transship_postgres.adapter import PostgresAdapter
from transship_postgres.data_export import PostgresReader
from transship_postgres.psql_copy import DRIVER_ENV

# 100 MB each; the text holds characters COPY escapes (TAB, LF, backslash) and multi-byte ones
TEXT_100MB = r"repeat(E'ü€\t\n\\' || repeat('x', 92), 1000000)"
BINARY_100MB = "decode(repeat('00ff0a5c09', 20000000), 'hex')"


def pg_one(server, db: str, query: str) -> tuple:
    with server.connect(db) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return tuple(row)


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_100mb_value_arrives_whole_within_memory_target(
    kind: str, pg_server, pg_db, pg_target_db, export_dir: Path
):
    column, value = ("text", TEXT_100MB) if kind == "text" else ("bytea", BINARY_100MB)
    with pg_server.connect(pg_db) as conn:
        conn.execute(f"CREATE TABLE big (id int PRIMARY KEY, v {column})")
        conn.execute(f"INSERT INTO big VALUES (1, {value}), (2, 'small')")
    runs = measured_migrate(
        str(export_dir), source_flags(pg_server, pg_db, "public"), target_flags(pg_server, pg_target_db)
    )
    print(f"postgres {kind}: {peaks(runs)}")
    digest = "SELECT string_agg(id || ':' || md5(v) || ':' || octet_length(v), ',' ORDER BY id) FROM big"
    assert pg_one(pg_server, pg_target_db, digest) == pg_one(pg_server, pg_db, digest)
    copy_size = sum(f.stat().st_size for f in (export_dir / "data").glob("*_data.sql"))
    assert copy_size > 100 * MB
    limit = 2 * copy_size + PEAK_SLACK
    for step in ("export schema", "import schema", "export data", "import data"):
        assert runs[step].peak_rss <= limit, f"{step}: {peaks(runs)}; limit {limit / MB:.0f} MB"


@pytest.mark.parametrize("driver", ["psql", "psycopg"])
def test_row_over_the_copy_line_limit_stops_the_export_naming_key_and_size(
    driver: str, pg_server, pg_db, export_dir: Path
):
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE blobs (id int PRIMARY KEY, b bytea)")
        conn.execute(
            "INSERT INTO blobs VALUES (1, 'small'), (2, decode(repeat('ab', 60000), 'hex')), (3, NULL)"
        )
        conn.execute("CREATE TABLE texts (t text)")  # no key: the row is named by its position
        conn.execute("INSERT INTO texts VALUES ('a'), (repeat(E'\\t', 60000))")
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    run_cli("export", "schema", *e, *src)
    for table, expected in (
        (
            "blobs",
            "table public.blobs: row id=2 would be a COPY line over the 100,000 bytes PostgreSQL's COPY accepts in one line (120,006 bytes;",
        ),
        (
            "texts",
            "table public.texts: row number 2 in COPY order (the table has no primary key) would be a COPY line over the 100,000 bytes PostgreSQL's COPY accepts in one line (120,001 bytes;",
        ),
    ):
        res = run_cli("export", "data", *e, *src, "--table-list", table, "--disable-pb", "true",
                      env={"TRANSSHIP_MAX_COPY_LINE_BYTES": "100000", DRIVER_ENV: driver}, check=False)  # fmt: skip
        assert res.returncode != 0, res
        assert expected in " ".join((res.stdout + res.stderr).split()), res
        assert not list((export_dir / "data").glob(f"*{table}*")), "nothing is kept for the table"


def test_row_the_source_cannot_copy_is_located_by_its_stored_size(pg_server, pg_db):
    """COPY TO fails by itself on a row over 1 GB ("Cannot enlarge string buffer", 54000): the reader then
    names the row whose stored values are the largest. Checked on a small table (a 1 GB row is too heavy)."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE docs (id int, part int, body text, blob bytea, meta jsonb, PRIMARY KEY (id, part))"
        )
        conn.execute(
            "INSERT INTO docs VALUES (1, 1, 'short', NULL, '{}'), (1, 2, repeat('x', 5000), decode(repeat('ab', 3000), 'hex'), NULL), "
            "(2, 1, repeat('y', 9000), NULL, '[1]')"
        )
    adapter = PostgresAdapter(DBConfig(db_type="postgresql", host=pg_server.host, port=pg_server.port,
                                       user=pg_server.user, name=pg_db, schema="public"))  # fmt: skip
    with adapter.begin_data_export(DataExportOptions(parallel_jobs=1)) as snapshot:
        reader = snapshot.open_reader()
        assert isinstance(reader, PostgresReader)
        table = next(t for t in snapshot.tables if t.name == "docs")
        error = reader.locate_too_large(table, "out of memory")
    # row (1, 2): 5,000 text bytes + 6,003 bytea hex bytes; row (2, 1): 9,000 + a small jsonb
    assert error.message.startswith("table public.docs: row (id, part)=(1, 2) would be a COPY line over the ")
    assert (
        "(at least 11,0" in error.message and "as stored; the source server: out of memory;" in error.message
    )
