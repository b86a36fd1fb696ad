"""``export data``: dump every selected table into ``data/`` on one consistent snapshot.

Big tables are split into chunks when the adapter can (:meth:`DataSnapshot.plan_chunks`), one file each.
Re-running after a crash resumes: tables whose files are complete are kept, the rest are exported again
(at a new snapshot — the command says so; ``--start-clean`` gives one snapshot for everything); of a table in
key-range chunks only the missing chunks are, of a table in ctid chunks every chunk.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from transship.adapters.base import DataExportOptions
from transship.crashpoints import crash_point, declare
from transship.errors import ConfigError, TransshipError
from transship.exporter import state as export_state
from transship.exporter.data import chunk_target, export_tables
from transship.progress import RowProgress
from transship.selection import check_patterns_matched, make_filter, table_patterns
from transship.steps.common import get_adapter, print_table
from transship.steps.context import StepContext
from transship.steps.options import ExportDataOptions

log = logging.getLogger(__name__)
CLEANED = declare("export.cleaned", "--start-clean: the exported data and its state are deleted")


def run(ctx: StepContext, o: ExportDataOptions) -> None:
    """Export the data; ``--start-clean`` deletes the earlier export only once the source is connected, the
    table lists are read and matched and the snapshot is open (a failure before that leaves it whole)."""
    ed = ctx.export_dir
    meta = ctx.meta
    adapter = get_adapter(ctx, o.source_ddl_files, o.source_data_files)
    if adapter.source_data_files and not adapter.source_ddl_files:
        # the data scripts alone do not say a column's type (RAW(16) is a uuid, a DATE string a date):
        # read the DDL scripts export schema converted, so the data matches the schema files
        ddl = [f for f in meta.status().get("schema_ddl_files") or [] if Path(f).is_file()]
        if ddl:
            adapter.source_ddl_files = ddl
            ctx.console.print(
                f"Reading the DDL scripts export schema read: {', '.join(Path(f).name for f in ddl)}"
            )
    version = adapter.check_connection()
    include, exclude = table_patterns(o)
    target = chunk_target()
    options = DataExportOptions(include=make_filter(include, exclude), parallel_jobs=o.parallel_jobs)
    # asked before the snapshot is opened, so no source transaction waits for an answer
    if (
        o.start_clean
        and any(ed.data.glob("*_data.sql"))
        and not ctx.confirm(f"--start-clean deletes the exported data in {ed.data}. Go on?")
    ):
        raise ConfigError(
            f"--start-clean would delete the exported data in {ed.data} and was not confirmed",
            fix="answer yes at the prompt, or pass --yes",
        )
    with adapter.begin_data_export(options) as snapshot:
        check_patterns_matched(
            include,
            [(t.schema, t.name) for t in snapshot.tables]
            + [(t.target_schema or t.schema, t.target_name) for t in snapshot.tables],
            "the source",
        )
        if o.start_clean:
            _clean(ctx)
        plan = export_state.plan_export(
            meta,
            snapshot.tables,
            ed.data,
            (lambda t: snapshot.plan_chunks(t, target)) if target is not None else (lambda t: None),
        )
        todo, kept = plan.tables, plan.kept_tables
        if not todo and export_state.is_finished(meta):
            ctx.console.print(
                f"Data is already exported to {ed.data} ({kept} table(s)). Use --start-clean true to export it again, "
                "or go on with import data."
            )
            return
        meta.update_status(source_db_type=adapter.name, source_conf=adapter.config.public_dict(), source_db_version=version,
                           source_schema_arity=adapter.schema_arity, export_data_started=True,
                           source_script_mode=bool(adapter.source_ddl_files or adapter.source_data_files),
                           source_script_files={"ddl": [str(Path(f).resolve()) for f in adapter.source_ddl_files],
                                                "data": [str(Path(f).resolve()) for f in adapter.source_data_files]})  # fmt: skip
        if not todo:
            ctx.console.print(
                f"Every table was exported by an earlier run that stopped before it finished ({kept} table(s) kept); "
                "finishing it: sequence values are read now."
            )
        else:
            if kept or plan.kept_chunks:
                chunks = (
                    f" and {plan.kept_chunks} chunk(s) of partly exported tables" if plan.kept_chunks else ""
                )
                ctx.console.print(
                    f"Resuming: {kept} table(s){chunks} were exported by an earlier run and are kept; {len(todo)} table(s) remain. "
                    f"The remaining tables{' and chunks' if plan.kept_chunks else ''} are read at a new snapshot "
                    "(use --start-clean true for one snapshot for all)."
                )
            if plan.redone_tables:
                ctx.console.print(
                    f"Exporting again whole: {', '.join(plan.redone_tables)} (chunked by physical row position, "
                    "which does not carry over to a new snapshot)."
                )
            chunked = len(plan.work) - sum(1 for w in plan.work if w.chunk is None)
            files = f" ({chunked} chunk(s) of big tables among {len(plan.work)} file(s))" if chunked else ""
            ctx.console.print(
                f"Exporting {len(todo)} table(s){files} from {adapter.name} {version} ({adapter.describe()}) with {options.parallel_jobs} parallel job(s); consistency: {snapshot.consistency}"
            )
            with RowProgress(ctx.console, ctx.disable_pb) as progress:
                try:
                    export_tables(
                        snapshot,
                        plan.work,
                        ed.data,
                        options.parallel_jobs,
                        progress,
                        lambda table, name: export_state.mark_exporting(meta, name),
                        lambda result: export_state.mark_done(meta, result),
                    )
                except BaseException:
                    try:
                        export_state.mark_interrupted(meta)
                    except TransshipError as exc:  # e.g. meta.db's disk is full too: keep the first error
                        log.warning("could not mark the interrupted tables: %s", exc.one_line())
                    raise
        export_state.finish_export(meta, ed.data, ed.descriptor, snapshot.sequences)
    rows = meta.export_report()
    print_table(
        ctx,
        "snapshot export report",
        ["SCHEMA", "TABLE", "ROW COUNT"],
        [[r[0], r[1], f"{r[2]:,}"] for r in rows],
    )
    ctx.console.print(
        f"Export of data complete: {len(rows)} table(s), {sum(r[2] for r in rows):,} rows in {ed.data}"
    )


def _clean(ctx: StepContext) -> None:
    """Delete the exported data files, the descriptor and their state (export and import progress)."""
    ed = ctx.export_dir
    if ed.data.exists():
        shutil.rmtree(ed.data)
    ed.data.mkdir()
    ed.descriptor.unlink(missing_ok=True)
    # the batch plans point into the old files; the target's ledger still knows what it received
    ctx.meta.forget_export()
    ctx.meta.update_status(export_data_done=False, export_data_started=False, import_data_done=False)
    crash_point(CLEANED)
