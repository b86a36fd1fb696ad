"""``import data``: load every exported data file into the target, exactly once, resumable."""

from __future__ import annotations

import json
import os
import time
from graphlib import CycleError, TopologicalSorter

import psycopg
from psycopg import sql

from transship.cli.options import Run
from transship.commands.common import print_table
from transship.commands.export_data import check_patterns_matched, make_filter, table_patterns
from transship.commands.target import open_target, target_schema_for
from transship.errors import ConfigError, ExportDirError, ImportFailed
from transship.identifiers import qualified
from transship.importer import indexes
from transship.importer.batches import Batch, check_file, plan_batches
from transship.importer.data import DataLoader, FileTask
from transship.importer.ledger import committed_batches, ensure_ledger, forget
from transship.progress import RowProgress
from transship.sinks.base import ImportSink

DEFAULT_MAX_BATCH_BYTES = 200 * 1024 * 1024


def _batch_size(run: Run, sink: ImportSink) -> int:
    value = run.params.get("batch_size")
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


def run(run: Run) -> None:
    p = run.params
    ed = run.export_dir
    meta = run.meta
    status = meta.status()
    if not status.get("export_data_done"):
        raise ExportDirError(
            f"export data has not finished in {ed.root}",
            fix="run 'transship export data' (to completion) first",
        )
    if p.get("truncate_tables") and not p.get("start_clean"):
        raise ConfigError("--truncate-tables works only with --start-clean", fix="add --start-clean true")
    sink, conn = open_target(run)
    batch_size = _batch_size(run, sink)
    max_bytes = _max_batch_bytes()
    migration_uuid = status["migration_uuid"]
    with conn:
        tasks = _tasks(run, conn)
        if not tasks:
            run.console.print("No exported tables to import.")
            return
        if p.get("start_clean"):
            _start_clean(run, conn, sink, tasks, migration_uuid)
        ensure_ledger(conn, sink.ledger_schema)
        committed = committed_batches(conn, sink.ledger_schema, migration_uuid)
        _plan(run, tasks, batch_size, max_bytes, committed)
        fallback = not _replica_role_allowed(conn)
        parallel = int(p.get("parallel_jobs") or sink.default_parallel_jobs(conn))
        resumed = sum(len(t.done) for t in tasks)
        pending = sum(len(t.batches) - len(t.done) for t in tasks)
        verb = "Resuming import of" if resumed else "Importing"
        run.console.print(
            f"{verb} {len(tasks)} data file(s) into {sink.name} ({sink.config.describe()}): {pending} batch(es) of up to {batch_size:,} rows on {parallel} connection(s)"
            + (f"; {resumed} batch(es) already committed" if resumed else "")
        )
        meta.update_status(import_data_started=True)
        groups = None
        if fallback:
            run.console.print(
                "NOTE: the target user may not SET session_replication_role (needs superuser, or on PostgreSQL 15+: "
                "GRANT SET ON PARAMETER session_replication_role TO <user>). Loading with user triggers disabled per table "
                "and foreign keys checked: tables go parent-first (see docs/import-data.md)."
            )
            groups = _fk_groups(conn, tasks)
        deferred = _defer_indexes(run, sink, conn, tasks, migration_uuid)
        _load(run, sink, tasks, parallel, fallback, groups, conn)
        _verify_counts(run, tasks)
        _rebuild_indexes(run, sink, migration_uuid, parallel, deferred)
        all_done = not meta.query(
            "SELECT 1 FROM export_tables et LEFT JOIN import_files f ON f.file_name = et.file_name WHERE f.file_name IS NULL AND et.exported_rows > 0"
        )
        if all_done:
            _restore_sequences(run, conn)
    meta.update_status(import_data_done=all_done)
    per_table: dict[tuple[str, str], int] = {}
    for t in tasks:
        per_table[(t.schema, t.table)] = per_table.get((t.schema, t.table), 0) + sum(
            b.rows for b in t.batches
        )
    rows = [[s, n, f"{count:,}"] for (s, n), count in sorted(per_table.items())]
    print_table(run, "snapshot import report", ["SCHEMA", "TABLE", "IMPORTED ROW COUNT"], rows)
    run.console.print(
        "Import data complete."
        + (
            ""
            if all_done
            else " (Some exported tables were left out by --table-list/--exclude-table-list and are not imported yet.)"
        )
    )


