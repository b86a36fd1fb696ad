"""The rows ``stash-and-continue`` kept out of the target, as files the user can read, fix and load.

The target's ``stashed_rows`` table is the record (written in the same transaction that marks a row's range
done); these files are rewritten from it at the end of every run, so they are complete and never duplicated
whatever was interrupted. Per data file, in ``data/errors/<table>/``:

- ``<data file>.errors.jsonl``: one JSON object per row: file, line, column, SQLSTATE, the database's message
  and DETAIL;
- ``<data file>.rows``: the rows themselves as COPY text, in the same order, ready for
  ``\\copy <table> (<columns>) FROM '<file>.rows'`` once corrected.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
from psycopg import sql

from transship.importer.data import FileTask
from transship.importer.ledger import STASH_TABLE


def write_error_files(
    conn: psycopg.Connection, ledger_schema: str, migration_uuid: str, tasks: list[FileTask], errors_dir: Path
) -> int:
    """Write the files of every task's stashed rows; returns how many rows are stashed in all."""
    total = 0
    for task in tasks:
        rows = conn.execute(
            sql.SQL(
                "SELECT start_offset, end_offset, line, sqlstate, message, detail, column_name FROM {}"
                " WHERE migration_uuid = %s AND data_file = %s ORDER BY start_offset"
            ).format(sql.Identifier(ledger_schema, STASH_TABLE)),
            (migration_uuid, task.ledger_key),
        ).fetchall()
        folder = errors_dir / task.file_name.removesuffix("_data.sql")
        if not rows:
            for stale in (folder / f"{task.file_name}.errors.jsonl", folder / f"{task.file_name}.rows"):
                stale.unlink(missing_ok=True)
            continue
        total += len(rows)
        folder.mkdir(parents=True, exist_ok=True)
        report = folder / f"{task.file_name}.errors.jsonl"
        data = folder / f"{task.file_name}.rows"
        with (
            open(task.path, "rb") as src,
            open(f"{report}.tmp", "w", encoding="utf-8") as out,
            open(f"{data}.tmp", "wb") as raw,
        ):
            for start, end, line, state, message, detail, column in rows:
                out.write(json.dumps({
                    "table": task.label, "file": str(task.path), "line": line, "column": column, "sqlstate": state,
                    "message": message, "detail": detail,
                }) + "\n")  # fmt: skip
                src.seek(start)
                raw.write(src.read(end - start))
        os.replace(f"{report}.tmp", report)
        os.replace(f"{data}.tmp", data)
    return total
