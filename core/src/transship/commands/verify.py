"""``verify``: does the target hold what the source holds?

Per target table: rows in the source now, rows exported, rows imported (the ledger's count), rows in the target
now, and — when the source is PostgreSQL — whether the content is the same (md5 of all rows in key order,
computed by each server). Any difference makes the command exit 1 after printing the table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from transship.cli.options import Run
from transship.commands.common import get_adapter, merged_config, print_table, write_json
from transship.commands.export_data import check_patterns_matched, make_filter, table_patterns
from transship.commands.target import open_target, target_schema_for
from transship.errors import ExportDirError, TransshipError
from transship.identifiers import qualified
from transship.pgconn import connect
from transship.verify import count_rows, prepare_for_digests, relkind, table_digest


@dataclass
class TableCheck:
    table_name: str
    source_rows: int | None
    exported_rows: int
    imported_rows: int
    target_rows: int | None
    content: str  # "same" | "different" | "not compared"
    result: str  # "MATCH" | "DIFFERENT"
    note: str = ""


def run(run: Run) -> None:
    meta = run.meta
    status = meta.status()
    if not status.get("export_data_done"):
        raise ExportDirError(
            f"export data has not finished in {run.export_dir.root}",
            fix="run export data and import data first",
        )
    include, exclude = table_patterns(run)
    accept = make_filter(include, exclude)
    everything = meta.query(
        "SELECT source_schema, source_name, target_schema, target_name FROM export_tables WHERE status = 'DONE'"
    )
    check_patterns_matched(
        include,
        [(r[0], r[1]) for r in everything] + [(r[2] or "", r[3]) for r in everything],
        "the exported data",
    )
    exported = [
        r
        for r in meta.query("SELECT * FROM export_tables WHERE status = 'DONE' ORDER BY file_name")
        if accept(r["source_schema"], r["source_name"]) or accept(r["target_schema"] or "", r["target_name"])
    ]
    # rows of committed batches, less the rows stash-and-continue kept out of the target
    done_rows = meta.query(
        "SELECT file_name, COALESCE(SUM(row_count - errored_rows), 0), COALESCE(SUM(errored_rows), 0)"
        " FROM import_batches WHERE status = 'DONE' GROUP BY file_name"
    )
    imported = {r[0]: int(r[1]) for r in done_rows}
    stashed = {r[0]: int(r[2]) for r in done_rows}
    override = target_schema_for(run)
    groups: dict[tuple[str, str], list] = {}
    for r in exported:
        groups.setdefault((override or r["target_schema"], r["target_name"]), []).append(r)

    source_counts: dict[tuple[str, str], int] = {}
    source_note = ""
    content_possible = False
    if status.get("source_script_mode"):
        source_note = "the source is SQL scripts (no live database to count)"
    else:
        adapter = get_adapter(run)
        try:
            source_counts = adapter.count_rows([(r["source_schema"], r["source_name"]) for r in exported])
        except NotImplementedError as exc:
            source_note = str(exc)
        content_possible = adapter.name == "postgresql"

    sink, tconn = open_target(run)
    checks: list[TableCheck] = []
    with tconn:
        sconn = connect(merged_config(run, "source"), "source") if content_possible else None
        try:
            if sconn is not None:
                prepare_for_digests(sconn)
            prepare_for_digests(tconn)
            for (schema, name), rows in sorted(groups.items()):
                checks.append(_check(tconn, sconn, schema, name, rows, imported, source_counts, stashed))
        finally:
            if sconn is not None:
                sconn.close()
    data = [asdict(c) for c in checks]
    write_json(run.export_dir.reports / "verify-report.json", data)
    if run.params.get("output_format") == "json":
        run.console.print_json(json.dumps(data))
    else:
        print_table(
            run, f"Verification of {sink.name} ({sink.config.describe()})",
            ["TABLE", "SOURCE ROWS", "EXPORTED ROWS", "IMPORTED ROWS", "TARGET ROWS", "CONTENT", "RESULT"],
            [[c.table_name, _n(c.source_rows), f"{c.exported_rows:,}", f"{c.imported_rows:,}", _n(c.target_rows), c.content,
              c.result + (f" ({c.note})" if c.note else "")] for c in checks],
        )  # fmt: skip
        if source_note:
            run.console.print(f"NOTE: {source_note}: source rows are not compared.")
    bad = [c for c in checks if c.result != "MATCH"]
    if bad:
        raise TransshipError(
            f"verify found differences in {len(bad)} of {len(checks)} table(s): {', '.join(c.table_name for c in bad[:5])}",
            fix="see the table above (reports/verify-report.json): finish import data, or look for writes on the source since the export",
        )
    # json mode: stdout holds the JSON document only
    (run.err if run.params.get("output_format") == "json" else run.console).print(
        f"verify: all {len(checks)} table(s) match."
    )


def _n(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _check(
    tconn: psycopg.Connection,
    sconn: psycopg.Connection | None,
    schema: str,
    name: str,
    rows: list[Any],
    imported: dict[str, int],
    source_counts: dict[tuple[str, str], int],
    stashed: dict[str, int] | None = None,
) -> TableCheck:
    label = qualified(schema, name)
    errored = sum((stashed or {}).get(r["file_name"], 0) for r in rows)
    exported_rows = sum(int(r["exported_rows"]) for r in rows)
    imported_rows = sum(imported.get(r["file_name"], 0) for r in rows)
    counts = [source_counts.get((r["source_schema"], r["source_name"])) for r in rows]
    source_rows = None if any(c is None for c in counts) else sum(c for c in counts if c is not None)
    if relkind(tconn, schema, name) is None:
        return TableCheck(
            label,
            source_rows,
            exported_rows,
            imported_rows,
            None,
            "not compared",
            "DIFFERENT",
            "missing on the target",
        )
    target_rows = count_rows(tconn, schema, name)
    content = "not compared"
    notes = []
    if sconn is not None:  # PostgreSQL source: the same table (a partition's root) exists on both sides
        same = _same_content(sconn, tconn, schema, name)
        content = "same" if same else "different"
    ok = exported_rows == imported_rows == target_rows and content != "different"
    if source_rows is not None and source_rows != exported_rows:
        ok = False
        notes.append("the source changed since the export")
    if errored:  # never MATCH: those rows are not in the target
        ok = False
        notes.append(f"{errored:,} row(s) stashed by stash-and-continue (data/errors/)")
    elif imported_rows != exported_rows:
        notes.append("import data has not finished")
    elif target_rows != imported_rows:
        notes.append("the target table holds other rows too")
    return TableCheck(
        label,
        source_rows,
        exported_rows,
        imported_rows,
        target_rows,
        content,
        "MATCH" if ok else "DIFFERENT",
        "; ".join(notes),
    )


def _same_content(sconn: psycopg.Connection, tconn: psycopg.Connection, schema: str, name: str) -> bool:
    if relkind(sconn, schema, name) is None:
        return False
    try:
        return table_digest(sconn, schema, name) == table_digest(tconn, schema, name)
    except psycopg.Error as exc:
        for c in (sconn, tconn):
            if c.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                c.rollback()
        raise TransshipError(
            f"comparing {schema}.{name} failed: {str(exc).strip().splitlines()[0]}",
            fix="check both tables exist with the same columns",
        ) from None
