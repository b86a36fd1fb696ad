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
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from transship import credentials
from transship.dbconfig import DBConfig
from transship.errors import ConfigError, ExportDirError, TransshipError

log = logging.getLogger("transship")


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
    #: answer yes where a command asks (``start_clean`` dropping the target's schemas or the exported data,
    #: ``end_migration``); False: those steps refuse, as the CLI does without a terminal and without ``--yes``
    yes: bool = False


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
        if not written or not exc.message.startswith(("verify found differences", "verify could not prove")):
            raise  # verify did not get as far as a verdict: a real error
        result.error, result.output = exc.one_line(), getattr(exc, "output", "")
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


_OPTIONS_LOCK = threading.Lock()
_OPTIONS_ADDED = False


def _command(path: tuple[str, ...]) -> Any:
    """The click command of a step (with the adapters' connection options, as the CLI's main() adds them)."""
    import click

    from transship.cli.main import cli
    from transship.cli.options import add_connection_options

    global _OPTIONS_ADDED
    with _OPTIONS_LOCK:
        if not _OPTIONS_ADDED:
            add_connection_options(cli)
            _OPTIONS_ADDED = True
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def _params(command: Any, path: tuple[str, ...], given: dict[str, Any]) -> dict[str, Any]:
    """The command's parameters as the CLI would fill them: its defaults, then ``given``, each checked and
    converted by the flag's own type (a misspelt name or a bad value is a ConfigError, as on the CLI)."""
    import click

    ctx = command.make_context(" ".join(path), [], resilient_parsing=True)
    params = dict(ctx.params)
    by_name = {p.name: p for p in command.params if p.name}
    for name, value in given.items():
        param = by_name.get(name)
        if param is None:
            raise ConfigError(
                f"{' '.join(path)} has no option {name!r}",
                fix="use the parameter name of one of its flags (--on-primary-key-conflict is on_primary_key_conflict)",
            )
        try:
            params[name] = param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise ConfigError(f"{' '.join(path)}: {name}: {exc.message}", fix="fix the value") from None
    return params


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

    command = _command(path)
    names = {p.name for p in command.params}
    given: dict[str, Any] = {"log_level": m.log_level, "yes": m.yes}
    if "disable_pb" in names:
        given["disable_pb"] = True
    # the step's own side, and the other one where the command takes it (verify reads the source too)
    for s in ("source", "target"):
        if s == side or f"{s}_db_host" in names:
            given.update(_connection_params(s, m.source if s == "source" else m.target))
    given.update({k: v for k, v in values.items() if v not in (None, ())})
    if options is not None and any(f.name == "extra" for f in fields(options)):
        given.update(options.extra)
    params = _params(command, path, given)
    root = Path(m.export_dir).expanduser()
    params["export_dir"] = str(root)
    if init:  # only the first steps create the export dir (their commands want it made with mkdir)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportDirError(
                f"cannot create the export dir {root}: {exc.strerror}", fix="choose another path"
            ) from None
    buffer, notes = io.StringIO(), io.StringIO()
    out = Console(file=m.out or buffer, highlight=False, soft_wrap=True, width=220, force_terminal=False)
    err = Console(file=m.out or notes, highlight=False, soft_wrap=True, width=220, force_terminal=False)
    implementation: Callable[[Any], Any] = getattr(
        importlib.import_module(f"transship.commands.{module}"), func
    )
    saved = _save_logging()
    run = None
    try:
        with credentials.scoped_password_source(m.passwords):
            run = open_run(" ".join(path), params, out, err, needs_init=needs_init, init=init)
            run.given = set(given) - {"log_level", "yes", "disable_pb"}
            call_locked(run, implementation, lock)
    except TransshipError as exc:
        log.error("%s", exc.one_line())  # into the step's log file, as the CLI writes it
        exc.output = buffer.getvalue()  # type: ignore[attr-defined]  # what the step printed before it stopped
        raise
    finally:
        if run is not None:
            run.close()
        _restore_logging(saved)
    return StepResult(output=buffer.getvalue(), messages=notes.getvalue())


_LOGGERS = ("transship", "psycopg", "pymysql", "oracledb")
_Saved = list[tuple[logging.Logger, list[logging.Handler], int, bool]]


def _save_logging() -> _Saved:
    loggers = [logging.getLogger(n) for n in _LOGGERS]
    return [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]


def _restore_logging(saved: _Saved) -> None:
    """Give the host its loggers back as they were, and close the step's log file."""
    for lg, handlers, level, propagate in saved:
        for h in list(lg.handlers):
            if h not in handlers:
                lg.removeHandler(h)
                h.close()
        for h in handlers:
            if h not in lg.handlers:
                lg.addHandler(h)
        lg.setLevel(level)
        lg.propagate = propagate
