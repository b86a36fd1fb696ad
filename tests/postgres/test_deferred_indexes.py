"""import data builds plain secondary indexes after the load; what pg_get_indexdef cannot restore stays put;
two migrations into one target never lose each other's recorded indexes; a re-exported file is not mixed
with rows of its earlier export."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.testing.databases import temp_pg_database

SOURCE = """
CREATE TABLE items (id int PRIMARY KEY, grp int, label text, code text UNIQUE);
CREATE INDEX items_grp ON items (grp);
CREATE INDEX items_label_lower ON items (lower(label)) WHERE grp > 3;
CREATE INDEX items_commented ON items (label);
COMMENT ON INDEX items_commented IS 'kept in place';
INSERT INTO items SELECT g, g % 10, 'L' || g, 'c' || g FROM generate_series(1, 5000) g;
"""


def _indexes(conn) -> dict[str, str]:
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'items' ORDER BY 1"
    ).fetchall()
    return dict(rows)


def _import_states(e: list[str]) -> dict[str, str]:
    out = run_cli("import", "data", "status", *e, "--output-format", "json").stdout
    return {row["table_name"]: row["status"] for row in json.loads(out)}


def _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """export schema, export data and import schema of ``public``; the export-dir and target flags."""
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    run_cli("export", "data", *e, *source_flags(pg_server, pg_db, "public"), "--disable-pb")
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("import", "schema", *e, *tgt)
    return e, tgt


def test_indexes_rebuilt_after_the_load_and_special_ones_kept(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
        source_indexes = _indexes(conn)
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    out = run_cli("import", "data", *e, *tgt, "--disable-pb")
    # items_grp, items_label_lower and the primary key (nothing refers to it) wait; the unique and the commented
    # index stay
    assert "3 index(es) are dropped for the load" in out.stdout and "primary keys too" in out.stdout
    with pg_server.connect(pg_target_db) as conn:
        assert _indexes(conn) == source_indexes
        assert (
            conn.execute("SELECT obj_description('items_commented'::regclass, 'pg_class')").fetchone()[0]
            == "kept in place"
        )
        waiting = conn.execute("SELECT count(*) FROM transship_metadata.deferred_indexes").fetchone()[0]
        assert waiting == 0


def test_a_primary_key_built_after_the_load_names_duplicate_rows(pg_server, pg_db, pg_target_db, export_dir):
    """A key the source did not enforce (here: none on the source, one added on the target) is built after the
    load; duplicates make that one line naming the key and the duplicate, and a re-run after the fix builds it.
    A primary key that a foreign key refers to stays in place during the load."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int, parent int REFERENCES parent);"
            "CREATE TABLE dup (id int, v text); INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (1, 1);"
            "INSERT INTO dup VALUES (1, 'a'), (2, 'b'), (2, 'c')"
        )
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    with pg_server.connect(pg_target_db) as conn:
        conn.execute("ALTER TABLE dup ADD PRIMARY KEY (id)")  # the target is stricter than the source
    bad = run_cli("import", "data", *e, *tgt, "--disable-pb", check=False)
    lines = [x for x in bad.stderr.splitlines() if x.strip()]
    assert bad.returncode == 1 and len(lines) == 1, bad
    assert (
        "the primary key public.dup_pkey, built after the load, refuses duplicate rows: Key (id)=(2) is duplicated"
        in lines[0]
    )
    with pg_server.connect(pg_target_db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_constraint WHERE conname = 'parent_pkey'").fetchone()[0]
            == 1
        )
    # every row of dup is in, its key is not: status says FAILED with the reason, not DONE
    assert _import_states(e) == {"public.child": "DONE", "public.dup": "FAILED", "public.parent": "DONE"}
    text = run_cli("import", "data", "status", *e).stdout
    assert "ERROR: the primary key public.dup_pkey, built after the load, refuses duplicate rows" in text
    with pg_server.connect(pg_db) as conn:  # the fix: the source's duplicate goes, the table is loaded again
        conn.execute("DELETE FROM dup WHERE v = 'c'")
    src = source_flags(pg_server, pg_db, "public")
    run_cli("export", "data", *e, *src, "--disable-pb", "--start-clean", "true", "--yes")
    run_cli(
        "import",
        "data",
        *e,
        *tgt,
        "--disable-pb",
        "--start-clean",
        "true",
        "--truncate-tables",
        "true",
        "--yes",
    )
    with pg_server.connect(pg_target_db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_constraint WHERE conname = 'dup_pkey'").fetchone()[0] == 1
        )
    assert set(_import_states(e).values()) == {"DONE"}


