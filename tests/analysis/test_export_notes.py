"""Export-time notes in the edit loop, issue locations, the HTML docs link and ``transship rules --group``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from transship.analysis import Analyzer, YBVersion
from transship.analysis.catalogue import (
    CATALOGUE_PAGE,
    check_docs_base_url,
    render_html,
    resolve_link,
    rule_anchor,
)
from transship.analysis.comments import find_comments
from transship.analysis.registry import installed_rules
from transship.analysis.selection import select_rules
from transship.analysis.writers import to_html
from transship.errors import ConfigError
from transship.plugins import PluginHost
from transship.schema_files import OBJECT_FILES
from transship.state import MetaDB
from transship.testing.databases import MySQLServer

OLD = YBVersion.parse("2.20.0.0")


def _hygiene() -> list:
    return select_rules([r.rule for r in installed_rules(PluginHost())], ["hygiene"], [])


def _issues(export: Path) -> dict[tuple[str, str], dict]:
    doc = json.loads((export / "reports" / "schema_analysis_report.json").read_text(encoding="utf-8"))
    return {(i["RuleCode"], i["ObjectName"]): i for i in doc["Issues"]}


def test_mysql_edit_loop_reports_only_what_the_edited_files_still_have(
    mysql_server: MySQLServer, mysql_db: str, export_dir: Path
) -> None:
    """The reviewer's case: tinyint(1) -> boolean (guessed) and a trigger that cannot be converted."""
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE item (id int PRIMARY KEY, flag tinyint(1), qty int)")
        cur.execute("CREATE TRIGGER item_bi BEFORE INSERT ON item FOR EACH ROW SET @last_id = NEW.id")
    conn.close()
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, "--source-db-type", "mysql", "--source-db-host", mysql_server.host,
            "--source-db-port", str(mysql_server.port), "--source-db-user", mysql_server.user,
            "--source-db-name", mysql_db, "--yes", env={"SOURCE_DB_PASSWORD": mysql_server.password})  # fmt: skip
    analyze = ["analyze-schema", *e, "--output-format", "json", "--yes"]
    run_cli(*analyze)
    issues = _issues(export_dir)
    table_sql = export_dir / "schema" / "tables" / "table.sql"
    flag_line = table_sql.read_text().splitlines().index("    flag boolean,") + 1
    guessed = issues[("GUESSED_TYPE_MAPPING", "item.flag")]
    assert (guessed["FilePath"], guessed["LineNumber"]) == ("schema/tables/table.sql", flag_line)
    assert "flag boolean" in guessed["SqlStatement"]
    trigger = issues[("UNCONVERTED_OBJECT", "item_bi")]
    assert trigger["FilePath"] == "schema/triggers/trigger.sql" and trigger["LineNumber"] == 1
    assert trigger["SqlStatement"].startswith("/*\ntrigger item_bi was NOT converted")
    assert "SET @last_id = NEW.id" in trigger["SqlStatement"]

    # the user chooses smallint: the guess is no longer reported; the trigger still is
    table_sql.write_text(table_sql.read_text().replace("flag boolean", "flag smallint"))
    run_cli(*analyze)
    issues = _issues(export_dir)
    assert ("GUESSED_TYPE_MAPPING", "item.flag") not in issues
    assert ("UNCONVERTED_OBJECT", "item_bi") in issues

    # ... and writes the trigger by hand in place of the comment
    (export_dir / "schema" / "triggers" / "trigger.sql").write_text(
        "CREATE FUNCTION item_bi_fn() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        "    PERFORM set_config('app.last_id', NEW.id::text, false);\n    RETURN NEW;\nEND\n$$;\n\n"
        "CREATE TRIGGER item_bi BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION item_bi_fn();\n"
    )
    run_cli(*analyze)
    issues = _issues(export_dir)
    assert not {key for key in issues if key[0] in ("GUESSED_TYPE_MAPPING", "UNCONVERTED_OBJECT")}, issues


def _schema(tmp_path: Path, files: dict[str, str]) -> Path:
    schema = tmp_path / "schema"
    for otype, sql in files.items():
        path = schema / OBJECT_FILES[otype]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    return schema


BLOCK = "/*\n{kind} {name} was NOT converted; convert it by hand (see the analysis report).\n- {why}\n\nOriginal source:\n{src}\n*/\n"


