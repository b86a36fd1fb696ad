"""``import data`` refuses bytes that differ from what export wrote, and counts what is in the target.

Each test first reproduces what main did wrong (a changed file loaded on resume; a truncated or re-created
target table ending with "Import data complete.") and asserts the target's content, not only a message.
"""

from __future__ import annotations

import json

import psycopg

from tests.core.conftest import Migration
from transship.crashpoints import ENV


def _status(m: Migration) -> dict[str, dict]:
    res = m.run("import", "data", "status", "-e", str(m.export_dir), "--output-format", "json")
    return {d["table_name"]: d for d in json.loads(res.stdout)}


def _count(m: Migration, table: str) -> int:
    with psycopg.connect(m.conninfo("target")) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def _killed_after_two_batches(m: Migration) -> None:
    """One connection, 100-row batches, the tables one after another, biggest first (the indexes dropped for
    the load are built while the next table loads): die after the 2nd batch of shop.orders."""
    res = m.import_data(
        "--batch-size", "100", "--parallel-jobs", "1", check=False, env={ENV: "import.batch_recorded@2"}
    )
    assert res.returncode == -9, res
    assert m.ledger_batches()["shop.orders_data.sql"] == [100, 100]


def test_file_changed_between_runs_is_refused_before_commit(
    schema_imported: Migration, one_line_error
) -> None:
    m = schema_imported
    _killed_after_two_batches(m)
    path = m.export_dir / "data" / "shop.orders_data.sql"
    original = path.read_bytes()
    lines = original.split(b"\n")
    # same size, same number of rows: only the checksum can tell (line 950 is in batch 10)
    lines[949] = lines[949].replace(b"\t1", b"\t9", 1)
    changed = b"\n".join(lines)
    assert len(changed) == len(original) and changed != original
    path.write_bytes(changed)
    bad = m.import_data("--batch-size", "100", "--parallel-jobs", "1", check=False)
    line = one_line_error(bad, f"data file {path} changed after export", "batch 10", "lines 901-1,000")
    assert "Import data complete" not in bad.stdout
    # batches 3..9 are byte-identical to the export and may load; batch 10 never commits
    assert m.ledger_batches()["shop.orders_data.sql"] == [100] * 9
    assert _count(m, "shop.orders") == 900
    assert _status(m)["shop.orders"]["status"] == "FAILED", line
    # a change the target itself refuses (bytes that are not UTF-8) is still named as a changed file
    lines[949] = original.split(b"\n")[949][:-1] + b"\xff"
    path.write_bytes(b"\n".join(lines))
    bad = m.import_data("--batch-size", "100", "--parallel-jobs", "1", check=False)
    one_line_error(bad, f"data file {path} changed after export", "batch 10")
    path.write_bytes(original)
    m.import_data("--batch-size", "100", "--parallel-jobs", "1")
    m.assert_target_matches_source()
    st = _status(m)["shop.orders"]
    assert (st["status"], st["error"]) == ("DONE", None)


def test_table_truncated_during_import_is_an_error(schema_imported: Migration, one_line_error) -> None:
    m = schema_imported
    _killed_after_two_batches(m)
    with psycopg.connect(m.conninfo("target")) as conn:
        conn.execute("TRUNCATE shop.orders")
    bad = m.import_data("--batch-size", "100", "--parallel-jobs", "1", check=False)
    one_line_error(
        bad, "shop.orders holds 1,000 rows, expected 1,200", "(0 before the import + 1,200 imported)"
    )
    assert "Import data complete" not in bad.stdout
    st = _status(m)["shop.orders"]
    assert (st["status"], st["target_count"], st["expected_target_count"]) == (
        "ROW_COUNT_MISMATCH",
        1000,
        1200,
    )
    assert all(d["status"] == "DONE" for name, d in _status(m).items() if name != "shop.orders")
    m.import_data("--table-list", "shop.orders", "--start-clean", "true", "--truncate-tables", "true")
    m.assert_target_matches_source()
    assert _status(m)["shop.orders"]["status"] == "DONE"


def test_table_recreated_after_import_is_an_error(schema_imported: Migration, one_line_error) -> None:
    m = schema_imported
    m.import_data()
    with psycopg.connect(m.conninfo("target")) as conn:
        conn.execute("DROP TABLE shop.notes; CREATE TABLE shop.notes (id integer PRIMARY KEY, body text)")
    bad = m.import_data(check=False)
    one_line_error(bad, "shop.notes holds 0 rows, expected 250")


def test_rows_present_before_the_import_are_counted(schema_imported: Migration) -> None:
    m = schema_imported
    with psycopg.connect(m.conninfo("target")) as conn:
        conn.execute("INSERT INTO public.settings VALUES ('already-there', 'kept')")
    res = m.import_data()
    assert "Import data complete" in res.stdout
    st = _status(m)["public.settings"]
    assert (st["status"], st["target_count"], st["expected_target_count"]) == ("DONE", 4, 4)
    assert _count(m, "public.settings") == 4


def test_refused_batch_names_column_detail_and_shows_in_status(
    schema_imported: Migration, one_line_error
) -> None:
    m = schema_imported
    with psycopg.connect(m.conninfo("target")) as conn:
        # the target computes a value that does not fit (as a MySQL column that MySQL clipped would)
        conn.execute(
            "ALTER TABLE shop.notes ADD COLUMN big numeric(3, 0) GENERATED ALWAYS AS (id * 1000) STORED"
        )
        conn.execute("ALTER TABLE shop.customers ALTER COLUMN name TYPE varchar(5)")
    bad = m.import_data("--table-list", "shop.notes", check=False)
    one_line_error(
        bad,
        "importing into shop.notes failed at shop.notes_data.sql line 1, computing generated column(s) big",
        "numeric field overflow (A field with precision 3, scale 0 must round to an absolute value less than 10^3.)",
    )
    bad = m.import_data("--table-list", "shop.customers", check=False)
    one_line_error(
        bad, "shop.customers_data.sql line 1, column name: value too long for type character varying(5)"
    )
    st = _status(m)
    assert st["shop.notes"]["status"] == "FAILED" and "numeric field overflow" in st["shop.notes"]["error"]
    assert st["shop.customers"]["status"] == "FAILED"


def test_row_larger_than_the_batch_byte_limit_loads_as_its_own_batch(migration: Migration) -> None:
    m = migration
    with psycopg.connect(m.conninfo("source")) as conn:
        conn.execute("INSERT INTO shop.notes VALUES (1000, repeat('big note ', 1000))")  # 9,000 bytes
    m.tables["shop.notes"] += 1
    m.export_schema()
    m.export_data()
    m.import_schema()
    m.import_data(env={"MAX_BATCH_SIZE_BYTES": "4096"})
    m.assert_target_matches_source()
    assert 1 in m.ledger_batches()["shop.notes_data.sql"]


def test_truncating_a_referenced_table_names_the_referencing_ones(
    schema_imported: Migration, one_line_error
) -> None:
    m = schema_imported
    m.import_data()
    clean = ["--start-clean", "true", "--truncate-tables", "true"]
    bad = m.import_data("--table-list", "shop.customers", *clean, check=False)
    one_line_error(
        bad, "--truncate-tables cannot empty shop.customers alone", "shop.orders reference", "add shop.orders"
    )
    m.assert_target_matches_source()  # nothing was truncated
    m.import_data("--table-list", "shop.customers,shop.orders", *clean)
    m.assert_target_matches_source()
