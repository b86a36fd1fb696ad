"""The state of ``export data`` in ``meta.db`` and the files it writes, step by crash-safe step.

Order of the steps, each followed by a named crash point (:mod:`transship.crashpoints`):

1. the files to write are marked ``NOT_STARTED`` (:func:`plan_export`): one per table, or one per chunk of a
   table the snapshot splits (each row of ``export_tables`` is a file; the chunk it holds is in its ``chunk``);
2. per file: ``EXPORTING``, rows into ``data/tmp_<file>``, fsync, rename to the final name, then ``DONE``
   with rows, size and checksum (:mod:`transship.exporter.data`);
3. when every file is ``DONE``: the sequence values, ``postdata.sql`` and the data-file descriptor, each
   written to a temporary file and renamed, then ``export_data_done`` (:func:`finish_export`).

A run killed anywhere re-runs only what is missing: a table not ``DONE`` is exported again — of a table in key
chunks only the chunks not ``DONE``, of a table in ctid chunks every chunk — and a run that finds every file
``DONE`` but the export not finished completes step 3 (it never answers "already exported" to a state that
``import data`` refuses). A table counts as exported only when all its files are ``DONE``
(:meth:`MetaDB.export_progress`, ``export data status``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transship import digests, diskfull
from transship.adapters.base import Chunk, ExportTable, SequenceValue
from transship.crashpoints import crash_point, declare
from transship.exporter.data import (
    ExportWork,
    TableResult,
    check_unique_file_names,
    data_file_name,
    fsync_dir,
)
from transship.identifiers import qualified
from transship.state import MetaDB

PLANNED = declare("export.planned", "the files (tables or chunks) to export are marked NOT_STARTED")
SEQUENCES_SAVED = declare(
    "export.sequences_saved", "sequence values are in meta.db, postdata.sql not written"
)
POSTDATA_WRITTEN = declare("export.postdata_written", "postdata.sql written, the descriptor not")
DESCRIPTOR_WRITTEN = declare("export.descriptor_written", "the descriptor written, export not marked done")
FINISHED = declare("export.finished", "export_data_done is set")


@dataclass
class ExportPlan:
    """What a run of ``export data`` writes, and what an earlier run left that is kept.

    ``tables``: the tables with files to write; ``kept_tables``: tables whose every file an earlier run
    finished; ``kept_chunks``: finished chunks of tables that are not complete yet (their other chunks are in
    ``work``); ``redone_tables``: ctid-chunked tables an earlier run left unfinished, now exported again whole.
    """

    work: list[ExportWork] = field(default_factory=list)
    tables: list[ExportTable] = field(default_factory=list)
    kept_tables: int = 0
    kept_chunks: int = 0
    redone_tables: list[str] = field(default_factory=list)


def _finished(row: Any, data_dir: Path) -> bool:
    return bool(row["status"] == "DONE" and (data_dir / row["file_name"]).is_file())


def _record(table: ExportTable, chunk: Chunk | None, estimate: int) -> dict[str, Any]:
    return {
        "file_name": data_file_name(table, chunk.number if chunk is not None else None),
        "source_schema": table.schema, "source_name": table.name, "target_schema": table.target_schema,
        "target_name": table.target_name, "columns": json.dumps(table.columns), "key_columns": json.dumps(list(table.key)),
        "row_estimate": estimate, "chunk": json.dumps(chunk.to_json()) if chunk is not None else None,
    }  # fmt: skip


def _estimates(total: int, count: int) -> list[int]:
    """``total`` rows spread over ``count`` chunks (summing to ``total``)."""
    return [total * (i + 1) // count - total * i // count for i in range(count)]


def plan_export(
    meta: MetaDB,
    tables: list[ExportTable],
    data_dir: Path,
    plan_chunks: Callable[[ExportTable], list[Chunk] | None],
) -> ExportPlan:
    """Decide, per table, which files to write and record them ``NOT_STARTED`` (one transaction).

    - a table whose every file an earlier run finished is kept (whatever chunking is asked now);
    - a table an earlier run split into ``key`` chunks keeps that plan: its finished chunks are kept and the
      others are written again, with the same bounds, at this run's snapshot;
    - any other table is planned afresh (``plan_chunks``: its chunks, or None for one file), and what an
      earlier run wrote of it is deleted: a table chunked by physical position (ctid) is read again whole, as
      positions from two snapshots cannot be mixed.
    """
    check_unique_file_names(tables)
    plan = ExportPlan()
    records: list[dict[str, Any]] = []
    forget: list[str] = []
    rewritten: list[str] = []
    for t in tables:
        rows = meta.export_files(t.schema, t.name)
        if rows and all(_finished(r, data_dir) for r in rows):
            plan.kept_tables += 1
            continue
        chunks = [Chunk.from_json(json.loads(r["chunk"])) if r["chunk"] else None for r in rows]
        if rows and all(c is not None and c.resumable for c in chunks):
            for r, c in zip(rows, chunks, strict=True):
                if _finished(r, data_dir):
                    plan.kept_chunks += 1
                    continue
                estimate = int(r["row_estimate"])
                records.append(_record(t, c, estimate))
                plan.work.append(ExportWork(t, c, estimate))
            plan.tables.append(t)
            continue
        if rows and any(c is not None for c in chunks) and any(_finished(r, data_dir) for r in rows):
            plan.redone_tables.append(f"{t.schema}.{t.name}")
        forget.extend(r["file_name"] for r in rows)
        # an import beside the export may have planned these files: it plans them again when rewritten
        rewritten.extend(r["file_name"] for r in rows if r["status"] == "DONE")
        planned = plan_chunks(t)
        if planned:
            for c, estimate in zip(planned, _estimates(t.row_estimate, len(planned)), strict=True):
                records.append(_record(t, c, estimate))
                plan.work.append(ExportWork(t, c, estimate))
        else:
            records.append(_record(t, None, t.row_estimate))
            plan.work.append(ExportWork(t, None, t.row_estimate))
        plan.tables.append(t)
    keep = {r["file_name"] for r in records}
    forget = [f for f in forget if f not in keep]
    meta.plan_export_files(records, forget)
    if rewritten:
        meta.forget_imports(rewritten)
    for name in forget:  # files of an earlier plan: gone from meta.db first, then from the disk
        (data_dir / name).unlink(missing_ok=True)
    if plan.work:
        meta.update_status(export_data_done=False)
    crash_point(PLANNED)
    return plan


def mark_exporting(meta: MetaDB, file_name: str) -> None:
    meta.mark_export_file(file_name, "EXPORTING")


def mark_done(meta: MetaDB, result: TableResult) -> None:
    meta.mark_export_file(result.file_name, "DONE", result.rows, result.size, result.checksum)


def mark_interrupted(meta: MetaDB) -> None:
    """After a failed run: files that were being written are to be done again."""
    meta.export_interrupted()


def is_finished(meta: MetaDB) -> bool:
    return bool(meta.status().get("export_data_done"))


def finish_export(meta: MetaDB, data_dir: Path, descriptor: Path, sequences: Iterable[SequenceValue]) -> None:
    """Step 3: sequences, ``postdata.sql``, the descriptor, then the done flag (every file renamed into place)."""
    seqs = list(sequences)
    with meta.tx() as conn:
        conn.execute("DELETE FROM sequences")
        conn.executemany(
            "INSERT INTO sequences (source_schema, name, last_value, is_called) VALUES (?, ?, ?, ?)",
            [(s.schema, s.name, s.last_value, int(s.is_called)) for s in seqs],
        )
    crash_point(SEQUENCES_SAVED)
    write_atomically(data_dir / "postdata.sql", postdata_sql(seqs))
    crash_point(POSTDATA_WRITTEN)
    write_atomically(descriptor, json.dumps(descriptor_json(meta), indent=2) + "\n")
    crash_point(DESCRIPTOR_WRITTEN)
    meta.update_status(export_data_done=True)
    crash_point(FINISHED)


def postdata_sql(sequences: list[SequenceValue]) -> str:
    """``setval`` calls that restore each sequence on the target."""
    lines = [
        f"SELECT pg_catalog.setval('{qualified(s.schema, s.name).replace(chr(39), chr(39) * 2)}', {int(s.last_value)}, {'true' if s.is_called else 'false'});"
        for s in sequences
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def descriptor_json(meta: MetaDB) -> dict[str, Any]:
    """``metainfo/dataFileDescriptor.json`` in voyager's shape, plus size and checksum per file."""
    rows = meta.exported_tables()
    files = []
    columns: dict[str, list[str]] = {}
    for r in rows:
        table = qualified(r["target_schema"], r["target_name"])
        files.append({"FilePath": r["file_name"], "TableName": table, "RowCount": r["exported_rows"], "FileSize": r["byte_size"],
                      "Checksum": digests.descriptor_form(r["checksum"]), "SourceTable": qualified(r["source_schema"], r["source_name"])})  # fmt: skip
        columns[table] = json.loads(r["columns"])
    return {
        "FileFormat": "text", "Delimiter": "\t", "HasHeader": False, "QuoteChar": 0, "EscapeChar": 0,
        "NullString": "\\N", "FileList": files, "TableNameToExportedColumns": columns,
    }  # fmt: skip


def write_atomically(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file in the same directory, fsynced and renamed into place.

    A full disk raises :class:`~transship.errors.DiskFull` and leaves no temporary file behind.
    """
    tmp = path.with_name(f"tmp_{path.name}")
    data = text.encode("utf-8")
    with diskfull.on_disk_full(path, len(data), remove=[tmp]):
        diskfull.simulate(diskfull.FILE, path)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