def _tasks(run: Run, conn: psycopg.Connection) -> list[FileTask]:
    include, exclude = table_patterns(run)
    accept = make_filter(include, exclude)
    rows = run.meta.query("SELECT * FROM export_tables WHERE status = 'DONE' ORDER BY file_name")
    check_patterns_matched(
        include,
        [(r["source_schema"], r["source_name"]) for r in rows]
        + [(r["target_schema"] or "", r["target_name"]) for r in rows],
        "the exported data",
    )
    schema_override = target_schema_for(run)
    tasks: list[FileTask] = []
    for r in rows:
        if not (
            accept(r["source_schema"], r["source_name"])
            or accept(r["target_schema"] or r["source_schema"], r["target_name"])
        ):
            continue
        schema = schema_override or r["target_schema"]
        tasks.append(
            FileTask(
                r["file_name"],
                run.export_dir.data / r["file_name"],
                schema,
                r["target_name"],
                json.loads(r["columns"]),
                [],
                set(),
                int(r["exported_rows"]),
                f"{r['file_name']}@{r['checksum']}",
            )
        )
    _check_targets(conn, tasks)
    return tasks


def _check_targets(conn: psycopg.Connection, tasks: list[FileTask]) -> None:
    missing: list[str] = []
    bad_columns: list[str] = []
    for t in tasks:
        name = sql.Identifier(t.schema, t.table).as_string(conn)
        oid = conn.execute("SELECT to_regclass(%s)::oid", (name,)).fetchone()[0]  # type: ignore[index]
        if oid is None:
            missing.append(qualified(t.schema, t.table))
            continue
        cols = {
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped",
                (oid,),
            ).fetchall()
        }
        absent = [c for c in t.columns if c not in cols]
        if absent:
            bad_columns.append(f"{qualified(t.schema, t.table)} ({', '.join(absent)})")
    if missing:
        raise ImportFailed(
            f"the target lacks table(s): {', '.join(missing)}",
            fix="run 'transship import schema' first, create them, or leave them out with --exclude-table-list",
        )
    if bad_columns:
        raise ImportFailed(
            f"target table(s) lack exported column(s): {'; '.join(bad_columns)}",
            fix="add the columns on the target (or re-run import schema)",
        )


def _start_clean(
    run: Run, conn: psycopg.Connection, sink: ImportSink, tasks: list[FileTask], migration_uuid: str
) -> None:
    tables = sorted({(t.schema, t.table) for t in tasks})
    nonempty = [
        qualified(s, n)
        for s, n in tables
        if conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(s, n))).fetchone()
        == (True,)
    ]
    if run.params.get("truncate_tables"):
        if tables:
            conn.execute(
                sql.SQL("TRUNCATE TABLE {}").format(
                    sql.SQL(", ").join(sql.Identifier(s, n) for s, n in tables)
                )
            )
    elif nonempty and not run.confirm(
        f"Target tables already hold rows ({', '.join(nonempty[:5])}{'...' if len(nonempty) > 5 else ''}). Start afresh without truncating them?"
    ):
        raise ConfigError(
            f"--start-clean: target tables already hold rows: {', '.join(nonempty)}",
            fix="add --truncate-tables true to empty them first, or --yes to load on top of them",
        )
    ledger_exists = conn.execute(
        "SELECT to_regclass(%s)", (f"{sink.ledger_schema}.import_batches",)
    ).fetchone()[0]  # type: ignore[index]
    files = [t.file_name for t in tasks]
    if ledger_exists:
        forget(conn, sink.ledger_schema, migration_uuid, files)
    with run.meta.tx() as db:
        for f in files:
            db.execute("DELETE FROM import_batches WHERE file_name = ?", (f,))
            db.execute("DELETE FROM import_files WHERE file_name = ?", (f,))
    run.console.print(
        f"Start clean: forgot earlier import progress for {len(files)} table(s)"
        + (" and truncated them." if run.params.get("truncate_tables") else ".")
    )


