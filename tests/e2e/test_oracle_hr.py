"""Oracle script mode on the shared HR and Sakila samples, through the CLI (skipped without ../shared)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli, shared_path
from tests.e2e.test_oracle_example import target_flags

pytestmark = [pytest.mark.e2e, pytest.mark.shared]


# Rows per table in hr_populate.sql, and a sample of rows copied by hand from it (not computed by any
# code of the exporter): (columns, rows). NUMBER(8,2)/NUMBER(2,2) values are compared as text to check
# the scale; DATE values arrive as timestamp(0).
ROW_COUNTS = {
    "regions": 5, "countries": 25, "locations": 23, "departments": 27, "jobs": 19, "employees": 107,
    "job_history": 10,
}  # fmt: skip
SAMPLES: dict[str, tuple[str, list[tuple[object, ...]]]] = {
    "regions": ("region_id, region_name", [(10, "Europe"), (20, "Americas"), (50, "Africa")]),
    "countries": ("country_id, country_name, region_id", [
        ("IT", "Italy", 10), ("BR", "Brazil", 20), ("ZW", "Zimbabwe", 50),
    ]),
    "locations": ("location_id, street_address, postal_code, city, state_province, country_id", [
        (1000, "1297 Via Cola di Rie", "00989", "Roma", None, "IT"),
        (1200, "2017 Shinjuku-ku", "1689", "Tokyo", "Tokyo Prefecture", "JP"),
        (1700, "2004 Charade Rd", "98199", "Seattle", "Washington", "US"),
        (2500, "Magdalen Centre, The Oxford Science Park", "OX9 9ZB", "Oxford", "Oxford", "GB"),
        (3200, "Mariano Escobedo 9991", "11932", "Mexico City", "Distrito Federal", "MX"),
    ]),
    "departments": ("department_id, department_name, manager_id, location_id", [
        (10, "Administration", 200, 1700), (30, "Purchasing", 114, 1700), (120, "Treasury", None, 1700),
    ]),
    "jobs": ("job_id, job_title, min_salary, max_salary", [
        ("AD_PRES", "President", 20080, 40000), ("PR_REP", "Public Relations Representative", 4500, 10500),
    ]),
    "employees": (
        "employee_id, first_name, last_name, email, phone_number, hire_date, job_id, salary::text,"
        " commission_pct::text, manager_id, department_id",
        [
            (100, "Steven", "King", "SKING", "1.515.555.0100", dt.datetime(2013, 6, 17), "AD_PRES", "24000.00", None, None, 90),
            (145, "John", "Singh", "JSINGH", "44.1632.960000", dt.datetime(2014, 10, 1), "SA_MAN", "14000.00", "0.40", 100, 80),
            (149, "Eleni", "Zlotkey", "EZLOTKEY", "44.1632.960004", dt.datetime(2018, 1, 29), "SA_MAN", "10500.00", "0.20", 100, 80),
            (178, "Kimberely", "Grant", "KGRANT", "44.1632.960033", dt.datetime(2017, 5, 24), "SA_REP", "7000.00", "0.15", 149, None),
            (206, "William", "Gietz", "WGIETZ", "1.515.555.0171", dt.datetime(2012, 6, 7), "AC_ACCOUNT", "8300.00", None, 205, 110),
        ],
    ),
    "job_history": ("employee_id, start_date, end_date, job_id, department_id", [
        (102, dt.datetime(2011, 1, 13), dt.datetime(2016, 7, 24), "IT_PROG", 60),
        (176, dt.datetime(2017, 1, 1), dt.datetime(2017, 12, 31), "SA_MAN", 80),
        (200, dt.datetime(2012, 7, 1), dt.datetime(2016, 12, 31), "AC_ACCOUNT", 90),
    ]),
}  # fmt: skip


def check_hr_rows(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    """Exact row counts, and the hand-copied sample rows present exactly as written in hr_populate.sql."""
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
        for table in ROW_COUNTS
    }
    assert counts == ROW_COUNTS
    for table, (columns, rows) in SAMPLES.items():
        got = {tuple(_norm(v) for v in r) for r in conn.execute(f"SELECT {columns} FROM {table}")}  # noqa: S608 - fixed names
        missing = [row for row in rows if tuple(_norm(v) for v in row) not in got]
        assert missing == [], table
    ids = [r[0] for r in conn.execute("SELECT employee_id FROM employees ORDER BY 1")]
    assert ids == list(range(100, 207))  # hr_populate.sql inserts employees 100..206


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
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("SET search_path TO hr")
        check_hr_rows(conn)
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
    reasons = {f["reason"] for f in findings if f["object_name"] == "rentals"}
    # the bigint overloads only wrap the unconverted object-type overloads: they would fail at run time
    assert {
        "rentals.get_customer_rental_history not converted: calls unconverted rentals.get_customer,"
        " rentals.get_customer_rental_history",
        "rentals.get_film_info not converted: calls unconverted rentals.get_film, rentals.get_film_info",
    } <= reasons
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
        rentals = conn.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'rentals'"
        ).fetchone()[0]
        assert rentals == 0  # every member of the package is left unconverted (and reported)
        # the converted BEFORE INSERT trigger takes the id from the sequence and sets last_update
        conn.execute("INSERT INTO language (name) VALUES ('Norsk')")
        lang = conn.execute("SELECT language_id, last_update IS NOT NULL FROM language").fetchone()
        assert lang == (1, True)
        conn.execute("INSERT INTO category (category_id, name) VALUES (7, 'Drama')")
        assert conn.execute("SELECT category_id FROM category").fetchone()[0] == 7
