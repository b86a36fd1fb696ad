"""Big tables exported in chunks (TRANSSHIP_EXPORT_CHUNK_ROWS makes small tables big enough here).

- under concurrent writes every chunk is read on the one exported snapshot: a writer moves amounts between a
  table chunked by its integer key and one chunked by ctid (no primary key), and logs each move in a third
  table, so the target holds a constant total and exactly the logged moves;
- a kill mid-export keeps the finished chunks of a key-chunked table (their files are not written again) and
  redoes a ctid-chunked table whole; import and verify then count one table per source table, rows summed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.core.conftest import table_digests
from tests.e2e.pgflow import source_flags, target_flags
from transship.crashpoints import ENV

CHUNKS = {"TRANSSHIP_EXPORT_CHUNK_ROWS": "500"}


def _chunk_kinds(export_dir: Path) -> dict[str, set[str | None]]:
    """source table -> kinds of its files' chunks (None: one whole file)."""
    out: dict[str, set[str | None]] = {}
    with sqlite3.connect(export_dir / "metainfo" / "meta.db") as db:
        for name, chunk in db.execute("SELECT source_name, chunk FROM export_tables"):
            out.setdefault(name, set()).add(json.loads(chunk)["kind"] if chunk else None)
    return out


def test_chunks_are_read_on_one_snapshot_under_concurrent_writes(pg_server, pg_db, pg_target_db, export_dir):
    rows = 5000
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            f"""
            CREATE TABLE acc_key (id int PRIMARY KEY, amount bigint NOT NULL, pad text);
            CREATE TABLE acc_heap (id int NOT NULL, amount bigint NOT NULL, pad text);
            CREATE TABLE moves (n bigserial PRIMARY KEY, id int NOT NULL);
            INSERT INTO acc_key SELECT g, 100, repeat('x', 200) FROM generate_series(1, {rows}) g;
            INSERT INTO acc_heap SELECT g, 100, repeat('y', 200) FROM generate_series(1, {rows}) g;
            INSERT INTO moves (id) SELECT 0 FROM generate_series(1, 2000);
            ANALYZE;
            """
        )
    stop = threading.Event()
    moves = 0

    def writer() -> None:
        nonlocal moves
        with pg_server.connect(pg_db, autocommit=False) as conn:
            i = 0
            while not stop.is_set():
                i += 1
                k = 1 + (i * 7919) % rows
                conn.execute("UPDATE acc_key SET amount = amount - 1 WHERE id = %s", (k,))
                # an update moves the row to another ctid (and maybe another chunk's block range)
                conn.execute("UPDATE acc_heap SET amount = amount + 1 WHERE id = %s", (k,))
                conn.execute("INSERT INTO moves (id) VALUES (%s)", (k,))
                conn.commit()
                moves += 1

    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    run_cli("export", "schema", *e, *src)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        while moves < 50:
            time.sleep(0.01)
        run_cli("export", "data", *e, *src, "--parallel-jobs", "3", "--disable-pb", env=CHUNKS)
    finally:
        stop.set()
        thread.join()
    assert _chunk_kinds(export_dir) == {"acc_key": {"key"}, "acc_heap": {"ctid"}, "moves": {"key"}}
    assert len(list((export_dir / "data").glob("acc_heap+*_data.sql"))) > 3
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    with pg_server.connect(pg_target_db) as conn:
        total, shifted, moved, heap_rows = conn.execute(
            "SELECT (SELECT sum(amount) FROM acc_key) + (SELECT sum(amount) FROM acc_heap),"
            " (SELECT sum(100 - amount) FROM acc_key), (SELECT count(*) FROM moves WHERE id > 0),"
            " (SELECT count(*) FROM acc_heap)"
        ).fetchone()
    assert total == rows * 2 * 100
    assert heap_rows == rows  # no row version read twice or missed
    assert moved == shifted  # the log was read at the same instant as the accounts
    assert 0 < moved <= moves