def _plan(
    run: Run,
    tasks: list[FileTask],
    batch_size: int,
    max_bytes: int,
    committed: dict[str, dict[int, tuple[int, int, int]]],
) -> None:
    meta = run.meta
    exported = {
        r["file_name"]: r
        for r in meta.query(
            "SELECT file_name, exported_rows, byte_size, checksum, source_schema, source_name FROM export_tables"
        )
    }
    for t in tasks:
        e = exported[t.file_name]
        refix = (
            f"re-export it: transship export data --start-clean true (or restore {t.path.name} from a backup)"
        )
        check_file(t.path, int(e["byte_size"]), refix)
        stored = meta.query(
            "SELECT batch_number, start_offset, end_offset, row_count FROM import_batches WHERE file_name = ? ORDER BY batch_number",
            (t.file_name,),
        )
        info = meta.query("SELECT batch_size FROM import_files WHERE file_name = ?", (t.file_name,))
        if stored and info:
            batches = []
            line = 1
            for b in stored:
                batches.append(Batch(b[0], b[1], b[2], b[3], line))
                line += b[3]
            if info[0][0] != batch_size and not run.ctx_param_is_default("batch_size"):
                run.console.print(
                    f"NOTE: {t.label} keeps its original batches of {info[0][0]:,} rows (import had started); --batch-size applies to new tables."
                )
        else:
            batches = plan_batches(
                t.path, batch_size, max_bytes, int(e["exported_rows"]), e["checksum"], refix
            )
            with meta.tx() as db:
                db.execute("INSERT OR REPLACE INTO import_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (t.file_name, t.schema, t.table, batch_size, max_bytes, int(e["exported_rows"]), len(batches), int(e["byte_size"])))  # fmt: skip
                db.executemany("INSERT OR REPLACE INTO import_batches VALUES (?, ?, ?, ?, ?, 'PENDING')",
                               [(t.file_name, b.number, b.start, b.end, b.rows) for b in batches])  # fmt: skip
        t.batches = batches
        earlier = [key for key in committed if key.split("@", 1)[0] == t.file_name and key != t.ledger_key]
        if earlier and not committed.get(t.ledger_key):
            raise ImportFailed(
                f"{t.label}: {t.file_name} was exported again after part of an earlier export of it was imported",
                fix="re-run import data with --start-clean true --truncate-tables true (the target holds rows of the earlier export)",
            )
        done = committed.get(t.ledger_key, {})
        plan = {b.number: (b.rows, b.start, b.end) for b in batches}
        stale = [n for n, v in done.items() if plan.get(n) != v]
        if stale:
            raise ImportFailed(
                f"the target's ledger for {t.file_name} does not match the local import state (batches {stale[:5]})",
                fix="the export dir's metainfo was replaced or the file re-exported: re-run import data with --start-clean true --truncate-tables true",
            )
        t.done = set(done)
        with meta.tx() as db:
            db.execute("UPDATE import_batches SET status = 'PENDING' WHERE file_name = ?", (t.file_name,))
            db.executemany(
                "UPDATE import_batches SET status = 'DONE' WHERE file_name = ? AND batch_number = ?",
                [(t.file_name, n) for n in done],
            )


def _replica_role_allowed(conn: psycopg.Connection) -> bool:
    try:
        conn.execute("SET session_replication_role TO replica")
        conn.execute("RESET session_replication_role")
        return True
    except psycopg.errors.InsufficientPrivilege:
        return False


def _fk_groups(conn: psycopg.Connection, tasks: list[FileTask]) -> list[list[FileTask]]:
    """Tables in foreign-key order (parents first), for targets where FK checks cannot be switched off."""
    by_table: dict[tuple[str, str], list[FileTask]] = {}
    for t in tasks:  # leaf partitions of one table share its key
        by_table.setdefault((t.schema, t.table), []).append(t)
    graph: dict[tuple[str, str], set[tuple[str, str]]] = {k: set() for k in by_table}
    rows = conn.execute(
        "SELECT cn.nspname, c.relname, pn.nspname, p.relname FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace "
        "JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE k.contype = 'f'"
    ).fetchall()
    for cs, ct, ps, pt in rows:
        if (cs, ct) in graph and (ps, pt) in graph and (cs, ct) != (ps, pt):
            graph[(cs, ct)].add((ps, pt))
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError:
        raise ImportFailed(
            "foreign keys between the target tables form a cycle, so they cannot be loaded parent-first without disabling FK checks",
            fix="let the import user SET session_replication_role (superuser, or GRANT SET ON PARAMETER session_replication_role)",
        ) from None
    return [by_table[k] for k in order]


def _load(
    run: Run, sink: ImportSink, tasks: list[FileTask], parallel: int, fallback: bool, groups, conn
) -> None:
    meta = run.meta
    disabled: list[FileTask] = []
    with RowProgress(run.console, run.disable_pb) as progress:
        bars = {t.file_name: progress.add(_bar_label(t), t.total_rows) for t in tasks}
        for t in tasks:
            progress.advance(bars[t.file_name], sum(b.rows for b in t.batches if b.number in t.done))

        def done(task: FileTask, batch: Batch) -> None:
            meta.execute(
                "UPDATE import_batches SET status = 'DONE' WHERE file_name = ? AND batch_number = ?",
                (task.file_name, batch.number),
            )
            progress.advance(bars[task.file_name], batch.rows)

        def committing(task: FileTask, batch: Batch) -> None:
            meta.execute(
                "UPDATE import_batches SET status = 'COMMITTING' WHERE file_name = ? AND batch_number = ?",
                (task.file_name, batch.number),
            )

        loader = DataLoader(
            sink,
            meta.status()["migration_uuid"],
            parallel,
            done,
            disable_triggers_fallback=fallback,
            before_commit=committing,
        )
        try:
            if fallback:
                for t in {(t.schema, t.table): t for t in tasks}.values():
                    conn.execute(
                        sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(
                            sql.Identifier(t.schema, t.table)
                        )
                    )
                    disabled.append(t)
            loader.run(tasks, groups)
        finally:
            loader.close()
            for t in disabled:  # re-enabled even when the load failed
                conn.execute(
                    sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(t.schema, t.table))
                )


