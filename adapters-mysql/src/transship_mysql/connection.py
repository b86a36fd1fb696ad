"""Connecting to MySQL/MariaDB with pymysql, and turning driver errors into one clear line with a fix."""

from __future__ import annotations

from typing import Any

import pymysql
import pymysql.cursors

from transship.sdk import ConnectionFailed, DBConfig, supply_password

# Session settings every connection uses: backslash escapes in literals on (the dump SQL relies on
# them), no zero-date rejection on reads, UTC for TIMESTAMP values, large GROUP_CONCAT results, every row.
SESSION_SQL = (
    "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'",
    "SET SESSION time_zone = '+00:00'",
    "SET SESSION group_concat_max_len = 4294967295",
    "SET SESSION sql_select_limit = 18446744073709551615",  # a global limit would cut every table short
)


def as_text(value: Any) -> str:
    """A value as the driver returned it (bytes on a raw connection), as text."""
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


def connect(
    config: DBConfig, *, raw: bool = False, streaming: bool = False
) -> pymysql.connections.Connection:
    """Open a session on the source (utf8mb4, UTC); ``raw`` returns text as bytes, ``streaming`` uses SSCursor."""
    kwargs: dict[str, Any] = {
        "host": config.host or "localhost",
        "port": int(config.port or 3306),
        "user": config.user or "root",
        "password": config.password or "",
        "database": config.name,
        "charset": "utf8mb4",
        "autocommit": True,
        "use_unicode": not raw,
        "connect_timeout": 15,
    }
    if streaming:
        kwargs["cursorclass"] = pymysql.cursors.SSCursor
    ssl = _ssl_options(config)
    if ssl:
        kwargs["ssl"] = ssl
    try:
        conn = _open(kwargs, config)
    except pymysql.err.OperationalError as exc:
        # the server wants a password and none was given: ask for one (see transship.credentials), once
        if not (
            wants_password(exc, kwargs)
            and supply_password(config, "source", f"{kwargs['host']}:{kwargs['port']}")
        ):
            raise translate_error(exc, config) from None
        kwargs["password"] = config.password or ""
        conn = _open(kwargs, config)
    with conn.cursor() as cur:
        for stmt in SESSION_SQL:
            cur.execute(stmt)
    return conn


def _open(kwargs: dict[str, Any], config: DBConfig) -> pymysql.connections.Connection:
    """``pymysql.connect`` with driver errors as one-line :class:`ConnectionFailed` (a missing password passes)."""
    try:
        return pymysql.connect(**kwargs)
    except pymysql.err.OperationalError as exc:
        if wants_password(exc, kwargs):
            raise  # the caller may ask for one
        raise translate_error(exc, config) from None
    except (
        RuntimeError
    ) as exc:  # pymysql: "cryptography package is required for sha256_password or caching_sha2_password"
        raise translate_error(exc, config) from None


def wants_password(exc: BaseException, kwargs: dict[str, Any]) -> bool:
    """True for MySQL error 1045 "... (using password: NO)" on a login that sent no password."""
    code = exc.args[0] if exc.args else None
    return not kwargs.get("password") and code == 1045 and "using password: NO" in str(exc)


def _ssl_options(config: DBConfig) -> dict[str, Any] | None:
    mode = (config.ssl_mode or "").lower()
    if mode in ("", "disable", "allow", "prefer"):
        return None
    ssl: dict[str, Any] = {}
    if config.ssl_root_cert:
        ssl["ca"] = config.ssl_root_cert
    if config.ssl_cert:
        ssl["cert"] = config.ssl_cert
    if config.ssl_key:
        ssl["key"] = config.ssl_key
    ssl["check_hostname"] = mode == "verify-full"
    if mode == "require":
        ssl["verify_mode"] = False
    return ssl


def translate_error(exc: BaseException, config: DBConfig) -> ConnectionFailed:
    """A ConnectionFailed for a pymysql connect error (access denied, unknown database, auth plugin ...)."""
    where = f"MySQL source {config.describe()}"
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    if isinstance(exc, RuntimeError) and ("caching_sha2_password" in text or "sha256_password" in text):
        return ConnectionFailed(
            f"{where}: the account uses caching_sha2_password/sha256_password and the 'cryptography' package is missing",
            fix="pip install cryptography (or connect with --source-ssl-mode require, or ALTER USER ... IDENTIFIED WITH mysql_native_password)",
        )
    if code == 1045:
        return ConnectionFailed(
            f"{where}: access denied for user {config.user!r}",
            fix="check --source-db-user and the password (SOURCE_DB_PASSWORD)",
        )
    if code == 1044 or code == 1049:
        reason = "unknown database" if code == 1049 else "the user may not use the database"
        return ConnectionFailed(
            f"{where}: {reason} {config.name!r}",
            fix="check --source-db-name"
            if code == 1049
            else f"GRANT SELECT, SHOW VIEW ON `{config.name}`.* TO the export user",
        )
    if code == 2059 or "plugin" in text.lower() and "auth" in text.lower():
        return ConnectionFailed(
            f"{where}: the server asked for an authentication plugin the driver cannot use ({text})",
            fix="use an account with mysql_native_password or caching_sha2_password",
        )
    if code in (2003, 2005, 2006, 2013):
        return ConnectionFailed(
            f"{where}: cannot reach the server ({text})",
            fix="check --source-db-host/--source-db-port and that the server runs",
        )
    return ConnectionFailed(f"{where}: {text}", fix="check the source connection flags")
