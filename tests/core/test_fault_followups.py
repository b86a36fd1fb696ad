"""Follow-ups of the issue 9 review: ``--start-clean --truncate-tables`` checks every data file before it
truncates; sessions override a database's ``statement_timeout``; a SQL_ASCII source is refused in one line; the
retry budget starts again when a bisection commits; drivers' log records never reach stderr."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags
from transship import retry
from transship.testing.databases import PgServer, unique_name

BIG = 5_000  # rows of the indexed table loaded under a 1 ms statement_timeout


def _counts(conninfo: str, tables: list[str]) -> dict[str, int]:
    # the timeout off from the start: the database's 1 ms default must not cancel the test's own checks
    with psycopg.connect(conninfo, options="-c statement_timeout=0") as conn:
        out = {}
        for name in tables:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*name.split(".")))
            ).fetchone()
            out[name] = int(row[0]) if row else -1
        return out


def test_timeout_overridden_and_files_checked_before_truncating(migration, one_line_error) -> None:  # type: ignore[no-untyped-def]
    m = migration
    with psycopg.connect(m.conninfo("source"), autocommit=True) as conn:
        conn.execute("CREATE TABLE shop.big (id int, v text)")
        conn.execute(f"INSERT INTO shop.big SELECT g, md5(g::text) FROM generate_series(1, {BIG}) g")
        conn.execute("CREATE INDEX big_v_idx ON shop.big (v)")
    tables = {**m.tables, "shop.big": BIG}
    # B: the target database's default timeout, set before any connection of the migration is opened
    with psycopg.connect(m.server.conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET statement_timeout = '1ms'").format(sql.Identifier(m.target_db))
        )
    with psycopg.connect(m.conninfo("target")) as conn, pytest.raises(psycopg.errors.QueryCanceled):
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)")  # the default bites a plain session
    m.export_schema()
    m.export_data()
    m.import_schema()
    m.import_data()
    assert _counts(m.conninfo("target"), sorted(tables)) == tables
    with psycopg.connect(m.conninfo("target"), options="-c statement_timeout=0") as conn:
        assert conn.execute("SELECT to_regclass('shop.big_v_idx')").fetchone() != (None,)

    # A: a changed byte (same size) or a missing file stops --start-clean --truncate-tables before it truncates
    status = run_cli("import", "data", "status", "-e", str(m.export_dir), "--output-format", "json").stdout
    assert {d["status"] for d in json.loads(status)} == {"DONE"}
    orders = m.export_dir / "data" / "shop.orders_data.sql"
    original = orders.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    orders.write_bytes(bytes(changed))
    clean = ("--start-clean", "true", "--truncate-tables", "true", "--yes")
    one_line_error(m.import_data(*clean, check=False), f"data file {orders} is corrupt")
    assert _counts(m.conninfo("target"), sorted(tables)) == tables
    orders.write_bytes(original)
    notes = m.export_dir / "data" / "shop.notes_data.sql"
    notes.rename(notes.with_suffix(".away"))
    one_line_error(m.import_data(*clean, check=False), f"data file {notes} is missing")
    assert _counts(m.conninfo("target"), sorted(tables)) == tables
    again = run_cli("import", "data", "status", "-e", str(m.export_dir), "--output-format", "json").stdout
    assert again == status


@pytest.fixture
def sql_ascii_db(pg_server: PgServer) -> Iterator[str]:
    name = unique_name("ts_ascii")
    with pg_server.connect() as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name))
        )
    try:
        yield name
    finally:
        with pg_server.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_sql_ascii_source_is_refused(
    pg_server: PgServer, sql_ascii_db: str, export_dir: Path, one_line_error
) -> None:  # type: ignore[no-untyped-def]
    with pg_server.connect(sql_ascii_db) as conn:
        conn.execute("CREATE TABLE t (v text)")
        conn.execute("INSERT INTO t VALUES ('caf\\xe9'::text)")
    flags = ["-e", str(export_dir), *source_flags(pg_server, sql_ascii_db, "public")]
    for command in (["export", "schema"], ["export", "data", "--disable-pb"]):
        line = one_line_error(
            run_cli(*command, *flags, check=False),
            f"source database {sql_ascii_db} uses the SQL_ASCII encoding",
        )
        assert "UTF8" in line.split("fix:")[1] and "unexpected" not in line, line


def test_retry_budget_starts_again_when_work_progresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "FIRST_WAIT", 0.0)
    monkeypatch.setattr(retry, "MAX_WAIT", 0.0)
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    assert retry.is_transient(lost)

    def run(failures: int, progress_every: int | None) -> int:
        """Fail ``failures`` times (a part committing every ``progress_every`` failures), then succeed."""
        budget = retry.Budget()
        calls = 0
        for attempt in retry.retrying("work", attempts=3, budget=budget):
            with attempt:
                calls += 1
                if progress_every and calls % progress_every == 0:
                    budget.progress()  # a half of the bisected batch committed before the next loss
                if calls <= failures:
                    raise lost
        return calls

    with pytest.raises(psycopg.OperationalError):
        run(3, None)  # 3 losses in a row spend the budget
    assert run(2, None) == 3
    assert run(10, 2) == 11  # 10 losses, but never 3 without progress in between


def test_driver_log_records_go_to_the_log_file_not_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from transship.exportdir import ExportDir
    from transship.steps.context import setup_logging

    ed = ExportDir(tmp_path)
    ed.logs.mkdir(parents=True, exist_ok=True)
    setup_logging(ed, "import data", "info")
    # what psycopg logs when a COPY's cleanup meets a lost connection
    logging.getLogger("psycopg").warning(
        "error ignored terminating %r: %s", "<psycopg.Copy [BAD]>", "the connection is lost"
    )
    for handler in logging.getLogger("transship").handlers:
        handler.flush()
    assert capsys.readouterr().err == ""
    assert "error ignored terminating" in (ed.logs / "import-data.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("words", "transient"),
    [
        ("FATAL:  terminating connection due to administrator command", True),
        ("server closed the connection unexpectedly", True),
        ("FATAL:  the database system is starting up", True),
        ("FATAL:  sorry, too many clients already", True),
        ('FATAL:  password authentication failed for user "x"', False),
        ('FATAL:  database "nope" does not exist', False),
    ],
)
def test_connect_errors_without_sqlstate_are_classified_by_the_servers_words(
    words: str, transient: bool
) -> None:
    """Errors of the connection phase carry no SQLSTATE (a backend terminated while it started, seen in CI)."""
    from transship.dbconfig import DBConfig
    from transship.pgconn import _connect_error

    exc = psycopg.OperationalError(f'connection to server at "127.0.0.1", port 5432 failed: {words}')
    assert exc.sqlstate is None
    error = _connect_error(exc, DBConfig(host="127.0.0.1", port=5432, user="x"), "target", "db")
    assert retry.is_transient(error) is transient, error.message