def _defer_indexes(
    run: Run, sink: ImportSink, conn: psycopg.Connection, tasks: list[FileTask], migration_uuid: str
) -> int:
    """Drop (and record) the plain indexes of every target table that starts empty; see importer/indexes.py."""
    wanted = run.params.get("defer_index_creation")
    if not (sink.defer_indexes if wanted is None else wanted):
        return 0
    indexes.ensure_table(conn, sink.ledger_schema)
    started = {(t.schema, t.table) for t in tasks if t.done}
    count = 0
    for schema, table in sorted({(t.schema, t.table) for t in tasks} - started):
        empty = conn.execute(
            sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(schema, table))
        ).fetchone()
        if empty == (True,):
            count += indexes.defer(conn, sink.ledger_schema, migration_uuid, schema, table)
    if count:
        run.console.print(
            f"{count} secondary index(es) are dropped for the load and built again after it (faster than maintaining them row by row)."
        )
    return count


def _rebuild_indexes(run: Run, sink: ImportSink, migration_uuid: str, parallel: int, deferred: int) -> None:
    start = time.monotonic()
    built = indexes.rebuild(
        lambda: sink.connect(autocommit=True), sink.ledger_schema, migration_uuid, parallel
    )
    if built or deferred:
        run.console.print(f"Built {built} index(es) after the load in {time.monotonic() - start:.1f} s.")


def _bar_label(task: FileTask) -> str:
    """``schema.table``, plus the source table when it differs (a leaf partition loaded through its root)."""
    source = task.file_name.removesuffix("_data.sql").rsplit(".", 1)[-1]
    return task.label if source == task.table else f"{task.label} ({source})"


def _verify_counts(run: Run, tasks: list[FileTask]) -> None:
    for t in tasks:
        loaded = sum(b.rows for b in t.batches if b.number in t.done)
        if loaded != t.total_rows or len(t.done) != len(t.batches):
            raise ImportFailed(
                f"{t.label}: {loaded:,} of {t.total_rows:,} rows imported",
                fix="re-run import data to finish the remaining batches",
            )


def _restore_sequences(run: Run, conn: psycopg.Connection) -> None:
    schema_override = target_schema_for(run)
    missing = []
    restored = 0
    for s in run.meta.query("SELECT source_schema, name, last_value, is_called FROM sequences ORDER BY 1, 2"):
        schema = schema_override or s[0]
        name = (
            sql.Identifier(schema, s[1]).as_string(conn) if schema else sql.Identifier(s[1]).as_string(conn)
        )
        oid = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0]  # type: ignore[index]
        if oid is None:
            missing.append(name)
            continue
        conn.execute("SELECT pg_catalog.setval(%s::regclass, %s, %s)", (name, int(s[2]), bool(s[3])))
        restored += 1
    run.console.print(f"Restored {restored} sequence(s) to their source values.")
    if missing:
        run.console.print(
            f"WARNING: sequence(s) not on the target, not restored: {', '.join(missing)} (create them, then re-run import data)"
        )
