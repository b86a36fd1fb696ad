"""Shared flags (voyager names), config-file defaults, and the wrapper every command runs in."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from transship import credentials
from transship.cli.hints import interrupt_hint
from transship.dbconfig import PASSWORD_ENV, DBConfig
from transship.diskfull import unmapped_disk_full
from transship.errors import ConfigError, TransshipError
from transship.retry import lost_connection
from transship.steps.context import StepContext, call_locked, open_context

if TYPE_CHECKING:
    from transship.config import ConfigFile

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("transship")


#: voyager's booleans: ``true,false,yes,no,1,0`` (also t/f, y/n, on/off); a bare ``--flag`` means true
BOOL = click.BOOL


def bool_flag(name: str, help: str, default: bool = False) -> Callable[[F], F]:
    """A flag usable bare (``--flag``) or with a value (``--flag true``)."""
    return click.option(
        name, type=BOOL, is_flag=False, flag_value="true", default="true" if default else "false",
        show_default=True, metavar="[true|false]", help=help,
    )  # fmt: skip


def positive_int(name: str, help: str, default: int | None = None) -> Callable[[F], F]:
    return click.option(
        name, type=click.IntRange(min=1), default=default, show_default=default is not None, help=help
    )


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(fn: F) -> F:
        for deco in reversed(decorators):
            fn = deco(fn)
        return fn

    return apply


global_options = _compose(
    click.option("-e", "--export-dir", type=click.Path(file_okay=False), help="Working directory of the migration (must exist)."),
    click.option("-c", "--config-file", type=click.Path(dir_okay=False), is_eager=True, callback=lambda ctx, _p, v: _load_config(ctx, v), help="voyager-style YAML config file; flags and environment variables beat it."),
    click.option("-l", "--log-level", type=click.Choice(["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"], case_sensitive=False), default="info", show_default=True),
    bool_flag("--yes", "Answer yes to every prompt."),
    click.option("-y", "yes_short", is_flag=True, default=False, hidden=True),
    bool_flag("--send-diagnostics", "Accepted for voyager compatibility; transship never sends anything.", default=False),
)  # fmt: skip


def _ssl_options(side: str) -> list[Callable[[F], F]]:
    return [
        click.option(f"--{side}-ssl-mode", type=click.Choice(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]), help="SSL mode."),
        click.option(f"--{side}-ssl-cert", help="Client certificate file."),
        click.option(f"--{side}-ssl-key", help="Client key file."),
        click.option(f"--{side}-ssl-root-cert", help="Root CA file."),
        click.option(f"--{side}-ssl-crl", help="Certificate revocation list file."),
    ]  # fmt: skip


source_options = _compose(
    click.option("--source-db-type", type=str, help="postgresql | mysql | oracle (any installed adapter)."),
    click.option("--source-db-host", help="Default: localhost (or the host an earlier command used)."),
    click.option("--source-db-port", type=int, help="Default: the source type's usual port."),
    click.option("--source-db-user"),
    click.option("--source-db-password", help="Shows in ps while transship starts: the safe way is SOURCE_DB_PASSWORD. Without either: the config file, else a prompt when the server asks for one."),
    click.option("--source-db-name"),
    click.option("--source-db-schema", help="PostgreSQL: comma list; Oracle: exactly one; MySQL, SQLite: not applicable."),
    *_ssl_options("source"),
)  # fmt: skip
# the adapters' own connection settings (--oracle-db-sid ...) are added by add_connection_options


def add_connection_options(root: click.Command) -> None:
    """Give every command that takes ``--source-db-type`` the connection options the installed adapters
    declare (:class:`~transship.adapters.base.ConnectionOption`), after the source's SSL flags; and list the
    installed adapters in ``--source-db-type``'s help. Without any adapter, commands keep core's flags."""
    from transship.plugins import get_host

    host = get_host()
    declared = host.connection_options()
    try:
        types = sorted(host.source_adapters())
    except Exception:  # duplicate adapter names: reported by the command that needs an adapter
        types = []
    for command in _walk(root):
        names = [p.name for p in command.params]
        if "source_db_type" not in names:
            continue
        where = names.index("source_ssl_crl") + 1 if "source_ssl_crl" in names else len(names)
        added = []
        for name, (option, adapters) in declared.items():
            if option.key in names:
                continue  # a core flag of the same name wins
            only = f" ({', '.join(adapters)} only)"
            added.append(
                click.Option(
                    [f"--{name}"], help=(option.help or "") + only, envvar=option.env, hidden=option.hidden
                )
            )
        command.params[where:where] = added
        for param in command.params:
            if param.name == "source_db_type" and isinstance(param, click.Option):
                param.help = (
                    f"The source adapter: {' | '.join(types)}."
                    if types
                    else "The source adapter (none is installed)."
                )


def _walk(command: click.Command) -> list[click.Command]:
    out = [command]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            out += _walk(sub)
    return out


target_options = _compose(
    click.option("--target-db-type", type=str, help="postgresql | yugabytedb (default: detected from the server)."),
    click.option("--target-db-host", help="Default: 127.0.0.1 (or the host an earlier command used)."),
    click.option("--target-db-port", type=int, help="Default 5433 for yugabytedb, else 5432."),
    click.option("--target-db-user"),
    click.option("--target-db-password", help="Shows in ps while transship starts: the safe way is TARGET_DB_PASSWORD. Without either: the config file, else a prompt when the server asks for one."),
    click.option("--target-db-name"),
    click.option("--target-db-schema", help="MySQL/Oracle sources: schema to import into (default public)."),
    *_ssl_options("target"),
)  # fmt: skip


def command_sections(root: click.Command) -> dict[str, set[str]]:
    """Config section name (``import-data``) -> the long flag names of that command (``batch-size``)."""
    out: dict[str, set[str]] = {}

    def walk(cmd: click.Command, path: list[str]) -> None:
        if path and not cmd.hidden:
            out["-".join(path)] = {
                max(p.opts, key=len).lstrip("-") for p in cmd.params if isinstance(p, click.Option)
            }
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return out


def _source_option_names() -> list[str]:
    from transship.plugins import get_host

    return list(get_host().connection_options())


#: keys of voyager's command sections that set an environment variable transship reads too (when not set already)
VOYAGER_ENV_KEYS = {
    "import-data": {
        "max-cpu-threshold": "MAX_CPU_THRESHOLD",
        "adaptive-parallelism-frequency-seconds": "ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS",
        "min-available-memory-threshold": "MIN_AVAILABLE_MEMORY_THRESHOLD",
        "max-batch-size-bytes": "MAX_BATCH_SIZE_BYTES",
    },
}
#: keys of voyager's command sections for features transship does not have: accepted, with a warning each
VOYAGER_UNSUPPORTED_KEYS = {
    "export-schema": {"assessment-report-path", "assess-schema-before-export",
                      "ybvoyager-skip-merge-constraints-transformation"},
    "export-data": {"allow-oracle-clob-data-export", "metrics-port", "beta-fast-data-export",
                    "queue-segment-max-bytes", "debezium-dist-dir"},
    "import-data": {"skip-replication-checks", "max-retries-streaming", "metrics-port",
                    "csv-reader-max-buffer-size-bytes", "ybvoyager-max-colocated-batches-in-progress",
                    "ybvoyager-use-task-picker-for-import",
                    # voyager's hidden flags
                    "disable-transactional-writes", "truncate-splits", "max-concurrent-batch-productions",
                    "enable-random-batch-production", "skip-node-health-checks", "skip-disk-usage-health-checks",
                    "prometheus-metrics-port", "disable-sequential-scan-on-update-deletes",
                    # live migration only
                    "cdc-partition-key", "cdc-partition-key-overrides", "use-partition-root"},
    "analyze-schema": {"report-unsupported-plpgsql-objects"},
}  # fmt: skip


#: voyager's global keys for what transship does not have (send-diagnostics is a flag: transship never sends)
VOYAGER_UNSUPPORTED_GLOBALS = ("profile", "control-plane-type", "java-home", "local-call-home-service-host",
                               "local-call-home-service-port", "yb-tserver-port", "tns-admin")  # fmt: skip


def validate_sections(config: ConfigFile, root: click.Command) -> list[str]:
    """Keys inside per-command sections must be flags of that command (a typo is an error, never ignored),
    except voyager's keys for what transship does not have: those give one warning each (returned), and the
    ones that stand for an environment variable set it when it is not set already."""
    from transship.config import COMMAND_SECTIONS

    known = command_sections(root)
    bad: list[str] = []
    warnings: list[str] = [
        f"config file {config.path}: {key} is not supported by transship; ignored"
        for key in VOYAGER_UNSUPPORTED_GLOBALS
        if config.data.get(key) is not None
    ]
    for key, values in config.data.items():
        name = {"export-data-from-source": "export-data", "import-data-to-target": "import-data"}.get(
            key, key
        )
        if name in COMMAND_SECTIONS and name not in known and isinstance(values, dict):
            # a section of a voyager command transship does not have (assess-migration, import-data-file, ...)
            warnings += [
                f"config file {config.path}: {key}.{k} is not supported by transship; ignored" for k in values
            ]
            continue
        if name not in known or not isinstance(values, dict):
            continue
        for k, value in values.items():
            if k in known[name]:
                continue
            if k in VOYAGER_ENV_KEYS.get(name, {}):
                os.environ.setdefault(VOYAGER_ENV_KEYS[name][k], str(value))
            elif k in VOYAGER_UNSUPPORTED_KEYS.get(name, set()):
                warnings.append(
                    f"config file {config.path}: {key}.{k} is not supported by transship; ignored"
                )
            else:
                bad.append(f"{key}.{k}")
    if bad:
        raise ConfigError(
            f"config file {config.path} has unknown keys: {', '.join(sorted(bad))}",
            fix="remove or rename them (each key of a command section is one of that command's flags, see --help)",
        )
    return warnings


def _load_config(ctx: click.Context, path: str | None) -> str | None:
    """``--config-file`` (eager): read and check the file, and give click its values as the command's
    ``default_map``, so a flag or an environment variable beats the file and the file beats the built-in
    defaults. An error is kept in ``ctx.meta`` and raised by the command as its one-line error."""
    if not path:
        return path
    try:
        from transship.config import ConfigFile  # pydantic is loaded only when a config file is given

        config = ConfigFile(path, _source_option_names())
        ctx.meta[_CONFIG_WARNINGS] = validate_sections(config, ctx.find_root().command)
        section = getattr(ctx.command.callback, "config_section", "-".join(ctx.command_path.split()[1:]))
        ctx.default_map = {**(ctx.default_map or {}), **_config_defaults(ctx, section, config)}
    except TransshipError as exc:
        ctx.meta[_CONFIG_ERROR] = exc
        return path
    ctx.meta[_CONFIG] = config
    return path


_CONFIG, _CONFIG_ERROR, _CONFIG_WARNINGS = (
    "transship.config",
    "transship.config_error",
    "transship.config_warnings",
)


def _config_defaults(ctx: click.Context, section: str, config: ConfigFile) -> dict[str, Any]:
    """The file's value of each flag of the command (by parameter name), each checked by the flag's type."""
    out: dict[str, Any] = {}
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name is None:
            continue
        flag = max(param.opts, key=len).lstrip("-")
        if flag.endswith("-password") or flag == "config-file":
            continue  # a password is resolved later (the environment beats the file)
        value = config.lookup(section, flag)
        if value is None:
            continue
        if isinstance(value, list) and not param.multiple:
            value = ",".join(str(v) for v in value)
        try:
            param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise ConfigError(
                f"config file {config.path}: {section}.{flag}: {exc.message}",
                fix="fix the value in the config file",
            ) from None
        out[param.name] = value
    return out


def redact_argv(argv: list[str]) -> list[str]:
    """The command line with every password value replaced by ``****``."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append("****")
            hide_next = False
        elif arg.endswith("-password") and arg.startswith("--"):
            out.append(arg)
            hide_next = True
        elif arg.startswith("--") and "-password=" in arg:
            out.append(arg.split("=", 1)[0] + "=****")
        else:
            out.append(arg)
    return out


