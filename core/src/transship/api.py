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
:attr:`Migration.out` (default: kept in :attr:`StepResult.output`). Each step's options are a dataclass of
:mod:`transship.steps.options` (re-exported here) with one field per flag and the CLI's defaults; a bad value
stops the step with a :class:`~transship.errors.ConfigError` naming the field and its flag, before any work.
The CLI runs the same step functions (:mod:`transship.steps`) with the same dataclasses.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from rich.console import Console

from transship import credentials
from transship.dbconfig import DBConfig
from transship.errors import ExportDirError, TransshipError
from transship.steps.context import StepContext, call_locked, open_context
from transship.steps.options import (
    AnalyzeOptions,
    EndMigrationOptions,
    ExportDataOptions,
    ExportSchemaOptions,
    FinalizeOptions,
    ImportDataOptions,
    ImportSchemaOptions,
    StatusOptions,
    VerifyOptions,
    checked,
)

__all__ = [
    "AnalyzeOptions", "EndMigrationOptions", "ExportDataOptions", "ExportSchemaOptions", "FinalizeOptions",
    "ImportDataOptions", "ImportSchemaOptions", "Migration", "StepResult", "VerifyOptions", "VerifyResult",
    "analyze_schema", "end_migration", "export_data", "export_data_status", "export_schema", "finalize_schema",
    "import_data", "import_data_status", "import_schema", "verify",
]  # fmt: skip

log = logging.getLogger("transship")
Opts = TypeVar("Opts")


@dataclasses.dataclass
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


@dataclasses.dataclass
class StepResult:
    """What a step printed (``output``; its warnings and notes in ``messages``), and the JSON document it
    wrote or printed, where it has one."""

    output: str = ""
    messages: str = ""
    document: Any = None


@dataclasses.dataclass
class VerifyResult(StepResult):
    """``ok``: every table proven equal (or what was asked for, e.g. counts only); ``error``: why not."""

    ok: bool = False
    error: str | None = None


def export_schema(m: Migration, options: ExportSchemaOptions | None = None) -> StepResult:
    """``export schema``: the source schema, converted, into ``schema/``."""
    from transship.steps import export_schema as step

    return _step(m, "export schema", step.run, options or ExportSchemaOptions(), init=True)


def analyze_schema(m: Migration, options: AnalyzeOptions | None = None) -> StepResult:
    """``analyze-schema``: the report of what needs the user's hands; ``document`` is its JSON."""
    from transship.steps import analyze as step

    o = options or AnalyzeOptions()
    if o.output_formats and "json" not in o.output_formats:
        o = dataclasses.replace(o, output_formats=[*o.output_formats, "json"])  # document comes from it
    result = _step(m, "analyze-schema", step.run, o, needs_init=True)
    report = Path(m.export_dir) / "reports" / "schema_analysis_report.json"
    result.document = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
    return result


def export_data(m: Migration, options: ExportDataOptions | None = None) -> StepResult:
    """``export data``: every table's rows on one snapshot into ``data/`` (resumable)."""
    from transship.steps import export_data as step

    o = options or ExportDataOptions()
    also = ("import",) if o.start_clean else ()  # it deletes the files a running import reads
    return _step(m, "export data", step.run, o, init=True, scope="export", also=also)


def import_schema(m: Migration, options: ImportSchemaOptions | None = None) -> StepResult:
    """``import schema``: the schema files into the target."""
    from transship.steps import import_schema as step

    return _step(m, "import schema", step.run, options or ImportSchemaOptions(), needs_init=True)


def import_data(m: Migration, options: ImportDataOptions | None = None) -> StepResult:
    """``import data``: the exported rows into the target, batched, parallel, exactly once (resumable)."""
    from transship.steps import import_data as step

    return _step(m, "import data", step.run, options or ImportDataOptions(), needs_init=True, scope="import")


