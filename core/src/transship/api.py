"""The engine as a library: each step of the offline workflow as a function over plain dataclasses.

An orchestrator, a notebook or a test migrates without the CLI::

    from transship import api
    from transship.dbconfig import DBConfig

    m = api.Migration("/srv/mig", source=DBConfig(db_type="mysql", host="db1", user="app", name="shop"),
                      target=DBConfig(host="pg1", user="postgres", name="shop"))
    api.export_schema(m)
    api.import_schema(m)
    api.export_data(m)
    api.import_data(m, api.ImportDataOptions(parallel_jobs=4))
    api.finalize_schema(m)
    result = api.verify(m)
    assert result.ok, result.error

Every step runs exactly as its command does (same defaults, checks, state, resume, lock, log file under
``logs/``), but raises :class:`~transship.errors.TransshipError` instead of exiting, never prompts (passwords
come from :attr:`Migration.passwords`, a callback, or nowhere), shows no progress bars, and writes its text to
:attr:`Migration.out` (default: kept in :attr:`StepResult.output`). Options not named by a dataclass field are
passed by their CLI flag's parameter name in ``extra`` (``{"on_primary_key_conflict": "IGNORE"}``).
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from transship import credentials
from transship.dbconfig import DBConfig
from transship.errors import TransshipError


@dataclass
class Migration:
    """One migration: its export dir (created if missing) and the databases (either may be left out where a
    step does not need it, or where an earlier step stored it in the export dir)."""

    export_dir: str | Path
    source: DBConfig | None = None
    target: DBConfig | None = None
    #: asked when a server wants a password that was not given: ``(side, user, host) -> password | None``
    passwords: credentials.PasswordSource | None = None
    #: where each step's text goes (None: captured into its StepResult)
    out: TextIO | None = None
    log_level: str = "info"


@dataclass
class StepResult:
    """What a step printed (``output``; its warnings and notes in ``messages``), and the JSON document it
    wrote or printed, where it has one."""

    output: str = ""
    messages: str = ""
    document: Any = None


@dataclass
class ExportSchemaOptions:
    object_types: list[str] = field(default_factory=list)  # --object-type-list (empty: all)
    exclude_object_types: list[str] = field(default_factory=list)
    comments_on_objects: bool = False
    start_clean: bool = False
    source_ddl_files: list[str] = field(default_factory=list)  # Oracle script mode
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExportDataOptions:
    table_list: list[str] = field(default_factory=list)  # --table-list (empty: every table)
    exclude_table_list: list[str] = field(default_factory=list)
    parallel_jobs: int | None = None
    start_clean: bool = False
    source_data_files: list[str] = field(default_factory=list)  # Oracle script mode
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportSchemaOptions:
    object_types: list[str] = field(default_factory=list)
    exclude_object_types: list[str] = field(default_factory=list)
    continue_on_error: bool = False
    ignore_exist: bool = False
    start_clean: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportDataOptions:
    table_list: list[str] = field(default_factory=list)
    exclude_table_list: list[str] = field(default_factory=list)
    parallel_jobs: int | None = None
    batch_size: int | None = None
    start_clean: bool = False
    truncate_tables: bool = False
    error_policy: str | None = None  # --error-policy-snapshot: abort | stash-and-continue
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FinalizeOptions:
    refresh_mviews: bool = False
    continue_on_error: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class VerifyOptions:
    table_list: list[str] = field(default_factory=list)
    exclude_table_list: list[str] = field(default_factory=list)
    max_differences: int | None = None
    counts_only: bool = False
    sample_percent: float | None = None
    parallel_jobs: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class VerifyResult(StepResult):
    """``ok``: every table proven equal (or what was asked for, e.g. counts only); ``error``: why not."""

    ok: bool = False
    error: str | None = None


@dataclass
class EndMigrationOptions:
    backup_dir: str | None = None
    backup_schema_files: bool = False
    backup_data_files: bool = False
    save_migration_reports: bool = False
    backup_log_files: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def export_schema(m: Migration, options: ExportSchemaOptions | None = None) -> StepResult:
    """``export schema``: the source schema, converted, into ``schema/``."""
    o = options or ExportSchemaOptions()
    return _step(m, ("export", "schema"), "export_schema", "run", "source", o, {
        "object_type_list": _csv(o.object_types), "exclude_object_type_list": _csv(o.exclude_object_types),
        "comments_on_objects": o.comments_on_objects, "start_clean": o.start_clean,
        "source_ddl_file": tuple(o.source_ddl_files),
    }, init=True)  # fmt: skip


def analyze_schema(m: Migration, rules: list[str] | None = None) -> StepResult:
    """``analyze-schema``: the report of what needs the user's hands; ``document`` is its JSON."""
    result = _step(m, ("analyze-schema",), "analyze", "run", None, None, {
        "output_format": "json", "rules": _csv(rules or []),
    }, needs_init=True)  # fmt: skip
    report = Path(m.export_dir) / "reports" / "schema_analysis_report.json"
    result.document = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
    return result