def hide_passwords_from_ps(argv: list[str]) -> None:
    """Rewrite the process title (``ps``, ``/proc/PID/cmdline``) with password flag values as ``****``.

    A flag value is visible to every user of the machine until this runs; the environment variables
    (``SOURCE_DB_PASSWORD``, ``TARGET_DB_PASSWORD``) never are.
    """
    redacted = redact_argv(argv[1:])
    if redacted == argv[1:]:
        return
    import setproctitle

    setproctitle.setproctitle(" ".join(["transship", *redacted]))


def db_config_from(params: dict[str, Any], side: str, config: ConfigFile | None) -> DBConfig:
    """Connection settings for ``side`` ("source" or "target") from the flags; the password from the flag,
    else the environment, else the config file (none: the connect code asks when the server wants one)."""
    p = params
    cfg = DBConfig(
        db_type=p.get(f"{side}_db_type"),
        host=p.get(f"{side}_db_host"),
        port=p.get(f"{side}_db_port"),
        user=p.get(f"{side}_db_user"),
        password=p.get(f"{side}_db_password"),
        name=p.get(f"{side}_db_name"),
        schema=p.get(f"{side}_db_schema"),
        ssl_mode=p.get(f"{side}_ssl_mode"),
        ssl_cert=p.get(f"{side}_ssl_cert"),
        ssl_key=p.get(f"{side}_ssl_key"),
        ssl_root_cert=p.get(f"{side}_ssl_root_cert"),
        ssl_crl=p.get(f"{side}_ssl_crl"),
    )
    if side == "source":
        from transship.plugins import get_host

        for option, _adapters in get_host().connection_options().values():
            if p.get(option.key) not in (None, ""):
                cfg.options[option.key] = str(p[option.key])
    if cfg.password is None:
        cfg.password = os.environ.get(PASSWORD_ENV[side])
    if cfg.password is None and config is not None:
        value = config.lookup("", f"{side}-db-password")
        cfg.password = None if value is None else str(value)
    return cfg


