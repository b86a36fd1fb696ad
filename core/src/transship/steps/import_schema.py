"""``import schema`` and ``finalize-schema-post-data-import``.

On a cluster target both go on on another node when the one running their statements fails
(:mod:`transship.importer.ddl_failover`); the summary says so, and names the statements found already applied.
"""

from __future__ import annotations

import re

import psycopg

from transship.errors import ConfigError, ExportDirError, ImportFailed
from transship.identifiers import qualified
from transship.importer import indexes, target_schemas
from transship.importer.ddl_failover import DdlFailover
from transship.importer.fk_order import foreign_keys
from transship.importer.schema import SchemaImporter, SchemaImportResult, is_not_valid_constraint
from transship.schema_files import (
    FAILED_FILE,
    IMPORT_ORDER,
    OBJECT_FILES,
    SchemaStatement,
    existing_object_types,
    read_schema_files,
)
from transship.selection import object_type_list
from transship.sinks.base import ImportSink
from transship.sqlsplit import split_sql
from transship.steps.common import print_table
from transship.steps.context import StepContext
from transship.steps.options import FinalizeOptions, ImportSchemaOptions
from transship.steps.target import open_target, target_schema_for

_MVIEW = re.compile(
    r"^CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:\"(?:[^\"]|\"\")*\"|[\w$]+)(?:\.(?:\"(?:[^\"]|\"\")*\"|[\w$]+))?)",
    re.I,
)


def _importer(
    ctx: StepContext,
    sink: ImportSink,
    conn: psycopg.Connection,
    o: ImportSchemaOptions | FinalizeOptions,
    command: str,
) -> SchemaImporter:
    search_path = None
    schema = target_schema_for(ctx)
    if schema:
        search_path = target_schemas.use_schema(conn, schema)
    return SchemaImporter(
        conn=conn,
        ignore_exist=o.ignore_exist,
        continue_on_error=o.continue_on_error,
        schema_dir=ctx.export_dir.schema,
        search_path=search_path,
        failover=DdlFailover.for_target(sink, conn, command),  # None unless the target is a cluster
        replica_identity=sink.replica_identity,
    )


def _check_exported(ctx: StepContext) -> None:
    if not ctx.meta.status().get("export_schema_done") or not ctx.export_dir.schema.is_dir():
        raise ExportDirError(
            f"no exported schema in {ctx.export_dir.schema}",
            fix="run 'transship export schema' with this --export-dir first",
        )


def run(ctx: StepContext, o: ImportSchemaOptions) -> None:
    """Apply the schema files to the target in dependency order (``post_snapshot_import``: finalize instead)."""
    if o.post_snapshot_import:
        finalize(
            ctx,
            FinalizeOptions(
                refresh_mviews=o.refresh_mviews,
                continue_on_error=o.continue_on_error,
                ignore_exist=o.ignore_exist,
            ),
        )
        return
    if o.refresh_mviews:
        raise ConfigError(
            "--refresh-mviews needs --post-snapshot-import true",
            fix="use finalize-schema-post-data-import --refresh-mviews",
        )
    _check_exported(ctx)
    if o.object_types and o.exclude_object_types:
        raise ConfigError(
            "--object-type-list and --exclude-object-type-list exclude each other",
            fix="pass only one of them",
        )
    wanted = object_type_list(o.object_types, "--object-type-list")
    excluded = set(object_type_list(o.exclude_object_types, "--exclude-object-type-list") or [])
    types = existing_object_types(ctx.export_dir.schema)
    if wanted:
        order = wanted if o.straight_order else [t for t in IMPORT_ORDER if t in wanted]
        types = [t for t in order if t in types]
    types = [t for t in types if t not in excluded]
    sink, conn = open_target(ctx)
    with conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        ctx.console.print(f"Importing schema into {sink.name} {version} ({sink.config.describe()})")
        # the files are read before --start-clean drops anything: an unreadable one stops with the target intact
        statements = read_schema_files(ctx.export_dir.schema, types)
        if o.start_clean:
            _start_clean(ctx, conn)
        if (ctx.export_dir.schema / OBJECT_FILES["UNCATEGORIZED"]).is_file():
            ctx.console.print(
                "IMPORTANT NOTE: schema/uncategorized.sql holds objects of unknown type: review and import them by hand."
            )
        importer = _importer(ctx, sink, conn, o, "import schema")
        # failed.sql describes this run only (finalize appends its own failures to it)
        (ctx.export_dir.schema / FAILED_FILE).unlink(missing_ok=True)
        try:
            result = importer.run(statements, mode="schema")
        finally:
            importer.conn.close()  # another node's, after a failover
    ctx.meta.update_status(import_schema_done=True)
    _report(ctx, result, "Schema import", importer)
    if result.held_back:
        ctx.console.print(
            f"{result.held_back} NOT VALID constraint(s) held back: run finalize-schema-post-data-import after import data."
        )


