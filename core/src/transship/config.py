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

A CLI flag beats the file; the file beats built-in defaults. Unknown keys are an error listing them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from transship.errors import ConfigError

GLOBAL_KEYS = {
    "export-dir", "log-level", "send-diagnostics", "profile", "control-plane-type", "java-home",
    "local-call-home-service-host", "local-call-home-service-port", "yb-tserver-port", "tns-admin",
    "type-mapping",  # transship extension: user type rules (docs/type-mapping-mysql.md, docs/type-mapping-oracle.md)
}  # fmt: skip
CONN_KEYS = {
    "name", "db-type", "db-host", "db-port", "db-user", "db-password", "db-name", "db-schema",
    "ssl-mode", "ssl-cert", "ssl-key", "ssl-root-cert", "ssl-crl",
}  # fmt: skip
#: ``source:`` takes CONN_KEYS and the connection options the installed adapters declare
#: (:class:`transship.adapters.base.ConnectionOption`, e.g. ``oracle-db-sid``)
SOURCE_KEYS = CONN_KEYS
COMMAND_SECTIONS = {
    "assess-migration", "analyze-schema", "export-schema", "export-data", "export-data-from-source",
    "export-data-status", "import-schema", "finalize-schema-post-data-import", "import-data",
    "import-data-to-target", "import-data-status", "import-data-file", "end-migration",
    "yugabyted-control-plane",
}  # fmt: skip
SECTION_ALIASES = {"export-data-from-source": "export-data", "import-data-to-target": "import-data"}
ENV_KEYS = {("source", "db-password"): "SOURCE_DB_PASSWORD", ("target", "db-password"): "TARGET_DB_PASSWORD"}


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
        bad: list[str] = []
        for key, value in self.data.items():
            if key == "source":
                bad += [
                    f"source.{k}"
                    for k in (value or {})
                    if k not in SOURCE_KEYS and k not in self.source_options
                ]
            elif key == "target":
                bad += [f"target.{k}" for k in (value or {}) if k not in CONN_KEYS]
            elif key in COMMAND_SECTIONS:
                if value is not None and not isinstance(value, dict):
                    bad.append(key)
            elif key not in GLOBAL_KEYS:
                bad.append(key)
        if "export-data" in self.data and "export-data-from-source" in self.data:
            bad.append("export-data/export-data-from-source (use only one)")
        if "import-data" in self.data and "import-data-to-target" in self.data:
            bad.append("import-data/import-data-to-target (use only one)")
        if bad:
            raise ConfigError(
                f"config file {self.path} has unknown or invalid keys: {', '.join(sorted(bad))}",
                fix="remove or rename them (see docs/configuration.md for the accepted keys)",
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
