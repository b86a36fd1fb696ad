"""``verify``: does the target hold what the source holds?

Per target table: rows in the source now, rows exported, rows imported (the ledger's count), rows in the target
now, and the content proven by chunk digests computed inside both databases (:mod:`transship.verify`). Each
sequence must continue at or beyond the source's value. Any difference, or a table whose content could not be
proven (unless ``--counts-only`` asked for counts), makes the command exit 1 after printing the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transship.adapters.base import SchemaExportOptions
from transship.errors import ExportDirError, TransshipError
from transship.progress import RowProgress
from transship.schema_files import SchemaWriter
from transship.selection import check_patterns_matched, make_filter, table_patterns
from transship.steps.common import get_adapter, print_table
from transship.steps.context import StepContext
from transship.steps.options import VerifyOptions
from transship.steps.target import open_target, target_schema_for
from transship.verify.canonical import allowed_row_hashes
from transship.verify.content import ContentReader, ContentSource
from transship.verify.objects import AS_EXPORTED, ObjectsResult, check_objects
from transship.verify.postgres import PgContentReader
from transship.verify.report import write_reports
from transship.verify.sequences import defined_sequences
from transship.verify.tables import TableToCheck, TableVerdict, check_sequences, check_table

DEFAULT_JOBS = 2  # connections per side: both halves of a key range read at once


def run(ctx: StepContext, o: VerifyOptions) -> None:
    """Compare every exported table, sequence and schema object; any difference is a TransshipError raised
    after the reports are written."""
    allowed_row_hashes()  # a misspelt TRANSSHIP_VERIFY_ROW_HASHES stops the run before any work
    meta = ctx.meta
    status = meta.status()
    if not status.get("export_data_done"):
        raise ExportDirError(
            f"export data has not finished in {ctx.export_dir.root}",
            fix="run export data and import data first",
        )
    include, exclude = table_patterns(o)
    accept = make_filter(include, exclude)
    everything = meta.exported_tables()
    check_patterns_matched(
        include,
        [(r["source_schema"], r["source_name"]) for r in everything]
        + [(r["target_schema"] or "", r["target_name"]) for r in everything],
        "the exported data",
    )
    exported = [
        r
        for r in meta.exported_tables()
        if accept(r["source_schema"], r["source_name"]) or accept(r["target_schema"] or "", r["target_name"])
    ]
    if not exported:  # an exit 0 over nothing would pass a gate that proves nothing
        raise TransshipError(
            "verify found no exported tables to compare"
            + (" (after --table-list/--exclude-table-list)" if everything else ""),
            fix="check the table filters, or run export data first"
            if everything
            else "run export data first",
        )
    # rows of committed batches, less the rows stash-and-continue kept out of the target
    done_rows = meta.committed_rows()
    imported = {f: n for f, (n, _s) in done_rows.items()}
    stashed = {f: s for f, (_n, s) in done_rows.items()}
    override = target_schema_for(ctx)
    groups: dict[tuple[str, str], list] = {}
    for r in exported:
        groups.setdefault((override or r["target_schema"], r["target_name"]), []).append(r)

    counts_only = o.counts_only
    sample_percent = o.sample_percent
    jobs = o.parallel_jobs or DEFAULT_JOBS
    max_differences = o.max_differences
    adapter = None
    source: ContentSource | None = None
    reason = "--counts-only was given"
    if status.get("source_script_mode"):
        reason = "the source is SQL scripts (no live database to read)"
        adapter = get_adapter(ctx)
        files = status.get("source_script_files") or {}
        adapter.source_ddl_files = adapter.source_ddl_files or list(files.get("ddl") or [])
        adapter.source_data_files = adapter.source_data_files or list(files.get("data") or [])
        if not counts_only and adapter.source_data_files:
            try:
                source = adapter.content_source()  # an independent reading of the scripts
            except NotImplementedError as exc:
                reason = str(exc)
    else:
        adapter = get_adapter(ctx)
        if adapter.type_mapping_config is None:  # the export's type mapping, unless a config file gives one
            adapter.type_mapping_config = status.get("schema_type_mapping")
        if not counts_only:
            try:
                source = adapter.content_source()
            except NotImplementedError as exc:
                reason = str(exc)

    def counter(pairs: list[tuple[str, str]]) -> Any:
        def count() -> int | None:
            if adapter is None:
                return None
            try:
                found = adapter.count_rows(pairs)
            except NotImplementedError:
                return None
            return sum(found[p] for p in pairs)

        return count

    sink, tconn = open_target(ctx)
    verdicts: list[TableVerdict] = []
    with tconn:
        target = PgContentReader(tconn)
        source_reader: ContentReader | None = source.reader() if source is not None else None
        # one more connection per side and job: a key-range table is read in that many spans at once
        more_targets: list[ContentReader] = []
        more_sources: list[ContentReader] = []
        if source is not None:
            for _ in range(jobs - 1):
                more_targets.append(PgContentReader(sink.connect(), owned=True))
                more_sources.append(source.reader())
        try:
            with RowProgress(ctx.err, ctx.disable_pb or o.output_format == "json") as progress:
                for (schema, name), rows in sorted(groups.items()):
                    # one source table per leaf partition; a table in chunks has several files of one
                    pairs = list(dict.fromkeys((r["source_schema"], r["source_name"]) for r in rows))
                    names = {p for p in pairs}
                    src_schema, src_name = next(iter(names)) if len(names) == 1 else (schema, name)
                    item = TableToCheck(
                        schema, name, src_schema, src_name,
                        exported_rows=sum(int(r["exported_rows"]) for r in rows),
                        imported_rows=sum(imported.get(r["file_name"], 0) for r in rows),
                        stashed_rows=sum(stashed.get(r["file_name"], 0) for r in rows),
                    )  # fmt: skip
                    task = progress.add(f"verify {item.label}", item.exported_rows)
                    verdict = check_table(
                        target, tconn, source, source_reader, item, reason, max_differences, counter(pairs),
                        sample_percent, more_targets, more_sources,
                    )  # fmt: skip
                    progress.finish(task, verdict.target_rows or 0)
                    verdicts.append(verdict)
        finally:
            for extra in [*more_targets, *more_sources]:
                extra.close()
            if source_reader is not None:
                source_reader.close()
            if source is not None:
                source.close()
        sequences = check_sequences(
            tconn,
            _recorded_sequences(ctx, override),
            defined_sequences(ctx.export_dir.schema, override or "public"),
            override or "public",
        )
        objects = check_objects(
            ctx.export_dir.schema,
            ctx.export_dir.metainfo / AS_EXPORTED,
            tconn,
            override or "public",
            bool(status.get("finalize_done")),
            _reexport(ctx, adapter)
            if adapter is not None and (adapter.source_ddl_files or not status.get("source_script_mode"))
            else None,
            ctx.export_dir.temp,
        )
    summary = _summary(verdicts, sequences, counts_only, sample_percent, objects)
    document = {
        "target": f"{sink.name} ({sink.config.describe()})",
        "summary": summary,
        "tables": [v.as_dict() for v in verdicts],
        "sequences": [s.__dict__ for s in sequences],
        "objects": objects.as_dict(),
    }
    write_reports(ctx.export_dir.reports, document)
    if o.output_format == "json":
        ctx.console.print_json(json.dumps(document))
    else:
        print_table(
            ctx, f"Verification of {sink.name} ({sink.config.describe()})",
            ["TABLE", "SOURCE ROWS", "EXPORTED ROWS", "IMPORTED ROWS", "TARGET ROWS", "PROVEN BY", "RESULT"],
            [[v.table_name, _n(v.source_rows), f"{v.exported_rows:,}", f"{v.imported_rows:,}", _n(v.target_rows),
              v.proof, v.result + (f" ({v.note})" if v.note else "")] for v in verdicts],
        )  # fmt: skip
        bad_seq = [s for s in sequences if s.result != "MATCH"]
        for s in bad_seq:
            ctx.console.print(
                f"SEQUENCE {s.sequence}: source continues at {s.source_next:,}, target at "
                f"{_n(s.target_next)}: {s.note}"
            )
        for v in verdicts:
            for d in v.differences:
                ctx.console.print(f"  {v.table_name}: {d['text']}")
        for f in objects.findings:
            ctx.console.print(
                ("OBJECT " if f.failure else "USER EDIT ") + f.describe().removeprefix("user edit: ")
            )
        for note in objects.notes:
            ctx.console.print(f"NOTE: {note}")
        ctx.console.print(f"Reports: {ctx.export_dir.reports / 'verification_report.html'} (and .json)")
    bad = [v for v in verdicts if v.result == "DIFFERENT"]
    unproven = [v for v in verdicts if v.result == "COUNTS MATCH"]
    bad_sequences = [s for s in sequences if s.result != "MATCH"]
    bad_objects = objects.failures
    if bad or bad_sequences or bad_objects:
        parts = []
        if bad_objects:
            parts.append(f"{len(bad_objects)} schema object(s): {bad_objects[0].describe()}")
        if bad:
            parts.append(
                f"{len(bad)} of {len(verdicts)} table(s): {', '.join(v.table_name for v in bad[:5])}"
            )
        if bad_sequences:
            parts.append(
                f"{len(bad_sequences)} sequence(s): {', '.join(s.sequence for s in bad_sequences[:5])}"
            )
        fixes = []
        if bad or bad_sequences:
            fixes.append("finish import data, or look for writes on the source since the export")
        if any(f.kind == "source changed" for f in bad_objects):
            fixes.append(
                "the source schema changed since export schema: export again or apply the change to the target"
            )
        if any(f.kind != "source changed" for f in bad_objects):
            fixes.append(
                "create the missing objects on the target, or edit the schema files and re-run import schema"
            )
        raise TransshipError(
            f"verify found differences in {' and '.join(parts)}",
            fix="see reports/verification_report.html: " + "; ".join(fixes),
        )
    if unproven and not counts_only:
        raise TransshipError(
            f"verify could not prove the content of {len(unproven)} table(s) ({unproven[0].note.removeprefix('content not compared: ')}); their row counts match",
            fix="pass --counts-only to accept matching counts for these tables",
        )
    # json mode: stdout holds the JSON document only
    (ctx.err if o.output_format == "json" else ctx.console).print(summary["text"])


def _recorded_sequences(ctx: StepContext, override: str | None) -> list[tuple[str | None, str, int, bool]]:
    return [(override or r[0], str(r[1]), int(r[2]), bool(r[3])) for r in ctx.meta.recorded_sequences()]


def _reexport(ctx: StepContext, adapter: Any) -> Callable[[Path], None]:
    """Writes the source's schema as export schema would now (same options) into a folder."""
    saved = ctx.meta.status().get("schema_export_options") or {}

    def write(folder: Path) -> None:
        writer = SchemaWriter(folder)
        adapter.export_schema(
            writer,
            SchemaExportOptions(
                object_types=saved.get("object_types"),
                exclude_object_types=saved.get("exclude_object_types") or [],
                comments_on_objects=bool(saved.get("comments_on_objects", True)),
                temp_dir=str(ctx.export_dir.temp),
            ),
        )
        writer.write(shown_as=folder)

    return write


