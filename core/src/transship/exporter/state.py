"""The state of ``export data`` in ``meta.db`` and the files it writes, step by crash-safe step.

Order of the steps, each followed by a named crash point (:mod:`transship.crashpoints`):

1. tables to export are marked ``NOT_STARTED`` (:func:`plan_tables`);
2. per table: ``EXPORTING``, rows into ``data/tmp_<file>``, fsync, rename to the final name, then ``DONE``
   with rows, size and checksum (:mod:`transship.exporter.data`);
3. when every table is ``DONE``: the sequence values, ``postdata.sql`` and the data-file descriptor, each
   written to a temporary file and renamed, then ``export_data_done`` (:func:`finish_export`).

A run killed anywhere re-runs only what is missing: a table not ``DONE`` is exported again, and a run that
finds every table ``DONE`` but the export not finished completes step 3 (it never answers "already exported"
to a state that ``import data`` refuses).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from transship import digests, diskfull
from transship.adapters.base import ExportTable, SequenceValue
from transship.crashpoints import crash_point, declare
from transship.exporter.data import TableResult, check_unique_file_names, data_file_name, fsync_dir
from transship.identifiers import qualified
from transship.state import MetaDB

PLANNED = declare("export.planned", "the tables to export are marked NOT_STARTED")
SEQUENCES_SAVED = declare(
    "export.sequences_saved", "sequence values are in meta.db, postdata.sql not written"
)
POSTDATA_WRITTEN = declare("export.postdata_written", "postdata.sql written, the descriptor not")
DESCRIPTOR_WRITTEN = declare("export.descriptor_written", "the descriptor written, export not marked done")
FINISHED = declare("export.finished", "export_data_done is set")


def done_files(meta: MetaDB, data_dir: Path) -> set[str]:
    """Files of tables an earlier run exported completely (``DONE`` and present under their final name)."""
    rows = meta.query("SELECT file_name FROM export_tables WHERE status = 'DONE'")
    return {r["file_name"] for r in rows if (data_dir / r["file_name"]).is_file()}


def plan_tables(meta: MetaDB, tables: list[ExportTable], data_dir: Path) -> tuple[list[ExportTable], int]:
    """Mark every table that still needs exporting ``NOT_STARTED``; return them and the number kept."""
    check_unique_file_names(tables)
    done = done_files(meta, data_dir)
    todo = [t for t in tables if data_file_name(t) not in done]
    with meta.tx() as conn:
        conn.executemany(
            "INSERT INTO export_tables (file_name, source_schema, source_name, target_schema, target_name, columns,"
            " key_columns, status, row_estimate) VALUES (?, ?, ?, ?, ?, ?, ?, 'NOT_STARTED', ?)"
            " ON CONFLICT (file_name) DO UPDATE SET status = 'NOT_STARTED', columns = excluded.columns,"
            " key_columns = excluded.key_columns, row_estimate = excluded.row_estimate, exported_rows = 0,"
            " byte_size = 0, checksum = NULL, error = NULL",
            [
                (data_file_name(t), t.schema, t.name, t.target_schema, t.target_name, json.dumps(t.columns),
                 json.dumps(list(t.key)), t.row_estimate)
                for t in todo
            ],
        )  # fmt: skip
    if todo:
        meta.update_status(export_data_done=False)
    crash_point(PLANNED)
    return todo, len(tables) - len(todo)


def mark_exporting(meta: MetaDB, file_name: str) -> None:
    meta.execute("UPDATE export_tables SET status = 'EXPORTING' WHERE file_name = ?", (file_name,))


def mark_done(meta: MetaDB, result: TableResult) -> None:
    meta.execute(
        "UPDATE export_tables SET status = 'DONE', exported_rows = ?, byte_size = ?, checksum = ? WHERE file_name = ?",
        (result.rows, result.size, result.checksum, result.file_name),
    )


def mark_interrupted(meta: MetaDB) -> None:
    """After a failed run: tables that were being exported are to be done again."""
    meta.execute("UPDATE export_tables SET status = 'NOT_STARTED' WHERE status = 'EXPORTING'")


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
    rows = meta.query("SELECT * FROM export_tables WHERE status = 'DONE' ORDER BY file_name")
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
