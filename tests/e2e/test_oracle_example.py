"""Oracle script mode end to end through the CLI on the project's own sample (no ../shared needed)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.conftest import EXAMPLES, run_cli

pytestmark = pytest.mark.e2e
SAMPLE = EXAMPLES / "sample-oracle"


def target_flags(pg_server, db: str, schema: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user", pg_server.user,
            "--target-db-name", db, "--target-db-schema", schema]  # fmt: skip


def test_sample_oracle_scripts_migrate(export_dir: Path, pg_server, pg_target_db: str) -> None:  # type: ignore[no-untyped-def]
    src = ["--source-db-type", "oracle", "--source-db-schema", "ferries"]
    out = run_cli(
        "export", "schema", "-e", str(export_dir), *src, "--source-ddl-file", str(SAMPLE / "schema.sql")
    )
    assert "oracle script mode (scripts: schema.sql)" in out.stdout and "@localhost" not in out.stdout
    findings = json.loads((export_dir / "metainfo" / "schema_export_findings.json").read_text())
    unconverted = {f["object_name"] for f in findings if f["kind"] == "unconverted_object"}
    assert {"port_sailings", "fleet"} <= unconverted  # (+) view, BULK COLLECT member
    lossy = {f["object_name"] for f in findings if f["kind"] == "lossy_conversion"}
    assert "vessels_capacity_bix" in lossy  # bitmap index, created as btree
    assert "(+)" in (export_dir / "schema" / "views" / "view.sql").read_text()  # kept, commented
    data = run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true",
                   "--source-ddl-file", str(SAMPLE / "schema.sql"), "--source-data-file", str(SAMPLE / "data.sql"))  # fmt: skip
    assert "(scripts: schema.sql, data.sql)" in data.stdout
    tgt = target_flags(pg_server, pg_target_db, "ferries")
    schema = run_cli("import", "schema", "-e", str(export_dir), *tgt)
    assert "failed" not in schema.stdout
    run_cli("import", "data", "-e", str(export_dir), *tgt, "--disable-pb", "true")
    # the content is proven against an independent parse of the scripts (sqlglot), not the files export wrote
    checked = run_cli("verify", "-e", str(export_dir), *tgt)
    assert "all 4 table(s) match, content proven for every table" in checked.stdout, checked
    assert "computed column(s) not compared: fare_eur" in checked.stdout  # a virtual column
    counted = run_cli("verify", "-e", str(export_dir), *tgt, "--counts-only")
    assert "all 4 table(s) match: 0 proven by content, 4 by row counts only (--counts-only)" in counted.stdout
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("UPDATE ferries.tickets SET passenger = 'Kari Nordmann' WHERE ticket_no = 500")
    changed = run_cli("verify", "-e", str(export_dir), *tgt, "--output-format", "json", check=False)
    tickets = next(t for t in json.loads(changed.stdout)["tables"] if t["table_name"] == "ferries.tickets")
    assert changed.returncode == 1 and [d["key"] for d in tickets["differences"]] == ["ticket_no='500'"]
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("UPDATE ferries.tickets SET passenger = 'Ola Nordmann' WHERE ticket_no = 500")
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("SET search_path TO ferries")
        assert conn.execute(
            "SELECT name, country, latitude FROM ports WHERE port_code = 'DEKEL'"
        ).fetchone() == ('Kiel "Ostuferhafen"', None, None)
        vessels = conn.execute(
            "SELECT vessel_id, name, tonnage, guid::text, photo FROM vessels ORDER BY 1"
        ).fetchall()
        assert vessels[0][3] == "01234567-89ab-cdef-0123-456789abcdef" and vessels[0][4] == b""
        assert (
            vessels[1][2:] == (-100, None, b"\xff\x00\xff")
            and vessels[2][1] == "Tab\tand\nnewline \\ backslash"
        )
        s1 = conn.execute(
            "SELECT departs, departs_utc, fare_eur, notes FROM sailings WHERE sailing_id = 1"
        ).fetchone()
        assert s1[0] == dt.datetime(2023, 12, 31, 14, 0, 0, 125000) and s1[1] == dt.datetime(
            2023, 12, 31, 13, tzinfo=dt.UTC
        )
        assert s1[2] == Decimal("110.46") and s1[3] == "New Year's Eve"
        assert (
            conn.execute("SELECT notes FROM sailings WHERE sailing_id = 2").fetchone()[0] == ""
        )  # EMPTY_CLOB()
        # converted PL/SQL runs on the target: trigger + sequence, procedure with a cursor, function, package member
        conn.execute("CALL sell_ticket(2, 'Kari')")
        assert conn.execute("SELECT ticket_no, price FROM tickets WHERE passenger = 'Kari'").fetchone() == (
            1000,
            Decimal("899.00"),
        )
        conn.execute("CALL sell_ticket(2, 'Per')")
        with pytest.raises(psycopg.errors.RaiseException, match="sailing 2 is full"):
            conn.execute("CALL sell_ticket(2, 'Liv')")
        assert conn.execute(
            "SELECT sailing_fare(3), sailing_fare(99), fleet.total_capacity()"
        ).fetchone() == (0, -1, 4702)
        assert conn.execute("SELECT count(*) FROM boats").fetchone()[0] == 3
