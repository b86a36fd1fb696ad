"""analyze-schema for a PostgreSQL or a YugabyteDB target: the rules that apply, the option, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.analysis.test_engine_cli import _export_dir
from tests.conftest import run_cli
from tests.example_pack import EXAMPLE_DIST, example_registered, with_example
from transship.analysis import Analyzer, Rule
from transship.analysis.catalogue import render, targets_text
from transship.analysis.registry import installed_rules
from transship.analysis.rule import RuleDefinitionError
from transship.analysis.version import PGVersion, YBVersion
from transship.errors import ConfigError
from transship.plugins import PluginHost
from transship.state import MetaDB

SCHEMA = (
    "CREATE EXTENSION IF NOT EXISTS citext;\n"
    "CREATE TABLE app.users (login citext PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED);\n"
)
YB_ONLY = {"STORED_GENERATED_COLUMNS", "PK_UK_ON_CITEXT_DATATYPE"}
JSON_TABLE_VIEW = (
    "CREATE VIEW app.v AS SELECT * FROM JSON_TABLE('[1]', '$[*]' COLUMNS (x int PATH '$')) AS jt;\n"
)


def _all_rules() -> list[type[Rule]]:
    return [r.rule for r in installed_rules(PluginHost())]


def _codes(version: YBVersion | PGVersion, sql: str) -> set[str]:
    return {i.rule_code for i in Analyzer(_all_rules(), version).analyse_sql(sql).issues}


def test_postgresql_target_reports_no_yugabytedb_limitation() -> None:
    assert _codes(YBVersion.parse("2.20"), SCHEMA) == YB_ONLY
    assert _codes(PGVersion.parse("15"), SCHEMA) == set()
    assert _codes(PGVersion.newest(), SCHEMA) == set()


def test_syntax_newer_than_the_postgresql_target() -> None:
    """JSON_TABLE arrived in PostgreSQL 17: reported on 15 (naming the target), not on 17."""
    result = Analyzer(_all_rules(), PGVersion.parse("15")).analyse_sql(JSON_TABLE_VIEW, "VIEW")
    (issue,) = result.issues
    assert issue.rule_code == "JSON_QUERY_FUNCTION"
    assert "not yet supported in PostgreSQL 15." in issue.reason and "YugabyteDB" not in issue.reason
    assert _codes(PGVersion.parse("17"), JSON_TABLE_VIEW) == set()
    assert _codes(PGVersion.parse("16.4"), JSON_TABLE_VIEW) == {"JSON_QUERY_FUNCTION"}
    # stored generated columns arrived in PostgreSQL 12
    assert _codes(PGVersion.parse("11"), SCHEMA) == {"STORED_GENERATED_COLUMNS"}
    # on YugabyteDB the reason stays voyager's
    (yb,) = Analyzer(_all_rules(), YBVersion.parse("2.20")).analyse_sql(JSON_TABLE_VIEW, "VIEW").issues
    assert "in YugabyteDB" in yb.reason


def test_rules_declare_targets() -> None:
    rules = {r.code: r for r in _all_rules()}
    assert rules["UNLOGGED_TABLES"].targets == frozenset({"yugabytedb"})
    assert rules["UNSUPPORTED_PG_SYNTAX"].targets == frozenset({"postgresql", "yugabytedb"})
    assert rules["TABLE_WITHOUT_PRIMARY_KEY"].targets == frozenset({"postgresql", "yugabytedb"})
    assert rules["JSON_QUERY_FUNCTION"].postgresql_since == "17"
    assert rules["STORED_GENERATED_COLUMNS"].info()["targets"] == ["postgresql", "yugabytedb"]
    only_pg = type("Rule_PGONLY", (Rule,), {"__doc__": "d", "name": "x.pg_only", "targets": {"postgresql"}})
    assert only_pg.targets == frozenset({"postgresql"})
    assert not only_pg.applies_to("yugabytedb", YBVersion.parse("2.20"))
    assert only_pg.applies_to("postgresql", PGVersion.parse("15"))
    with pytest.raises(RuleDefinitionError, match="targets"):
        type("Rule_BADT", (Rule,), {"__doc__": "d", "name": "x.bad_t", "targets": frozenset({"oracle"})})
    with pytest.raises(RuleDefinitionError, match="targets"):
        type("Rule_NOT", (Rule,), {"__doc__": "d", "name": "x.no_t", "targets": frozenset()})
    with pytest.raises(RuleDefinitionError, match="postgresql_since"):
        type("Rule_BADS", (Rule,), {"__doc__": "d", "name": "x.bad_s", "postgresql_since": "latest"})


def test_postgresql_versions() -> None:
    assert (
        str(PGVersion.parse("16.2")) == "16.2"
        and str(PGVersion.parse("15.20 (Debian 15.20-0+deb12u1)")) == "15.20"
    )
    assert PGVersion.parse("15") < PGVersion.parse("15.1") < PGVersion.parse("16")
    for bad in ("2024.2.0.0", "10", "latest", ""):
        with pytest.raises(ConfigError, match="not a PostgreSQL version"):
            PGVersion.parse(bad)


def test_catalogue_lists_targets() -> None:
    doc = render(installed_rules(PluginHost()))
    assert "| Code | Name | Groups | Targets |" in doc
    rows = {line.split("`")[1]: line for line in doc.splitlines() if line.startswith('| <a id="rule-')}
    assert "| yugabytedb |" in rows["UNLOGGED_TABLES"]
    assert "| postgresql < 12, yugabytedb |" in rows["STORED_GENERATED_COLUMNS"]
    assert "| postgresql, yugabytedb |" in rows["TABLE_WITHOUT_PRIMARY_KEY"]
    rules = {r.code: r for r in _all_rules()}
    assert targets_text(rules["JSON_QUERY_FUNCTION"]) == "postgresql < 17, yugabytedb"
    listed = run_cli("rules", "--output-format", "json").stdout
    assert {"code": "UNLOGGED_TABLES", "targets": ["yugabytedb"]}.items() <= next(
        r for r in json.loads(listed) if r["code"] == "UNLOGGED_TABLES"
    ).items()


def _report(exp: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((exp / "reports" / "schema_analysis_report.json").read_text(encoding="utf-8"))


def _record_target(exp: Path, db_type: str, version: str | None) -> None:
    meta = MetaDB(exp / "metainfo" / "meta.db")
    meta.update_status(target_db_type=db_type, target_db_version=version)
    meta.close()


def test_cli_target_type_in_every_report_format(tmp_path: Path) -> None:
    exp = _export_dir(tmp_path, {"TABLE": SCHEMA})
    out = run_cli("analyze-schema", "-e", str(exp), "--target-db-type", "PostgreSQL", "--target-db-version", "16.2",
                  "--output-format", "json,txt,html")  # fmt: skip
    assert "target PostgreSQL 16.2" in out.stdout and not out.stderr.strip(), out
    doc = _report(exp)
    assert (doc["TargetDBType"], doc["TargetDBVersion"], doc["Issues"]) == ("postgresql", "16.2", [])
    assert any("do not apply to the target PostgreSQL 16.2" in n for n in doc["Summary"]["Notes"])
    txt = (exp / "reports" / "schema_analysis_report.txt").read_text(encoding="utf-8")
    assert "Target DB Type        : postgresql" in txt
    html = (exp / "reports" / "schema_analysis_report.html").read_text(encoding="utf-8")
    assert "<th>Target DB type</th><td>postgresql</td>" in html
    run_cli("analyze-schema", "-e", str(exp), "--target-db-version", "2.20.0.0", "--output-format", "json")
    doc = _report(exp)
    assert (doc["TargetDBType"], doc["TargetDBVersion"]) == ("yugabytedb", "2.20.0.0")
    assert {i["RuleCode"] for i in doc["Issues"]} == YB_ONLY
    bad = run_cli("analyze-schema", "-e", str(exp), "--target-db-type", "postgresql", "--target-db-version",
                  "2024.2.0.0", check=False)  # fmt: skip
    assert bad.returncode == 1 and "not a PostgreSQL version" in bad.stderr and "fix:" in bad.stderr, bad
    bad = run_cli("analyze-schema", "-e", str(exp), "--target-db-version", "16.2", check=False)
    assert bad.returncode == 1 and "add --target-db-type postgresql" in bad.stderr, bad
    bad = run_cli("analyze-schema", "-e", str(exp), "--target-db-type", "oracle", check=False)
    assert bad.returncode == 2 and "'oracle' is not one of" in bad.stderr, bad


def test_cli_target_from_the_migration_and_explicit_option_wins(tmp_path: Path) -> None:
    exp = _export_dir(tmp_path, {"TABLE": SCHEMA})
    run_cli("analyze-schema", "-e", str(exp), "--output-format", "json")
    assert (_report(exp)["TargetDBType"], _report(exp)["TargetDBVersion"]) == ("yugabytedb", "2024.2.0.0")
    _record_target(exp, "postgresql", "15.20")
    out = run_cli("analyze-schema", "-e", str(exp), "--output-format", "json")
    assert not out.stderr.strip(), out
    doc = _report(exp)
    assert (doc["TargetDBType"], doc["TargetDBVersion"], doc["Issues"]) == ("postgresql", "15.20", [])
    # the recorded type with another version
    run_cli("analyze-schema", "-e", str(exp), "--target-db-version", "11", "--output-format", "json")
    assert [i["RuleCode"] for i in _report(exp)["Issues"]] == ["STORED_GENERATED_COLUMNS"]
    # an explicit type wins, with one warning line
    out = run_cli(
        "analyze-schema", "-e", str(exp), "--target-db-type", "yugabytedb", "--output-format", "json"
    )
    warnings = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("WARNING: --target-db-type yugabytedb differs"), out
    assert "postgresql 15.20" in warnings[0]
    doc = _report(exp)
    assert (doc["TargetDBType"], doc["TargetDBVersion"]) == ("yugabytedb", "2024.2.0.0")
    assert {i["RuleCode"] for i in doc["Issues"]} == YB_ONLY
    # the same type given explicitly: no warning, the recorded version
    out = run_cli(
        "analyze-schema", "-e", str(exp), "--target-db-type", "postgresql", "--output-format", "json"
    )
    assert not out.stderr.strip() and _report(exp)["TargetDBVersion"] == "15.20", out
    # a recorded YugabyteDB release is the default version
    _record_target(exp, "yugabytedb", "2.20.1.0")
    run_cli("analyze-schema", "-e", str(exp), "--output-format", "json")
    assert (_report(exp)["TargetDBType"], _report(exp)["TargetDBVersion"]) == ("yugabytedb", "2.20.1.0")


def test_config_file_key(tmp_path: Path) -> None:
    exp = _export_dir(tmp_path, {"TABLE": SCHEMA})
    config = tmp_path / "config.yaml"
    config.write_text(
        f"export-dir: {exp}\nanalyze-schema:\n  target-db-type: postgresql\n  target-db-version: '15'\n"
    )
    run_cli("analyze-schema", "-c", str(config), "--output-format", "json")
    assert (_report(exp)["TargetDBType"], _report(exp)["TargetDBVersion"]) == ("postgresql", "15")


def test_api_option(tmp_path: Path) -> None:
    from transship import api

    exp = _export_dir(tmp_path, {"TABLE": SCHEMA})
    m = api.Migration(exp)
    doc = api.analyze_schema(
        m, api.AnalyzeOptions(target_db_type="postgresql", output_formats=["json"])
    ).document
    assert doc["TargetDBType"] == "postgresql" and doc["Issues"] == []
    with pytest.raises(ConfigError, match="target_db_type"):
        api.analyze_schema(m, api.AnalyzeOptions(target_db_type="oracle"))  # type: ignore[arg-type]


def test_example_pack_is_absent_from_a_default_report(tmp_path: Path) -> None:
    """A user's report has no example-pack issue; registered (as the tests do), the same schema has one."""
    from transship import api

    exp = _export_dir(tmp_path, {"TABLE": 'CREATE TABLE app."Orders" (id int PRIMARY KEY);\n'})
    run_cli("analyze-schema", "-e", str(exp), "--output-format", "json")
    doc = _report(exp)
    assert "Example_L001" not in {i["RuleCode"] for i in doc["Issues"]}
    assert EXAMPLE_DIST in {r.distribution for r in installed_rules(with_example())}
    with example_registered():
        registered = api.analyze_schema(
            api.Migration(exp), api.AnalyzeOptions(output_formats=["json"])
        ).document
    assert "Example_L001" in {i["RuleCode"] for i in registered["Issues"]}
    assert doc["RulesRun"] == registered["RulesRun"] - 1
