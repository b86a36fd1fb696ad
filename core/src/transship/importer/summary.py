"""The last line of ``import data``: complete, and what was not loaded (stashed rows, rows skipped or replaced)."""

from __future__ import annotations

from pathlib import Path

from transship.state import MetaDB


def skipped_rows(meta: MetaDB, file_names: list[str]) -> int:
    """Rows of these files' complete batches that were not inserted because their primary key was already in
    the target (``--on-primary-key-conflict IGNORE``), or that replaced such a row (``--enable-upsert``)."""
    wanted = set(file_names)
    rows = meta.query(
        "SELECT file_name, COALESCE(SUM(skipped_rows), 0) FROM import_batches WHERE status = 'DONE' GROUP BY file_name"
    )
    return sum(int(r[1]) for r in rows if r[0] in wanted)


def completion_line(
    errored: int, skipped: int, upsert: bool, errors_dir: Path, left_out: str, loaded_since: int = 0
) -> str:
    """``Import data complete[ with N errored row(s) in DIR][; N row(s) skipped as already present].``

    :param errored: stashed rows that are still not in the target.
    :param loaded_since: stashed rows the target holds now (the user corrected and loaded them).
    """
    line = "Import data complete"
    if errored:
        line += (
            f" with {errored:,} errored row(s) in {errors_dir} "
            "(stashed by --error-policy-snapshot stash-and-continue; see import data status)"
        )
    if loaded_since:
        line += f"; {loaded_since:,} stashed row(s) have since been loaded into the target"
    if skipped:
        line += (
            f"; {skipped:,} row(s) replaced rows already present (--enable-upsert)"
            if upsert
            else f"; {skipped:,} row(s) skipped as already present (--on-primary-key-conflict IGNORE)"
        )
    return line + "." + left_out
