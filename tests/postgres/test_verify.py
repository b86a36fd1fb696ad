"""verify: row counts at every stage and content digests; any difference is shown and exits 1."""

from __future__ import annotations

import json

from tests.conftest import EXAMPLES, run_cli
from tests.e2e.pgflow import load_sql, source_flags, target_flags


def test_verify_matches_then_finds_each_kind_of_difference(pg_server, pg_db, pg_target_db, export_dir):
    load_sql(
        pg_server,
        pg_db,
        EXAMPLES / "sample-postgres" / "schema.sql",
        EXAMPLES / "sample-postgres" / "data.sql",
    )
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public,inventory")
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")

    ok = run_cli("verify", *e, *tgt)  # the source settings are remembered from the export
    assert "all 12 table(s) match" in ok.stdout
    report = {
        d["table_name"]: d
        for d in json.loads((export_dir / "reports" / "verification_report.json").read_text())["tables"]
    }
    assert report["public.sales_ledger"] == {
        "table_name": "public.sales_ledger", "source_rows": 2500, "exported_rows": 2500, "imported_rows": 2500,
        "target_rows": 2500, "proof": "content", "content": "same", "result": "MATCH", "note": "",
        "chunks": 1, "differing_chunks": 0, "row_hash": "pg-hashtextextended", "differences": [],
    }  # fmt: skip

    unknown = run_cli("verify", *e, *tgt, "--table-list", "nosuch", check=False)
    assert (
        unknown.returncode == 1
        and "--table-list names tables not found in the exported data: nosuch" in unknown.stderr
    )
    as_json = run_cli("verify", *e, *tgt, "--output-format", "json")
    assert len(json.loads(as_json.stdout)["tables"]) == 12  # stdout is the JSON document alone
    # content digests do not depend on the physical row order
    with pg_server.connect(pg_target_db) as conn:
        conn.execute("CLUSTER public.order_items USING order_items_pkey")
        conn.execute(
            "UPDATE public.order_items SET quantity = quantity WHERE quantity % 3 = 0"
        )  # no trigger here
    assert "all 12 table(s) match" in run_cli("verify", *e, *tgt).stdout

    with pg_server.connect(pg_target_db) as conn:
        conn.execute(
            "UPDATE public.customers SET email = 'changed@example.com' WHERE customer_id = (SELECT min(customer_id) FROM public.customers)"
        )
        conn.execute(
            "DELETE FROM inventory.stock_movements WHERE ctid = (SELECT min(ctid) FROM inventory.stock_movements)"
        )
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "INSERT INTO public.audit_log (table_name, operation, row_key) VALUES ('x', 'INSERT', '1')"
        )
    bad = run_cli("verify", *e, *tgt, "--output-format", "json", check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("ERROR: verify found differences in 3 of 12 table(s)")
    rows = {d["table_name"]: d for d in json.loads(bad.stdout)["tables"]}
    assert (
        rows["public.customers"]["content"] == "different" and rows["public.customers"]["target_rows"] == 500
    )
    assert rows["inventory.stock_movements"]["target_rows"] == 1504
    moves = rows["inventory.stock_movements"]
    assert moves["note"].startswith("1 of 1 chunk(s) differ: row ('EAST', ") and moves["note"].endswith(
        "missing on target; rows imported are missing from the target"
    )
    assert [d["kind"] for d in moves["differences"]] == ["missing on target"]
    assert rows["public.audit_log"]["source_rows"] == 2401
    assert "the source changed since the export" in rows["public.audit_log"]["note"]
    assert [d["kind"] for d in rows["public.audit_log"]["differences"]] == ["missing on target"]
    (changed,) = rows["public.customers"]["differences"]  # located: the key, and the email (and the
    assert changed["key"] == "customer_id='1'"  # updated_at the target's trigger set) with both values
    assert ["email", "reader1@example.net", "changed@example.com"] in changed["columns"]
    assert rows["public.orders"]["result"] == "MATCH"
    # the same differences under each row hash, pinned through the environment
    for name in ("pg-hashtextextended", "sha256", "md5"):
        pinned = run_cli(
            "verify",
            *e,
            *tgt,
            "--output-format",
            "json",
            env={"TRANSSHIP_VERIFY_ROW_HASHES": name},
            check=False,
        )
        doc = {d["table_name"]: d for d in json.loads(pinned.stdout)["tables"]}
        assert pinned.returncode == 1 and {d["row_hash"] for d in doc.values()} == {name}, name
        assert {t for t, d in doc.items() if d["result"] != "MATCH"} == {
            "public.customers", "inventory.stock_movements", "public.audit_log"
        }, name  # fmt: skip
        assert doc["public.customers"]["differences"] == rows["public.customers"]["differences"], name
    misspelt = run_cli("verify", *e, *tgt, env={"TRANSSHIP_VERIFY_ROW_HASHES": "sha-256"}, check=False)
    assert misspelt.returncode == 1 and misspelt.stderr.strip() == (
        "ERROR: TRANSSHIP_VERIFY_ROW_HASHES names unknown row hash(es) sha-256: "
        "use any of pg-hashtextextended, sha256, md5"
    ), misspelt.stderr