def test_unconverted_objects_point_at_their_comment_block_or_review_line(tmp_path: Path) -> None:
    procedures = (
        "CREATE PROCEDURE ok_proc() LANGUAGE sql AS $$ SELECT '/* not a comment */' $$;\n\n"
        + BLOCK.format(kind="procedure", name="rewards_report", why="cursors", src="CREATE PROCEDURE rewards_report() BEGIN END")
        + "\n"
        + BLOCK.format(kind="procedure", name="film_in_stock", why="result sets", src="CREATE PROCEDURE film_in_stock() BEGIN END")
    )  # fmt: skip
    functions = "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\n-- review: not converted: PRAGMA x\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
    schema = _schema(tmp_path, {"TABLE": "CREATE TABLE t (id int PRIMARY KEY);\n", "PROCEDURE": procedures, "FUNCTION": functions})  # fmt: skip
    notes = [
        {"kind": "unconverted_object", "object_type": "PROCEDURE", "object_name": "film_in_stock", "reason": "result sets"},
        {"kind": "unconverted_object", "object_type": "FUNCTION", "object_name": "f", "reason": "not converted: PRAGMA x"},
        {"kind": "unconverted_object", "object_type": "SEQUENCE", "object_name": "s", "reason": "MariaDB SEQUENCE objects are not converted"},
    ]  # fmt: skip
    result = Analyzer(_hygiene(), OLD, notes, root=tmp_path).analyse_dir(schema)
    got = {i.object_name: i for i in result.issues if i.rule_code == "UNCONVERTED_OBJECT"}
    block_line = procedures.splitlines().index(
        "procedure film_in_stock was NOT converted; convert it by hand (see the analysis report)."
    )
    proc = got["film_in_stock"]
    assert (proc.file, proc.line) == ("schema/procedures/procedure.sql", block_line)
    assert proc.sql.startswith("/*\nprocedure film_in_stock") and proc.sql.endswith("*/")
    assert "rewards_report" not in proc.sql
    # partly converted at export: the statement under the review line, until the user deletes that line
    func = got["f"]
    assert (func.file, func.line) == ("schema/functions/function.sql", 4) and "SELECT 2" in func.sql
    # never written anywhere: the file it belongs in
    assert got["s"].file == "schema/sequences/sequence.sql" and got["s"].sql == ""

    (schema / OBJECT_FILES["FUNCTION"]).write_text(
        functions.replace("-- review: not converted: PRAGMA x\n", "")
    )
    again = Analyzer(_hygiene(), OLD, notes, root=tmp_path).analyse_dir(schema)
    assert {i.object_name for i in again.issues if i.rule_code == "UNCONVERTED_OBJECT"} == {
        "film_in_stock",
        "s",
    }


def test_find_comments_skips_quotes_and_dollar_quotes() -> None:
    script = (
        "SELECT '-- no', \"/* no */\", E'it\\'s -- no';\n"
        "CREATE FUNCTION f() RETURNS int AS $body$ /* no */ -- no\n$body$;\n"
        "-- yes 1\n"
        "/* yes /* nested */ 2\n*/ SELECT 1; /*\nview v was NOT converted\n*/\n"
    )
    found = find_comments(script)
    assert [(c.text, c.line, c.block) for c in found[:2]] == [
        ("yes 1", 4, False),
        ("yes /* nested */ 2", 5, True),
    ]
    assert found[2].line == 6 and found[2].unconverted == ("view", "v") and found[1].unconverted is None
    assert len(found) == 3


def _doc_with_links(*links: str) -> dict:
    issue = {"IssueType": "migration_hygiene", "ObjectType": "TABLE", "ObjectName": "t", "Reason": "r",
             "SqlStatement": "CREATE TABLE t ()", "FilePath": "schema/tables/table.sql", "LineNumber": 1,
             "Suggestion": "s", "GH": "", "MinimumVersionsFixedIn": {}, "RuleCode": "X", "RuleName": "x.y",
             "Impact": "LEVEL_1", "Links": []}  # fmt: skip
    summary = {"Description": "d", "DbName": "db", "SchemaNames": [], "DbVersion": "", "Notes": [], "DatabaseObjects": []}  # fmt: skip
    return {"VoyagerVersion": "v", "TargetDBVersion": "2.20.0.0", "RulesRun": 1, "Summary": summary,
            "Issues": [{**issue, "DocsLink": link} for link in links]}  # fmt: skip


def test_html_links_only_http_urls_and_the_catalogue_page() -> None:
    html = to_html(
        _doc_with_links(
            "https://docs.yugabyte.com/x",
            "schema_analysis_rules.html#rule-lossy-conversion",
            "docs/rules.md#rule-lossy-conversion",
            "javascript:alert(1)",
        )
    )
    assert '<a href="https://docs.yugabyte.com/x"' in html
    assert '<a href="schema_analysis_rules.html#rule-lossy-conversion">' in html  # the page beside the report
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("https://", "http://", "#", "schema_analysis_rules.html#")) for h in hrefs), (
        hrefs
    )
    assert "docs/rules.md#rule-lossy-conversion" in html and "javascript:alert(1)" in html  # shown as text


