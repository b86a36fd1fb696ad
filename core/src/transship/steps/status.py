"""``export data status`` and ``import data status``: read local state only, no database connection."""

from __future__ import annotations

import json
from typing import Any

from transship.identifiers import qualified
from transship.steps.common import print_table, write_json
from transship.steps.context import StepContext
from transship.steps.options import StatusOptions

_EXPORT_ORDER = {"EXPORTING": 0, "INTERRUPTED": 1, "DONE": 2, "NOT_STARTED": 3}
_IMPORT_ORDER = {
    "FAILED": 0,
    "ROW_COUNT_MISMATCH": 1,
    "MIGRATING": 2,
    "DONE_WITH_ERRORS": 3,
    "DONE": 4,
    "NOT_STARTED": 5,
}


def export_rows(ctx: StepContext) -> list[dict[str, Any]]:
    rows = ctx.meta.export_progress()
    running = ctx.export_dir.lock_holder("export") is not None
    out = [
        {
            "table_name": qualified(r[0], r[1]),
            # a table left "EXPORTING" by a command that is no longer running was interrupted
            "status": "INTERRUPTED" if r[2] == "EXPORTING" and not running else r[2],
            "exported_count": r[3],
            "estimated_total": r[4],
        }
        for r in rows
    ]
    return sorted(out, key=lambda d: (_EXPORT_ORDER.get(d["status"], 9), d["table_name"]))


def _json_or_empty(
    ctx: StepContext, json_output: bool, data: list[dict[str, Any]], report: str, empty: str
) -> bool:
    """JSON mode (written to reports/ and printed) or nothing to show: handled, return True."""
    if json_output:
        write_json(ctx.export_dir.reports / report, data)
        ctx.console.print_json(json.dumps(data))
        return True
    if not data:
        ctx.console.print(empty)
        return True
    return False


def export_status(ctx: StepContext, o: StatusOptions) -> None:
    """``export data status``: each table's export progress."""
    data = export_rows(ctx)
    if _json_or_empty(
        ctx,
        o.output_format == "json",
        data,
        "export-data-status-report.json",
        "Export of data has not started.",
    ):
        return
    if any(d["status"] == "INTERRUPTED" for d in data):
        ctx.console.print(
            "NOTE: export data was interrupted; re-run the same export data command to finish (finished tables are kept)."
        )
    print_table(
        ctx,
        "Export Data Status for SourceDB",
        ["TABLE", "STATUS", "EXPORTED ROWS"],
        [[d["table_name"], d["status"], f"{d['exported_count']:,}"] for d in data],
    )


