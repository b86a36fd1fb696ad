"""Crash safety: SIGKILL ``import data`` and ``import schema`` part-way, then re-run.

The data must arrive exactly once (a table without a primary key shows duplicates if a batch ran twice),
and ``import data status`` must be right at each point: what it reports as imported is what the target
holds, apart from batches it explicitly reports as in doubt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import run_cli
from tests.e2e.pgflow import import_status, source_flags, target_flags
from transship.testing.compare import compare_pg_databases, schema_dump

pytestmark = pytest.mark.e2e

SOURCE_SQL = """
CREATE TABLE big (id bigint PRIMARY KEY, grp int NOT NULL, payload text);
CREATE INDEX big_grp ON big (grp);
INSERT INTO big SELECT g, g % 97, repeat(md5(g::text), 3) || E'\\t' || g FROM generate_series(1, 150000) g;
CREATE TABLE nopk (n int, label text);
INSERT INTO nopk SELECT g % 5000, 'row ' || g FROM generate_series(1, 120000) g;
CREATE TABLE child (id serial PRIMARY KEY, big_id bigint REFERENCES big (id), note text);
INSERT INTO child (big_id, note) SELECT g, 'n' || g FROM generate_series(1, 30000) g;
"""


def _popen(*args: str) -> subprocess.Popen:
    env = dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1")
    return subprocess.Popen(
        [sys.executable, "-m", "transship", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


def _kill_when(proc: subprocess.Popen, condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"command finished before it could be killed: {proc.communicate()}")
        if condition():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.02)
    proc.kill()
    pytest.fail("condition for the kill never became true")


def _ledger_batches(conn) -> int:
    if conn.execute("SELECT to_regclass('transship_metadata.import_batches')").fetchone()[0] is None:
        return 0
    return conn.execute("SELECT count(*) FROM transship_metadata.import_batches").fetchone()[0]


def _target_counts(conn) -> dict[str, int]:
    return {
        t: conn.execute(f"SELECT count(*) FROM public.{t}").fetchone()[0] for t in ("big", "nopk", "child")
    }


def test_import_data_killed_and_resumed(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE_SQL)
    e = ["-e", str(export_dir)]
    tflags = target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    run_cli("export", "data", *e, *source_flags(pg_server, pg_db, "public"), "--disable-pb")
    run_cli("import", "schema", *e, *tflags)

    with pg_server.connect(pg_target_db) as tconn:
        for kills, threshold in enumerate((3, 25, 60), start=1):
            proc = _popen(
                "import", "data", *e, *tflags, "--batch-size", "2000", "--parallel-jobs", "2", "--disable-pb"
            )
            _kill_when(proc, lambda t=threshold: _ledger_batches(tconn) >= t)
            actual = _target_counts(tconn)
            status = import_status(export_dir)
            for table, count in actual.items():
                st = status[f"public.{table}"]
                # reported = committed, except batches explicitly in doubt
                assert st["imported_count"] <= count <= st["imported_count"] + st["in_doubt_count"], (
                    kills,
                    table,
                    st,
                    count,
                )
            assert any(st["status"] != "DONE" for st in status.values()), status

        # indexes dropped for the load are recorded in the target: ending the migration now would lose them
        early_end = run_cli("end", "migration", *e, *tflags, "--yes", check=False)
        assert early_end.returncode == 1 and "never built again" in early_end.stderr, early_end
        final = run_cli(
            "import", "data", *e, *tflags, "--batch-size", "2000", "--parallel-jobs", "2", "--disable-pb"
        )
        assert "Resuming import" in final.stdout
        assert _target_counts(tconn) == {"big": 150000, "nopk": 120000, "child": 30000}
        # no duplicates, same content, sequence restored
        rows, ok = compare_pg_databases(
            pg_server.conninfo(pg_db), pg_server.conninfo(pg_target_db), ["public"]
        )
        assert ok, rows
        assert tconn.execute("SELECT last_value FROM child_id_seq").fetchone()[0] == 30000
    # the secondary index dropped for the load is back, under its name
    assert schema_dump(pg_db, ["public"], pg_server.host, pg_server.port, pg_server.user) == schema_dump(
        pg_target_db, ["public"], pg_server.host, pg_server.port, pg_server.user
    )
    status = import_status(export_dir)
    assert all(
        st["status"] == "DONE" and st["imported_count"] == st["total_count"] and st["in_doubt_count"] == 0
        for st in status.values()
    ), status


def test_import_schema_killed_and_resumed_with_ignore_exist(pg_server, pg_db, pg_target_db, export_dir):
    ddl = "\n".join(
        f"CREATE TABLE t{i} (id int PRIMARY KEY, ref int, v text DEFAULT 'x'); CREATE INDEX t{i}_v ON t{i} (v);"
        + (
            f" ALTER TABLE t{i} ADD CONSTRAINT t{i}_ref FOREIGN KEY (ref) REFERENCES t{i - 1} (id);"
            if i
            else ""
        )
        + f" CREATE VIEW v{i} AS SELECT id, v FROM t{i};"
        for i in range(250)
    )
    with pg_server.connect(pg_db) as conn:
        conn.execute(ddl)
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    tflags = target_flags(pg_server, pg_target_db)
    with pg_server.connect(pg_target_db) as tconn:
        proc = _popen("import", "schema", *e, *tflags)
        _kill_when(
            proc,
            lambda: (
                tconn.execute(
                    "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                ).fetchone()[0]
                >= 60
            ),
        )
        partial = tconn.execute(
            "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        ).fetchone()[0]
        assert partial < 250
    run_cli("import", "schema", *e, *tflags, "--ignore-exist")
    assert schema_dump(pg_db, ["public"], pg_server.host, pg_server.port, pg_server.user) == schema_dump(
        pg_target_db, ["public"], pg_server.host, pg_server.port, pg_server.user
    )


def test_export_data_killed_and_resumed(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE_SQL)
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    run_cli("export", "schema", *e, *src)
    data = export_dir / "data"
    proc = _popen("export", "data", *e, *src, "--parallel-jobs", "1", "--disable-pb")
    # biggest table first: kill once it is complete and the next one is being written
    _kill_when(proc, lambda: (data / "big_data.sql").exists() and any(data.glob("tmp_*")))
    assert not (data / "child_data.sql").exists() or not (data / "nopk_data.sql").exists()
    status = {
        d["table_name"]: d
        for d in json.loads(run_cli("export", "data", "status", *e, "--output-format", "json").stdout)
    }
    assert status["public.big"]["status"] == "DONE" and status["public.big"]["exported_count"] == 150000
    assert any(d["status"] == "INTERRUPTED" for d in status.values()), status

    again = run_cli("export", "data", *e, *src, "--parallel-jobs", "2", "--disable-pb")
    assert "Resuming: 1 table(s)" in again.stdout
    assert not any(data.glob("tmp_*"))
    tflags = target_flags(pg_server, pg_target_db)
    run_cli("import", "schema", *e, *tflags)
    run_cli("import", "data", *e, *tflags, "--disable-pb")
    rows, ok = compare_pg_databases(pg_server.conninfo(pg_db), pg_server.conninfo(pg_target_db), ["public"])
    assert ok, rows


def test_import_schema_connection_terminated_is_one_line_then_resumed(
    pg_server, pg_db, pg_target_db, export_dir
):
    ddl = "\n".join(
        f"CREATE TABLE t{i} (id int PRIMARY KEY, v text); CREATE VIEW v{i} AS SELECT id FROM t{i};"
        for i in range(200)
    )
    with pg_server.connect(pg_db) as conn:
        conn.execute(ddl)
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    tflags = target_flags(pg_server, pg_target_db)
    proc = _popen("import", "schema", *e, *tflags)
    with pg_server.connect(pg_target_db) as tconn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            made = tconn.execute(
                "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            ).fetchone()[0]
            if made >= 40:
                tconn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'transship'"
                )
                break
            time.sleep(0.01)
    out, err = proc.communicate(timeout=120)
    lines = [ln for ln in err.decode().splitlines() if ln.strip()]
    assert proc.returncode == 1 and len(lines) == 1, (out, err)
    assert "connection was lost during import schema" in lines[0] and "--ignore-exist true" in lines[0], lines
    run_cli("import", "schema", *e, *tflags, "--ignore-exist")
    assert schema_dump(pg_db, ["public"], pg_server.host, pg_server.port, pg_server.user) == schema_dump(
        pg_target_db, ["public"], pg_server.host, pg_server.port, pg_server.user
    )
