"""Kill ``export data`` and ``import data`` at every named crash point, then run the same command again.

The points are enumerated from :data:`transship.crashpoints.POINTS` (every module that declares one is imported
below), so a new state change with its crash point is tested without editing this file. Each case asserts that
the process really died at the point (SIGKILL), that the next run of the same command finishes, and that the
target then holds exactly the source's rows (content digests) and sequence values.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

import transship.steps.export_data
import transship.steps.import_data  # noqa: F401 - declares the crash points of both steps
from tests.conftest import run_cli
from tests.core.conftest import SMALL, SMALL_COUNTS, SMALL_SCHEMAS, load_sql, table_digests
from transship.crashpoints import DISCONNECT_ENV, ENV, POINTS
from transship.testing.databases import PgServer, temp_pg_database, unique_name

EXPORT_POINTS = sorted(p for p in POINTS if p.startswith("export."))
# reached only while stash-and-continue bisects a refused batch: tests/core/test_stash_and_continue.py kills there
BISECTION_POINTS = {"import.range_committed", "import.row_stashed"}
IMPORT_POINTS = sorted(p for p in POINTS if p.startswith("import.") and p not in BISECTION_POINTS)
# points reached once per table or batch: kill at a later hit, so some work is already done
NTH = {"export.table_written": 2, "export.table_renamed": 2, "export.table_done": 2,
       "import.batch_copied": 3, "import.batch_before_commit": 3, "import.batch_committed": 3,
       "import.batch_recorded": 3, "import.index_built": 1}  # fmt: skip
# points only reached with extra flags (the resumed run repeats the same command, as a user would)
FLAGS = {"export.cleaned": ["--start-clean", "true", "--yes"],
         "import.start_clean_done": ["--start-clean", "true", "--truncate-tables", "true"]}  # fmt: skip


class Base:
    """A loaded source, an export dir with the schema exported, one with the data too, and a target template."""

    def __init__(self, server: PgServer, source: str, root: Path, template: str) -> None:
        self.server, self.source, self.root, self.template = server, source, root, template

    def src(self) -> list[str]:
        return ["--source-db-host", self.server.host, "--source-db-port", str(self.server.port),
                "--source-db-user", self.server.user, "--source-db-name", self.source,
                "--source-db-type", "postgresql", "--source-db-schema", SMALL_SCHEMAS]  # fmt: skip

    def tgt(self, db: str) -> list[str]:
        return ["--target-db-host", self.server.host, "--target-db-port", str(self.server.port),
                "--target-db-user", self.server.user, "--target-db-name", db]  # fmt: skip

    def export_dir(self, which: str, into: Path) -> Path:
        shutil.copytree(self.root / which, into)
        return into

    def new_target(self) -> str:
        name = unique_name("ts_tgt")
        with self.server.connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(self.template)
                )
            )
        return name

    def drop(self, db: str) -> None:
        with self.server.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))

    def assert_exact(self, target: str) -> None:
        names = sorted(SMALL_COUNTS)
        source = table_digests(self.server.conninfo(self.source), names)
        assert {k: v[0] for k, v in source.items()} == SMALL_COUNTS
        assert table_digests(self.server.conninfo(target), names) == source
        with psycopg.connect(self.server.conninfo(target)) as conn:
            assert conn.execute("SELECT last_value FROM shop.invoice_no").fetchone() == (2199,)
            assert conn.execute("SELECT to_regclass('shop.orders_customer_idx')").fetchone() != (None,)


@pytest.fixture(scope="module")
def base(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    root = tmp_path_factory.mktemp("crash")
    with temp_pg_database(pg_server, "ts_src") as source, temp_pg_database(pg_server, "ts_tpl") as template:
        load_sql(pg_server.conninfo(source), SMALL / "schema.sql", SMALL / "data.sql")
        b = Base(pg_server, source, root, template)
        (root / "schema").mkdir()
        run_cli("export", "schema", "-e", str(root / "schema"), *b.src())
        shutil.copytree(root / "schema", root / "data")
        run_cli("export", "data", "-e", str(root / "data"), *b.src(), "--disable-pb")
        run_cli("import", "schema", "-e", str(root / "data"), *b.tgt(template))
        yield b


def _crash(point: str) -> dict[str, str]:
    return {ENV: f"{point}@{NTH.get(point, 1)}"}


def _assert_killed(result) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == -signal.SIGKILL, f"the crash point was not reached: {result!r}"


def test_every_point_is_enumerated() -> None:
    # the state changes the issue names, at least; each module declares its own
    for name in ("export.table_renamed", "export.postdata_written", "export.finished", "import.plan_stored",
                 "import.batch_before_commit", "import.batch_committed", "import.counts_checked", "import.done"):  # fmt: skip
        assert name in POINTS
    assert set(NTH) <= set(POINTS) and set(FLAGS) <= set(POINTS) and BISECTION_POINTS <= set(POINTS)


@pytest.mark.parametrize("point", EXPORT_POINTS)
def test_export_data_killed_at(point: str, base: Base, tmp_path: Path) -> None:
    e = ["-e", str(base.export_dir("schema", tmp_path / "export"))]
    _assert_killed(
        run_cli(
            "export",
            "data",
            *e,
            *base.src(),
            "--disable-pb",
            "--parallel-jobs",
            "1",
            *FLAGS.get(point, []),
            env=_crash(point),
            check=False,
        )
    )
    status = run_cli("export", "data", "status", *e, "--output-format", "json")
    assert status.returncode == 0
    again = run_cli("export", "data", *e, *base.src(), "--disable-pb", *FLAGS.get(point, []))
    # killed after the export was marked finished, there is nothing left to do; before, it finishes now
    done = "Data is already exported" if point == "export.finished" else "Export of data complete"
    assert done in again.stdout, again
    target = base.new_target()
    try:
        run_cli("import", "data", *e, *base.tgt(target), "--disable-pb")
        base.assert_exact(target)
    finally:
        base.drop(target)


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_import_data_killed_at(point: str, base: Base, tmp_path: Path) -> None:
    e = ["-e", str(base.export_dir("data", tmp_path / "export"))]
    target = base.new_target()
    flags = [
        *base.tgt(target),
        "--disable-pb",
        "--batch-size",
        "100",
        "--parallel-jobs",
        "2",
        *FLAGS.get(point, []),
    ]
    try:
        _assert_killed(run_cli("import", "data", *e, *flags, env=_crash(point), check=False))
        assert run_cli("import", "data", "status", *e, "--output-format", "json").returncode == 0
        again = run_cli("import", "data", *e, *flags)
        assert "Import data complete" in again.stdout
        base.assert_exact(target)
    finally:
        base.drop(target)


# ---------------------------------------------------------------- lost connections: one run finishes exactly
FAST_RETRY = {"TRANSSHIP_RETRY_FIRST_WAIT": "0.05", "TRANSSHIP_RETRY_MAX_WAIT": "0.5"}
# (point where every target connection of the run is cut, extra flags, what then meets a dead connection)
DISCONNECTS = [
    ("import.targets_checked", ["--start-clean", "true", "--truncate-tables", "true"], "truncate"),
    ("import.targets_checked", [], "ledger creation"),
    ("import.ledger_ready", [], "reading the ledger, counting rows before"),
    ("import.indexes_deferred@1", [], "deferring the next table's indexes"),
    ("import.batch_copied@3", [], "mid-COPY"),
    ("import.index_building@1", [], "index rebuild"),
    ("import.counts_checked", [], "sequence restore"),
]


@pytest.mark.parametrize(("point", "extra", "step"), DISCONNECTS, ids=[d[2] for d in DISCONNECTS])
def test_import_survives_terminated_connections(
    point: str, extra: list[str], step: str, base: Base, tmp_path: Path
) -> None:
    e = ["-e", str(base.export_dir("data", tmp_path / "export"))]
    target = base.new_target()
    try:
        res = run_cli("import", "data", *e, *base.tgt(target), "--disable-pb", "--batch-size", "100",
                      "--parallel-jobs", "2", *extra, env={DISCONNECT_ENV: point, **FAST_RETRY})  # fmt: skip
        assert "Import data complete" in res.stdout
        assert "unexpected" not in res.stderr
        assert "error ignored" not in res.stderr, res  # psycopg's cleanup warnings go to the log, not stderr
        log = (tmp_path / "export" / "logs" / "import-data.log").read_text(encoding="utf-8")
        assert "retrying" in log, f"no connection was cut at {point}"
        if step == "index rebuild":
            # the first of them is cut (primary keys built after the load come first)
            assert re.search(r"building index \S+ failed", log), log
        base.assert_exact(target)
    finally:
        base.drop(target)


def test_import_survives_20_terminations_at_random_moments(base: Base, tmp_path: Path) -> None:
    e = ["-e", str(base.export_dir("data", tmp_path / "export"))]
    target = base.new_target()
    rng = random.Random(20)
    # a retry budget above the 20 kills: a slow piece of work (index builds, counts on a loaded machine) may
    # meet every one of them, which the default 8 tries per piece would rightly give up on
    # each batch pauses 10 ms once recorded, so the (faster) import lasts long enough for the 20 kills
    env = dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1", TRANSSHIP_RETRY_ATTEMPTS="25", **FAST_RETRY,
               TRANSSHIP_PAUSE_AT="import.batch_recorded:0.01")  # fmt: skip
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "transship", "import", "data", *e, *base.tgt(target), "--disable-pb",
             "--batch-size", "5", "--parallel-jobs", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        kills = 0
        with psycopg.connect(base.server.conninfo(target), autocommit=True) as conn:
            while kills < 20 and proc.poll() is None:
                time.sleep(rng.uniform(0.01, 0.1))
                killed = conn.execute(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = 'transship'"
                ).fetchone()
                kills += 1 if killed and killed[0] else 0
        out, err = proc.communicate(timeout=300)
        log = tmp_path / "export" / "logs" / "import-data.log"
        assert proc.returncode == 0, (out, err, log.read_text()[-3000:] if log.is_file() else "no log")
        assert kills >= 10, f"the import finished after {kills} terminations"
        assert "Import data complete" in out and "unexpected" not in err
        assert "error ignored" not in err, err  # psycopg's cleanup warnings go to the log, not stderr
        base.assert_exact(target)
    finally:
        base.drop(target)
