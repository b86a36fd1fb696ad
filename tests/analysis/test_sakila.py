"""analyze-schema on the exported Sakila schemas (real export through the CLI), all four report formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import run_cli, shared_path
from transship.testing.databases import MySQLServer, PgServer

pytestmark = pytest.mark.shared

PAYMENT_CHILDREN = [f"public.payment_p2007_0{n}" for n in range(1, 7)]
PG_EXPECTED = {
    ("UNSUPPORTED_GIST_INDEX_METHOD", "film_fulltext_idx ON public.film"),
    *(("INHERITANCE", t) for t in PAYMENT_CHILDREN),
    *(("TABLE_WITHOUT_PRIMARY_KEY", t) for t in PAYMENT_CHILDREN),
    *(
        ("FOREIGN_KEY_WITHOUT_INDEX", f"{t}, constraint: ({t.split('.')[1]}_rental_id_fkey)")
        for t in PAYMENT_CHILDREN
    ),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.payment, constraint: (payment_rental_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.film_category, constraint: (film_category_category_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.inventory, constraint: (inventory_film_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.rental, constraint: (rental_customer_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.rental, constraint: (rental_staff_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.staff, constraint: (staff_address_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.staff, constraint: (staff_store_id_fkey)"),
    ("FOREIGN_KEY_WITHOUT_INDEX", "public.store, constraint: (store_address_id_fkey)"),
}


# The three procedures return result sets to the client (no PL/pgSQL equivalent) and stay commented for the
# user; tinyint(1) -> boolean is a guess; GROUP_CONCAT in two views became string_agg (the
# report asks the user to confirm); the FULLTEXT index became a GIN index. Every table has a primary key and MySQL indexes every FK.
MYSQL_EXPECTED = {
    ("GUESSED_CONVERSION", "actor_info"),
    ("GUESSED_CONVERSION", "sales_by_store"),
    ("LOSSY_CONVERSION", "film_text.idx_title_description"),
    ("LOSSY_CONVERSION", "(text columns)"),  # NUL characters are removed from text values
    ("UNCONVERTED_OBJECT", "film_in_stock"),
    ("UNCONVERTED_OBJECT", "film_not_in_stock"),
    ("UNCONVERTED_OBJECT", "rewards_report"),
    ("GUESSED_TYPE_MAPPING", "customer.active"),
    ("GUESSED_TYPE_MAPPING", "staff.active"),
}


def _load_pg(server: PgServer, db: str, script: Path) -> None:
    with server.connect(db) as conn:
        conn.execute(script.read_text(encoding="utf-8"))


def _check_reports(export: Path) -> dict:
    reports = export / "reports"
    doc = json.loads((reports / "schema_analysis_report.json").read_text(encoding="utf-8"))
    root = ET.parse(reports / "schema_analysis_report.xml").getroot()
    assert len(root.findall("./Issues/Issue")) == len(doc["Issues"])
    txt = (reports / "schema_analysis_report.txt").read_text(encoding="utf-8")
    assert txt.count("Issue in Object") == len(doc["Issues"])
    html = (reports / "schema_analysis_report.html").read_text(encoding="utf-8")
    assert html.count('<tr><td data-label="#"') == len(doc["Issues"])
    return doc


def test_postgres_sakila(pg_server: PgServer, pg_db: str, export_dir: Path) -> None:
    script = shared_path("datasets", "postgres-sakila", "sakila-schema.sql")
    _load_pg(pg_server, pg_db, script)
    run_cli("export", "schema", "-e", str(export_dir), "--source-db-type", "postgresql", "--source-db-host", pg_server.host,
            "--source-db-port", str(pg_server.port), "--source-db-user", pg_server.user, "--source-db-name", pg_db,
            "--source-db-schema", "public")  # fmt: skip
    out = run_cli(
        "analyze-schema",
        "-e",
        str(export_dir),
        "--output-format",
        "html,json,txt,xml",
        "--target-db-version",
        "2024.2.0.0",
    )
    assert "schema_analysis_report.xml" in out.stdout
    doc = _check_reports(export_dir)
    assert {(i["RuleCode"], i["ObjectName"]) for i in doc["Issues"]} == PG_EXPECTED
    assert len(doc["Issues"]) == len(PG_EXPECTED)
    objects = {o["ObjectType"]: o for o in doc["Summary"]["DatabaseObjects"]}
    assert objects["TABLE"]["TotalCount"] == 21 and objects["VIEW"]["TotalCount"] == 7
    assert doc["Summary"]["DbName"] == pg_db and doc["Summary"]["SchemaNames"] == ["public"]


def test_mysql_sakila(mysql_server: MySQLServer, mysql_db: str, export_dir: Path) -> None:
    script = shared_path("datasets", "mysql-sakila", "sakila-schema.sql")
    lines = [
        ln.replace("sakila.", f"{mysql_db}.")
        for ln in script.read_text(encoding="utf-8").splitlines()
        if not ln.upper().startswith(("DROP SCHEMA", "CREATE SCHEMA", "USE "))
    ]
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        pytest.skip(
            "needs the mariadb/mysql command-line client to load the Sakila script (it uses DELIMITER)"
        )
    subprocess.run(
        [client, "-h", mysql_server.host, "-P", str(mysql_server.port), "-u", mysql_server.user, mysql_db],
        input="\n".join(lines), text=True, check=True, capture_output=True,
        env={**os.environ, "MYSQL_PWD": mysql_server.password},
    )  # fmt: skip
    res = run_cli("export", "schema", "-e", str(export_dir), "--source-db-type", "mysql", "--source-db-host", mysql_server.host,
                  "--source-db-port", str(mysql_server.port), "--source-db-user", mysql_server.user,
                  "--source-db-name", mysql_db, check=False)  # fmt: skip
    assert res.returncode == 0, res
    run_cli("analyze-schema", "-e", str(export_dir), "--output-format", "html,json,txt,xml")
    doc = _check_reports(export_dir)
    codes = {i["RuleCode"] for i in doc["Issues"]}
    assert {(i["RuleCode"], i["ObjectName"]) for i in doc["Issues"]} == MYSQL_EXPECTED
    assert len(doc["Issues"]) == len(MYSQL_EXPECTED)
    objects = {o["ObjectType"]: o["TotalCount"] for o in doc["Summary"]["DatabaseObjects"]}
    assert objects.get("TABLE") == 16 and objects.get("VIEW") == 7
    # film_text has a FULLTEXT index in MySQL; whatever the adapter made of it must parse and be analysed
    assert "UNSUPPORTED_PG_SYNTAX" not in codes, [
        i for i in doc["Issues"] if i["RuleCode"] == "UNSUPPORTED_PG_SYNTAX"
    ]