def test_two_migrations_into_one_target_keep_each_others_index_definitions(
    pg_server, pg_db, pg_target_db, tmp_path
):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
    tgt = target_flags(pg_server, pg_target_db)
    with temp_pg_database(pg_server, "ts_src2") as other_db:
        with pg_server.connect(other_db) as conn:
            conn.execute("CREATE SCHEMA second; CREATE TABLE second.big (id int PRIMARY KEY, v int, pad text);"
                         "CREATE INDEX big_v ON second.big (v);"
                         "INSERT INTO second.big SELECT g, g % 7, repeat('p', 300) FROM generate_series(1, 200000) g;")  # fmt: skip
        a, b = tmp_path / "a", tmp_path / "b"
        a.mkdir()
        b.mkdir()
        for ed, db, schema in ((a, pg_db, "public"), (b, other_db, "second")):
            run_cli("export", "schema", "-e", str(ed), *source_flags(pg_server, db, schema))
            run_cli("export", "data", "-e", str(ed), *source_flags(pg_server, db, schema), "--disable-pb")
            run_cli("import", "schema", "-e", str(ed), *tgt)
        run_cli("import", "data", "-e", str(a), *tgt, "--disable-pb")
        # migration b: killed once its index is recorded and dropped, before it is built again
        env = dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1")
        proc = subprocess.Popen([sys.executable, "-m", "transship", "import", "data", "-e", str(b), *tgt, "--disable-pb",
                                 "--batch-size", "1000", "--parallel-jobs", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        with pg_server.connect(pg_target_db) as conn:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                recorded = conn.execute(
                    "SELECT to_regclass('transship_metadata.deferred_indexes')"
                ).fetchone()[0]
                if (
                    recorded
                    and conn.execute("SELECT count(*) FROM transship_metadata.deferred_indexes").fetchone()[0]
                ):
                    break
                time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with pg_server.connect(pg_target_db) as conn:
            assert (
                conn.execute("SELECT to_regclass('second.big_v')").fetchone()[0] is None
            )  # dropped, recorded
        # ending migration a must not take b's recorded index with it
        run_cli("end", "migration", "-e", str(a), *tgt, "--yes")
        run_cli("import", "data", "-e", str(b), *tgt, "--disable-pb")
        with pg_server.connect(pg_target_db) as conn:
            assert conn.execute("SELECT to_regclass('second.big_v')").fetchone()[0] is not None
            assert conn.execute("SELECT count(*) FROM second.big").fetchone()[0] == 200000


def test_reexported_file_is_not_mixed_with_its_earlier_export(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    with pg_server.connect(pg_db) as conn:
        conn.execute("INSERT INTO items SELECT g, 1, 'new', 'n' || g FROM generate_series(5001, 5100) g")
    refused = run_cli("export", "data", *e, *src, "--start-clean", "true", "--disable-pb", check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr  # no terminal, no --yes: nothing deleted
    run_cli("export", "data", *e, *src, "--start-clean", "true", "--yes", "--disable-pb")
    bad = run_cli("import", "data", *e, *tgt, "--disable-pb", check=False)
    assert bad.returncode == 1
    assert "was exported again after part of an earlier export of it was imported" in bad.stderr
    assert "--start-clean true --truncate-tables true" in bad.stderr
    run_cli("import", "data", *e, *tgt, "--disable-pb", "--start-clean", "true", "--truncate-tables", "true")
    checked = run_cli("verify", *e, *tgt)
    assert "all 1 table(s) match" in checked.stdout


def test_a_tables_indexes_are_built_as_soon_as_it_is_loaded(pg_server, pg_db, pg_target_db, export_dir):
    """The tables load one after another, biggest first; the indexes dropped for the load of one are built
    while the next one loads (seen from outside while the import runs), and the result is the source's."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)
        conn.execute(
            "CREATE TABLE later (id int PRIMARY KEY, v text);"
            "INSERT INTO later SELECT g, 'v' || g FROM generate_series(1, 300) g"
        )
        source_indexes = _indexes(conn)
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    env = dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1", TRANSSHIP_PAUSE_AT="import.batch_recorded:1")
    args = [sys.executable, "-m", "transship", "import", "data", *e, *tgt, "--disable-pb"]
    load = subprocess.Popen(
        [*args, "--batch-size", "2500", "--parallel-jobs", "1"], stdout=subprocess.PIPE, text=True, env=env
    )
    seen = False  # items' indexes all there while later is not loaded yet
    with pg_server.connect(pg_target_db, autocommit=True) as conn:
        while load.poll() is None:
            try:
                rows = conn.execute("SELECT count(*) FROM later").fetchone()[0]
                items = len(_indexes(conn))
            except Exception:  # noqa: BLE001 - a table locked or being changed: look again
                continue
            seen = seen or (items == len(source_indexes) and rows < 300)
            time.sleep(0.05)
        out = load.communicate()[0]
        assert load.returncode == 0, out
        assert _indexes(conn) == source_indexes
        assert conn.execute("SELECT count(*) FROM later").fetchone()[0] == 300
    assert seen, out
    assert "Built 4 index(es) after the load: 4 as soon as their table was loaded" in out, out


def test_ctrl_c_cancels_an_index_build_running_while_the_next_table_loads(
    pg_server, pg_db, pg_target_db, export_dir
):
    """Ctrl-C while a loaded table's index is being built in the background: the build is cancelled on the
    server at once (not waited for), the index stays recorded, and the next run builds it and ends exact."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE FUNCTION slow(i int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT i';"
            "CREATE TABLE big (id int PRIMARY KEY, v int); CREATE INDEX big_slow ON big (slow(v));"
            "CREATE TABLE later (id int PRIMARY KEY);"
            "INSERT INTO big SELECT g, g FROM generate_series(1, 400) g;"
            "INSERT INTO later SELECT generate_series(1, 10)"
        )
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    with pg_server.connect(pg_target_db) as conn:  # on the target the index takes 40 s to build
        conn.execute(
            "CREATE OR REPLACE FUNCTION slow(i int) RETURNS int IMMUTABLE LANGUAGE plpgsql"
            " AS $$BEGIN PERFORM pg_sleep(0.1); RETURN i; END$$"
        )
    env = dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1", TRANSSHIP_PAUSE_AT="import.batch_recorded:2")
    load = subprocess.Popen(
        [sys.executable, "-m", "transship", "import", "data", *e, *tgt, "--disable-pb", "--parallel-jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    with pg_server.connect(pg_target_db, autocommit=True) as conn:
        deadline = time.monotonic() + 60
        while not conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX big_slow%%' AND state = 'active'"
        ).fetchone()[0]:
            assert time.monotonic() < deadline and load.poll() is None, load.communicate()
            time.sleep(0.05)
        sent = time.monotonic()
        load.send_signal(signal.SIGINT)
        out, err = load.communicate(timeout=60)
        assert time.monotonic() - sent < 15, "Ctrl-C waited for the index build"
        assert load.returncode != 0, (out, err)
        assert conn.execute("SELECT to_regclass('big_slow')").fetchone()[0] is None
        waiting = conn.execute("SELECT index_name FROM transship_metadata.deferred_indexes").fetchall()
        assert ("big_slow",) in waiting
        conn.execute(  # the re-run's build is quick (same results)
            "CREATE OR REPLACE FUNCTION slow(i int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT i'"
        )
    done = run_cli("import", "data", *e, *tgt, "--disable-pb")
    assert "Import data complete" in done.stdout
    with pg_server.connect(pg_target_db) as conn:
        assert conn.execute("SELECT to_regclass('big_slow')").fetchone()[0] is not None
        assert conn.execute("SELECT count(*) FROM big").fetchone()[0] == 400
        assert conn.execute("SELECT count(*) FROM later").fetchone()[0] == 10


def test_an_inheritance_parents_key_waits_for_the_end_of_the_load(pg_server, pg_db, pg_target_db, export_dir):
    """A parent's primary key is not built while the load goes on (its ALTER TABLE would lock the children
    that still load): it is built after the load, with the other tables' indexes built early."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE parent (id int PRIMARY KEY, v text); CREATE TABLE child (w int) INHERITS (parent);"
            "INSERT INTO parent SELECT g, 'p' FROM generate_series(1, 500) g;"
            "INSERT INTO child SELECT g, 'c', g FROM generate_series(501, 600) g"
        )
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    out = run_cli("import", "data", *e, *tgt, "--disable-pb", "--parallel-jobs", "1")
    log = (export_dir / "logs" / "import-data.log").read_text(encoding="utf-8")
    early = re.findall(r"index_early_\d+ transship\.importer\.indexes: index (\S+) built", log)
    assert "public.parent_pkey" not in early and "index public.parent_pkey built" in log, log
    assert "Import data complete" in out.stdout
    with pg_server.connect(pg_target_db) as conn:
        assert conn.execute("SELECT to_regclass('parent_pkey')").fetchone()[0] is not None
        assert conn.execute("SELECT count(*) FROM ONLY parent").fetchone()[0] == 500
        assert conn.execute("SELECT count(*) FROM child").fetchone()[0] == 100


def test_a_primary_key_that_something_rests_on_stays_in_place(pg_server, pg_db, pg_target_db, export_dir):
    """A view grouping by the key (it depends on the constraint), a CLUSTER mark on the key's index and a comment
    on it are not restored by ADD PRIMARY KEY: those keys are not dropped for the load (the view made every run
    fail; the mark and the comment were lost without a word). A plain table's key still waits."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE fd (id int PRIMARY KEY, name text);"
            "CREATE VIEW fd_v AS SELECT id, name, count(*) AS n FROM fd GROUP BY id;"
            "CREATE TABLE cl (id int PRIMARY KEY, v text); ALTER TABLE cl CLUSTER ON cl_pkey;"
            "CREATE TABLE ci (id int PRIMARY KEY, v text); COMMENT ON INDEX ci_pkey IS 'pk index comment';"
            "CREATE TABLE plain (id int PRIMARY KEY, v text);"
            "INSERT INTO fd SELECT g, 'n' || g FROM generate_series(1, 300) g;"
            "INSERT INTO cl SELECT g, 'v' FROM generate_series(1, 200) g;"
            "INSERT INTO ci SELECT g, 'v' FROM generate_series(1, 200) g;"
            "INSERT INTO plain SELECT g, 'v' FROM generate_series(1, 100) g;"
        )
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    out = run_cli("import", "data", *e, *tgt, "--parallel-jobs", "2", "--disable-pb")
    assert "1 index(es) are dropped for the load" in out.stdout, out.stdout
    with pg_server.connect(pg_target_db) as conn:
        rows = conn.execute(
            "SELECT ct.relname, i.indisclustered, obj_description(i.indexrelid, 'pg_class')"
            " FROM pg_index i JOIN pg_class ct ON ct.oid = i.indrelid WHERE i.indisprimary"
            " AND ct.relname IN ('fd', 'cl', 'ci', 'plain')"
        ).fetchall()
        keys = {name: (clustered, comment) for name, clustered, comment in rows}
        assert keys == {
            "fd": (False, None),
            "cl": (True, None),
            "ci": (False, "pk index comment"),
            "plain": (False, None),
        }
        assert conn.execute("SELECT sum(n) FROM fd_v").fetchone()[0] == 300
        waiting = conn.execute("SELECT count(*) FROM transship_metadata.deferred_indexes").fetchone()[0]
        assert waiting == 0


def test_a_table_with_nothing_to_load_keeps_its_indexes(pg_server, pg_db, pg_target_db, export_dir):
    """An empty table's key and indexes are not dropped and built again, on the first run or on a re-run after
    success (which has nothing to load at all): no churn of DDL on a target that may already be in use."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE empty (id int PRIMARY KEY, v int); CREATE INDEX empty_v ON empty (v);"
            "CREATE TABLE full_ (id int PRIMARY KEY, v int); CREATE INDEX full_v ON full_ (v);"
            "INSERT INTO full_ SELECT g, g FROM generate_series(1, 100) g"
        )
    e, tgt = _exported_and_schema_imported(pg_server, pg_db, pg_target_db, export_dir)
    with pg_server.connect(pg_target_db) as conn:
        before = conn.execute("SELECT 'empty_v'::regclass::oid, 'empty_pkey'::regclass::oid").fetchone()
    first = run_cli("import", "data", *e, *tgt, "--disable-pb")
    assert "2 index(es) are dropped for the load" in first.stdout, first.stdout  # full_'s key and index
    again = run_cli("import", "data", *e, *tgt, "--disable-pb")
    assert "dropped for the load" not in again.stdout and "Built" not in again.stdout, again.stdout
    with pg_server.connect(pg_target_db) as conn:
        assert (
            conn.execute("SELECT 'empty_v'::regclass::oid, 'empty_pkey'::regclass::oid").fetchone() == before
        )
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'full_'").fetchone()[0] == 2
