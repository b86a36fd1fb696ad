"""Connection settings for a source or target database (filled from flags, config file and env)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

#: where a password not given as a flag is read from, before the config file
PASSWORD_ENV = {"source": "SOURCE_DB_PASSWORD", "target": "TARGET_DB_PASSWORD"}


@dataclass
class DBConfig:
    """Where a database is and how to log in. The password never appears in ``repr`` or logs."""

    db_type: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    name: str | None = None
    schema: str | None = None
    ssl_mode: str | None = None
    ssl_cert: str | None = None
    ssl_key: str | None = None
    ssl_root_cert: str | None = None
    ssl_crl: str | None = None
    #: the settings a source adapter declares for itself (:class:`~transship.adapters.base.ConnectionOption`),
    #: by the option's key (``oracle_db_sid`` for ``--oracle-db-sid``); only those given are present
    options: dict[str, str] = field(default_factory=dict)

    def option(self, key: str) -> str | None:
        """The value of the adapter's connection option ``key`` (e.g. ``"oracle_db_sid"``), None if not given."""
        value = self.options.get(key)
        return None if value in (None, "") else str(value)

    def schemas(self) -> list[str]:
        """``--source-db-schema a,b`` as a list (empty when not given)."""
        if not self.schema:
            return []
        return [s.strip() for s in self.schema.split(",") if s.strip()]

    def public_dict(self) -> dict[str, Any]:
        """Everything except the password, for state files and logs."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "password"}
        out["options"] = dict(self.options)
        return out

    def complete_from(self, stored: dict[str, Any]) -> None:
        """Fill the settings not given from ``stored`` (a :meth:`public_dict` an earlier command saved).

        Export dirs of transship before SDK 2.0 stored the Oracle settings as top-level keys: those are read as
        adapter options.
        """
        known = {f.name for f in fields(self)} - {"password", "options"}
        for key, value in stored.items():
            if value in (None, "") or key == "password":
                continue
            if key == "options" and isinstance(value, dict):
                for name, v in value.items():
                    if self.options.get(name) in (None, "") and v not in (None, ""):
                        self.options[name] = str(v)
            elif key in known:
                if getattr(self, key) in (None, ""):
                    setattr(self, key, value)
            elif self.options.get(key) in (None, ""):
                self.options[key] = str(value)

    def describe(self) -> str:
        """``user@host:port/name`` for messages."""
        return f"{self.user or ''}@{self.host or ''}:{self.port or ''}/{self.name or ''}"
