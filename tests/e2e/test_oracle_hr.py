"""Oracle script mode on the shared HR and Sakila samples, through the CLI (skipped without ../shared)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli, shared_path
from tests.e2e.test_oracle_example import target_flags
from transship_oracle.script import split_oracle_script
from transship_oracle.script_data import _Values
from transship_oracle.tokens import matching_paren, split_top_level, tokenize

pytestmark = [pytest.mark.e2e, pytest.mark.shared]


def expected_rows(populate: Path) -> dict[str, list[tuple[object, ...]]]:
    """The rows hr_populate.sql inserts, evaluated independently of the exporter (table -> sorted rows)."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    for st in split_oracle_script(populate.read_text(encoding="utf-8")):
        for m in re.finditer(r"INSERT\s+INTO\s+(\w+)", st.sql, re.I):
            toks = tokenize(st.sql[m.start() :])
            v = next(k for k, t in enumerate(toks) if t.is_word("VALUES"))
            close = matching_paren(toks, v + 1)
            values = tuple(_Values(st.sql).value(p) for p in split_top_level(toks[v + 2 : close]))
            rows.setdefault(m.group(1).lower(), []).append(values)
    return {t: sorted((tuple(_norm(v) for v in row) for row in r), key=repr) for t, r in rows.items()}


def test_hr_scripts_migrate_with_equal_rows(export_dir: Path, pg_server, pg_target_db: str) -> None:  # type: ignore[no-untyped-def]
    hr = shared_path("datasets", "oracle-hr")
    src = ["--source-db-type", "oracle", "--source-db-schema", "HR"]
    run_cli(
        "export",
        "schema",
        "-e",
        str(export_dir),
        *src,
        "--source-ddl-file",
        str(hr / "hr_create.sql"),
        "--source-ddl-file",
        str(hr / "hr_code.sql"),
    )
    run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true",
            "--source-data-file", str(hr / "hr_create.sql"), "--source-data-file", str(hr / "hr_populate.sql"))  # fmt: skip
    tgt = target_flags(pg_server, pg_target_db, "hr")
    out = run_cli("import", "schema", "-e", str(export_dir), *tgt)
    assert "failed" not in out.stdout
    run_cli("import", "data", "-e", str(export_dir), *tgt, "--disable-pb", "true")
    expected = expected_rows(hr / "hr_populate.sql")
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("SET search_path TO hr")
        for table, rows in expected.items():
            got = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - table names from the script
            norm = sorted((tuple(_norm(v) for v in r) for r in got), key=repr)
            assert norm == rows, table
        assert conn.execute("SELECT count(*) FROM emp_details_view").fetchone()[0] == 106
        # the AFTER UPDATE trigger calls the converted procedure add_job_history
        conn.execute("UPDATE employees SET job_id = 'IT_PROG' WHERE employee_id = 100")
        hist = conn.execute(
            "SELECT start_date, job_id, department_id FROM job_history WHERE employee_id = 100"
        ).fetchone()
        assert hist == (dt.datetime(2013, 6, 17), "AD_PRES", 90)
        # secure_employees was disabled in Oracle (ALTER TRIGGER ... DISABLE) and is disabled on the target
        assert (
            conn.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'secure_employees'").fetchone()[0]
            == "D"
        )
        # secure_dml raises outside office hours, as in Oracle (ORA-20205 kept as the hint)
        now = conn.execute("SELECT to_char(LOCALTIMESTAMP, 'HH24:MI DY')").fetchone()[0]
        if "08:00" <= now[:5] <= "18:00" and now[6:] not in ("SAT", "SUN"):
            conn.execute("CALL secure_dml()")
        else:
            with pytest.raises(psycopg.errors.RaiseException, match="normal office hours"):
                conn.execute("CALL secure_dml()")


def _norm(value: object) -> object:
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value).normalize()
    if isinstance(value, str):
        return value.rstrip()  # CHAR(2) padding
    return value


def test_sakila_scripts_import_without_failures(export_dir: Path, pg_server, pg_target_db: str) -> None:  # type: ignore[no-untyped-def]
    sakila = shared_path("datasets", "oracle-sakila")
    run_cli("export", "schema", "-e", str(export_dir), "--source-db-type", "oracle", "--source-db-schema", "sakila",
            "--source-ddl-file", str(sakila / "sakila-schema.sql"), "--source-ddl-file", str(sakila / "sakila-schema-pl-sql.sql"))  # fmt: skip
    findings = json.loads((export_dir / "metainfo" / "schema_export_findings.json").read_text())
    reported = {f["object_name"] for f in findings if f["kind"] == "unconverted_object"}
    assert {
        "rentals",
        "customers",
    } <= reported  # packages with object constructors / BULK COLLECT / record types
    out = run_cli("import", "schema", "-e", str(export_dir), *target_flags(pg_server, pg_target_db, "sakila"))
    assert "failed" not in out.stdout
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("SET search_path TO sakila")
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'sakila'), (SELECT count(*) FROM pg_views WHERE schemaname = 'sakila'),"
            " (SELECT count(*) FROM pg_sequences WHERE schemaname = 'sakila'), (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sakila' AND NOT t.tgisinternal)"
        ).fetchone()  # fmt: skip
        assert counts == (16, 5, 13, 30)
        # the converted BEFORE INSERT trigger takes the id from the sequence and sets last_update
        conn.execute("INSERT INTO language (name) VALUES ('Norsk')")
        lang = conn.execute("SELECT language_id, last_update IS NOT NULL FROM language").fetchone()
        assert lang == (1, True)
        conn.execute("INSERT INTO category (category_id, name) VALUES (7, 'Drama')")
        assert conn.execute("SELECT category_id FROM category").fetchone()[0] == 7
