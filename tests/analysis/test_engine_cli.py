"""Engine behaviour (selection, failing rules, parse errors, bodies), the report formats and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from transship.analysis import Analyzer, Finding, Rule, YBVersion
from transship.analysis.catalogue import render
from transship.analysis.registry import installed_rules
from transship.analysis.report import SourceInfo, build_report
from transship.analysis.rule import RuleDefinitionError
from transship.analysis.selection import select_rules
from transship.analysis.writers import WRITERS
from transship.errors import ConfigError
from transship.plugins import PluginHost
from transship.schema_files import OBJECT_FILES
from transship.state import MetaDB

OLD = YBVersion.parse("2.20.0.0")


class Rule_TEST_BOOM(Rule):
    """Always raises."""

    name = "test.boom"

    def check(self, stmt, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")


def _rules(*patterns: str) -> list[type[Rule]]:
    return select_rules([r.rule for r in installed_rules(PluginHost())], list(patterns), [])


def test_failing_rule_is_reported_not_a_crash() -> None:
    result = Analyzer([Rule_TEST_BOOM, *_rules("UNLOGGED_TABLES")], OLD).analyse_sql(
        "CREATE UNLOGGED TABLE t (id int);"
    )
    assert [f.rule_code for f in result.failed_rules] == ["TEST_BOOM"]
    assert "kaboom" in result.failed_rules[0].error
    assert [i.rule_code for i in result.issues] == ["UNLOGGED_TABLES"]
    doc = build_report(result, SourceInfo())
    assert doc["FailedRules"][0]["RuleCode"] == "TEST_BOOM"
    assert any("TEST_BOOM" in n for n in doc["Summary"]["Notes"])


def test_rule_metadata_is_validated() -> None:
    with pytest.raises(RuleDefinitionError, match="docstring"):
        type("Rule_X1", (Rule,), {"name": "x.y"})
    with pytest.raises(RuleDefinitionError, match="dotted"):
        type("Rule_X2", (Rule,), {"__doc__": "d", "name": "Bad Name"})
    rule = type(
        "Rule_X3", (Rule,), {"__doc__": "First line.\n\nMore.", "name": "x.three", "groups": ("mine",)}
    )
    assert (rule.code, rule.description, rule.groups) == ("X3", "First line.", ("all", "mine"))


def test_selection_by_code_name_group_and_globs() -> None:
    assert {r.code for r in _rules("UNLOGGED_TABLES")} == {"UNLOGGED_TABLES"}
    assert {r.code for r in _rules("yugabytedb.unlogged_tables")} == {"UNLOGGED_TABLES"}
    hygiene = {r.code for r in _rules("hygiene")}
    assert "TABLE_WITHOUT_PRIMARY_KEY" in hygiene and "UNLOGGED_TABLES" not in hygiene
    index_on = {r.code for r in _rules("INDEX_ON_*")}
    assert len(index_on) == 29
    all_rules = [r.rule for r in installed_rules(PluginHost())]
    rest = select_rules(all_rules, [], ["INDEX_ON_*", "hygiene"])
    assert not {r.code for r in rest} & (index_on | hygiene) and len(rest) == len(all_rules) - 29 - len(
        hygiene
    )
    with pytest.raises(ConfigError, match="matches no installed rule"):
        select_rules(all_rules, ["NO_SUCH_RULE*"], [])


def test_parse_error_is_one_issue_with_file_and_line_and_others_still_analysed() -> None:
    sql = (
        "CREATE TABLE a (id int PRIMARY KEY);\n\nCREATE TABLE b (id int,);\nCREATE UNLOGGED TABLE c (id int);"
    )
    result = Analyzer(_rules("UNSUPPORTED_PG_SYNTAX", "UNLOGGED_TABLES", "WITH_OIDS"), OLD).analyse_sql(
        sql, "TABLE", Path("tables/table.sql")
    )
    by_code = {i.rule_code: i for i in result.issues}
    syntax = by_code["UNSUPPORTED_PG_SYNTAX"]
    assert (syntax.line, syntax.file, syntax.object_name) == (3, "tables/table.sql", "b")
    assert 'syntax error at or near ")"' in syntax.reason
    assert by_code["UNLOGGED_TABLES"].line == 4
    # a statement another rule explains is not reported twice
    oids = Analyzer(_rules("UNSUPPORTED_PG_SYNTAX", "WITH_OIDS"), OLD).analyse_sql(
        "CREATE TABLE t (id int) WITH OIDS;"
    )
    assert [i.rule_code for i in oids.issues] == ["WITH_OIDS"]


def test_issue_in_function_body_is_plpgsql_category_with_body_line() -> None:
    sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\n  PERFORM pg_advisory_lock(7);\nEND $$;"
    result = Analyzer(_rules("ADVISORY_LOCKS"), OLD).analyse_sql(sql, "FUNCTION")
    (issue,) = result.issues
    assert (issue.category, issue.object_type, issue.object_name) == (
        "unsupported_plpgsql_objects",
        "FUNCTION",
        "f",
    )
    assert issue.line == 4 and "pg_advisory_lock" in issue.sql


def test_report_formats(tmp_path: Path) -> None:
    sql = "CREATE TABLE t (id int, d xml, CONSTRAINT u UNIQUE (id) DEFERRABLE);\nCREATE TABLE <b>x (id int);"
    result = Analyzer(_rules("yugabytedb", "UNSUPPORTED_PG_SYNTAX"), OLD).analyse_sql(
        sql, "TABLE", Path("tables/table.sql")
    )
    doc = build_report(result, SourceInfo("postgresql", "shop", ("public",), "15.2"))
    issue = doc["Issues"][0]
    assert set(issue) >= {"IssueType", "ObjectType", "ObjectName", "Reason", "SqlStatement", "FilePath", "Suggestion", "GH",
                          "DocsLink", "MinimumVersionsFixedIn", "RuleCode", "RuleName", "Impact", "LineNumber"}  # fmt: skip
    assert set(doc) >= {"VoyagerVersion", "TargetDBVersion", "Summary", "Issues"}
    assert doc["Summary"]["DatabaseObjects"][0] == {
        "ObjectType": "TABLE",
        "TotalCount": 2,
        "InvalidCount": 2,
        "ObjectNames": "t, <b>x",
        "Details": "issues: DEFERRABLE_CONSTRAINTS, UNSUPPORTED_DATATYPE_XML, UNSUPPORTED_PG_SYNTAX",
    }
    assert json.loads(WRITERS["json"](doc)) == doc
    root = ET.fromstring(WRITERS["xml"](doc))
    assert root.tag == "SchemaReport" and len(root.findall("./Issues/Issue")) == len(doc["Issues"])
    assert root.find("./Summary/DbName").text == "shop"  # type: ignore[union-attr]
    txt = WRITERS["txt"](doc)
    assert "Database Migration Report" in txt and txt.count("Issue in Object") == len(doc["Issues"])
    html = WRITERS["html"](doc)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html), (
        "the HTML must not load external assets"
    )
    assert "&lt;b&gt;x" in html and "<b>x" not in html  # escaped
    assert html.count("<section>") == len({i["IssueType"] for i in doc["Issues"]})  # grouped by category
    assert "sortable" in html and "addEventListener" in html


def _export_dir(tmp_path: Path, files: dict[str, str], findings: list[dict] | None = None) -> Path:
    root = tmp_path / "exp"
    for sub in ("schema", "metainfo", "reports", "logs", "data", "temp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for otype, sql in files.items():
        path = root / "schema" / OBJECT_FILES[otype]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    if findings is not None:
        (root / "metainfo" / "schema_export_findings.json").write_text(json.dumps(findings), encoding="utf-8")
    meta = MetaDB(root / "metainfo" / "meta.db")
    meta.update_status(
        export_schema_done=True, source_db_type="mysql", source_conf={"name": "shop", "schema": ""}
    )
    meta.close()
    return root


def test_cli_edit_loop_and_export_findings(tmp_path: Path) -> None:
    findings = [{"kind": "lossy_type_mapping", "object_type": "TABLE", "object_name": "shop.item.qty", "rule": "mysql.unsigned",
                 "reason": "int unsigned widened to bigint", "suggestion": "", "source_type": "int unsigned", "target_type": "bigint"}]  # fmt: skip
    exp = _export_dir(
        tmp_path, {"TABLE": "CREATE UNLOGGED TABLE shop.item (id int PRIMARY KEY, qty bigint);\n"}, findings
    )
    out = run_cli("analyze-schema", "-e", str(exp), "--target-db-version", "2.20.0.0")
    assert "schema_analysis_report.html" in out.stdout and "schema_analysis_report.json" in out.stdout
    doc = json.loads((exp / "reports" / "schema_analysis_report.json").read_text())
    codes = {i["RuleCode"]: i for i in doc["Issues"]}
    assert "UNLOGGED_TABLES" in codes
    lossy = codes["LOSSY_TYPE_MAPPING"]
    assert (
        lossy["FilePath"] == "schema/tables/table.sql"
        and lossy["LineNumber"] == 1
        and "int unsigned -> bigint" in lossy["Reason"]
    )
    assert not (exp / "reports" / "schema_analysis_report.txt").exists()
    # the user edits the schema: the next run reports on the edited file
    (exp / "schema" / "tables" / "table.sql").write_text(
        "CREATE TABLE shop.item (id int PRIMARY KEY, qty bigint);\n"
    )
    run_cli(
        "analyze-schema", "-e", str(exp), "--target-db-version", "2.20.0.0", "--output-format", "json,txt"
    )
    doc = json.loads((exp / "reports" / "schema_analysis_report.json").read_text())
    assert "UNLOGGED_TABLES" not in {i["RuleCode"] for i in doc["Issues"]}
    assert (exp / "reports" / "schema_analysis_report.txt").exists()
    # a fixed issue disappears on the fixing release
    (exp / "schema" / "tables" / "table.sql").write_text(
        "CREATE UNLOGGED TABLE shop.item (id int PRIMARY KEY);\n"
    )
    run_cli("analyze-schema", "-e", str(exp), "--target-db-version", "2024.2.1.0", "--output-format", "json")
    doc = json.loads((exp / "reports" / "schema_analysis_report.json").read_text())
    assert "UNLOGGED_TABLES" not in {i["RuleCode"] for i in doc["Issues"]}
    assert any("fixed them" in n for n in doc["Summary"]["Notes"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output-format", "pdf"], "--output-format 'pdf' is not a report format"),
        (["--target-db-version", "latest"], "--target-db-version 'latest' is not a YugabyteDB version"),
        (["--rules", "NOPE_*"], "matches no installed rule"),
    ],
)
def test_cli_bad_flags(tmp_path: Path, args: list[str], message: str) -> None:
    exp = _export_dir(tmp_path, {"TABLE": "CREATE TABLE t (id int PRIMARY KEY);"})
    res = run_cli("analyze-schema", "-e", str(exp), *args, check=False)
    assert res.returncode == 1 and message in res.stderr and "fix:" in res.stderr


def test_cli_rules_command() -> None:
    from click.testing import CliRunner

    from tests.example_pack import example_registered
    from transship.cli.rules import rules_cmd

    with example_registered():  # in-process: the example pack is registered, not installed
        out = CliRunner().invoke(rules_cmd, ["--group", "example", "--output-format", "json"])
    assert out.exit_code == 0, out.output
    rules = json.loads(out.output)
    assert [r["code"] for r in rules] == ["Example_L001"] and rules[0][
        "distribution"
    ] == "transship-rules-example"
    assert "Example_L001" not in run_cli("rules").stdout  # a user's venv has no example pack
    table = run_cli("rules", "--group", "hygiene").stdout
    assert "TABLE_WITHOUT_PRIMARY_KEY" in table and "UNLOGGED_TABLES" not in table


def test_rule_catalogue_is_up_to_date() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render(installed_rules(PluginHost())), (
        "regenerate: python -m transship.analysis.catalogue > docs/rules.md"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "transship.analysis.catalogue"], capture_output=True, text=True, check=True
    )
    assert proc.stdout == committed


class _Pack:
    """A rule pack registered at runtime, like a third-party distribution."""

    @staticmethod
    def transship_analysis_rules() -> Iterable[type[Rule]]:
        class Rule_LOCAL_T1(Rule):
            """Table named tmp."""

            name = "local.tmp_table"

            def check(self, stmt, ctx):  # type: ignore[no-untyped-def]
                if stmt.subject_name == "tmp":
                    yield Finding("tmp table")

        return [Rule_LOCAL_T1]


def test_registered_pack_and_duplicate_codes() -> None:
    from transship import hookimpl

    host = PluginHost()
    hookimpl(_Pack.transship_analysis_rules)
    host.register(_Pack, name="local-pack", distribution="local-pack")
    assert "LOCAL_T1" in {r.rule.code for r in installed_rules(host)}

    class _Dup:
        @staticmethod
        @hookimpl
        def transship_analysis_rules() -> list[type[Rule]]:
            return [type("Rule_UNLOGGED_TABLES", (Rule,), {"__doc__": "dup", "name": "dup.unlogged"})]

    host.register(_Dup, name="dup-pack", distribution="dup-pack")
    with pytest.raises(ConfigError, match="dup-pack"):
        installed_rules(host)