def test_docs_links_resolve_to_the_shipped_catalogue_or_a_docs_base_url() -> None:
    assert resolve_link("docs/rules.md#rule-x") == "schema_analysis_rules.html#rule-x"
    base = check_docs_base_url("https://example.org/transship/docs")
    assert base == "https://example.org/transship/docs/"
    assert resolve_link("docs/rules.md#rule-x", base) == "https://example.org/transship/docs/rules.md#rule-x"
    assert resolve_link("docs/verify.md", base) == "https://example.org/transship/docs/verify.md"
    assert resolve_link("docs/verify.md") == "docs/verify.md"  # not shipped: kept, shown as text
    for kept in ("https://docs.yugabyte.com/x#y", "https://github.com/yugabyte/yugabyte-db/issues/7850", ""):
        assert resolve_link(kept, base) == kept
    for bad in ("docs/", "ftp://example.org/docs", "https://", "https://example.org/docs?x=1"):
        with pytest.raises(ConfigError, match="--docs-base-url"):
            check_docs_base_url(bad)
    assert check_docs_base_url("") is None and check_docs_base_url(None) is None


def test_docs_links_are_urls_or_catalogue_anchors() -> None:
    catalogue = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    rules = installed_rules(PluginHost())
    page = render_html(rules)
    for rule in (r.rule for r in rules):
        link = rule.docs_link
        if not link or link.startswith(("https://", "http://")):
            continue
        path, _, anchor = link.partition("#")
        assert path == "docs/rules.md" and anchor, f"{rule.code}: docs link {link!r}"
        assert f'<a id="{anchor}"></a>`{rule.code}`' in catalogue, (
            f"{rule.code}: no anchor {anchor} in rules.md"
        )
        assert f'<tr id="{anchor}">' in page, f"{rule.code}: no anchor {anchor} in {CATALOGUE_PAGE}"
    hygiene = [r.rule for r in rules if r.rule.name.startswith("hygiene.")]
    assert hygiene and all(r.docs_link == f"docs/rules.md#{rule_anchor(r.code)}" for r in hygiene)


def test_docs_base_url_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    exp = tmp_path / "exp"
    for sub in ("schema/tables", "metainfo", "reports"):
        (exp / sub).mkdir(parents=True)
    (exp / "schema" / "tables" / "table.sql").write_text("CREATE TABLE t (id int);\n", encoding="utf-8")
    meta = MetaDB(exp / "metainfo" / "meta.db")
    meta.update_status(export_schema_done=True, source_db_type="postgresql", source_conf={"name": "db"})
    meta.close()
    config = tmp_path / "mig.yaml"
    config.write_text(
        f"export-dir: {exp}\nanalyze-schema:\n  docs-base-url: https://docs.example.org/transship/docs/\n",
        encoding="utf-8",
    )

    def docs_link(*args: str, env: dict[str, str] | None = None) -> str:
        run_cli("analyze-schema", *args, "--output-format", "json", env=env)
        doc = json.loads((exp / "reports" / "schema_analysis_report.json").read_text(encoding="utf-8"))
        (issue,) = [i for i in doc["Issues"] if i["RuleCode"] == "TABLE_WITHOUT_PRIMARY_KEY"]
        assert (exp / "reports" / CATALOGUE_PAGE).is_file()  # written whatever the formats
        return str(issue["DocsLink"])

    anchor = "rules.md#rule-table-without-primary-key"
    assert docs_link("-e", str(exp)) == f"schema_analysis_rules.html#{anchor.partition('#')[2]}"
    assert docs_link("-c", str(config)) == f"https://docs.example.org/transship/docs/{anchor}"
    env = {"TRANSSHIP_DOCS_BASE_URL": "https://mirror.example.org/docs"}
    assert (
        docs_link("-c", str(config), env=env) == f"https://mirror.example.org/docs/{anchor}"
    )  # env beats file
    bad = run_cli("analyze-schema", "-e", str(exp), "--docs-base-url", "docs/", check=False)
    assert bad.returncode == 1 and "--docs-base-url 'docs/' is not an http(s) URL" in bad.stderr


def test_rules_command_refuses_an_unknown_group() -> None:
    res = run_cli("rules", "--group", "nosuch", check=False)
    assert res.returncode == 1 and res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--group 'nosuch' matches no rule group" in lines[0]
    assert "fix:" in lines[0] and "hygiene" in lines[0] and "yugabytedb" in lines[0]
    assert "TABLE_WITHOUT_PRIMARY_KEY" in run_cli("rules", "--group", "hyg*").stdout
