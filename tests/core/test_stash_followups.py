"""Follow-ups of stash-and-continue and the primary-key options (issue 9 review), in one small migration:

- ``--enable-upsert`` with keyless tables is refused before anything loads, naming them;
- under the default abort policy a CHECK / NOT NULL violation's fix names the constraint or column (not
  ``--start-clean``, which would not help and destroys);
- a full disk while ``data/errors/`` is written names the file and leaves no ``.tmp``;
- ``--on-primary-key-conflict IGNORE`` reports the rows it skipped (summary line and status JSON);
- stashed rows the user corrected and loaded by hand (the documented ``\\copy``) make the table DONE, not a
  ROW_COUNT_MISMATCH;
- ``end migration`` warns about stashed rows that never reached the target and keeps their files in the backup.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.diskfull import ENV as DISK_FULL_ENV
from transship.testing.databases import PgServer


def _status(e: list[str]) -> dict[str, dict]:
    out = run_cli("import", "data", "status", *e, "--output-format", "json").stdout
    return {d["table_name"]: d for d in json.loads(out)}


def _copy_rows(conninfo: str, table: str, rows: bytes) -> None:
    """What the docs tell the user to do: ``\\copy`` the corrected ``.rows`` file into the table."""
    with psycopg.connect(conninfo) as conn, conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
        copy.write(rows)


def test_stashed_rows_from_refusal_to_end_migration(
    pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir: Path, tmp_path: Path, one_line_error
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (n int NOT NULL, v text)")  # keyless
        conn.execute("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 200) g")
        conn.execute("CREATE TABLE u (a int, b text)")  # keyless; one NULL the target refuses
        conn.execute(
            "INSERT INTO u SELECT g, CASE WHEN g = 7 THEN NULL ELSE 'b' END FROM generate_series(1, 20) g"
        )
        conn.execute("CREATE TABLE k (id int PRIMARY KEY, v text)")
        conn.execute("INSERT INTO k SELECT g, 'new' FROM generate_series(1, 30) g")
    e = ["-e", str(export_dir)]
    tgt = target_flags(pg_server, pg_target_db)
    conninfo = pg_server.conninfo(pg_target_db)
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    run_cli("export", "data", *e, *source_flags(pg_server, pg_db, "public"), "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "ALTER TABLE t ADD CONSTRAINT t_no_50 CHECK (n <> 50), ADD CONSTRAINT t_no_120 CHECK (n <> 120)"
        )
        conn.execute("ALTER TABLE u ALTER COLUMN b SET NOT NULL")
        conn.execute("INSERT INTO k SELECT g, 'old' FROM generate_series(1, 10) g")  # 10 collide
    load = ["import", "data", *e, *tgt, "--disable-pb", "--batch-size", "100", "--parallel-jobs", "1"]
    stash = ["--error-policy-snapshot", "stash-and-continue"]

    # --enable-upsert: the keyless tables are named before any row is loaded
    upsert = run_cli(*load, "--enable-upsert", check=False)
    line = one_line_error(upsert, "--enable-upsert", "public.t, public.u", "primary key")
    assert "k" not in line.split("none:")[1].split("—")[0], line
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT (SELECT count(*) FROM k), (SELECT count(*) FROM t)").fetchone() == (10, 0)

    # abort (the default): the fix names the CHECK constraint / the NOT NULL column, never --start-clean
    check = one_line_error(run_cli(*load, "--table-list", "t", check=False), "t_data.sql line 50", "t_no_50")
    assert "--start-clean" not in check and "already holds" not in check, check
    assert "fix: the row breaks CHECK constraint t_no_50" in check and "stash-and-continue" in check, check
    notnull = one_line_error(
        run_cli(*load, "--table-list", "u", check=False), "u_data.sql line 7", "column b"
    )
    assert "--start-clean" not in notnull and "column b is NOT NULL" in notnull, notnull
    assert "stash-and-continue" in notnull, notnull

    # a full disk while data/errors/ is written: one line naming that file, no .tmp left
    errors = export_dir / "data" / "errors"
    full = run_cli(
        *load, *stash, "--on-primary-key-conflict", "IGNORE", env={DISK_FULL_ENV: "file@1"}, check=False
    )
    one_line_error(full, f"disk full at {errors}/t/t_data.sql.errors.jsonl", "MB needed")
    assert not list(errors.rglob("*.tmp")), list(errors.rglob("*"))

    # the same command finishes: 3 rows stashed, 10 skipped, both reported
    done = run_cli(*load, *stash, "--on-primary-key-conflict", "IGNORE")
    assert "Import data complete with 3 errored row(s)" in done.stdout, done
    assert "; 10 row(s) skipped as already present (--on-primary-key-conflict IGNORE)." in done.stdout, done
    st = _status(e)
    assert (st["public.k"]["status"], st["public.k"]["skipped_count"]) == ("DONE", 10), st
    assert (st["public.t"]["status"], st["public.t"]["errored_count"]) == ("DONE_WITH_ERRORS", 2), st
    assert (st["public.u"]["status"], st["public.u"]["errored_count"]) == ("DONE_WITH_ERRORS", 1), st

    # ERRORED ROWS is formatted like the other columns (a four-digit count, set in meta.db: cheaper than
    # making the target refuse 1,234 rows)
    meta = sqlite3.connect(export_dir / "metainfo" / "meta.db")
    with meta:
        meta.execute(
            "UPDATE import_batches SET errored_rows = errored_rows + 1232 WHERE file_name = 't_data.sql' AND batch_number = 1"
        )
    table = run_cli("import", "data", "status", *e).stdout
    assert "1,234" in table and "1234" not in table, table
    with meta:
        meta.execute(
            "UPDATE import_batches SET errored_rows = errored_rows - 1232 WHERE file_name = 't_data.sql' AND batch_number = 1"
        )
    meta.close()

    # the user corrects one stashed row of t and loads it by hand; re-running import data accepts it
    rows = (errors / "t" / "t_data.sql.rows").read_bytes()
    assert rows == b"50\trow 50\n120\trow 120\n", rows
    _copy_rows(conninfo, "t", b"5000\trow 50\n")
    again = run_cli(*load)
    assert "Import data complete with 2 errored row(s)" in again.stdout, again
    assert "1 stashed row(s) have since been loaded into the target" in again.stdout, again
    st = _status(e)
    assert (st["public.t"]["status"], st["public.t"]["errored_count"]) == ("DONE_WITH_ERRORS", 1), st
    _copy_rows(conninfo, "t", b"12000\trow 120\n")
    run_cli(*load)
    st = _status(e)
    assert (st["public.t"]["status"], st["public.t"]["errored_count"]) == ("DONE", 0), st
    assert st["public.t"]["imported_count"] == 200, st
    # a row added by someone else is still a mismatch
    _copy_rows(conninfo, "t", b"9999\textra\n")
    extra = run_cli(*load, check=False)
    one_line_error(extra, "rows are missing or extra", "public.t holds 201 rows")
    assert _status(e)["public.t"]["status"] == "ROW_COUNT_MISMATCH"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM t WHERE n = 9999")
    run_cli(*load)

    # end migration: u's stashed row never reached the target — said, and its files kept in the backup
    backup = tmp_path / "backup"
    backup.mkdir()
    end = run_cli(
        "end", "migration", *e, "--yes", "--save-migration-reports", "true", "--backup-dir", str(backup)
    )
    warning = [ln for ln in end.stdout.splitlines() if ln.startswith("WARNING:")]
    assert len(warning) == 1 and "1 row(s) stashed" in warning[0] and "public.u (1)" in warning[0], end
    assert "public.t" not in warning[0] and f"kept in {backup / 'errors'}" in warning[0], end
    assert (backup / "errors" / "u" / "u_data.sql.rows").read_bytes() == b"7\t\\N\n"
    assert (
        json.loads((backup / "errors" / "u" / "u_data.sql.errors.jsonl").read_text())["sqlstate"] == "23502"
    )
    assert not (export_dir / "data").exists()
