"""voyager-compatible YAML config file (``-c/--config-file``).

Layout (same as yb-voyager's ``config-templates/offline-migration.yaml``)::

    export-dir: /path/to/dir
    log-level: info
    source:
      db-type: postgresql
      db-host: localhost
      db-password: secret        # or SOURCE_DB_PASSWORD
    target:
      db-host: 127.0.0.1
    import-data:
      batch-size: 20000
      parallel-jobs: 4

A CLI flag beats the file; the file beats built-in defaults. Unknown keys are an error listing them all; so
are connection values of the wrong type (``db-port: abc``). The layout is the pydantic model
:class:`ConfigLayout` (:func:`layout_for` adds the adapters' connection options to ``source:``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Self, cast

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from transship.dbconfig import PASSWORD_ENV
from transship.errors import ConfigError

# --- the layout as pydantic models ---------------------------------------------------------------------------
# A wrong value is a PydanticCustomError of type _BAD_VALUE ("must be an integer (got 'abc')"); every other
# failure (an unknown key, a section that is not a mapping, two names of one section) is a key to list.

_BAD_VALUE = "config_value"
_SAME_SECTION = "config_same_section"


_SHOWN = 40  # characters of a wrong value in the error


def _must_be(expected: str, value: Any, *, secret: bool = False) -> PydanticCustomError:
    """``must be <expected> (got <value>)``; a secret's value is never shown, only its kind."""
    shown = f"a {type(value).__name__}" if secret else repr(value)
    if len(shown) > _SHOWN:
        shown = shown[: _SHOWN - 3] + "..."
    return PydanticCustomError(
        _BAD_VALUE, "must be {expected} (got {got})", {"expected": expected, "got": shown}
    )


