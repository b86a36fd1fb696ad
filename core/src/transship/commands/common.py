"""Helpers shared by the command implementations: adapters, connection settings, output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.table import Table

from transship import diskfull
from transship.adapters.base import SourceAdapter
from transship.cli.options import Run
from transship.dbconfig import DBConfig
from transship.errors import ConfigError
from transship.plugins import get_host

DEFAULT_HOSTS = {"source": "localhost", "target": "127.0.0.1"}


def merged_config(run: Run, side: str) -> DBConfig:
    """Connection settings from flags/env/config file, completed from what an earlier command stored."""
    cfg = run.db_config(side)
    stored = run.meta.status().get(f"{side}_conf") or {}
    for key, value in stored.items():
        if getattr(cfg, key, None) in (None, "") and value not in (None, ""):
            setattr(cfg, key, value)
    # the flags have no default of their own, so a value an earlier command used is not hidden by one
    cfg.host = cfg.host or DEFAULT_HOSTS[side]
    return cfg


# source types whose adapter this project ships, and the distribution to install for each
KNOWN_ADAPTERS = {
    "postgresql": "transship-postgres",
    "mysql": "transship-mysql",
    "oracle": "transship-oracle",
}


def get_adapter(run: Run) -> SourceAdapter:
    """The source adapter named by ``--source-db-type`` (or the one an earlier export used)."""
    cfg = merged_config(run, "source")
    if not cfg.db_type:
        raise ConfigError("--source-db-type is required", fix="pass --source-db-type postgresql|mysql|oracle")
    cfg.db_type = cfg.db_type.lower()
    adapters = get_host().source_adapters()
    record = adapters.get(cfg.db_type)
    if record is None:
        installed = ", ".join(sorted(adapters)) or "none"
        raise ConfigError(
            f"no source adapter for --source-db-type {cfg.db_type} (installed: {installed})",
            fix=(
                f"pip install {KNOWN_ADAPTERS[cfg.db_type]}"
                if cfg.db_type in KNOWN_ADAPTERS
                else f"use one of the installed types ({', '.join(sorted(KNOWN_ADAPTERS))} are this project's)"
            ),
        )
    adapter = record.load()(cfg)
    adapter.source_ddl_files = list(run.params.get("source_ddl_file") or [])
    adapter.source_data_files = list(run.params.get("source_data_file") or [])
    if (adapter.source_ddl_files or adapter.source_data_files) and not adapter.supports_scripts:
        raise ConfigError(
            f"--source-ddl-file/--source-data-file (script mode) is not available for {adapter.name}",
            fix="drop those flags and connect to the live database, or use --source-db-type oracle for Oracle scripts",
        )
    # user type-mapping rules (config file section `type-mapping:`), read by the MySQL and Oracle adapters
    section = run.config.data.get("type-mapping") if run.config else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(
            f"config file {run.config.path if run.config else ''}: type-mapping must be a mapping with a rules: list",
            fix="write it as 'type-mapping:' then 'rules:' with one '- source: ...' entry per rule (docs/type-mapping-mysql.md)",
        )
    adapter.type_mapping_config = section
    adapter.validate_config()
    return adapter


def print_table(run: Run, title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A plain table on stdout."""
    table = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        table.add_column(
            col, justify="right" if col.endswith(("COUNT", "ROWS", "PERCENTAGE", "SIZE")) else "left"
        )
    for row in rows:
        table.add_row(*(str(v) for v in row))
    run.console.print(table)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON to ``path`` (a full disk is a :class:`~transship.errors.DiskFull`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    diskfull.write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