def export_data(m: Migration, options: ExportDataOptions | None = None) -> StepResult:
    """``export data``: every table's rows on one snapshot into ``data/`` (resumable)."""
    o = options or ExportDataOptions()
    return _step(m, ("export", "data"), "export_data", "run", "source", o, {
        "table_list": _csv(o.table_list), "exclude_table_list": _csv(o.exclude_table_list),
        "parallel_jobs": o.parallel_jobs, "start_clean": o.start_clean,
        "source_data_file": tuple(o.source_data_files),
    }, init=True)  # fmt: skip


def import_schema(m: Migration, options: ImportSchemaOptions | None = None) -> StepResult:
    """``import schema``: the schema files into the target."""
    o = options or ImportSchemaOptions()
    return _step(m, ("import", "schema"), "import_schema", "run", "target", o, {
        "object_type_list": _csv(o.object_types), "exclude_object_type_list": _csv(o.exclude_object_types),
        "continue_on_error": o.continue_on_error, "ignore_exist": o.ignore_exist, "start_clean": o.start_clean,
    }, needs_init=True)  # fmt: skip


def import_data(m: Migration, options: ImportDataOptions | None = None) -> StepResult:
    """``import data``: the exported rows into the target, batched, parallel, exactly once (resumable)."""
    o = options or ImportDataOptions()
    return _step(m, ("import", "data"), "import_data", "run", "target", o, {
        "table_list": _csv(o.table_list), "exclude_table_list": _csv(o.exclude_table_list),
        "parallel_jobs": o.parallel_jobs, "batch_size": o.batch_size, "start_clean": o.start_clean,
        "truncate_tables": o.truncate_tables, "error_policy_snapshot": o.error_policy,
    }, needs_init=True)  # fmt: skip


def finalize_schema(m: Migration, options: FinalizeOptions | None = None) -> StepResult:
    """``finalize-schema-post-data-import``: NOT VALID constraints validated, indexes, materialized views."""
    o = options or FinalizeOptions()
    return _step(m, ("finalize-schema-post-data-import",), "import_schema", "finalize", "target", o, {
        "refresh_mviews": o.refresh_mviews, "continue_on_error": o.continue_on_error,
    }, needs_init=True)  # fmt: skip


def verify(m: Migration, options: VerifyOptions | None = None) -> VerifyResult:
    """``verify``: counts and content of every table, sequences and objects; never raises for differences
    (``ok`` False, ``error`` the reason, ``document`` the verification report)."""
    o = options or VerifyOptions()
    result = VerifyResult()
    report = Path(m.export_dir) / "reports" / "verification_report.json"
    before = report.stat().st_mtime_ns if report.is_file() else None
    try:
        step = _step(m, ("verify",), "verify", "run", "target", o, {
            "table_list": _csv(o.table_list), "exclude_table_list": _csv(o.exclude_table_list),
            "max_differences": o.max_differences, "counts_only": o.counts_only,
            "sample_percent": o.sample_percent, "parallel_jobs": o.parallel_jobs,
        }, needs_init=True)  # fmt: skip
        result.output, result.messages, result.ok = step.output, step.messages, True
    except TransshipError as exc:
        written = report.is_file() and report.stat().st_mtime_ns != before
        if not written:  # verify did not get as far as comparing: a real error
            raise
        result.error = exc.one_line()
    result.document = json.loads(report.read_text(encoding="utf-8"))
    return result