def _summary(
    verdicts: list[TableVerdict],
    sequences: list[Any],
    counts_only: bool,
    sample_percent: float | None,
    objects: ObjectsResult,
) -> dict[str, Any]:
    proven = sum(1 for v in verdicts if v.result == "MATCH")
    sampled = sum(1 for v in verdicts if v.result == "SAMPLE MATCH")
    counted = sum(1 for v in verdicts if v.result == "COUNTS MATCH")
    different = sum(1 for v in verdicts if v.result == "DIFFERENT")
    seq_ok = sum(1 for s in sequences if s.result == "MATCH")
    if different or seq_ok != len(sequences) or objects.failures:
        text = f"verify: {different} of {len(verdicts)} table(s) differ"
    elif counted or sampled:
        parts = [f"{proven} proven by content"]
        if sampled:
            parts.append(f"{sampled} by a {sample_percent:g}% sample of their content (--sample-percent)")
        if counted:
            parts.append(f"{counted} by row counts only" + (" (--counts-only)" if counts_only else ""))
        text = f"verify: all {len(verdicts)} table(s) match: " + ", ".join(parts)
    else:
        text = f"verify: all {len(verdicts)} table(s) match, content proven for every table"
    if sequences:
        text += f"; {seq_ok} of {len(sequences)} sequence(s) continue at or beyond the source"
    failures = len(objects.failures)
    text += (
        f"; {objects.expected} schema object(s) on the target with the files' names, column types and trigger states"
        if not failures
        else f"; {failures} schema object problem(s)"
    )
    edits = len(objects.findings) - failures
    if edits:
        text += f" ({edits} user edit(s) listed)"
    return {
        "tables": len(verdicts), "proven_by_content": proven, "sampled": sampled, "counts_only": counted, "different": different,
        "sequences": len(sequences), "sequences_ok": seq_ok, "schema_objects": objects.expected,
        "schema_object_failures": failures, "user_edits": edits, "text": text + ".",
    }  # fmt: skip


def _n(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"
