"""Live mode against recorded ALL_* result sets (no Oracle server can run here: see standin.py).

The converted DDL is applied to a real PostgreSQL database, and the rows the data path writes are
loaded with COPY and read back.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.conftest import run_cli
from tests.oracle.standin import FakeDriver, FakeLob
from transship.adapters.base import DataExportOptions, SchemaExportOptions
from transship.dbconfig import DBConfig
from transship.errors import ConnectionFailed, TransshipError
from transship.schema_files import SchemaWriter, read_schema_files
from transship_oracle.adapter import OracleAdapter


def make_adapter(driver: FakeDriver, **cfg: object) -> OracleAdapter:
    config = DBConfig(
        db_type="oracle", host="ora.example", user="hr", password="pw", name="ORCLPDB1", schema="HR"
    )
    for k, v in cfg.items():
        if k.startswith("oracle_"):  # the adapter's own settings (its ConnectionOptions)
            config.options[k] = str(v)
        else:
            setattr(config, k, v)
    adapter = OracleAdapter(config, driver=driver)
    adapter.validate_config()
    return adapter


def export(adapter: OracleAdapter, tmp_path: Path):  # type: ignore[no-untyped-def]
    writer = SchemaWriter(tmp_path / "schema")
    result = adapter.export_schema(writer, SchemaExportOptions(comments_on_objects=True))
    writer.write()
    return result


def apply_schema(pg_server, dbname: str, schema_dir: Path) -> list[str]:  # type: ignore[no-untyped-def]
    failures = []
    with psycopg.connect(pg_server.conninfo(dbname), autocommit=True) as conn:
        for st in read_schema_files(schema_dir):
            try:
                conn.execute(st.sql)
            except psycopg.Error as exc:
                failures.append(f"{st.object_type}:{st.line}: {exc.diag.message_primary}")
    return failures


def test_connect_by_service_sid_and_tns_alias(tmp_path: Path) -> None:
    driver = FakeDriver()
    assert make_adapter(driver).check_connection() == "Oracle 19.21.0.0.0"
    make_adapter(driver, oracle_db_sid="ORCL").check_connection()
    make_adapter(driver, oracle_tns_alias="HRDB", oracle_home=str(tmp_path)).check_connection()
    service, sid, tns = driver.connects
    assert service["service_name"] == "ORCLPDB1" and service["port"] == 1521 and "sid" not in service
    assert sid["sid"] == "ORCL" and "service_name" not in sid
    assert tns["dsn"] == "HRDB" and tns["config_dir"] == str(tmp_path / "network" / "admin")


@pytest.mark.parametrize(
    ("error", "expected", "fix"),
    [
        (
            (1017, "invalid username/password; logon denied"),
            "refused the login of user hr",
            "--source-db-password",
        ),
        ((28000, "the account is locked"), "account hr is locked", "ACCOUNT UNLOCK"),
        (
            (12514, "listener does not currently know of service"),
            "does not know service ORCLPDB1",
            "--source-db-name",
        ),
    ],
)
def test_login_errors_are_one_line_with_a_fix(error: tuple[int, str], expected: str, fix: str) -> None:
    with pytest.raises(TransshipError) as info:
        make_adapter(FakeDriver(login_error=error)).check_connection()
    line = info.value.one_line()
    assert expected in line and fix in line and "\n" not in line


def test_unknown_schema_and_missing_privilege() -> None:
    with pytest.raises(TransshipError) as info:
        make_adapter(FakeDriver(), schema="NOPE").check_connection()
    assert (
        "schema NOPE does not exist" in info.value.one_line()
        and "--source-db-schema" in info.value.one_line()
    )
    driver = FakeDriver(fail_on=("FROM all_tab_cols", (1031, "insufficient privileges")))
    with pytest.raises(TransshipError) as info:
        make_adapter(driver).read_source()
    assert (
        "lacks a privilege" in info.value.one_line()
        and "GRANT SELECT ANY DICTIONARY" in info.value.one_line()
    )


def test_hr_dictionary_converts_and_applies(tmp_path: Path, pg_server, pg_db: str) -> None:  # type: ignore[no-untyped-def]
    adapter = make_adapter(FakeDriver())
    result = export(adapter, tmp_path)
    assert result.counts["TABLE"] == 8 and result.counts["SEQUENCE"] == 3 and result.counts["VIEW"] == 1
    assert apply_schema(pg_server, pg_db, tmp_path / "schema") == []
    kinds = {(f["kind"], f["object_name"]) for f in result.findings}
    assert ("guessed_type_mapping", "regions.region_id") in kinds
    assert ("lossy_type_mapping", "emp_audit.changed_at") in kinds
    assert ("lossy_conversion", "emp_audit_emp_bix") in kinds  # bitmap index created as btree, reported
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        types = dict(conn.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
        ).fetchall())  # fmt: skip
        assert (
            types["employees.salary"] == "numeric"
            and types["employees.hire_date"] == "timestamp without time zone"
        )
        assert (
            types["emp_audit.changed_at"] == "timestamp with time zone"
            and types["emp_audit.row_guid"] == "uuid"
        )
        assert types["regions.region_id"] == "numeric" and types["employees.employee_id"] == "integer"
        ident = conn.execute(
            "SELECT is_identity, identity_generation FROM information_schema.columns WHERE table_name = 'emp_audit' AND column_name = 'audit_id'"
        ).fetchone()
        assert ident == ("YES", "BY DEFAULT")
        parts = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'r' ORDER BY 1"
        ).fetchall()
        assert parts == [("emp_audit_2023",), ("emp_audit_max",)]
        idx = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'emp_upper_name_ix'"
        ).fetchone()[0]
        assert "upper((last_name)::text)" in idx and "hire_date DESC" in idx
        assert (
            conn.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'emp_salary_audit'").fetchone()[0]
            == "D"
        )
        assert conn.execute("SELECT count(*) FROM staff").fetchone()[0] == 0  # synonym became a view
        assert conn.execute("SELECT col_description('jobs'::regclass, 2)").fetchone()[0] == "it's quoted"
        # the converted routines run: procedure with %TYPE, NVL, RAISE_APPLICATION_ERROR; function with a cursor loop
        conn.execute("INSERT INTO jobs VALUES ('IT', 'Programmer', 1, 2)")
        conn.execute(
            "INSERT INTO employees (employee_id, last_name, email, job_id, salary) VALUES (1, 'Ng', 'NG', 'IT', 1000)"
        )
        assert (
            conn.execute("SELECT hire_date FROM employees").fetchone()[0] is not None
        )  # WHEN (new.hire_date IS NULL) trigger
        conn.execute("CALL raise_salary(1, 10)")
        assert conn.execute("SELECT salary FROM employees").fetchone()[0] == Decimal("1100.00")
        with pytest.raises(psycopg.errors.RaiseException, match="percentage must be positive"):
            conn.execute("CALL raise_salary(1, 0)")
        assert conn.execute("SELECT job_count('IT'), job_count('XX')").fetchone() == (1, None)


def test_live_data_path_types_lobs_and_scn(tmp_path: Path, pg_server, pg_db: str) -> None:  # type: ignore[no-untyped-def]
    big = "x\ty\\z\n" * 300_000  # 1.8 M characters: read in 1 MiB chunks
    note = FakeLob(big)
    data = {
        "EMP_AUDIT": {
            "columns": [
                "AUDIT_ID",
                "EMPLOYEE_ID",
                "OLD_SALARY",
                "NEW_SALARY",
                "CHANGED_AT",
                "NOTE",
                "ROW_GUID",
            ],
            "rows": [
                (
                    Decimal(1),
                    Decimal(100),
                    Decimal("24000.00"),
                    None,
                    dt.datetime(2023, 5, 1, 22, 30, 15, 123456),
                    note,
                    bytes(range(16)),
                ),
                (
                    Decimal(2),
                    Decimal(100),
                    Decimal("0.01"),
                    Decimal("99999.99"),
                    dt.datetime(2024, 2, 29, 0, 0),
                    FakeLob(""),
                    None,
                ),
            ],
        },
        "REGIONS": {
            "columns": ["REGION_ID", "REGION_NAME"],
            "rows": [
                (Decimal("12345678901234567890123456789012345678"), "Ünïcode ✓"),
                (Decimal("1E+2"), None),
            ],
        },
    }
    adapter = make_adapter(FakeDriver(data))
    export(adapter, tmp_path)
    assert apply_schema(pg_server, pg_db, tmp_path / "schema") == []
    snapshot = adapter.begin_data_export(
        DataExportOptions(include=lambda s, t: t in ("emp_audit", "regions", "employees"))
    )
    assert snapshot.consistency == "flashback SCN 48211763"
    assert {t.target_name for t in snapshot.tables} == {"emp_audit", "regions", "employees"}
    seqs = {s.name: (s.last_value, s.is_called) for s in snapshot.sequences}
    assert seqs["employees_seq"] == (207, False) and seqs["emp_audit_audit_id_seq"] == (21, False)
    reader = snapshot.open_reader()
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE emp_audit DROP CONSTRAINT emp_audit_emp_fk")
        for table in snapshot.tables:
            buf = io.BytesIO()
            reader.copy_table(table, buf.write)
            with conn.cursor().copy(
                f"COPY {table.target_name} ({', '.join(table.columns)}) FROM STDIN"
            ) as copy:
                copy.write(buf.getvalue())
        rows = conn.execute(
            "SELECT audit_id, old_salary, new_salary, changed_at, note, row_guid::text FROM emp_audit ORDER BY 1"
        ).fetchall()
        assert rows[0][3] == dt.datetime(2023, 5, 1, 22, 30, 15, 123456, tzinfo=dt.UTC)
        assert rows[0][4] == big and rows[1][4] == ""  # streamed CLOB; empty CLOB is '' not NULL
        assert rows[0][5] == "00010203-0405-0607-0809-0a0b0c0d0e0f" and rows[1][5] is None
        assert rows[1][1:3] == (Decimal("0.01"), Decimal("99999.99"))
        regions = conn.execute("SELECT region_id::text, region_name FROM regions ORDER BY 1").fetchall()
        assert regions == [("100", None), ("12345678901234567890123456789012345678", "Ünïcode ✓")]
    assert note.reads == 2
    assert set(adapter.driver.scn_used) == {48211763}  # type: ignore[union-attr]
    reader.close()
    snapshot.close()


def test_closed_port_names_the_listener_and_the_cause() -> None:
    """The real python-oracledb driver (thin mode) against a closed port on this machine fails fast."""
    import oracledb  # noqa: PLC0415

    adapter = make_adapter(oracledb, host="127.0.0.1", port=1)
    with pytest.raises(ConnectionFailed) as info:
        adapter.check_connection()
    line = info.value.one_line()
    assert "cannot reach the Oracle listener at 127.0.0.1:1 (Connection refused)" in line
    assert "check --source-db-host/--source-db-port and that the listener is running" in line
    assert "DPY-6005" not in line and "CONNECTION_ID" not in line and "\n" not in line


def test_closed_port_through_the_cli(tmp_path: Path) -> None:
    out = run_cli(
        "export", "schema", "-e", str(tmp_path), "--source-db-type", "oracle", "--source-db-host", "127.0.0.1",
        "--source-db-port", "1", "--source-db-user", "hr", "--source-db-password", "pw", "--source-db-name", "XEPDB1",
        "--source-db-schema", "HR", check=False,
    )  # fmt: skip
    text = out.stdout + out.stderr
    assert out.returncode != 0, out
    assert "cannot reach the Oracle listener at 127.0.0.1:1 (Connection refused)" in text, out
    assert "--source-db-host/--source-db-port" in text and "DPY-6005" not in text, out


def test_describe_names_scripts_or_the_dsn_without_password(tmp_path: Path) -> None:
    scripts = OracleAdapter(DBConfig("oracle", schema="HR"))
    scripts.source_ddl_files = [str(tmp_path / "hr_create.sql"), str(tmp_path / "hr_code.sql")]
    scripts.source_data_files = [str(tmp_path / "hr_create.sql"), str(tmp_path / "hr_populate.sql")]
    assert scripts.describe() == "scripts: hr_create.sql, hr_code.sql, hr_populate.sql"
    driver = FakeDriver()
    assert make_adapter(driver).describe() == "hr@ora.example:1521/ORCLPDB1"
    assert make_adapter(driver, oracle_db_sid="ORCL", port=1522).describe() == "hr@ora.example:1522 SID ORCL"
    assert make_adapter(driver, oracle_tns_alias="HRDB").describe() == "hr@HRDB (TNS alias)"
    assert all("pw" not in make_adapter(driver, **cfg).describe() for cfg in ({}, {"oracle_tns_alias": "A"}))
