"""What every step of the workflow runs in: the export dir, the databases as given, output, answers, log file.

The CLI (:mod:`transship.cli`) and the library (:mod:`transship.api`) each build a :class:`StepContext`
with :func:`open_context` and hand it, with the step's options dataclass (:mod:`transship.steps.options`),
to the step's function. Nothing here knows about click.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from transship.dbconfig import PASSWORD_ENV, DBConfig
from transship.diskfull import LogFileHandler
from transship.errors import ConfigError, ExportDirError
from transship.exportdir import ExportDir
from transship.state import MetaDB

if TYPE_CHECKING:
    from transship.config import ConfigFile

#: ``ask(question, default) -> answer``: how a step asks the user (the CLI prompts at a terminal)
Ask = Callable[[str, bool], bool]


@dataclass
class StepContext:
    """One step's surroundings. ``source``/``target`` are the connection settings as the caller gave them
    (the step completes them from what an earlier step stored); ``yes`` answers every question."""

    command: str
    export_dir: ExportDir
    console: Console
    err: Console
    source: DBConfig = field(default_factory=DBConfig)
    target: DBConfig = field(default_factory=DBConfig)
    #: the config file the settings came from (its ``type-mapping:`` section is read by the source adapter)
    config: ConfigFile | None = None
    yes: bool = False
    disable_pb: bool = False
    #: None: nobody to ask, the question's default is the answer
    ask: Ask | None = None
    #: keys of the source's adapter options whose value came from an environment variable
    env_options: frozenset[str] = frozenset()
    _meta: MetaDB | None = field(default=None, repr=False)

    @property
    def meta(self) -> MetaDB:
        if self._meta is None:
            self._meta = MetaDB(self.export_dir.meta_db)
        return self._meta

    def confirm(self, question: str, default: bool = False) -> bool:
        """``yes`` answers yes; without anyone to ask the default is taken."""
        if self.yes:
            return True
        return default if self.ask is None else self.ask(question, default)

    def db_config(self, side: str) -> DBConfig:
        """A copy of the settings given for ``side`` ("source" or "target"); a password not given comes from
        ``SOURCE_DB_PASSWORD``/``TARGET_DB_PASSWORD``."""
        cfg = copy.deepcopy(self.source if side == "source" else self.target)
        if cfg.password is None:
            cfg.password = os.environ.get(PASSWORD_ENV[side])
        return cfg

    def close(self) -> None:
        if self._meta is not None:
            self._meta.close()
            self._meta = None


def open_context(
    command: str,
    export_dir: str | os.PathLike[str] | None,
    console: Console,
    err: Console,
    *,
    log_level: str = "info",
    needs_init: bool = False,
    init: bool = False,
    **settings: Any,
) -> StepContext:
    """The :class:`StepContext` of one step: the export dir checked (its layout made with ``init``), the step's
    log file open. ``settings`` are the other fields of :class:`StepContext`.

    Raises :class:`~transship.errors.TransshipError` on a missing or unstarted export dir.
    """
    if not export_dir:
        raise ConfigError(
            "--export-dir is required", fix="pass -e/--export-dir DIR (or export-dir: in the config file)"
        )
    ed = ExportDir(Path(export_dir))
    ed.check_exists()
    if needs_init and not ed.is_initialised():
        raise ExportDirError(
            f"migration has not started yet in {ed.root}",
            fix="run 'transship export schema' (or 'export data') with this --export-dir first",
        )
    if init:
        ed.init()
    setup_logging(ed, command, log_level or "info")
    return StepContext(command, ed, console, err, **settings)


def call_locked(
    ctx: StepContext, fn: Callable[[], Any], lock: bool = True, scope: str = "all", also: tuple[str, ...] = ()
) -> Any:
    """Run ``fn()``, holding the export dir's lock for the step when ``lock`` (``scope`` and ``also``: see
    :meth:`transship.exportdir.ExportDir.lock`)."""
    if lock:
        with ctx.export_dir.lock(ctx.command, scope, also):
            return fn()
    return fn()


#: Drivers' loggers: their records (e.g. psycopg's "error ignored terminating <psycopg.Copy ...>" when a
#: connection is lost mid-COPY) go to the step's log file, never to stderr (Python's last-resort handler).
_DRIVER_LOGGERS = ("psycopg", "pymysql", "oracledb")


#: Loggers of adapter and plugin packages (``transship_postgres``, ``transship_mysql``, a third party's
#: ``transship_<name>``): reached through a filter on the root logger, since their names are not known here.
PLUGIN_LOGGER_PREFIX = "transship_"


class _OurRecords(logging.Filter):
    """Records of transship, its plugins and the drivers; not those of other libraries reaching the root."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith(("transship", *_DRIVER_LOGGERS))  # PLUGIN_LOGGER_PREFIX included


def setup_logging(export_dir: ExportDir, command: str, level: str) -> None:
    """``transship``'s, the plugins' and the drivers' loggers into ``logs/<command>.log`` of the export dir,
    nowhere else."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "transship_plugins", False):
            root.removeHandler(h)
            h.close()
    logger = logging.getLogger("transship")
    drivers = [logging.getLogger(name) for name in _DRIVER_LOGGERS]
    for lg in (logger, *drivers):
        for h in list(lg.handlers):
            lg.removeHandler(h)
            h.close()
        lg.propagate = False
        lg.addHandler(logging.NullHandler())
    lvl = {"trace": "DEBUG", "warn": "WARNING", "fatal": "CRITICAL", "panic": "CRITICAL"}.get(
        level.lower(), level.upper()
    )
    logger.setLevel(getattr(logging, lvl, logging.INFO))
    if export_dir.logs.is_dir():
        handler = LogFileHandler(export_dir.logs / f"{command.replace(' ', '-')}.log", encoding="utf-8")
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        logger.addHandler(handler)
        for lg in drivers:
            lg.addHandler(handler)
        handler.addFilter(_OurRecords())
        handler.transship_plugins = True  # type: ignore[attr-defined]
        root.addHandler(handler)  # the plugins' loggers propagate to the root
        root.setLevel(logger.level)