def import_rows(ctx: StepContext) -> list[dict[str, Any]]:
    status = ctx.meta.status()
    target_schema = None
    if status.get("source_schema_arity", "many") != "many":
        target_schema = (status.get("target_conf") or {}).get("schema") or "public"
    totals: dict[str, dict[str, Any]] = {}
    rows = ctx.meta.import_progress()
    checked = ctx.meta.target_counts()
    index_failures: dict[str, str] = status.get("import_index_failures") or {}
    for r in rows:
        name = qualified(target_schema or r[1], r[2])
        entry = totals.setdefault(
            name,
            {
                "table_name": name,
                "total_count": 0,
                "imported_count": 0,
                "errored_count": 0,
                "skipped_count": 0,
                "in_doubt_count": 0,
                "started": False,
                "key": (target_schema or r[1], r[2]),
                "error": None,
            },
        )
        entry["error"] = entry["error"] or r[7]
        entry["errored_count"] += r[8]
        entry["skipped_count"] += r[9]
        entry["total_count"] += r[3]
        entry["imported_count"] += r[4]
        entry["in_doubt_count"] += r[6]
        entry["started"] = entry["started"] or bool(r[5])
    cluster = status.get("import_cluster") or {}
    batches = status.get("import_node_batches") or {}
    nodes = [
        {"node": n["node"], "connections": n["connections"], "batches": batches.get(n["node"], 0)}
        for n in cluster.get("nodes") or []
    ]
    unfinished = {
        qualified(target_schema or r["target_schema"] or r["source_schema"], r["target_name"])
        for r in ctx.meta.planned_tables()
        if r["status"] != "DONE"
    }
    out = []
    for entry in totals.values():
        # rows of DONE batches: imported, or stashed (errored) by stash-and-continue
        total, done = entry["total_count"], entry["imported_count"]
        entry["imported_count"] = done - entry["errored_count"]
        pct = 100.0 if total == 0 and entry["started"] else (done * 100.0 / total if total else 0.0)
        expected, found = checked.get(entry.pop("key"), (None, None))
        # stashed rows the user corrected and loaded by hand since (\\copy of data/errors/...): no longer errored
        loaded_since = 0
        if expected is not None and found is not None and done == total:
            loaded_since = max(0, min(found - expected, entry["errored_count"]))
        entry["errored_count"] -= loaded_since
        entry["imported_count"] += loaded_since
        entry["stashed_loaded_count"] = loaded_since
        if (
            expected is not None
            and found is not None
            and not expected <= found <= expected + entry["errored_count"] + loaded_since
        ):
            state = "ROW_COUNT_MISMATCH"  # the closing count of import data found the target differing
        elif entry["error"] and done != total:
            state = "FAILED"
        elif entry["started"] and done == total and entry["table_name"] in index_failures:
            state = "FAILED"  # every row is in, but building a key or index the load deferred failed
            entry["error"] = index_failures[entry["table_name"]]
        elif entry["started"] and done == total and entry["table_name"] in unfinished:
            state = "MIGRATING"  # loaded so far, but the export has not finished all of its files
        elif entry["started"] and done == total:
            state = "DONE_WITH_ERRORS" if entry["errored_count"] else "DONE"
        elif done == 0 and not entry["in_doubt_count"]:
            state = "NOT_STARTED"
        else:
            state = "MIGRATING"
        entry["status"] = state
        entry["percentage_complete"] = round(pct, 2)
        entry["target_count"] = found
        entry["expected_target_count"] = expected
        del entry["started"]
        entry["target_nodes"] = nodes  # the whole import's: connections per node, batches each committed
        out.append(entry)
    return sorted(out, key=lambda d: (_IMPORT_ORDER.get(d["status"], 9), d["table_name"]))


def import_status(ctx: StepContext, o: StatusOptions) -> None:
    """``import data status``: each table's import progress."""
    data = import_rows(ctx)
    if o.output_format != "json" and ctx.export_dir.lock_holder("export") is not None:
        planned = ctx.meta.planned_tables()
        finished = sum(1 for r in planned if r["status"] == "DONE")
        ctx.console.print(
            f"NOTE: export data is still running: {finished} of {len(planned)} data file(s) exported so far."
        )
    if _json_or_empty(
        ctx,
        o.output_format == "json",
        data,
        "import-data-status-report.json",
        "No exported data yet: nothing to import.",
    ):
        return
    for d in data:
        if d["status"] == "ROW_COUNT_MISMATCH":
            ctx.console.print(
                f"ERROR: {d['table_name']} holds {d['target_count']:,} rows in the target, {d['expected_target_count']:,} expected "
                "(it was changed during the import); re-run import data with --start-clean true --truncate-tables true for it."
            )
        elif d["status"] == "FAILED":
            error = str(d["error"])  # names the table itself, or is prefixed with it
            ctx.console.print(
                f"ERROR: {error}" if d["table_name"] in error else f"ERROR: {d['table_name']}: {error}"
            )
    skipped = sum(d["skipped_count"] for d in data)
    if skipped:
        ctx.console.print(
            f"NOTE: {skipped:,} row(s) were already present in the target (primary key) and were skipped by "
            "--on-primary-key-conflict IGNORE or replaced by --enable-upsert; they count as imported rows here."
        )
    doubt = sum(d["in_doubt_count"] for d in data)
    if doubt:
        ctx.console.print(
            f"NOTE: {doubt:,} row(s) were being committed when import data stopped; whether they landed is settled from "
            "the target's ledger by the next 'import data' run (they are not counted as imported here)."
        )
    print_table(
        ctx, "Import Data Status for TargetDB", ["TABLE", "STATUS", "TOTAL ROWS", "IMPORTED ROWS", "ERRORED ROWS", "PERCENTAGE"],
        [[d["table_name"], d["status"], f"{d['total_count']:,}", f"{d['imported_count']:,}", f"{d['errored_count']:,}", f"{d['percentage_complete']:.2f}"] for d in data],
    )  # fmt: skip
