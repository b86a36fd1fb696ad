"""Helpers shared by the steps: the source adapter, connection settings, output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from transship import diskfull
from transship.adapters.base import SourceAdapter
from transship.dbconfig import DBConfig
from transship.errors import ConfigError
from transship.plugins import get_host
from transship.steps.context import StepContext

DEFAULT_HOSTS = {"source": "localhost", "target": "127.0.0.1"}


def merged_config(ctx: StepContext, side: str) -> DBConfig:
    """Connection settings as given (flags, env, config file or the API), completed from what an earlier step
    stored."""
    cfg = ctx.db_config(side)
    cfg.complete_from(ctx.meta.status().get(f"{side}_conf") or {})
    # the flags have no default of their own, so a value an earlier command used is not hidden by one
    cfg.host = cfg.host or DEFAULT_HOSTS[side]
    return cfg


def get_adapter(
    ctx: StepContext, ddl_files: list[str] | None = None, data_files: list[str] | None = None
) -> SourceAdapter:
    """The source adapter named by ``--source-db-type`` (or the one an earlier export used); ``ddl_files`` and
    ``data_files``: its scripts (script mode)."""
    cfg = merged_config(ctx, "source")
    host = get_host()
    adapters = host.source_adapters()
    installed = ", ".join(sorted(adapters)) or "none"
    if not cfg.db_type:
        raise ConfigError(
            "--source-db-type is required", fix=f"pass --source-db-type with an installed type: {installed}"
        )
    cfg.db_type = cfg.db_type.lower()
    record = adapters.get(cfg.db_type)
    if record is None:
        raise ConfigError(
            f"no source adapter for --source-db-type {cfg.db_type} (installed: {installed})",
            fix=f"install the transship adapter for {cfg.db_type} (docs/plugins.md#adapters names the known ones)",
        )
    declared = {o.key: (o, owners) for o, owners in host.connection_options().values()}
    for key in [k for k in list(cfg.options) if k in declared and cfg.db_type not in declared[k][1]]:
        option, owners = declared[key]
        if key in ctx.env_options:  # set in the environment for another source: not this run's
            del cfg.options[key]
            continue
        raise ConfigError(  # another adapter's setting given here: a mistake, never silently ignored
            f"--{option.name} applies to --source-db-type {' or '.join(owners)}, not {cfg.db_type}",
            fix=f"drop --{option.name} (or source.{option.name} in the config file)",
        )
    adapter = record.load()(cfg)
    adapter.source_ddl_files = list(ddl_files or [])
    adapter.source_data_files = list(data_files or [])
    if (adapter.source_ddl_files or adapter.source_data_files) and not adapter.supports_scripts:
        raise ConfigError(
            f"--source-ddl-file/--source-data-file (script mode) is not available for {adapter.name}",
            fix="drop those flags and connect to the live database"
            + "".join(f", or use --source-db-type {n} for {n} scripts" for n in _script_types(adapters)),
        )
    # user type-mapping rules (config file section `type-mapping:`), read by the MySQL and Oracle adapters
    section = ctx.config.data.get("type-mapping") if ctx.config else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(
            f"config file {ctx.config.path if ctx.config else ''}: type-mapping must be a mapping with a rules: list",
            fix="write it as 'type-mapping:' then 'rules:' with one '- source: ...' entry per rule (docs/type-mapping-mysql.md)",
        )
    adapter.type_mapping_config = section
    adapter.validate_config()
    return adapter


def _script_types(adapters: dict[str, Any]) -> list[str]:
    """The installed adapters with a script mode (those whose class cannot load are left out)."""
    out = []
    for name in sorted(adapters):
        try:
            if adapters[name].load().supports_scripts:
                out.append(name)
        except ConfigError:
            continue
    return out


def print_table(ctx: StepContext, title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A plain table on stdout."""
    table = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        table.add_column(
            col, justify="right" if col.endswith(("COUNT", "ROWS", "PERCENTAGE", "SIZE")) else "left"
        )
    for row in rows:
        table.add_row(*(str(v) for v in row))
    ctx.console.print(table)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON to ``path`` (a full disk is a :class:`~transship.errors.DiskFull`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    diskfull.write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