def _env_options(ctx: click.Context) -> frozenset[str]:
    """The adapters' connection options whose value this run took from an environment variable."""
    from transship.plugins import get_host

    return frozenset(
        option.key
        for option, _adapters in get_host().connection_options().values()
        if ctx.get_parameter_source(option.key) == click.core.ParameterSource.ENVIRONMENT
    )


def _terminal_ask(question: str, default: bool) -> bool:
    return click.confirm(question, default=default)


def _may_prompt(yes: bool) -> bool:
    """A password prompt is allowed: stdin is a terminal, no ``--yes``, no ``TRANSSHIP_NO_PASSWORD_PROMPT``."""
    return sys.stdin.isatty() and not yes and os.environ.get("TRANSSHIP_NO_PASSWORD_PROMPT") is None


def run_command(
    command: str,
    section: str,
    *,
    lock: bool = True,
    needs_init: bool = False,
    init: bool = False,
    scope: str = "all",
) -> Callable[[Callable[[StepContext, dict[str, Any]], Any]], Callable[..., Any]]:
    """Turn ``fn(ctx, params)`` into a click callback: config defaults, the step's context (export dir checks,
    log file), lock, and every error as one line with its exit code.

    :param needs_init: the migration must have started (``metainfo/meta.db`` exists).
    :param init: create the export dir layout before running.
    """

    def deco(fn: Callable[[StepContext, dict[str, Any]], Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def callback(**params: Any) -> Any:
            ctx = click.get_current_context()
            if ctx.invoked_subcommand:  # e.g. "export data status": the group itself does nothing
                return None
            err = Console(stderr=True, highlight=False, soft_wrap=True)
            # wide tables when piped or logged, so names are never cut
            out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 220)
            step: StepContext | None = None
            previous_source = credentials.password_source()
            try:
                if _CONFIG_ERROR in ctx.meta:
                    raise ctx.meta[_CONFIG_ERROR]
                config: ConfigFile | None = ctx.meta.get(_CONFIG)
                for warning in ctx.meta.get(_CONFIG_WARNINGS, []):
                    err.print(f"WARNING: {warning}", markup=False, highlight=False)
                if config is not None and config.holds_password() and config.others_can_read():
                    err.print(
                        f"WARNING: config file {config.path} holds a password and other users can read it"
                        f" — fix: chmod 600 {config.path}",
                        markup=False,
                        highlight=False,
                    )
                yes = bool(params.get("yes") or params.get("yes_short"))
                step = open_context(
                    command, params.get("export_dir"), out, err,
                    log_level=params.get("log_level") or "info", needs_init=needs_init, init=init,
                    source=db_config_from(params, "source", config),
                    target=db_config_from(params, "target", config),
                    config=config, yes=yes, disable_pb=bool(params.get("disable_pb")),
                    ask=_terminal_ask if sys.stdin.isatty() else None, env_options=_env_options(ctx),
                )  # fmt: skip
                log.info("transship %s: %s", command, " ".join(redact_argv(sys.argv[1:])))
                credentials.set_password_source(credentials.TerminalPrompt() if _may_prompt(yes) else None)
                ready = step
                # export data --start-clean deletes the files a running import data reads
                also = ("import",) if scope == "export" and params.get("start_clean") else ()
                return call_locked(step, lambda: fn(ready, params), lock, scope, also)
            except TransshipError as exc:
                log.error("%s", exc.one_line())
                err.print("[bold red]ERROR:[/] " + escape(exc.one_line()), markup=True, highlight=False)
                ctx.exit(exc.exit_code)
            except KeyboardInterrupt:
                hint = interrupt_hint(command, params, redact_argv(sys.argv[1:]))
                log.warning("%s", hint)
                err.print(hint, markup=False, highlight=False)
                ctx.exit(130)
            except (click.exceptions.Exit, click.ClickException):
                raise
            except (
                Exception
            ) as exc:  # a bug or an unforeseen failure: one line here, the traceback in the log
                full: TransshipError | None = unmapped_disk_full(exc, params.get("export_dir") or ".")
                if full is None:  # a database connection lost where no step retries: still one clear line
                    full = lost_connection(exc, command)
                if full is not None:  # a writer without its own mapping: still the disk-full line
                    log.error("%s", full.one_line(), exc_info=exc)
                    err.print("[bold red]ERROR:[/] " + escape(full.one_line()), markup=True, highlight=False)
                    ctx.exit(full.exit_code)
                log.exception("unexpected error in %s", command)
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                where = (
                    f"logs/{command.replace(' ', '-')}.log in the export dir"
                    if params.get("export_dir")
                    else "the log"
                )
                err.print(
                    f"ERROR: unexpected {type(exc).__name__}: {first} — details in {where}; please report it",
                    markup=False,
                    highlight=False,
                )
                ctx.exit(1)
            finally:
                if step is not None:
                    step.close()
                credentials.set_password_source(previous_source)

        callback.config_section = section  # type: ignore[attr-defined]  # read by _load_config
        return callback

    return deco