def _start_clean(ctx: StepContext, conn: psycopg.Connection) -> None:
    schema = target_schema_for(ctx)
    if schema:
        schemas = [schema]
    else:
        conf = ctx.meta.status().get("source_conf") or {}
        schemas = [s.strip() for s in (conf.get("schema") or "public").split(",") if s.strip()]
    existing = target_schemas.existing(conn, schemas)
    if existing and not ctx.confirm(
        f"Drop schema(s) {', '.join(existing)} on the target with everything in them (CASCADE)?"
    ):
        raise ConfigError(
            "--start-clean would drop target schemas and no confirmation was given",
            fix="re-run with --yes to confirm",
        )
    target_schemas.check_may_drop(conn, existing)
    target_schemas.drop(conn, existing)
    ctx.console.print(f"Dropped target schema(s): {', '.join(existing) or '(none existed)'}")


def finalize(ctx: StepContext, o: FinalizeOptions) -> None:
    """Add NOT VALID constraints (then optionally refresh materialized views)."""
    _check_exported(ctx)
    sink, conn = open_target(ctx)
    with conn:
        importer = _importer(ctx, sink, conn, o, "finalize-schema-post-data-import")
        statements = read_schema_files(ctx.export_dir.schema, ["TABLE", "PARTITION"])
        _check_keys_built(ctx, sink, conn, statements)
        try:
            result = importer.run(statements, mode="post-snapshot")
            _report(ctx, result, "Post-snapshot import (NOT VALID constraints)", importer)
            if o.refresh_mviews:
                _refresh_mviews(ctx, importer.conn, importer.search_path)
        finally:
            importer.conn.close()  # another node's, after a failover
    ctx.meta.update_status(finalize_done=True)


def _check_keys_built(
    ctx: StepContext, sink: ImportSink, conn: psycopg.Connection, statements: list[SchemaStatement]
) -> None:
    """A foreign key finalize adds must find the primary key it references: import data drops a primary key that
    no foreign key references yet for the load (the NOT VALID ones wait for finalize) and builds it after it."""
    migration_uuid = ctx.meta.status().get("migration_uuid")
    waiting = indexes.waiting_primary_keys(conn, sink.ledger_schema, migration_uuid) if migration_uuid else []
    if not waiting:
        return
    schema = target_schema_for(ctx)
    referenced = {
        fk.table[1]
        for st in statements
        if is_not_valid_constraint(st.statement.body)
        for fk in foreign_keys(st.statement.body)
    }
    needed = [(s, t, n) for s, t, n in waiting if t in referenced]
    if needed:
        names = ", ".join(f"{n} of {qualified(schema or s, t)}" for s, t, n in needed)
        raise ImportFailed(
            f"the primary key(s) {names}, dropped by import data for the load, are not built yet, and foreign keys"
            " to be added now reference them",
            fix="re-run import data to the end (it resumes and builds them), then finalize-schema-post-data-import",
        )


def _refresh_mviews(ctx: StepContext, conn: psycopg.Connection, search_path: str | None) -> None:
    path = ctx.export_dir.schema / OBJECT_FILES["MVIEW"]
    if not path.is_file():
        ctx.console.print("No materialized views to refresh.")
        return
    names = [m.group(1) for st in split_sql(path.read_text(encoding="utf-8")) if (m := _MVIEW.match(st.body))]
    refreshed = target_schemas.refresh_mviews(conn, names, search_path)
    ctx.console.print(f"Refreshed {len(refreshed)} materialized view(s): {', '.join(refreshed)}")


def _report(ctx: StepContext, result: SchemaImportResult, title: str, importer: SchemaImporter) -> None:
    rows = [[t, n] for t, n in result.by_type.items()]
    if rows:
        print_table(ctx, title, ["OBJECT TYPE", "STATEMENTS APPLIED"], rows)
    for event in importer.failover.events if importer.failover else []:
        ctx.console.print(f"NOTE: {event}.")
    if result.skipped_replica_identity:
        ctx.console.print(
            f"NOTE: {len(result.skipped_replica_identity)} REPLICA IDENTITY statement(s) not applied, this target does"
            f" not take them: {', '.join(result.skipped_replica_identity)}."
        )
    parts = [f"{result.applied} applied"]
    if result.found_applied:
        parts[0] += (
            f" ({len(result.found_applied)} of them found already applied after the node running it failed:"
            f" {', '.join(result.found_applied)})"
        )
    if result.already_existed:
        parts.append(f"{result.already_existed} already existed")
    if result.failed:
        parts.append(f"{len(result.failed)} failed (see schema/failed.sql)")
    ctx.console.print(f"{title}: " + ", ".join(parts) + ".")
