"""Data file names are injective over (schema, table): tables whose names collided on main each keep their rows.

On main, ``public."a.b"`` and ``a.b`` both wrote ``a.b_data.sql`` (one table's rows went into the other, or an
"unexpected FileNotFoundError"), and ``"Foo"``/``foo`` would share a file on a case-insensitive file system.
"""

from __future__ import annotations

import pytest

from tests.e2e.pgflow import assert_identical, load_sql, migrate
from transship.adapters.base import ExportTable
from transship.exporter.data import data_file_name
from transship.testing.databases import PgServer

SOURCE = """
CREATE SCHEMA a;
CREATE TABLE public."a.b" (id int PRIMARY KEY, v text);
CREATE TABLE a.b (id int PRIMARY KEY, v text);
CREATE TABLE public."Foo" (id int PRIMARY KEY, v text);
CREATE TABLE public.foo (id int PRIMARY KEY, v text);
CREATE TABLE a."b_data.sql" (id int PRIMARY KEY, v text);
INSERT INTO public."a.b" SELECT g, 'public."a.b" ' || g FROM generate_series(1, 30) g;
INSERT INTO a.b SELECT g, 'a.b ' || g FROM generate_series(1, 20) g;
INSERT INTO public."Foo" SELECT g, 'Foo ' || g FROM generate_series(1, 7) g;
INSERT INTO public.foo SELECT g, 'foo ' || g FROM generate_series(1, 5) g;
INSERT INTO a."b_data.sql" VALUES (1, 'tricky');
"""


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_colliding_names_keep_their_own_rows(
    jobs: str, pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir, tmp_path
) -> None:
    script = tmp_path / "source.sql"
    script.write_text(SOURCE, encoding="utf-8")
    load_sql(pg_server, pg_db, script)
    migrate(pg_server, pg_db, pg_target_db, "public,a", export_dir, export_jobs=jobs, import_jobs=jobs)
    assert_identical(pg_server, pg_db, pg_target_db, ["public", "a"])
    names = sorted(p.name for p in (export_dir / "data").glob("*_data.sql"))
    assert len(names) == 5 and len({n.lower() for n in names}) == 5, names


def test_names_are_injective_and_case_safe() -> None:
    names = [
        "a",
        "A",
        "a.b",
        "a%2Eb",
        "b",
        "ä",
        "x" * 63,
        "x" * 62 + "y",
        "é" * 63,
        "é" * 62 + "e",
        "t+1",
        "t~1",
    ]
    tables = [ExportTable(s, n, [], s, n) for s in ("public", "a", "A", "a.b", "ü" * 63) for n in names]
    files = [data_file_name(t) for t in tables]
    assert len({f.lower() for f in files}) == len(tables)
    assert all(len(f.encode()) <= 230 for f in files)
    # room for a chunk suffix, which never collides with another table's file
    chunked = {data_file_name(t, 7).lower() for t in tables}
    assert len(chunked) == len(tables) and not chunked & {f.lower() for f in files}
