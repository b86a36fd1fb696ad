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
import shutil
from pathlib import Path

import psycopg
from psycopg import sql

from transship import diskfull
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
        _write_pair(task, rows, folder / f"{task.file_name}.errors.jsonl", folder / f"{task.file_name}.rows")
    return total


def _write_pair(task: FileTask, rows: list[tuple], report: Path, data: Path) -> None:
    """Write one data file's ``.errors.jsonl`` and ``.rows`` through ``.tmp`` files renamed when whole; a full
    disk is one line naming the file being written, with both ``.tmp`` files removed."""
    tmps = [Path(f"{report}.tmp"), Path(f"{data}.tmp")]
    writing = report

    def needed() -> int:  # both files in all: the rows' bytes and about a line of JSON per row
        return sum(end - start for start, end, *_ in rows) + sum(
            300 + len(message or "") + len(detail or "") for *_, message, detail, _column in rows
        )

    with diskfull.on_disk_full(
        lambda: writing, needed, remove=tmps, what=f"writing the stashed rows of {task.label}"
    ):
        with (
            open(task.path, "rb") as src,
            open(tmps[0], "w", encoding="utf-8") as out,
            open(tmps[1], "wb") as raw,
        ):
            for start, end, line, state, message, detail, column in rows:
                writing = report
                diskfull.simulate(diskfull.FILE, report)
                out.write(json.dumps({
                    "table": task.label, "file": str(task.path), "line": line, "column": column, "sqlstate": state,
                    "message": message, "detail": detail,
                }) + "\n")  # fmt: skip
                src.seek(start)
                writing = data
                diskfull.simulate(diskfull.FILE, data)
                raw.write(src.read(end - start))
            writing = report
            out.flush()
            writing = data
            raw.flush()
        os.replace(tmps[0], report)
        os.replace(tmps[1], data)


def unloaded_warning(still_missing: dict[str, int], errors_dir: Path, kept_in: Path | None) -> str | None:
    """``end migration``'s warning for stashed rows that never reached the target (None: there are none).

    :param still_missing: table -> stashed rows not in the target (``import data status``'s errored rows).
    :param errors_dir: the export dir's ``data/errors``, about to be deleted.
    :param kept_in: where the files are copied or moved before the export dir is cleared (None: nowhere).
    """
    tables = {name: n for name, n in sorted(still_missing.items()) if n > 0}
    if not tables:
        return None
    total = sum(tables.values())
    listed = ", ".join(f"{name} ({n:,})" for name, n in tables.items())
    where = (
        f"their files in {errors_dir} are kept in {kept_in}"
        if kept_in is not None
        else f"their files in {errors_dir} are deleted with the export dir (keep them with "
        "--save-migration-reports or --backup-data-files and --backup-dir)"
    )
    return (
        f"WARNING: {total:,} row(s) stashed by --error-policy-snapshot stash-and-continue were never loaded into "
        f"the target: {listed}; {where}"
    )


def copy_error_files(errors_dir: Path, into: Path) -> bool:
    """Copy ``data/errors`` (the stashed rows' reports and rows) to ``into``; False when there is none."""
    if not errors_dir.is_dir() or not any(errors_dir.iterdir()):
        return False
    shutil.copytree(errors_dir, into)
    return True
