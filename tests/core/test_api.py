"""transship.api: a whole migration with library calls only (no CLI), passwords from a callback."""

from __future__ import annotations

import json
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
    result = api.verify(m)
    assert result.ok and result.error is None, result.error
    assert {t["table_name"]: t["target_rows"] for t in result.document["tables"]} == SMALL_COUNTS
    assert {side for side, _user, _host in asked} == {"source", "target"}  # asked once per side per step

    # verify's verdict is a value, not an exit code: a damaged row is located
    with psycopg.connect(scram_server.conninfo(target_db), autocommit=True) as conn:
        conn.execute("UPDATE shop.orders SET total = total + 1 WHERE id = (SELECT min(id) FROM shop.orders)")
    bad = api.verify(m, api.VerifyOptions(table_list=["shop.orders"]))
    assert not bad.ok and bad.error is not None and "verify found differences in 1 of 1 table(s)" in bad.error
    (orders,) = bad.document["tables"]
    assert [d["kind"] for d in orders["differences"]] == ["changed"]

    # errors are exceptions with the CLI's one line, never a prompt or an exit
    wrong = api.Migration(tmp_path / "mig", target=DBConfig(host=scram_server.host, port=scram_server.port,
                          user=scram_server.user, name=target_db, password="wrong"))  # fmt: skip
    with pytest.raises(TransshipError, match="target database login failed for user postgres"):
        api.verify(wrong)
    (tmp_path / "bk").mkdir()
    api.end_migration(
        m, api.EndMigrationOptions(save_migration_reports=True, backup_dir=str(tmp_path / "bk"))
    )
    assert json.loads(next((tmp_path / "bk").rglob("verification_report.json")).read_text())["tables"]


def test_a_step_out_of_order_is_an_error_not_an_exit(tmp_path: Path) -> None:
    with pytest.raises(TransshipError, match="migration has not started yet"):
        api.import_data(api.Migration(tmp_path, target=DBConfig(host="127.0.0.1", name="x")))
