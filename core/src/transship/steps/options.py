"""The options of each step, as plain dataclasses: what a CLI flag sets, a library caller sets by field.

Defaults are the CLI's. :func:`checked` validates an instance (types, choices, ranges) with pydantic before a
step runs, so a bad value stops the step with one :class:`~transship.errors.ConfigError` line naming the field
and its flag. ``CLI_NAMES`` maps a field to its flag's parameter where the two differ (``object_types`` is
``--object-type-list``); list fields take one item per entry, or the flag's comma list as one item.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import annotated_types

from transship.errors import ConfigError

PositiveInt = Annotated[int, annotated_types.Ge(1)]
T = TypeVar("T")


@dataclass
class TableFilters:
    """``--table-list``/``--exclude-table-list`` (patterns; ``"Quoted"`` for exact case) or files of them."""

    table_list: list[str] = field(default_factory=list)
    exclude_table_list: list[str] = field(default_factory=list)
    table_list_file_path: str | None = None
    exclude_table_list_file_path: str | None = None


@dataclass
class ExportSchemaOptions:
    CLI_NAMES: ClassVar[dict[str, str]] = {
        "object_types": "object_type_list",
        "exclude_object_types": "exclude_object_type_list",
        "source_ddl_files": "source_ddl_file",
    }
    object_types: list[str] = field(default_factory=list)  # empty: every type the adapter writes
    exclude_object_types: list[str] = field(default_factory=list)
    comments_on_objects: bool = True
    start_clean: bool = False
    source_ddl_files: list[str] = field(default_factory=list)  # script mode (Oracle)


@dataclass
class AnalyzeOptions:
    CLI_NAMES: ClassVar[dict[str, str]] = {"output_formats": "output_format"}
    output_formats: list[str] = field(default_factory=list)  # empty: html and json
    #: None: the target import schema connected to (recorded in the export dir), else yugabytedb
    target_db_type: Literal["postgresql", "yugabytedb"] | None = None
    #: None: the recorded target's version, else the newest (2024.2.0.0 for YugabyteDB)
    target_db_version: str | None = None
    rules: list[str] = field(default_factory=list)  # codes, names or groups; globs
    exclude_rules: list[str] = field(default_factory=list)
    #: a hosted copy of transship's docs/ folder: docs links that are paths in it point there (else to the
    #: catalogue page written beside the report)
    docs_base_url: str | None = None


@dataclass
class ExportDataOptions(TableFilters):
    CLI_NAMES: ClassVar[dict[str, str]] = {
        "source_data_files": "source_data_file",
        "source_ddl_files": "source_ddl_file",
    }
    parallel_jobs: PositiveInt = 4
    start_clean: bool = False
    source_data_files: list[str] = field(default_factory=list)  # script mode (Oracle)
    source_ddl_files: list[str] = field(default_factory=list)


@dataclass
class ImportSchemaOptions:
    CLI_NAMES: ClassVar[dict[str, str]] = ExportSchemaOptions.CLI_NAMES
    object_types: list[str] = field(default_factory=list)
    exclude_object_types: list[str] = field(default_factory=list)
    straight_order: bool = False  # in the order of object_types, not the dependency order
    continue_on_error: bool = False
    ignore_exist: bool = False
    start_clean: bool = False
    post_snapshot_import: bool = False  # finalize instead
    refresh_mviews: bool = False


@dataclass
class FinalizeOptions:
    refresh_mviews: bool = False
    continue_on_error: bool = False
    ignore_exist: bool = False


@dataclass
class ImportDataOptions(TableFilters):
    CLI_NAMES: ClassVar[dict[str, str]] = {"error_policy": "error_policy_snapshot"}
    parallel_jobs: PositiveInt | None = None  # None: the target's default
    batch_size: int | None = None  # None: the target's default (checked against its bounds)
    start_clean: bool = False
    truncate_tables: bool = False
    defer_index_creation: bool | None = None  # None: the target's default
    error_policy: Literal["abort", "stash-and-continue"] = "abort"
    on_primary_key_conflict: Literal["ERROR-POLICY", "IGNORE"] = "ERROR-POLICY"  # any case
    enable_upsert: bool = False
    target_endpoints: list[str] = field(default_factory=list)  # host:port of the nodes (no discovery)
    use_public_ip: bool = False  # yb_servers()'s public_ip instead of host
    #: None: balanced on YugabyteDB, disabled elsewhere
    adaptive_parallelism: Literal["disabled", "balanced", "aggressive"] | None = None
    enable_adaptive_parallelism: bool | None = None  # voyager's older flag (true: balanced)
    adaptive_parallelism_max: PositiveInt | None = None  # None: twice the starting parallelism


@dataclass
class VerifyOptions(TableFilters):
    max_differences: Annotated[int, annotated_types.Ge(0)] = 10
    counts_only: bool = False
    sample_percent: Annotated[float, annotated_types.Gt(0), annotated_types.Le(100)] | None = None
    parallel_jobs: PositiveInt | None = None  # None: 2 per side
    output_format: Literal["table", "json"] = "table"


@dataclass
class StatusOptions:
    output_format: Literal["table", "json"] = "table"


@dataclass
class EndMigrationOptions:
    backup_dir: str | None = None
    backup_schema_files: bool = False
    backup_data_files: bool = False
    save_migration_reports: bool = False
    backup_log_files: bool = False


def checked(options: T, step: str) -> T:
    """``options`` validated and converted (``"IGNORE"`` for ``"ignore"``); a bad value is a ConfigError."""
    import pydantic  # only when a step runs (keeps the CLI's start fast)

    cls = type(options)
    values = asdict(options)  # type: ignore[call-overload]
    if isinstance(values.get("on_primary_key_conflict"), str):  # voyager takes it in any case
        values["on_primary_key_conflict"] = values["on_primary_key_conflict"].upper()
    try:
        return pydantic.TypeAdapter(cls).validate_python(values)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        flag = "--" + getattr(cls, "CLI_NAMES", {}).get(name, name).replace("_", "-")
        raise ConfigError(
            f"{step}: {name} ({flag}): {first['msg']} (got {first.get('input')!r})",
            fix=f"see 'transship {step} --help' for the accepted values",
        ) from None


def items_text(items: list[str]) -> str | None:
    """A list field as the flag's comma list (None when empty)."""
    return ",".join(items) if items else None


def from_params(cls: type[T], params: dict[str, Any]) -> T:
    """An options instance from a command's parameters by flag name (absent ones keep their defaults)."""
    names: dict[str, str] = getattr(cls, "CLI_NAMES", {})
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = names.get(f.name, f.name)
        if key not in params:
            continue
        value = params[key]
        if f.default_factory is list:
            value = [] if value in (None, "", ()) else [value] if isinstance(value, str) else list(value)
        kwargs[f.name] = value
    return cls(**kwargs)