def _port(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _must_be("an integer", value)
    try:
        port = int(value)  # "5432" in quotes is a port too
    except ValueError:
        raise _must_be("an integer", value) from None
    if not 1 <= port <= 65535:
        raise _must_be("an integer from 1 to 65535", value)
    return port


def _string(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _must_be("a string", value)
    return value


def _password(value: Any) -> str | None:
    """A password YAML reads as a number (``db-password: 1234``) is its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if value is not None and not isinstance(value, str):
        raise _must_be("a string", value, secret=True)
    return value


def _schemas(value: Any) -> str | list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    if value is not None and not isinstance(value, str):
        raise _must_be("a string or a list of strings", value)
    return value


_Port = Annotated[int | None, PlainValidator(_port)]
_String = Annotated[str | None, PlainValidator(_string)]
_Password = Annotated[str | None, PlainValidator(_password)]
_Schemas = Annotated[str | list[str] | None, PlainValidator(_schemas)]
_Section = dict[Any, Any] | None  # a command section: its keys are checked against the command's flags


def _dashed(name: str) -> str:
    return name.replace("_", "-")


class _YamlModel(BaseModel):
    """A mapping of the YAML file: its keys are the fields' names with ``-`` for ``_`` (``db-host``)."""

    model_config = ConfigDict(alias_generator=_dashed)


class ConnectionSection(_YamlModel):
    """``source:`` or ``target:``: where the database is and how to log in (``--source-db-host`` ...).

    ``source:`` also takes the connection options the installed adapters declare
    (:class:`transship.adapters.base.ConnectionOption`, e.g. ``oracle-db-sid``): :func:`layout_for`.
    """

    model_config = ConfigDict(extra="forbid", alias_generator=_dashed)

    name: _String = None
    db_type: _String = None
    db_host: _String = None
    db_port: _Port = None
    db_user: _String = None
    db_password: _Password = None
    db_name: _String = None
    db_schema: _Schemas = None  # "a,b" or [a, b]
    ssl_mode: _String = None
    ssl_cert: _String = None
    ssl_key: _String = None
    ssl_root_cert: _String = None
    ssl_crl: _String = None


class GlobalKeys(_YamlModel):
    """The top-level settings (a flag of any command that no section sets)."""

    export_dir: Any = None
    log_level: Any = None
    send_diagnostics: Any = None
    profile: Any = None
    control_plane_type: Any = None
    java_home: Any = None
    local_call_home_service_host: Any = None
    local_call_home_service_port: Any = None
    yb_tserver_port: Any = None
    tns_admin: Any = None
    #: transship extension: user type rules (docs/type-mapping-mysql.md, docs/type-mapping-oracle.md), checked by
    #: transship.typemap when an adapter reads them
    type_mapping: Any = None


class CommandSections(_YamlModel):
    """One section per command, holding that command's flags (checked by ``cli.options.validate_sections``)."""

    assess_migration: _Section = None
    analyze_schema: _Section = None
    export_schema: _Section = None
    export_data: _Section = None
    export_data_from_source: _Section = None
    export_data_status: _Section = None
    import_schema: _Section = None
    finalize_schema_post_data_import: _Section = None
    import_data: _Section = None
    import_data_to_target: _Section = None
    import_data_status: _Section = None
    import_data_file: _Section = None
    end_migration: _Section = None
    yugabyted_control_plane: _Section = None


def _yaml_keys(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


GLOBAL_KEYS = _yaml_keys(GlobalKeys)
CONN_KEYS = _yaml_keys(ConnectionSection)
COMMAND_SECTIONS = _yaml_keys(CommandSections)
SECTION_ALIASES = {"export-data-from-source": "export-data", "import-data-to-target": "import-data"}
ENV_KEYS = {(side, "db-password"): name for side, name in PASSWORD_ENV.items()}


class ConfigLayout(GlobalKeys, CommandSections):
    """The whole file: global keys, ``source:``, ``target:`` and the command sections; nothing else.

    ``source:`` takes the connection options of the installed adapters too (:func:`layout_for`).
    """

    model_config = ConfigDict(extra="forbid", alias_generator=_dashed)

    source: ConnectionSection | None = None
    target: ConnectionSection | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _one_name_per_section(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """``export-data`` and its alias ``export-data-from-source`` (or the import pair) not both."""
        clashes = [
            InitErrorDetails(
                type=PydanticCustomError(
                    _SAME_SECTION, "{name} and {alias} are one section", {"name": name, "alias": alias}
                ),
                loc=(alias,),
                input=data[alias],
            )
            for alias, name in SECTION_ALIASES.items()
            if isinstance(data, dict) and alias in data and name in data
        ]
        try:
            layout = handler(data)
        except ValidationError as exc:
            if not clashes:
                raise
            raise ValidationError.from_exception_data(exc.title, [*_details(exc), *clashes]) from None
        if clashes:
            raise ValidationError.from_exception_data(cls.__name__, clashes)
        return layout


def _details(exc: ValidationError) -> list[InitErrorDetails]:
    """The errors of ``exc`` again, to raise them with more (type, place and message kept)."""
    return [
        InitErrorDetails(
            type=PydanticCustomError(e["type"], "{message}", {**e.get("ctx", {}), "message": e["msg"]}),
            loc=e["loc"],
            input=e["input"],
        )
        for e in exc.errors()
    ]


@functools.lru_cache(maxsize=16)
def layout_for(source_options: frozenset[str]) -> type[ConfigLayout]:
    """The layout whose ``source:`` also takes ``source_options`` (``oracle-db-sid`` ...), values unchecked."""
    options = sorted(source_options - CONN_KEYS)
    if not options:
        return ConfigLayout
    fields: dict[str, Any] = {f"option_{i}": (Any, Field(None, alias=key)) for i, key in enumerate(options)}
    source = create_model("SourceSection", __base__=ConnectionSection, **fields)
    return create_model(
        "ConfigLayoutWithOptions", __base__=ConfigLayout, source=(cast(Any, source) | None, None)
    )


class ConfigFile:
    """A parsed, validated config file.

    :param source_options: the names of the connection options the installed adapters declare: keys of
        ``source:`` beside :data:`CONN_KEYS`.
    """

    def __init__(self, path: str | Path, source_options: Iterable[str] = ()) -> None:
        self.path = Path(path).expanduser()
        self.source_options = frozenset(source_options)
        try:
            raw = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise ConfigError(
                f"config file {self.path} not found", fix="check the --config-file path"
            ) from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            pos = f" at line {where.line + 1}" if where else ""
            raise ConfigError(
                f"config file {self.path} is not valid YAML{pos}", fix="fix the YAML syntax"
            ) from None
        if not isinstance(raw, dict):
            raise ConfigError(
                f"config file {self.path} must hold a mapping of keys", fix="see docs/configuration.md"
            )
        self.data: dict[str, Any] = raw
        self._validate()

    def _validate(self) -> None:
        try:
            layout = layout_for(self.source_options).model_validate(self.data)
        except ValidationError as exc:
            raise self._error(exc) from None
        for side in ("source", "target"):
            section: ConnectionSection | None = getattr(layout, side)
            if section is not None and section.db_password is not None:  # a number in the YAML: its text
                self.data[side]["db-password"] = section.db_password

    def _error(self, exc: ValidationError) -> ConfigError:
        """One line: every unknown or misplaced key if there is one, else every wrong value."""
        keys: set[str] = set()
        values: list[str] = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            if error["type"] == _BAD_VALUE:
                values.append(f"{where} {error['msg']}")
            elif error["type"] == _SAME_SECTION:
                keys.add(f"{error['ctx']['name']}/{error['ctx']['alias']} (use only one)")
            else:  # an unknown key, a section that is not a mapping, a key that is not a name
                keys.add(where)
        if keys:
            return ConfigError(
                f"config file {self.path} has unknown or invalid keys: {', '.join(sorted(keys))}",
                fix="remove or rename them (see docs/configuration.md for the accepted keys)",
            )
        return ConfigError(
            f"config file {self.path}: {'; '.join(values)}",
            fix="fix the value in the config file (see docs/configuration.md)",
        )

    def holds_password(self) -> bool:
        """True when ``source.db-password`` or ``target.db-password`` is set in the file."""
        return any(
            isinstance(self.data.get(side), dict) and self.data[side].get("db-password") not in (None, "")
            for side in ("source", "target")
        )

    def others_can_read(self) -> bool:
        """True when the file's group or other users may read it."""
        try:
            return bool(self.path.stat().st_mode & 0o044)
        except OSError:
            return False

    def section(self, name: str) -> dict[str, Any]:
        for key, value in self.data.items():
            if SECTION_ALIASES.get(key, key) == name and isinstance(value, dict):
                return value
        return {}

    def lookup(self, section: str, flag: str) -> Any:
        """The value for ``--flag`` of the command whose section is ``section`` (None if absent)."""
        for prefix, sect in (("source-", "source"), ("target-", "target")):
            if flag.startswith(prefix):
                key = flag[len(prefix) :]
                values = self.data.get(sect) or {}
                if key in values:
                    return values[key]
        if flag in self.source_options:  # an adapter's own setting: --oracle-db-sid is source.oracle-db-sid
            values = self.data.get("source") or {}
            if flag in values:
                return values[flag]
        values = self.section(section)
        if flag in values:
            return values[flag]
        return self.data.get(flag) if flag in GLOBAL_KEYS else None