@pytest.fixture
def killable(pg_server, pg_db, pg_target_db, export_dir):
    """A source with a table to chunk by ctid (no key; the biggest, so exported first) and one by key."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            """
            CREATE TABLE heap (id int NOT NULL, v text);
            CREATE TABLE big (id bigint PRIMARY KEY, v text);
            INSERT INTO heap SELECT g, md5(g::text) FROM generate_series(1, 3000) g;
            INSERT INTO big SELECT g * 3, md5(g::text) FROM generate_series(1, 2000) g;
            ANALYZE;
            """
        )
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    run_cli("export", "schema", *e, *src)
    return e, src


def _files(data: Path, table: str) -> dict[str, tuple[int, int]]:
    """chunk file -> (inode, mtime in ns)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(data.glob(f"{table}+*_data.sql"))}


def _export(e: list[str], src: list[str], crash: str | None = None):  # type: ignore[no-untyped-def]
    env = dict(CHUNKS, **({ENV: crash} if crash else {}))
    return run_cli(
        "export", "data", *e, *src, "--disable-pb", "--parallel-jobs", "1", env=env, check=not crash
    )


def test_killed_chunked_export_keeps_key_chunks_and_redoes_ctid_tables(
    killable, pg_server, pg_db, pg_target_db, export_dir
):
    e, src = killable
    data = export_dir / "data"
    # 1. killed after two of heap's ctid chunks: the table is not exported, and is read again whole
    assert _export(e, src, "export.table_done@2").returncode < 0
    first = _files(data, "heap")
    assert len(first) == 2
    status = json.loads(run_cli("export", "data", "status", *e, "--output-format", "json").stdout)
    assert {d["table_name"]: d["status"] for d in status} == {
        "public.heap": "INTERRUPTED",
        "public.big": "NOT_STARTED",
    }
    with sqlite3.connect(export_dir / "metainfo" / "meta.db") as db:
        heap_chunks = db.execute("SELECT count(*) FROM export_tables WHERE source_name = 'heap'").fetchone()[
            0
        ]
    assert heap_chunks > 2
    # 2. killed after heap (every chunk again) and two of big's key chunks
    second = _export(e, src, f"export.table_done@{heap_chunks + 2}")
    assert second.returncode < 0
    again = _files(data, "heap")
    assert len(again) == heap_chunks and all(again[n] != first[n] for n in first)  # rewritten
    big = _files(data, "big")
    assert sorted(big) == ["big+000000_data.sql", "big+000001_data.sql"]
    # 3. resumed: big's finished chunks and the whole heap are kept, the rest read at a new snapshot
    third = _export(e, src)
    assert (
        "1 table(s) and 2 chunk(s) of partly exported tables were exported by an earlier run" in third.stdout
    )
    assert "remaining tables and chunks are read at a new snapshot" in third.stdout
    assert _files(data, "heap") == again
    done = _files(data, "big")
    assert len(done) == 4 and {n: done[n] for n in big} == big
    assert not (data / "big_data.sql").exists() and not (data / "heap_data.sql").exists()
    descriptor = json.loads((export_dir / "metainfo" / "dataFileDescriptor.json").read_text())
    assert sum(f["RowCount"] for f in descriptor["FileList"] if f["TableName"] == "public.big") == 2000

    tgt = target_flags(pg_server, pg_target_db)
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb", "--parallel-jobs", "2")
    names = ["public.big", "public.heap"]
    assert table_digests(pg_server.conninfo(pg_target_db), names) == table_digests(
        pg_server.conninfo(pg_db), names
    )
    imported = json.loads(run_cli("import", "data", "status", *e, "--output-format", "json").stdout)
    assert {(d["table_name"], d["status"], d["imported_count"]) for d in imported} == {
        ("public.big", "DONE", 2000), ("public.heap", "DONE", 3000)
    }  # fmt: skip
    verified = run_cli("verify", *e, *src, *tgt, "--output-format", "json")
    tables = {t["table_name"]: t for t in json.loads(verified.stdout)["tables"]}
    assert sorted(tables) == names
    assert [(t["source_rows"], t["exported_rows"], t["target_rows"]) for t in tables.values()] == [
        (2000, 2000, 2000), (3000, 3000, 3000)
    ]  # fmt: skip
    assert {t["result"] for t in tables.values()} == {"MATCH"}, tables
