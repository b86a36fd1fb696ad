"""``--error-policy-snapshot stash-and-continue``: one bad row among 10,000 in one batch — 9,999 rows load exactly
once and that row is stashed with the database's reasons, also when the run is killed during the bisection;
``--on-primary-key-conflict IGNORE`` and ``--enable-upsert`` for a target that already holds rows."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.crashpoints import ENV
from transship.testing.databases import PgServer

ROWS = 10_000
BAD = 4321


@pytest.fixture
def refused(pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir: Path) -> dict:
    """A keyless table (duplicates would show) exported as one batch; the target refuses one of its rows."""
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (n int NOT NULL, v text)")
        conn.execute(f"INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, {ROWS}) g")
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    run_cli("export", "data", *e, *source_flags(pg_server, pg_db, "public"), "--disable-pb")
    run_cli("import", "schema", *e, *target_flags(pg_server, pg_target_db))
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute(f"ALTER TABLE t ADD CONSTRAINT t_not_{BAD} CHECK (n <> {BAD})")
    load = ["import", "data", *e, *target_flags(pg_server, pg_target_db), "--disable-pb", "--batch-size", str(ROWS),
            "--parallel-jobs", "1"]  # fmt: skip
    return {"load": load, "conninfo": pg_server.conninfo(pg_target_db), "export_dir": export_dir}


def _assert_stashed_exactly_one(refused: dict) -> None:
    with psycopg.connect(refused["conninfo"]) as conn:
        count, distinct, bad = conn.execute(
            f"SELECT count(*), count(DISTINCT n), count(*) FILTER (WHERE n = {BAD}) FROM t"
        ).fetchone()  # type: ignore[misc]
    assert (count, distinct, bad) == (ROWS - 1, ROWS - 1, 0)
    folder = refused["export_dir"] / "data" / "errors" / "t"
    [entry] = [json.loads(line) for line in (folder / "t_data.sql.errors.jsonl").read_text().splitlines()]
    assert entry["line"] == BAD and entry["sqlstate"] == "23514" and f"t_not_{BAD}" in entry["message"]
    assert entry["file"].endswith("t_data.sql")
    assert (folder / "t_data.sql.rows").read_bytes() == f"{BAD}\trow {BAD}\n".encode()
    status = run_cli("import", "data", "status", "-e", str(refused["export_dir"]), "--output-format", "json")
    [st] = json.loads(status.stdout)
    assert (st["status"], st["imported_count"], st["errored_count"]) == ("DONE_WITH_ERRORS", ROWS - 1, 1), st


def test_abort_is_the_default(refused: dict, one_line_error) -> None:
    bad = run_cli(*refused["load"], check=False)
    one_line_error(bad, f"t_data.sql line {BAD}", f't_not_{BAD}"')


def test_one_bad_row_is_stashed_and_the_rest_loads_once(refused: dict) -> None:
    res = run_cli(*refused["load"], "--error-policy-snapshot", "stash-and-continue")
    assert "Import data complete with 1 errored row(s) in" in res.stdout, res
    _assert_stashed_exactly_one(refused)
    again = run_cli(*refused["load"], "--error-policy-snapshot", "stash-and-continue")
    assert "Import data complete with 1 errored row(s)" in again.stdout  # nothing loaded twice
    _assert_stashed_exactly_one(refused)
    verify = run_cli("verify", *refused["load"][2:12], check=False)
    assert verify.returncode != 0 and "MATCH" not in verify.stdout.replace("MISMATCH", ""), verify
    assert "1 row(s) stashed by stash-and-continue" in " ".join(verify.stdout.split()), verify


@pytest.mark.parametrize(
    "point", ["import.range_committed@3", "import.row_stashed@1", "import.range_committed@12"]
)
def test_killed_during_bisection_resumes_exactly(refused: dict, point: str) -> None:
    policy = ["--error-policy-snapshot", "stash-and-continue"]
    killed = run_cli(*refused["load"], *policy, env={ENV: point}, check=False)
    assert killed.returncode == -9, killed
    res = run_cli(*refused["load"], *policy)
    assert "Import data complete with 1 errored row(s)" in res.stdout, res
    _assert_stashed_exactly_one(refused)


def test_primary_key_conflicts_ignored_or_upserted(
    pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir: Path
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE k (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO k SELECT g, 'new ' || g FROM generate_series(1, 500) g")
    e = ["-e", str(export_dir)]
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    run_cli("export", "data", *e, *source_flags(pg_server, pg_db, "public"), "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("INSERT INTO k SELECT g, 'old ' || g FROM generate_series(401, 600) g")  # 100 collide
    load = ["import", "data", *e, *tgt, "--disable-pb", "--batch-size", "150"]
    bad = run_cli(*load, check=False)
    assert bad.returncode == 1 and "k_pkey" in bad.stderr, bad
    res = run_cli(*load, "--on-primary-key-conflict", "IGNORE")
    assert "Import data complete" in res.stdout
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT count(*), count(*) FILTER (WHERE v LIKE 'old%') FROM k").fetchone() == (
            600,
            200,
        )
    assert (
        run_cli(*load, "--enable-upsert", "--on-primary-key-conflict", "IGNORE", check=False).returncode == 1
    )
    # upsert replaces the colliding rows (afresh: the rows loaded above are kept, the source's replace the old)
    clean = run_cli(*load, "--start-clean", "true", "--yes", "--enable-upsert")
    assert "Import data complete" in clean.stdout
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT count(*), count(*) FILTER (WHERE v LIKE 'old%') FROM k").fetchone() == (
            600,
            100,
        )
