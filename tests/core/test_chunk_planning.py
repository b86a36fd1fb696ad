"""Chunk sizes from statistics, key chunks that cover every key once, the chunk size from the environment, and
the export plan of a resumed run: finished key chunks kept, a ctid-chunked table planned again whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transship.adapters.base import Chunk, ChunkTarget, ExportTable, key_chunks
from transship.errors import ConfigError
from transship.exporter import state as export_state
from transship.exporter.data import CHUNK_ROWS_ENV, chunk_target
from transship.state import MetaDB


def test_chunk_count_follows_rows_or_bytes_whichever_is_less() -> None:
    target = ChunkTarget(rows=1000, bytes=1 << 20)
    assert target.chunk_count(0, 0) == 1 and target.chunk_count(1000, 100) == 1
    assert target.chunk_count(1001, 100) == 2
    assert target.chunk_rows(10_000, 10 << 20) == 1000  # 1 KiB rows: 1 MiB holds 1024
    assert target.chunk_rows(10_000, 100 << 20) == 100  # rows of 10 KiB and more: the bytes decide
    assert ChunkTarget(rows=10, bytes=0).chunk_count(95, 1 << 30) == 10


@pytest.mark.parametrize(
    ("lo", "hi", "rows"), [(1, 1000, 1000), (-50, 49, 100), (2**63 - 100, 2**63 - 1, 100)]
)
def test_key_chunks_hold_every_key_once(lo: int, hi: int, rows: int) -> None:
    chunks = key_chunks("id", lo, hi, rows, 30)
    assert chunks is not None and len(chunks) > 2
    assert chunks[0].lo is None and chunks[-1].hi is None  # keys added beyond the bounds still fall in one
    for key in [lo - 10**6, *range(lo, hi + 1), hi + 10**6]:
        holders = [c for c in chunks if (c.lo is None or c.lo <= key) and (c.hi is None or key < c.hi)]
        assert len(holders) == 1, key
    assert all(Chunk.from_json(json.loads(json.dumps(c.to_json()))) == c for c in chunks)
    assert key_chunks("id", lo, hi, rows, rows) is None and key_chunks("id", None, None, 0, 30) is None


def test_the_chunk_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHUNK_ROWS_ENV, raising=False)
    assert chunk_target() == ChunkTarget()
    monkeypatch.setenv(CHUNK_ROWS_ENV, "1_000")
    assert chunk_target() == ChunkTarget(rows=1000)
    monkeypatch.setenv(CHUNK_ROWS_ENV, "0")
    assert chunk_target() is None
    monkeypatch.setenv(CHUNK_ROWS_ENV, "many")
    with pytest.raises(ConfigError, match=CHUNK_ROWS_ENV):
        chunk_target()


def _finish(meta: MetaDB, data: Path, work: list[export_state.ExportWork]) -> None:
    for w in work:
        (data / w.file_name).write_bytes(b"1\n")
        meta.mark_export_file(w.file_name, "DONE", 1, 2, "sha256:00")


def test_a_resumed_plan_keeps_finished_key_chunks_and_replans_ctid_tables(tmp_path: Path) -> None:
    meta = MetaDB(tmp_path / "meta.db")
    data = tmp_path / "data"
    data.mkdir()
    keyed = ExportTable("public", "keyed", ["id"], "public", "keyed", 900, ("id",))
    heap = ExportTable("public", "heap", ["v"], "public", "heap", 600)
    small = ExportTable("public", "small", ["v"], "public", "small", 5)
    plans = {
        "keyed": key_chunks("id", 1, 900, 900, 300),
        "heap": [Chunk(0, 2, "ctid", None, 5), Chunk(1, 2, "ctid", 5, None)],
    }
    first = export_state.plan_export(meta, [keyed, heap, small], data, lambda t: plans.get(t.name))
    assert [w.file_name for w in first.work if w.table is keyed] == [
        f"keyed+00000{i}_data.sql" for i in range(3)
    ]
    assert sum(w.row_estimate for w in first.work if w.table is keyed) == 900
    assert [w.file_name for w in first.work if w.table is small] == ["small_data.sql"]
    # an interrupted run: two chunks of keyed and one of heap done
    _finish(meta, data, [first.work[0], first.work[1], *[w for w in first.work if w.table is heap][:1]])
    # no table is exported while one of its chunks is missing (import may load the finished chunks already)
    assert len(meta.exported_tables()) == 3
    assert {r["source_name"]: r["status"] for r in meta.export_progress()} == {
        "keyed": "EXPORTING", "heap": "EXPORTING", "small": "NOT_STARTED"
    }  # fmt: skip
    plans["keyed"] = None  # a new run plans otherwise (another chunk size): the stored key plan is kept
    plans["heap"] = [Chunk(i, 3, "ctid", i * 4 or None, (i + 1) * 4 if i < 2 else None) for i in range(3)]
    again = export_state.plan_export(meta, [keyed, heap, small], data, lambda t: plans.get(t.name))
    assert again.kept_chunks == 2 and again.kept_tables == 0 and again.redone_tables == ["public.heap"]
    assert [w.file_name for w in again.work if w.table is keyed] == ["keyed+000002_data.sql"]
    assert [w.chunk for w in again.work if w.table is heap] == plans["heap"]
    assert {r["status"] for r in meta.export_files("public", "heap")} == {"NOT_STARTED"}
    _finish(meta, data, again.work)
    assert {r["source_name"] for r in meta.exported_tables()} == {"keyed", "heap", "small"}
    assert len([r for r in meta.exported_tables() if r["source_name"] == "heap"]) == 3
    report = {r["source_name"]: r["exported_rows"] for r in meta.export_report()}
    assert report == {"keyed": 3, "heap": 3, "small": 1}
    last = export_state.plan_export(meta, [keyed, heap, small], data, lambda t: None)
    assert last.work == [] and last.kept_tables == 3
    meta.close()
