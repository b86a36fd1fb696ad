"""``import schema`` and ``finalize-schema-post-data-import``."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from transship.cli.options import Run
from transship.commands.common import print_table
from transship.commands.target import open_target, target_schema_for
from transship.errors import ConfigError, ExportDirError, ImportFailed
from transship.importer.schema import SchemaImporter, SchemaImportResult
from transship.schema_files import (
    FAILED_FILE,
    IMPORT_ORDER,
    OBJECT_FILES,
    existing_object_types,
    read_schema_files,
)
from transship.selection import object_type_list
from transship.sqlsplit import split_sql

_MVIEW = re.compile(
    r"^CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:\"(?:[^\"]|\"\")*\"|[\w$]+)(?:\.(?:\"(?:[^\"]|\"\")*\"|[\w$]+))?)",
    re.I,
)


def _importer(run: Run, conn: psycopg.Connection) -> SchemaImporter:
    p = run.params
    search_path = None
    schema = target_schema_for(run)
    if schema:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        search_path = sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)).as_string(conn)
    return SchemaImporter(
        conn=conn,
        ignore_exist=bool(p.get("ignore_exist")),
        continue_on_error=bool(p.get("continue_on_error")),
        schema_dir=run.export_dir.schema,
        search_path=search_path,
    )


def _check_exported(run: Run) -> None:
    if not run.meta.status().get("export_schema_done") or not run.export_dir.schema.is_dir():
        raise ExportDirError(
            f"no exported schema in {run.export_dir.schema}",
            fix="run 'transship export schema' with this --export-dir first",
        )


def run(run: Run) -> None:
    p = run.params
    if p.get("post_snapshot_import"):
        finalize(run)
        return
    if p.get("refresh_mviews"):
        raise ConfigError(
            "--refresh-mviews needs --post-snapshot-import true",
            fix="use finalize-schema-post-data-import --refresh-mviews",
        )
    _check_exported(run)
    if p.get("object_type_list") and p.get("exclude_object_type_list"):
        raise ConfigError(
            "--object-type-list and --exclude-object-type-list exclude each other",
            fix="pass only one of them",
        )
    wanted = object_type_list(p.get("object_type_list"), "--object-type-list")
    excluded = set(object_type_list(p.get("exclude_object_type_list"), "--exclude-object-type-list") or [])
    types = existing_object_types(run.export_dir.schema)
    if wanted:
        order = wanted if p.get("straight_order") else [t for t in IMPORT_ORDER if t in wanted]
        types = [t for t in order if t in types]
    types = [t for t in types if t not in excluded]
    sink, conn = open_target(run)
    with conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        run.console.print(f"Importing schema into {sink.name} {version} ({sink.config.describe()})")
        # the files are read before --start-clean drops anything: an unreadable one stops with the target intact
        statements = read_schema_files(run.export_dir.schema, types)
        if p.get("start_clean"):
            _start_clean(run, conn)
        if (run.export_dir.schema / OBJECT_FILES["UNCATEGORIZED"]).is_file():
            run.console.print(
                "IMPORTANT NOTE: schema/uncategorized.sql holds objects of unknown type: review and import them by hand."
            )
        importer = _importer(run, conn)
        # failed.sql describes this run only (finalize appends its own failures to it)
        (run.export_dir.schema / FAILED_FILE).unlink(missing_ok=True)
        result = importer.run(statements, mode="schema")
    run.meta.update_status(import_schema_done=True)
    _report(run, result, "Schema import")
    if result.held_back:
        run.console.print(
            f"{result.held_back} NOT VALID constraint(s) held back: run finalize-schema-post-data-import after import data."
        )


def _start_clean(run: Run, conn: psycopg.Connection) -> None:
    schema = target_schema_for(run)
    if schema:
        schemas = [schema]
    else:
        conf = run.meta.status().get("source_conf") or {}
        schemas = [s.strip() for s in (conf.get("schema") or "public").split(",") if s.strip()]
    existing = [
        r[0]
        for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", (schemas,)
        ).fetchall()
    ]
    if existing and not run.confirm(
        f"Drop schema(s) {', '.join(existing)} on the target with everything in them (CASCADE)?"
    ):
        raise ConfigError(
            "--start-clean would drop target schemas and no confirmation was given",
            fix="re-run with --yes to confirm",
        )
    _check_may_drop(run, conn, existing)
    with conn.transaction():  # all of them or none
        for s in existing:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(s)))
            if s == "public":
                conn.execute("CREATE SCHEMA public")
    run.console.print(f"Dropped target schema(s): {', '.join(existing) or '(none existed)'}")


def _check_may_drop(run: Run, conn: psycopg.Connection, schemas: list[str]) -> None:
    """Refuse --start-clean before dropping anything when the target user could not drop every schema (only
    its owner or a superuser may) or could not create them again (CREATE on the database)."""
    if not schemas:
        return
    user, may_create = conn.execute(
        "SELECT current_user, has_database_privilege(current_database(), 'CREATE')"
    ).fetchone()  # type: ignore[misc]
    not_owned = [
        r[0]
        for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) AND NOT pg_has_role(current_user, nspowner, 'USAGE')"
            " ORDER BY nspname",
            (schemas,),
        ).fetchall()
    ]
    if not_owned:
        raise ImportFailed(
            f"--start-clean: target user {user} may not drop schema(s) {', '.join(not_owned)} (only their owner or a superuser may); nothing was dropped",
            fix="run import schema --start-clean as the schemas' owner, or drop them by hand and re-run without --start-clean",
        )
    if not may_create:
        raise ImportFailed(
            f"--start-clean: target user {user} lacks CREATE on the target database, so the dropped schemas could not be created again; nothing was dropped",
            fix="GRANT CREATE ON DATABASE <target db> TO the target user, then re-run",
        )


def finalize(run: Run) -> None:
    """Add NOT VALID constraints (then optionally refresh materialized views)."""
    _check_exported(run)
    sink, conn = open_target(run)
    with conn:
        importer = _importer(run, conn)
        statements = read_schema_files(run.export_dir.schema, ["TABLE", "PARTITION"])
        result = importer.run(statements, mode="post-snapshot")
        _report(run, result, "Post-snapshot import (NOT VALID constraints)")
        if run.params.get("refresh_mviews"):
            _refresh_mviews(run, conn, importer.search_path)
    run.meta.update_status(finalize_done=True)


def _refresh_mviews(run: Run, conn: psycopg.Connection, search_path: str | None) -> None:
    path = run.export_dir.schema / OBJECT_FILES["MVIEW"]
    if not path.is_file():
        run.console.print("No materialized views to refresh.")
        return
    if search_path:
        conn.execute(search_path)
    names = []
    for st in split_sql(path.read_text(encoding="utf-8")):
        m = _MVIEW.match(st.body)
        if m:
            names.append(m.group(1))
    pending = names
    refreshed: list[str] = []
    while pending:
        retry = []
        for name in pending:
            try:
                conn.execute(
                    f"REFRESH MATERIALIZED VIEW {name}"
                )  # name is an identifier as written in the exported DDL
                refreshed.append(name)
            except psycopg.Error as exc:
                message = exc.diag.message_primary or str(exc)
                if "has not been populated" in message:
                    retry.append(name)
                    continue
                raise ImportFailed(
                    f"REFRESH MATERIALIZED VIEW {name} failed: {message}",
                    fix="fix the view or its data, then re-run with --refresh-mviews",
                ) from None
        if len(retry) == len(pending):
            raise ImportFailed(
                f"materialized views could not be refreshed: {', '.join(retry)}",
                fix="refresh them by hand in dependency order",
            )
        pending = retry
    run.console.print(f"Refreshed {len(refreshed)} materialized view(s): {', '.join(refreshed)}")


def _report(run: Run, result: SchemaImportResult, title: str) -> None:
    rows = [[t, n] for t, n in result.by_type.items()]
    if rows:
        print_table(run, title, ["OBJECT TYPE", "STATEMENTS APPLIED"], rows)
    parts = [f"{result.applied} applied"]
    if result.already_existed:
        parts.append(f"{result.already_existed} already existed")
    if result.failed:
        parts.append(f"{len(result.failed)} failed (see schema/failed.sql)")
    run.console.print(f"{title}: " + ", ".join(parts) + ".")