def finalize_schema(m: Migration, options: FinalizeOptions | None = None) -> StepResult:
    """``finalize-schema-post-data-import``: NOT VALID constraints validated, indexes, materialized views."""
    from transship.steps import import_schema as step

    return _step(
        m, "finalize-schema-post-data-import", step.finalize, options or FinalizeOptions(), needs_init=True
    )


def verify(m: Migration, options: VerifyOptions | None = None) -> VerifyResult:
    """``verify``: counts and content of every table, sequences and objects; never raises for differences
    (``ok`` False, ``error`` the reason, ``document`` the verification report)."""
    from transship.steps import verify as step

    result = VerifyResult()
    report = Path(m.export_dir) / "reports" / "verification_report.json"
    before = report.stat().st_mtime_ns if report.is_file() else None
    try:
        done = _step(m, "verify", step.run, options or VerifyOptions(), needs_init=True)
        result.output, result.messages, result.ok = done.output, done.messages, True
    except TransshipError as exc:
        written = report.is_file() and report.stat().st_mtime_ns != before
        if not written or not exc.message.startswith(("verify found differences", "verify could not prove")):
            raise  # verify did not get as far as a verdict: a real error
        result.error, result.output = exc.one_line(), getattr(exc, "output", "")
    result.document = json.loads(report.read_text(encoding="utf-8"))
    return result


def export_data_status(m: Migration) -> StepResult:
    """``export data status``: ``document`` holds each table's export progress."""
    from transship.steps import status as step

    return _status(m, "export data status", step.export_status)


def import_data_status(m: Migration) -> StepResult:
    """``import data status``: ``document`` holds each table's import progress."""
    from transship.steps import status as step

    return _status(m, "import data status", step.import_status)


def end_migration(m: Migration, options: EndMigrationOptions | None = None) -> StepResult:
    """``end migration``: back up what was asked for, then remove the migration's state."""
    from transship.steps import end_migration as step

    return _step(m, "end migration", step.run, options or EndMigrationOptions(), needs_init=True)


# ------------------------------------------------------------------------------------------------ internals
def _status(m: Migration, command: str, fn: Callable[[StepContext, StatusOptions], Any]) -> StepResult:
    result = _step(m, command, fn, StatusOptions(output_format="json"), lock=False, needs_init=True)
    result.document = json.loads(result.output) if result.output.strip() else None
    return result


def _step(
    m: Migration,
    command: str,
    fn: Callable[[StepContext, Opts], Any],
    options: Opts,
    *,
    lock: bool = True,
    needs_init: bool = False,
    init: bool = False,
    scope: str = "all",
    also: tuple[str, ...] = (),
) -> StepResult:
    """Run one step as its command does: options checked, export dir checked (made with ``init``), its log
    file, the lock; the caller's logging and password source given back afterwards."""
    o = checked(options, command)
    root = Path(m.export_dir).expanduser()
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
    saved = _save_logging()
    ctx: StepContext | None = None
    try:
        with credentials.scoped_password_source(m.passwords):
            ctx = open_context(
                command, str(root), out, err, log_level=m.log_level, needs_init=needs_init, init=init,
                source=copy.deepcopy(m.source or DBConfig()), target=copy.deepcopy(m.target or DBConfig()),
                yes=m.yes, disable_pb=True,
            )  # fmt: skip
            ready = ctx
            call_locked(ctx, lambda: fn(ready, o), lock, scope, also)
    except TransshipError as exc:
        log.error("%s", exc.one_line())  # into the step's log file, as the CLI writes it
        exc.output = buffer.getvalue()  # type: ignore[attr-defined]  # what the step printed before it stopped
        raise
    finally:
        if ctx is not None:
            ctx.close()
        _restore_logging(saved)
    return StepResult(output=buffer.getvalue(), messages=notes.getvalue())


_LOGGERS = ("transship", "psycopg", "pymysql", "oracledb", "")  # "": the root, where plugins' loggers go
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
