"""SQLite schemas and values that broke transship-sqlite in review: each now migrates, is reported, or makes
verify fail on the row that changed (never a MATCH over changed data, never "unexpected ... please report it")."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import target_flags
from transship.dbconfig import DBConfig
from transship.testing.databases import PgServer
from transship_sqlite.adapter import SqliteAdapter

HARD = r"""
CREATE TABLE "Users" (code TEXT PRIMARY KEY, "Name" TEXT, ok BOOLEAN DEFAULT 'yes', meta JSON, uid UUID);
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT CHECK (length(name) > 0), owner TEXT
  REFERENCES users(CODE), sku TEXT, big UNSIGNED BIG INT, v VARYING CHARACTER(255) NOT NULL ON CONFLICT REPLACE DEFAULT 'd',
  total REAL GENERATED ALWAYS AS (id * 2) STORED);
CREATE UNIQUE INDEX items_sku ON items (sku);
CREATE TABLE orders (id INTEGER PRIMARY KEY, sku TEXT REFERENCES items (sku));
CREATE TABLE a_b (c INTEGER PRIMARY KEY);
CREATE TABLE a (b_c INTEGER PRIMARY KEY);
CREATE TABLE gone (x INT);
CREATE VIEW lost AS SELECT x FROM gone;
DROP TABLE gone;
CREATE VIEW named (item, who) AS SELECT i.name, u.name FROM items i JOIN users u ON u.code = i.owner;
CREATE TABLE loose (id INTEGER PRIMARY KEY, day DATE, price DECIMAL(10,2), note TEXT);
"""


def build(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(HARD)
        db.execute(
            """INSERT INTO "Users" VALUES ('u1', 'Ann', 1, '{"a": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')"""
        )
        db.execute(
            "INSERT INTO items (name, owner, sku, big, v) VALUES ('pen', 'u1', 's1', 18446744073, 'x')"
        )
        db.execute("INSERT INTO orders (sku) VALUES ('s1')")
        db.execute("INSERT INTO a_b VALUES (1)")
        db.execute("INSERT INTO a VALUES (1)")
        db.executemany("INSERT INTO loose (day, price, note) VALUES (?, ?, ?)",
                       [("2024-01-15", 19.99, "fine"), ("2024-01-15 23:59:59", 19.999, "a\0b")])  # fmt: skip


def test_hard_schemas_migrate_and_changed_values_fail_verify(
    tmp_path: Path, pg_server: PgServer, pg_target_db: str, export_dir: Path
) -> None:
    path = tmp_path / "hard.db"
    build(path)
    e, tgt = ["-e", str(export_dir)], target_flags(pg_server, pg_target_db)
    src = ["--source-db-type", "sqlite", "--source-db-name", str(path)]
    run_cli("export", "schema", *e, *src)
    run_cli("analyze-schema", *e, "--output-format", "json")
    issues = json.loads((export_dir / "reports" / "schema_analysis_report.json").read_text())["Issues"]
    reasons = {(i["ObjectName"], i["Reason"]) for i in issues if i["IssueType"] == "conversion_review"}
    assert ("items.total", "generated: copied as values") in reasons, reasons
    run_cli("export", "data", *e, *src, "--disable-pb")
    schema = run_cli("import", "schema", *e, *tgt, "--continue-on-error", "true")
    assert "1 failed" in schema.stdout, schema  # the view of a dropped table fails, as it does in SQLite
    assert "CREATE OR REPLACE VIEW lost" in (export_dir / "schema" / "failed.sql").read_text()
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as pg:
        assert pg.execute("SELECT item, who FROM named").fetchall() == [("pen", "Ann")]
        assert pg.execute('SELECT ok, meta, uid FROM "Users"').fetchone() == (
            True, '{"a": 1}', "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        )  # fmt: skip
        sequences = {r[0] for r in pg.execute("SELECT sequencename FROM pg_sequences")}
        assert (
            len(sequences & {"a_b_c_seq", "a_b_c_seq1", "items_id_seq", "orders_id_seq", "loose_id_seq"}) == 5
        )
        with pytest.raises(psycopg.errors.CheckViolation):
            pg.execute("INSERT INTO items (name) VALUES ('')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            pg.execute("INSERT INTO orders (sku) VALUES ('nope')")
    bad = run_cli("verify", *e, *tgt, "--output-format", "json", check=False)
    assert bad.returncode == 1
    loose = next(t for t in json.loads(bad.stdout)["tables"] if t["table_name"] == "public.loose")
    changed = {d["key"]: [c[0] for c in d["columns"]] for d in loose["differences"]}
    assert changed == {"id='2'": ["day", "price", "note"]}, loose  # the time, the third decimal, the NUL


def test_an_error_in_one_table_stops_the_export_with_one_line(tmp_path: Path, export_dir: Path) -> None:
    path = tmp_path / "bad.db"
    with sqlite3.connect(path) as db:
        for n in range(4):
            db.execute(f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY, v TEXT)")
            db.executemany(f"INSERT INTO t{n} (v) VALUES (?)", [("x" * 50,)] * 20000)  # noqa: S608
        db.execute("INSERT INTO t0 (v) VALUES (CAST(X'FF' AS TEXT))")  # not UTF-8
    src = ["-e", str(export_dir), "--source-db-type", "sqlite", "--source-db-name", str(path)]
    run_cli("export", "schema", *src)
    res = run_cli("export", "data", *src, "--disable-pb", "--parallel-jobs", "2", check=False, timeout=120)
    assert res.returncode == 1 and "unexpected" not in res.stderr, res


def test_a_relative_file_name_is_stored_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    adapter = SqliteAdapter(DBConfig(db_type="sqlite", name="rel.db"))
    adapter.validate_config()
    assert adapter.config.name == str(tmp_path / "rel.db")


def test_check_expressions_are_found_whatever_the_rest_of_the_statement() -> None:
    from transship.sdk import check_expressions

    sql = """CREATE TABLE t (a UNSIGNED BIG INT CHECK (a > 0.5) ON CONFLICT FAIL, b TEXT check(b <> ')' AND
      length(b) < 5), -- CHECK (not this)
      "check" INT, CONSTRAINT z CHECK ((a + 1) * 2 > 0))"""
    assert check_expressions(sql) == ["a > 0.5", "b <> ')' AND\n      length(b) < 5", "(a + 1) * 2 > 0"]


def test_a_file_locked_by_another_program_is_one_line_and_a_retry_works(
    tmp_path: Path, export_dir: Path
) -> None:
    from tests.core.conftest import assert_one_line_error

    path = tmp_path / "busy.db"
    build(path)
    src = ["-e", str(export_dir), "--source-db-type", "sqlite", "--source-db-name", str(path)]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a writer in the middle of its transaction
    try:
        locked = run_cli("export", "schema", *src, check=False)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_one_line_error(locked, "cannot read SQLite file", "database is locked", "retry then")
    run_cli("export", "schema", *src)  # the writer is done: the same command works
