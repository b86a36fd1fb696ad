"""Connection settings for a source or target database (filled from flags, config file and env)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


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
    oracle_db_sid: str | None = None
    oracle_tns_alias: str | None = None
    oracle_home: str | None = None

    def schemas(self) -> list[str]:
        """``--source-db-schema a,b`` as a list (empty when not given)."""
        if not self.schema:
            return []
        return [s.strip() for s in self.schema.split(",") if s.strip()]

    def public_dict(self) -> dict[str, Any]:
        """Everything except the password, for state files and logs."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "password"}

    def describe(self) -> str:
        """``user@host:port/name`` for messages."""
        return f"{self.user or ''}@{self.host or ''}:{self.port or ''}/{self.name or ''}"
