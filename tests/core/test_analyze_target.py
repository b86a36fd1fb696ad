"""analyze-schema after import schema into a real PostgreSQL: the report is for that PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from tests.core.conftest import Migration, load_sql

SOURCE = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA app;
CREATE TABLE app.users (
    login citext PRIMARY KEY,
    a     integer,
    b     integer GENERATED ALWAYS AS (a * 2) STORED
);
"""
YB_ONLY = {"STORED_GENERATED_COLUMNS", "PK_UK_ON_CITEXT_DATATYPE"}


def _analyze(m: Migration, *extra: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    out = m.run("analyze-schema", "-e", str(m.export_dir), "--output-format", "json", *extra)
    doc = json.loads((m.export_dir / "reports" / "schema_analysis_report.json").read_text(encoding="utf-8"))
    return doc, out.stderr


def test_the_target_import_schema_used_is_the_default(
    cli, pg_server, pg_db, pg_target_db, export_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "source.sql"
    script.write_text(SOURCE, encoding="utf-8")
    load_sql(pg_server.conninfo(pg_db), script)
    m = Migration(cli, pg_server, pg_db, pg_target_db, export_dir, schemas="app", tables={})
    m.export_schema()
    before, _ = _analyze(m)  # nothing imported yet: YugabyteDB, voyager's default
    assert before["TargetDBType"] == "yugabytedb" and {i["RuleCode"] for i in before["Issues"]} == YB_ONLY

    m.import_schema()
    with psycopg.connect(m.conninfo("target")) as conn:
        version = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]
    doc, err = _analyze(m)
    assert (doc["TargetDBType"], doc["TargetDBVersion"]) == ("postgresql", version), doc
    assert doc["Issues"] == [] and not err.strip(), (doc["Issues"], err)

    # an explicit option wins, and the mismatch is one warning line
    doc, err = _analyze(m, "--target-db-type", "yugabytedb", "--target-db-version", "2.20.0.0")
    assert (doc["TargetDBType"], doc["TargetDBVersion"]) == ("yugabytedb", "2.20.0.0")
    assert {i["RuleCode"] for i in doc["Issues"]} == YB_ONLY
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("WARNING: --target-db-type yugabytedb differs"), err
    assert f"postgresql {version}" in lines[0]
