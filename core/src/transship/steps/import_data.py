"""``import data``: load every exported data file into the target, exactly once, resumable."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from functools import partial
from graphlib import CycleError, TopologicalSorter
from typing import Any

import psycopg

from transship.crashpoints import crash_point, declare
from transship.errors import ConfigError, ExportDirError, ImportFailed, TransshipError
from transship.identifiers import qualified
from transship.importer import counts, faults, indexes, summary, target_tables
from transship.importer.adaptive import AdaptiveParallelism, metrics_reader
from transship.importer.batches import Batch
from transship.importer.cluster_plan import LoadPlan, node_connector, plan_load
from transship.importer.data import DataLoader, FileTask, by_table
from transship.importer.ledger import (
    batches_per_node,
    committed_batches,
    ensure_ledger,
    forget,
    outcomes_per_batch,
)
from transship.importer.plan import (
    check_files,
    check_targets,
    check_truncation_references,
    check_truncation_scope,
    file_tasks,
    plan_tasks,
    record_error,
)
from transship.importer.policies import LoadPolicy, Outcome, check_keys, choose_policy
from transship.importer.stashed import write_error_files
from transship.progress import RowProgress
from transship.retry import Reconnecting
from transship.selection import check_patterns_matched, make_filter, table_patterns
from transship.sinks.base import ImportSink
from transship.state import MetaDB
from transship.steps.common import print_table
from transship.steps.context import StepContext
from transship.steps.options import ImportDataOptions
from transship.steps.target import open_target, target_schema_for

DEFAULT_MAX_BATCH_BYTES = 200 * 1024 * 1024
TARGETS_CHECKED = declare("import.targets_checked", "every target table exists with the exported columns")
START_CLEAN_DONE = declare("import.start_clean_done", "--start-clean: tables truncated, progress forgotten")
LEDGER_READY = declare("import.ledger_ready", "the target's ledger table exists")
SEQUENCES_RESTORED = declare("import.sequences_restored", "sequences are restored, import not marked done")
DONE = declare("import.done", "import_data_done is set")


def _batch_size(value: int | None, sink: ImportSink) -> int:
    if value is None:
        return sink.default_batch_size
    if value < 1:
        raise ConfigError(
            f"--batch-size must be at least 1 row (got {value})",
            fix=f"pass a positive number of rows, or leave it out for the default ({sink.default_batch_size:,})",
        )
    if value > sink.max_batch_size:
        raise ConfigError(
            f"--batch-size {value:,} is larger than {sink.name}'s maximum {sink.max_batch_size:,}",
            fix=f"use at most {sink.max_batch_size:,}",
        )
    return int(value)


def _max_batch_bytes() -> int:
    raw = os.environ.get("MAX_BATCH_SIZE_BYTES")
    if not raw:
        return DEFAULT_MAX_BATCH_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"MAX_BATCH_SIZE_BYTES={raw!r} is not a number", fix="set it to a byte count, e.g. 209715200"
        ) from None
    if value < 1024:
        raise ConfigError(f"MAX_BATCH_SIZE_BYTES={value} is too small", fix="use at least 1024 bytes")
    return value


def run(ctx: StepContext, o: ImportDataOptions) -> None:
    """Load the exported data: every batch exactly once (the target's ledger decides), then count each table.

    Started while ``export data`` still runs, it loads each file as soon as the export has finished it, and
    waits for the rest (the files of a running export are never read before they are complete)."""
    ed = ctx.export_dir
    meta = ctx.meta
    status = meta.status()
    overlapped = not status.get("export_data_done")
    if overlapped and not (status.get("export_data_started") and ed.lock_holder("export")):
        raise ExportDirError(
            f"export data has not finished in {ed.root}",
            fix="run 'transship export data' (to completion) first, or start import data while it runs",
        )
    if overlapped and o.start_clean:
        raise ConfigError(
            "--start-clean needs a finished export data (the files it would forget are not all exported yet)",
            fix="wait for export data to finish, or drop --start-clean",
        )
    if o.truncate_tables and not o.start_clean:
        raise ConfigError("--truncate-tables works only with --start-clean", fix="add --start-clean true")
    sink, conn = open_target(ctx)
    batch_size = _batch_size(o.batch_size, sink)
    max_bytes = _max_batch_bytes()
    migration_uuid = status["migration_uuid"]
    policy = choose_policy(o.error_policy, o.on_primary_key_conflict, o.enable_upsert, sink.name)
    plans: list[LoadPlan] = []  # the cluster, once discovered: reconnects go to a node that answers
    target = Reconnecting(
        lambda: node_connector(sink, plans[0].health)() if plans else sink.connect(autocommit=True),
        conn,
        sink.config.describe(),
    )
    faults.arm(lambda: sink.connect(autocommit=True))

    def wave(final: bool) -> _Wave | None:
        """Load every file exported so far (files loaded by an earlier wave or run have nothing pending).

        ``final``: the export had finished when the wave started. Deferred indexes are built only then: built
        after an earlier wave, they would be maintained row by row while the rest of their table loads."""
        tasks = target.call("checking the target tables", lambda c: _tasks(ctx, o, c))
        crash_point(TARGETS_CHECKED)
        if not tasks:
            return None
        tables = {(t.schema, t.table) for t in tasks}
        check_keys(
            policy, {t.label: t.pk_constraint for t in tasks}
        )  # before anything is loaded or truncated
        if o.start_clean:
            check_files(meta, tasks)  # a missing or changed file must not cost the target its rows
            target.call("--start-clean", lambda c: _start_clean(ctx, o, c, sink, tasks, migration_uuid))
        target.call("creating the ledger", lambda c: ensure_ledger(c, sink.ledger_schema))
        crash_point(LEDGER_READY)
        committed = target.call(
            "reading the ledger", lambda c: committed_batches(c, sink.ledger_schema, migration_uuid)
        )
        stashed = target.call(
            "reading the ledger", lambda c: outcomes_per_batch(c, sink.ledger_schema, migration_uuid)
        )
        plan_tasks(meta, tasks, batch_size, max_bytes, committed, ctx.console.print,
                   o.batch_size is not None, stashed)  # fmt: skip
        target.call(
            "counting the target tables",
            lambda c: counts.record_rows_before(
                meta, c, tables, counts.ledger_rows(c, sink.ledger_schema, migration_uuid)
            ),
        )
        fallback = not target.call("checking privileges", target_tables.replica_role_allowed)
        if not plans:
            plans.append(target.call("finding the target's nodes", lambda c: _plan(sink, c, o)))
            for line in plans[0].lines():
                ctx.console.print(line)
            meta.update_status(import_cluster=plans[0].as_status())
        plan = plans[0]
        resumed = sum(len(t.done) for t in tasks)
        pending = sum(len(t.batches) - len(t.done) for t in tasks)
        verb = "Resuming import of" if resumed else "Importing"
        ctx.console.print(
            f"{verb} {len(tasks)} data file(s) into {sink.name} ({sink.config.describe()}): {pending} batch(es) of up to {batch_size:,} rows on {plan.parallel} connection(s)"
            + (f"; {resumed} batch(es) already committed" if resumed else "")
        )
        meta.update_status(import_data_started=True, import_data_done=False)
        groups = None
        if fallback:
            ctx.console.print(
                "NOTE: the target user may not SET session_replication_role (needs superuser, or on PostgreSQL 15+: "
                "GRANT SET ON PARAMETER session_replication_role TO <user>). Loading with user triggers disabled per table "
                "and foreign keys checked: tables go parent-first (see docs/import-data.md)."
            )
            groups = target.call("reading foreign keys", lambda c: _fk_groups(c, tasks))
        deferred = _defer_indexes(ctx, o.defer_index_creation, sink, target, tasks, migration_uuid, policy)
        early = None  # the indexes of a table complete before the others are built while the others load
        if final and not fallback:
            waiting = target.call(
                "reading the index ledger", lambda c: indexes.pending(c, sink.ledger_schema, migration_uuid)
            )
            if waiting:
                early = indexes.EarlyBuilds(
                    lambda: sink.connect(autocommit=True), sink.ledger_schema, migration_uuid, plan.parallel
                )
        try:
            _load(ctx, sink, tasks, plan, fallback, groups, target, policy, early)
            loaded_at = time.monotonic()
            built_early = early.finish() if early is not None else 0
        except BaseException:  # a failed load, or Ctrl-C while the last builds run
            if early is not None:
                early.abandon()
            raise
        errored = target.call(
            "reading stashed rows",
            lambda c: write_error_files(c, sink.ledger_schema, migration_uuid, tasks, ed.data / "errors"),
        )
        _verify_counts(tasks)
        meta.update_status(
            import_node_batches=target.call(
                "reading the ledger", lambda c: batches_per_node(c, sink.ledger_schema, migration_uuid)
            )
        )
        started = time.monotonic()
        checks = target.call(
            "counting the target tables",
            lambda c: counts.check_counts(meta, c, tables, sink.ledger_schema, migration_uuid),
        )
        ctx.console.print(
            f"Counted {len(checks)} table(s) in the target in {time.monotonic() - started:.1f} s: each holds the rows it held before plus the rows imported."
        )
        if final:
            _rebuild_indexes(ctx, sink, migration_uuid, plan.parallel, deferred, built_early, loaded_at)
        return _Wave(tasks, checks, errored)

    with conn, contextlib.closing(target):
        _restore_left_disabled(ctx, target)
        if overlapped:
            ctx.console.print(
                "export data is still running: each data file is imported as soon as it is finished, "
                "the rest are waited for."
            )
        seen = -1
        while True:
            finished = bool(
                meta.status().get("export_data_done")
            )  # read before the wave: it then sees every file
            done_files = meta.exported_file_count()
            result = wave(not overlapped or finished) if done_files != seen or finished else None
            seen = done_files
            if not overlapped or finished:
                break
            _wait_for_export(ctx, seen)
        if result is None:
            ctx.console.print("No exported tables to import.")
            return
        all_done = meta.all_files_planned()
        if all_done:
            target.call("restoring sequences", lambda c: _restore_sequences(ctx, c))
            crash_point(SEQUENCES_RESTORED)
    meta.update_status(import_data_done=all_done)
    crash_point(DONE)
    tasks, checks, errored = result.tasks, result.checks, result.errored
    rows = [
        [c.schema, c.table, f"{c.committed:,}", f"{c.found:,}"]
        for c in sorted(checks, key=lambda c: (c.schema, c.table))
    ]
    print_table(
        ctx, "snapshot import report", ["SCHEMA", "TABLE", "IMPORTED ROW COUNT", "ROWS IN TARGET"], rows
    )
    left_out = (
        ""
        if all_done
        else " (Some exported tables were left out by --table-list/--exclude-table-list and are not imported yet.)"
    )
    skipped = summary.skipped_rows(meta, [t.file_name for t in tasks])
    loaded = sum(c.loaded_since for c in checks)
    ctx.console.print(
        summary.completion_line(
            errored - loaded, skipped, policy.upsert, ed.data / "errors", left_out, loaded
        )
    )


@dataclass
class _Wave:
    tasks: list[FileTask]
    checks: list[counts.CountCheck]
    errored: int


#: seconds between two looks at a running export's progress
EXPORT_POLL_SECONDS = 1.0


def _wait_for_export(ctx: StepContext, seen: int) -> None:
    """Until the running export has finished another file, or has ended; an export that ended without
    finishing stops the import (what was loaded stays loaded)."""
    while True:
        status = ctx.meta.status()
        if status.get("export_data_done") or ctx.meta.exported_file_count() != seen:
            return
        if ctx.export_dir.lock_holder("export") is None:
            raise ExportDirError(
                "export data stopped before it finished, so import data stopped too (the files it loaded stay loaded)",
                fix="re-run export data (it resumes), then import data again (it resumes too; or start it while export runs)",
            )
        time.sleep(EXPORT_POLL_SECONDS)


def _tasks(ctx: StepContext, o: ImportDataOptions, conn: psycopg.Connection) -> list[FileTask]:
    include, exclude = table_patterns(o)
    rows = ctx.meta.planned_tables()  # a running export has listed its tables, finished or not
    check_patterns_matched(
        include,
        [(r["source_schema"], r["source_name"]) for r in rows]
        + [(r["target_schema"] or "", r["target_name"]) for r in rows],
        "the exported data",
    )
    tasks = file_tasks(ctx.meta, ctx.export_dir.data, make_filter(include, exclude), target_schema_for(ctx))
    check_targets(conn, tasks)
    return tasks


def _start_clean(
    ctx: StepContext,
    o: ImportDataOptions,
    conn: psycopg.Connection,
    sink: ImportSink,
    tasks: list[FileTask],
    migration_uuid: str,
) -> None:
    tables = sorted({(t.schema, t.table) for t in tasks})
    if o.truncate_tables:
        check_truncation_scope(ctx.meta, tasks, target_schema_for(ctx))
        check_truncation_references(conn, tables)
    nonempty = [qualified(s, n) for s, n in tables if target_tables.has_rows(conn, s, n)]
    if (
        nonempty
        and not o.truncate_tables
        and not ctx.confirm(
            f"Target tables already hold rows ({', '.join(nonempty[:5])}{'...' if len(nonempty) > 5 else ''}). Start afresh without truncating them?"
        )
    ):
        raise ConfigError(
            f"--start-clean: target tables already hold rows: {', '.join(nonempty)}",
            fix="add --truncate-tables true to empty them first, or --yes to load on top of them",
        )
    ledger_exists = target_tables.relation_exists(conn, sink.ledger_schema, "import_batches")
    files = [t.file_name for t in tasks]
    with conn.transaction():  # the rows and the ledger's record of them go together
        if o.truncate_tables:
            target_tables.truncate(conn, tables)
        if ledger_exists:
            forget(conn, sink.ledger_schema, migration_uuid, files)
    ctx.meta.forget_imports(list(files))
    counts.forget_tables(ctx.meta, set(tables))
    crash_point(START_CLEAN_DONE)
    ctx.console.print(
        f"Start clean: forgot earlier import progress for {len(files)} table(s)"
        + (" and truncated them." if o.truncate_tables else ".")
    )


def _fk_groups(conn: psycopg.Connection, tasks: list[FileTask]) -> list[list[FileTask]]:
    """Tables in foreign-key order (parents first), for targets where FK checks cannot be switched off."""
    by_table: dict[tuple[str, str], list[FileTask]] = {}
    for t in tasks:  # leaf partitions of one table share its key
        by_table.setdefault((t.schema, t.table), []).append(t)
    graph: dict[tuple[str, str], set[tuple[str, str]]] = {k: set() for k in by_table}
    for child, parent in target_tables.foreign_key_parents(conn):
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError:
        raise ImportFailed(
            "foreign keys between the target tables form a cycle, so they cannot be loaded parent-first without disabling FK checks",
            fix="let the import user SET session_replication_role (superuser, or GRANT SET ON PARAMETER session_replication_role)",
        ) from None
    return [by_table[k] for k in order]


def _plan(sink: ImportSink, conn: psycopg.Connection, o: ImportDataOptions) -> LoadPlan:
    return plan_load(
        sink, conn, parallel_jobs=o.parallel_jobs, target_endpoints=o.target_endpoints,
        use_public_ip=o.use_public_ip, mode=o.adaptive_parallelism, enable_adaptive=o.enable_adaptive_parallelism,
        maximum=o.adaptive_parallelism_max,
    )  # fmt: skip


def _load(
    ctx: StepContext,
    sink: ImportSink,
    tasks: list[FileTask],
    plan: LoadPlan,
    fallback: bool,
    groups,
    target: Reconnecting,
    policy: LoadPolicy,
    early: indexes.EarlyBuilds | None = None,
) -> None:
    """Load the tasks' pending batches; with ``early``, tables one after another, each table's indexes
    queued there as soon as its last batch is committed."""
    meta = ctx.meta
    disabled: list[FileTask] = []
    of_table = by_table(tasks)
    complete: set[tuple[str, str]] = set()
    complete_lock = threading.Lock()
    with RowProgress(ctx.console, ctx.disable_pb) as progress:
        # one bar per table, shared by the files of its chunks (nine bars all named public.orders said little)
        totals: dict[str, int] = {}
        for t in tasks:
            totals[_bar_label(t)] = totals.get(_bar_label(t), 0) + t.total_rows
        shared = {label: progress.add(label, total) for label, total in totals.items()}
        bars = {t.file_name: shared[_bar_label(t)] for t in tasks}
        for t in tasks:
            progress.advance(bars[t.file_name], sum(b.rows for b in t.batches if b.number in t.done))

        def done(task: FileTask, batch: Batch, outcome: Outcome) -> None:
            meta.mark_batch(task.file_name, batch.number, "DONE", outcome.stashed, outcome.skipped)
            progress.advance(bars[task.file_name], batch.rows)
            if early is None:
                return
            key = (task.schema, task.table)
            with complete_lock:
                if key in complete or any(len(t.done) < len(t.batches) for t in of_table[key]):
                    return
                complete.add(key)
            early.table_loaded(*key)

        def committing(task: FileTask, batch: Batch) -> None:
            meta.mark_batch(task.file_name, batch.number, "COMMITTING")

        loader = DataLoader(
            sink,
            meta.status()["migration_uuid"],
            plan.parallel,
            done,
            disable_triggers_fallback=fallback,
            before_commit=committing,
            policy=policy,
            health=plan.health,
            max_jobs=plan.maximum,
            table_by_table=early is not None,
        )
        controller = None
        if plan.mode != "disabled":
            read, close_reader = metrics_reader(node_connector(sink, plan.health))
            controller = AdaptiveParallelism(
                read, loader.set_allowed, plan.parallel, plan.maximum, plan.mode, say=progress.note
            ).start()
        try:
            if fallback:
                for t in {(t.schema, t.table): t for t in tasks}.values():
                    read = partial(target_tables.firing_triggers, schema=t.schema, table=t.table)
                    states = target.call("reading triggers", read)
                    if not states:
                        continue
                    # recorded before they go off: a killed run leaves them for the next run to put back
                    _record_triggers(meta, t.schema, t.table, states)
                    names = [n for n, _ in states]
                    switch = partial(
                        target_tables.disable_triggers, schema=t.schema, table=t.table, names=names
                    )
                    target.call("disabling triggers", switch)
                    disabled.append(t)
            try:
                loader.run(tasks, groups)
            finally:
                for task, exc in loader.failures:
                    record_error(meta, task.file_name, exc)
        finally:
            if controller is not None:
                controller.stop()
                close_reader()
            loader.close()
            for t in disabled:  # re-enabled even when the load failed
                _restore_triggers(meta, target, t.schema, t.table)


def _recorded_triggers(meta: MetaDB) -> list[dict[str, Any]]:
    return list(meta.status().get("import_disabled_triggers") or [])


def _record_triggers(meta: MetaDB, schema: str, table: str, states: list[tuple[str, str]]) -> None:
    kept = [r for r in _recorded_triggers(meta) if (r["schema"], r["table"]) != (schema, table)]
    entry = {"schema": schema, "table": table, "triggers": [list(s) for s in states]}
    meta.update_status(import_disabled_triggers=[*kept, entry])


def _restore_triggers(meta: MetaDB, target: Reconnecting, schema: str, table: str) -> None:
    """Put the triggers recorded for ``schema.table`` back as they were, then forget them."""
    recorded = _recorded_triggers(meta)
    for r in recorded:
        if (r["schema"], r["table"]) == (schema, table):
            states = [(str(n), str(s)) for n, s in r["triggers"]]
            put_back = partial(target_tables.restore_triggers, schema=schema, table=table, states=states)
            target.call("enabling triggers", put_back)
    kept = [r for r in recorded if (r["schema"], r["table"]) != (schema, table)]
    meta.update_status(import_disabled_triggers=kept)


def _restore_left_disabled(ctx: StepContext, target: Reconnecting) -> None:
    """Triggers an earlier run disabled and was killed before it enabled them again: enabled first."""
    left = _recorded_triggers(ctx.meta)
    for r in left:
        _restore_triggers(ctx.meta, target, r["schema"], r["table"])
    if left:
        names = ", ".join(qualified(r["schema"], r["table"]) for r in left)
        ctx.console.print(f"Triggers an interrupted import had disabled are enabled again on: {names}.")


def _defer_indexes(
    ctx: StepContext,
    wanted: bool | None,
    sink: ImportSink,
    target: Reconnecting,
    tasks: list[FileTask],
    migration_uuid: str,
    policy: LoadPolicy,
) -> int:
    """Drop (and record) the plain indexes of every target table that starts empty; see importer/indexes.py."""
    if not (sink.defer_indexes if wanted is None else wanted):
        return 0
    # a primary key waits for the end of the load only where no policy needs it during the load: rows whose key
    # exists are skipped or replaced (ON CONFLICT) and stash-and-continue finds bad rows by the key's refusal
    primary_key = not (policy.stash or policy.ignore_pk_conflicts or policy.upsert or policy.staging)
    target.call("creating the index ledger", lambda c: indexes.ensure_table(c, sink.ledger_schema))
    started = {(t.schema, t.table) for t in tasks if t.done}
    # a table with nothing left to load (an empty one, on every re-run) keeps its indexes: nothing to gain
    to_load = {(t.schema, t.table) for t in tasks if len(t.done) < len(t.batches)}
    count = 0

    def defer(conn: psycopg.Connection, schema: str, table: str) -> int:
        if target_tables.has_rows(conn, schema, table):
            return 0
        return indexes.defer(conn, sink.ledger_schema, migration_uuid, schema, table, primary_key)

    for schema, table in sorted(to_load - started):
        # one transaction per table: a retry after a lost connection finds the indexes dropped or not
        count += target.call(
            f"deferring the indexes of {schema}.{table}", partial(defer, schema=schema, table=table)
        )
    if count:
        ctx.console.print(
            f"{count} index(es) are dropped for the load and built again after it (faster than maintaining them row by row)"
            + (
                ": primary keys too, where nothing depends on them (a duplicate key is reported when its key is built)."
                if primary_key
                else "."
            )
        )
    return count


def _rebuild_indexes(
    ctx: StepContext, sink: ImportSink, migration_uuid: str, parallel: int, deferred: int, built_early: int,
    start: float,
) -> None:  # fmt: skip
    try:
        built = indexes.rebuild(
            lambda: sink.connect(autocommit=True), sink.ledger_schema, migration_uuid, parallel
        )
    except Exception as exc:
        # the rows are in but a key or index is not: import data status shows those tables FAILED, not DONE
        reason = exc.message if isinstance(exc, TransshipError) else str(exc).strip().split("\n")[0]
        with contextlib.suppress(psycopg.Error), sink.connect(autocommit=True) as conn:
            waiting = indexes.waiting_tables(conn, sink.ledger_schema, migration_uuid)
            ctx.meta.update_status(import_index_failures={qualified(s, t): reason for s, t in waiting})
        raise
    ctx.meta.update_status(import_index_failures={})
    if built or deferred or built_early:
        ctx.console.print(
            f"Built {built + built_early} index(es) after the load: {built_early} as soon as their table was"
            f" loaded, while the next tables loaded; done {time.monotonic() - start:.1f} s after the last batch."
            if built_early
            else f"Built {built} index(es) after the load in {time.monotonic() - start:.1f} s."
        )


def _bar_label(task: FileTask) -> str:
    """``schema.table``, plus the source table when it differs (a leaf partition loaded through its root)."""
    return task.label if task.source in ("", task.table) else f"{task.label} ({task.source})"


def _verify_counts(tasks: list[FileTask]) -> None:
    for t in tasks:
        loaded = sum(b.rows for b in t.batches if b.number in t.done)
        if loaded != t.total_rows or len(t.done) != len(t.batches):
            raise ImportFailed(
                f"{t.label}: {loaded:,} of {t.total_rows:,} rows imported",
                fix="re-run import data to finish the remaining batches",
            )


def _restore_sequences(ctx: StepContext, conn: psycopg.Connection) -> None:
    schema_override = target_schema_for(ctx)
    missing = []
    restored = 0
    for schema, name, value, called in ctx.meta.recorded_sequences():
        absent = target_tables.restore_sequence(conn, schema_override or schema, name, value, called)
        if absent is not None:
            missing.append(absent)
            continue
        restored += 1
    ctx.console.print(f"Restored {restored} sequence(s) to their source values.")
    if missing:
        ctx.console.print(
            f"WARNING: sequence(s) not on the target, not restored: {', '.join(missing)} (create them, then re-run import data)"
        )