def export_data_status(m: Migration) -> StepResult:
    """``export data status``: ``document`` holds each table's export progress."""
    return _status(m, ("export", "data", "status"), "export_status")


def import_data_status(m: Migration) -> StepResult:
    """``import data status``: ``document`` holds each table's import progress."""
    return _status(m, ("import", "data", "status"), "import_status")


def end_migration(m: Migration, options: EndMigrationOptions | None = None) -> StepResult:
    """``end migration``: back up what was asked for, then remove the migration's state."""
    o = options or EndMigrationOptions()
    return _step(m, ("end", "migration"), "end_migration", "run", "target", o, {
        "backup_dir": o.backup_dir, "backup_schema_files": o.backup_schema_files,
        "backup_data_files": o.backup_data_files, "save_migration_reports": o.save_migration_reports,
        "backup_log_files": o.backup_log_files,
    }, needs_init=True)  # fmt: skip


# ------------------------------------------------------------------------------------------------ internals
def _csv(items: list[str]) -> str | None:
    return ",".join(items) if items else None


def _status(m: Migration, path: tuple[str, ...], func: str) -> StepResult:
    result = _step(
        m, path, "status", func, None, None, {"output_format": "json"}, lock=False, needs_init=True
    )
    result.document = json.loads(result.output) if result.output.strip() else None
    return result


_OPTIONS_ADDED = False


def _defaults(path: tuple[str, ...]) -> dict[str, Any]:
    """The command's parameters as the CLI fills them when no flag is given (one source of defaults)."""
    import click

    from transship.cli.main import cli
    from transship.cli.options import add_connection_options

    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    global _OPTIONS_ADDED
    if not _OPTIONS_ADDED:  # the adapters' own flags, as the CLI's main() adds them
        add_connection_options(cli)
        _OPTIONS_ADDED = True
    ctx = command.make_context(" ".join(path), [], resilient_parsing=True)
    return dict(ctx.params)


def _connection_params(side: str, cfg: DBConfig | None) -> dict[str, Any]:
    if cfg is None:
        return {}
    names = {"type": "db_type", "host": "host", "port": "port", "user": "user", "password": "password",
             "name": "name", "schema": "schema"}  # fmt: skip
    out = {f"{side}_db_{flag}": getattr(cfg, attr) for flag, attr in names.items()}
    out |= {
        f"{side}_{f}": getattr(cfg, f)
        for f in ("ssl_mode", "ssl_cert", "ssl_key", "ssl_root_cert", "ssl_crl")
    }
    out |= dict(cfg.options) if side == "source" else {}
    return {k: v for k, v in out.items() if v is not None}


def _step(
    m: Migration,
    path: tuple[str, ...],
    module: str,
    func: str,
    side: str | None,
    options: Any,
    values: dict[str, Any],
    *,
    lock: bool = True,
    needs_init: bool = False,
    init: bool = False,
) -> StepResult:
    from transship.cli.options import call_locked, open_run

    params = _defaults(path)
    params.update(export_dir=str(m.export_dir), log_level=m.log_level, yes=True, disable_pb=True)
    # the step's own side, and the other one where the command takes it (verify reads the source too)
    for s in ("source", "target"):
        if s == side or f"{s}_db_host" in params:
            params.update(_connection_params(s, m.source if s == "source" else m.target))
    params.update({k: v for k, v in values.items() if v is not None})
    if options is not None and any(f.name == "extra" for f in fields(options)):
        params.update(options.extra)
    Path(m.export_dir).mkdir(parents=True, exist_ok=True)
    buffer, notes = io.StringIO(), io.StringIO()
    out = Console(file=m.out or buffer, highlight=False, soft_wrap=True, width=220, force_terminal=False)
    err = Console(file=m.out or notes, highlight=False, soft_wrap=True, width=220, force_terminal=False)
    implementation: Callable[[Any], Any] = getattr(
        importlib.import_module(f"transship.commands.{module}"), func
    )
    previous = credentials.set_password_source(m.passwords)
    run = None
    try:
        run = open_run(" ".join(path), params, out, err, needs_init=needs_init, init=init)
        call_locked(run, implementation, lock)
    finally:
        credentials.set_password_source(previous)
        if run is not None:
            run.close()
    return StepResult(output=buffer.getvalue(), messages=notes.getvalue())
