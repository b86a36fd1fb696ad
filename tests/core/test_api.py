"""transship.api: a whole migration with library calls only (no CLI), passwords from a callback."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import fields, replace
from pathlib import Path

import psycopg
import pytest

from tests.core.conftest import SMALL, SMALL_COUNTS, SMALL_SCHEMAS, ScramServer
from transship import api
from transship.dbconfig import DBConfig
from transship.errors import TransshipError


def test_a_migration_through_the_api_alone(scram_server: ScramServer, tmp_path: Path) -> None:
    source_db = scram_server.create_database("ts_src", SMALL / "schema.sql", SMALL / "data.sql")
    target_db = scram_server.create_database("ts_tgt")
    asked: list[tuple[str, str, str]] = []

    def passwords(side: str, user: str, host: str) -> str:
        asked.append((side, user, host))
        return scram_server.password

    where = {"host": scram_server.host, "port": scram_server.port, "user": scram_server.user}
    m = api.Migration(
        tmp_path / "mig",  # created by the first step
        source=DBConfig(db_type="postgresql", name=source_db, schema=SMALL_SCHEMAS, **where),  # type: ignore[arg-type]
        target=DBConfig(name=target_db, **where),  # type: ignore[arg-type]
        passwords=passwords,
    )
    assert "Exported schema" in api.export_schema(m).output
    report = api.analyze_schema(m).document
    assert report is not None and "Issues" in report
    api.export_data(m)
    exported = api.export_data_status(m).document
    assert {(d["table_name"], d["status"]) for d in exported} >= {("shop.orders", "DONE")}, exported
    api.import_schema(m)
    imported = api.import_data(m, api.ImportDataOptions(parallel_jobs=2, batch_size=100))
    assert "Import data complete." in imported.output
    assert {d["status"] for d in api.import_data_status(m).document} == {"DONE"}
    api.finalize_schema(m)
    # options are checked like flags: a bad value stops the step before any work, naming field and flag
    with pytest.raises(TransshipError, match=r"import data: error_policy \(--error-policy-snapshot\)"):
        api.import_data(m, api.ImportDataOptions(error_policy="bogus"))  # type: ignore[arg-type]
    with pytest.raises(
        TransshipError, match=r"parallel_jobs \(--parallel-jobs\).*greater than or equal to 1"
    ):
        api.import_data(m, api.ImportDataOptions(parallel_jobs=0))
    host = logging.Handler()
    logging.getLogger("transship").addHandler(host)
    try:
        result = api.verify(m)
        assert host in logging.getLogger("transship").handlers  # the host's logging is given back
        assert not any(isinstance(h, logging.FileHandler) for h in logging.getLogger("transship").handlers)
    finally:
        logging.getLogger("transship").removeHandler(host)
    assert result.ok and result.error is None, result.error
    assert {t["table_name"]: t["target_rows"] for t in result.document["tables"]} == SMALL_COUNTS
    assert {side for side, _user, _host in asked} == {"source", "target"}  # asked once per side per step

    # verify's verdict is a value, not an exit code: a damaged row is located
    with psycopg.connect(scram_server.conninfo(target_db), autocommit=True) as conn:
        conn.execute("UPDATE shop.orders SET total = total + 1 WHERE id = (SELECT min(id) FROM shop.orders)")
    bad = api.verify(m, api.VerifyOptions(table_list=["shop.orders"]))
    assert not bad.ok and bad.error is not None and "verify found differences in 1 of 1 table(s)" in bad.error
    assert "shop.orders" in bad.output  # what verify printed, also when its verdict is "different"
    (orders,) = bad.document["tables"]
    assert [d["kind"] for d in orders["differences"]] == ["changed"]

    # errors are exceptions with the CLI's one line, never a prompt or an exit
    wrong = api.Migration(tmp_path / "mig", target=DBConfig(host=scram_server.host, port=scram_server.port,
                          user=scram_server.user, name=target_db, password="wrong"))  # fmt: skip
    with pytest.raises(TransshipError, match="target database login failed for user postgres"):
        api.verify(wrong)
    (tmp_path / "bk").mkdir()
    keep = api.EndMigrationOptions(save_migration_reports=True, backup_dir=str(tmp_path / "bk"))
    with pytest.raises(TransshipError, match="not confirmed"):  # destructive steps ask, as the CLI does
        api.end_migration(m, keep)
    api.end_migration(replace(m, yes=True), keep)
    assert json.loads(next((tmp_path / "bk").rglob("verification_report.json")).read_text())["tables"]


def test_a_step_out_of_order_is_an_error_not_an_exit(tmp_path: Path) -> None:
    with pytest.raises(TransshipError, match="migration has not started yet"):
        api.import_data(api.Migration(tmp_path, target=DBConfig(host="127.0.0.1", name="x")))


def test_each_call_keeps_its_own_password_source_in_its_workers() -> None:
    """Two migrations in two threads: each one's pool workers ask its own callback, never the other's."""
    from transship import credentials
    from transship.pools import ContextThreadPool

    seen: dict[str, list[str]] = {"A": [], "B": []}
    both_inside = threading.Barrier(2)

    def migration(tag: str) -> None:
        def ask(side: str, user: str, host: str) -> str:
            return tag

        with credentials.scoped_password_source(ask):
            both_inside.wait()  # the other thread has set its own source by now
            with ContextThreadPool(max_workers=3) as pool:
                for source in pool.map(lambda _: credentials.password_source(), range(6)):
                    assert source is not None
                    seen[tag].append(source("target", "u", "h"))

    threads = [threading.Thread(target=migration, args=(t,)) for t in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"A": ["A"] * 6, "B": ["B"] * 6}
    assert credentials.password_source() is None  # nothing left installed


def test_the_cli_and_the_api_share_the_options_and_their_defaults() -> None:
    """Each command's flags fill the step's options dataclass; with no flag given, the defaults are equal."""
    from transship.cli.main import cli
    from transship.steps import options

    commands = {
        ("export", "schema"): options.ExportSchemaOptions, ("export", "data"): options.ExportDataOptions,
        ("import", "schema"): options.ImportSchemaOptions, ("import", "data"): options.ImportDataOptions,
        ("finalize-schema-post-data-import",): options.FinalizeOptions, ("verify",): options.VerifyOptions,
        ("analyze-schema",): options.AnalyzeOptions, ("end", "migration"): options.EndMigrationOptions,
        ("export", "data", "status"): options.StatusOptions,
    }  # fmt: skip
    for path, cls in commands.items():
        command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        params = command.make_context(" ".join(path), [], resilient_parsing=True).params
        names = getattr(cls, "CLI_NAMES", {})
        missing = [f.name for f in fields(cls) if names.get(f.name, f.name) not in params]
        assert not missing, (path, missing)  # every field is a flag of the command
        assert options.from_params(cls, params) == cls(), path


def test_the_engine_runs_without_click() -> None:
    """transship.api and every step import neither click nor the CLI (a library user does not need them)."""
    import subprocess
    import sys

    code = (
        "import sys, transship.api\n"
        "for m in ('analyze', 'export_schema', 'export_data', 'import_schema', 'import_data', 'verify',"
        " 'status', 'end_migration'): __import__('transship.steps.' + m)\n"
        "print(sorted(n for n in sys.modules if n == 'click' or n.startswith(('click.', 'transship.cli'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_an_export_dir_that_cannot_be_made_is_a_transship_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    m = api.Migration(blocker / "mig", source=DBConfig(db_type="postgresql", host="127.0.0.1", name="x"))
    with pytest.raises(TransshipError, match="cannot create the export dir"):
        api.export_schema(m)
