"""Connecting with python-oracledb (thin mode: no Instant Client) and turning ORA errors into one line.

A source is addressed like voyager does: ``--source-db-name`` is a service name,
``--oracle-db-sid`` a SID, ``--oracle-tns-alias`` an alias resolved from ``tnsnames.ora`` (in
``--oracle-home``/network/admin, ``$TNS_ADMIN`` or the working directory).
"""

from __future__ import annotations

import os
import re
from typing import Any

from transship.sdk import ConfigError, ConnectionFailed, DBConfig, TransshipError, supply_password

# ORA code -> (what happened, how to fix it); {schema}/{user}/{target} are filled in
ORA_ERRORS: dict[int, tuple[str, str]] = {
    1017: (
        "Oracle refused the login of user {user} (ORA-01017: invalid username/password)",
        "check --source-db-user and --source-db-password (Oracle passwords are case-sensitive)",
    ),
    1005: (
        "Oracle refused the login of user {user}: no password was given (ORA-01005)",
        "pass the password in SOURCE_DB_PASSWORD (or --source-db-password, or source.db-password in the config file)",
    ),
    28000: (
        "Oracle account {user} is locked (ORA-28000)",
        "ask the DBA to run ALTER USER {user} ACCOUNT UNLOCK",
    ),
    28001: (
        "the password of Oracle user {user} has expired (ORA-28001)",
        "set a new password with ALTER USER {user} IDENTIFIED BY ... or SQL*Plus",
    ),
    1045: (
        "Oracle user {user} may not log in (ORA-01045: lacks CREATE SESSION)",
        "GRANT CREATE SESSION TO {user}",
    ),
    12514: (
        "the Oracle listener at {target} does not know service {service} (ORA-12514)",
        "check --source-db-name (a service name, see lsnrctl status) or use --oracle-db-sid",
    ),
    12505: (
        "the Oracle listener at {target} does not know SID {service} (ORA-12505)",
        "check --oracle-db-sid, or pass the service name with --source-db-name",
    ),
    12541: (
        "no Oracle listener at {target} (ORA-12541)",
        "check --source-db-host and --source-db-port (default 1521)",
    ),
    12154: (
        "Oracle could not resolve the connect identifier {service} (ORA-12154)",
        "check --oracle-tns-alias and that tnsnames.ora is in --oracle-home/network/admin or $TNS_ADMIN",
    ),
    12170: ("connecting to Oracle at {target} timed out (ORA-12170)", "check the host, port and firewall"),
    942: (
        "Oracle object is missing or user {user} may not read it (ORA-00942)",
        "GRANT SELECT ON the dictionary views / tables to {user} (or SELECT_CATALOG_ROLE), and check --source-db-schema",
    ),
    1031: (
        "Oracle user {user} lacks a privilege (ORA-01031: insufficient privileges)",
        "GRANT SELECT ANY DICTIONARY and SELECT on the schema's tables to {user}",
    ),
    8180: (
        "Oracle cannot read as of the export SCN: undo data is gone (ORA-08180)",
        "export again (the snapshot is older than UNDO_RETENTION) or raise UNDO_RETENTION",
    ),
    1555: (
        "Oracle snapshot too old (ORA-01555)",
        "export again with fewer parallel jobs or raise UNDO_RETENTION",
    ),
}


def ora_code(exc: BaseException) -> int | None:
    """The ORA error number of a python-oracledb exception (None when there is none)."""
    args = getattr(exc, "args", ())
    err = args[0] if args else None
    code = getattr(err, "code", None)
    if isinstance(code, int) and code:
        return code
    full = getattr(err, "full_code", "") or str(exc)
    if "ORA-" in full:
        digits = full.split("ORA-", 1)[1][:5]
        if digits.isdigit():
            return int(digits)
    return None


def dpy_code(exc: BaseException) -> int | None:
    """The number of a python-oracledb ``DPY-nnnn`` error (None when it is not one)."""
    args = getattr(exc, "args", ())
    full = getattr(args[0] if args else None, "full_code", "") or ""
    if isinstance(full, str) and full.startswith("DPY-") and full[4:].isdigit():
        return int(full[4:])
    return None


# DPY-6001/6003 say what ORA-12514/12505 say (thin mode talks to the listener itself), DPY-4001 ORA-01005
_DPY_AS_ORA = {6001: 12514, 6003: 12505, 4001: 1005}
_DPY_TLS = {6002, 6006, 6008, 6009}


def _network_cause(exc: BaseException) -> str:
    """Why the network connection failed, in a few words: the socket error, else the driver's message."""
    for err in (exc, exc.__cause__, exc.__context__):
        if isinstance(err, OSError):
            return err.strerror or str(err) or type(err).__name__
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1:
        return lines[1]  # DPY-6005 puts the socket error on its second line
    first = lines[0] if lines else type(exc).__name__
    return re.sub(r"\s*\(CONNECTION_ID=[^)]*\)\.?", "", first)


def _network_error(exc: BaseException, code: int | None, config: DBConfig) -> TransshipError | None:
    """A one-line error for a failure to reach the listener (DPY-6000 range, socket errors), else None."""
    if not (isinstance(exc, OSError) or (code is not None and 6000 <= code < 7000)):
        return None
    cause = _network_cause(exc)
    if config.option("oracle_tns_alias"):
        where = f"for TNS alias {config.option('oracle_tns_alias')}"
        fix = f"check HOST and PORT of {config.option('oracle_tns_alias')} in tnsnames.ora and that the listener is running"
    else:
        where = f"at {config.host}:{config.port or 1521}"
        fix = "check --source-db-host/--source-db-port and that the listener is running"
    if code in _DPY_TLS:
        return ConnectionFailed(
            f"the TLS handshake with the Oracle listener {where} failed ({cause})",
            fix="check --source-ssl-mode and --source-ssl-root-cert (the server certificate must match the host)",
        )
    return ConnectionFailed(f"cannot reach the Oracle listener {where} ({cause})", fix=fix)


def translate(exc: BaseException, config: DBConfig, action: str = "connect") -> TransshipError:
    """A one-line :class:`TransshipError` for an ORA/DPY error or a socket error, naming the fix."""
    code = ora_code(exc)
    dpy = dpy_code(exc)
    if code is None and dpy == 6000:
        similar = re.search(r"ORA-(\d{5})", str(exc))
        code = int(similar.group(1)) if similar else None
    if code is None and dpy in _DPY_AS_ORA:
        code = _DPY_AS_ORA[dpy]
    values = {
        "user": config.user or "(no user)",
        "schema": config.schema or "",
        "target": f"{config.host}:{config.port or 1521}",
        "service": config.option("oracle_tns_alias") or config.option("oracle_db_sid") or config.name or "",
    }
    if code in ORA_ERRORS:
        what, fix = ORA_ERRORS[code]
        cls = ConnectionFailed if action == "connect" else TransshipError
        return cls(what.format(**values), fix=fix.format(**values))
    network = _network_error(exc, dpy, config)
    if network is not None:
        return network
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ConnectionFailed(
        f"Oracle {action} failed: {first}",
        fix="check the connection flags (--source-db-host/port/name, --oracle-db-sid, --oracle-tns-alias) and the user's privileges",
    )


def connect_params(config: DBConfig) -> dict[str, Any]:
    """Keyword arguments for ``oracledb.connect`` from the connection flags."""
    if not config.user:
        raise ConfigError(
            "--source-db-user is required for Oracle",
            fix="pass --source-db-user (the schema owner or a user with SELECT ANY DICTIONARY)",
        )
    kwargs: dict[str, Any] = {"user": config.user, "password": config.password or ""}
    if config.option("oracle_tns_alias"):
        kwargs["dsn"] = config.option("oracle_tns_alias")
        config_dir = None
        oracle_home = config.option("oracle_home")
        if oracle_home:
            config_dir = os.path.join(oracle_home, "network", "admin")
        elif os.environ.get("TNS_ADMIN"):
            config_dir = os.environ["TNS_ADMIN"]
        if config_dir:
            kwargs["config_dir"] = config_dir
        return kwargs
    if not config.host:
        raise ConfigError(
            "--source-db-host is required for Oracle", fix="pass --source-db-host, or --oracle-tns-alias"
        )
    kwargs["host"] = config.host
    kwargs["port"] = int(config.port or 1521)
    if config.option("oracle_db_sid"):
        kwargs["sid"] = config.option("oracle_db_sid")
    elif config.name:
        kwargs["service_name"] = config.name
    else:
        raise ConfigError(
            "Oracle needs a service name or SID",
            fix="pass --source-db-name SERVICE, --oracle-db-sid SID or --oracle-tns-alias ALIAS",
        )
    if (config.ssl_mode or "").lower() in ("require", "verify-ca", "verify-full"):
        kwargs["protocol"] = "tcps"
        if config.ssl_root_cert:
            kwargs["ssl_server_cert_dn"] = None
            kwargs["wallet_location"] = os.path.dirname(config.ssl_root_cert)
    return kwargs


def connect(config: DBConfig, driver: Any = None) -> Any:
    """Open a thin-mode connection; errors become one-line TransshipErrors."""
    if driver is None:
        import oracledb as driver
    params = connect_params(config)
    try:
        return driver.connect(**params)
    except Exception as exc:  # oracledb.Error and DPY network errors
        if isinstance(exc, TransshipError):
            raise
        # the server wants a password and none was given: ask for one (see transship.credentials), once
        if not (wants_password(exc, params) and supply_password(config, "source", _where(config))):
            raise translate(exc, config) from None
    params["password"] = config.password or ""
    try:
        return driver.connect(**params)
    except Exception as exc:
        if isinstance(exc, TransshipError):
            raise
        raise translate(exc, config) from None


def wants_password(exc: BaseException, params: dict[str, Any]) -> bool:
    """True when a login that sent no password was refused for it (ORA-01005/DPY-4001, ORA-01017)."""
    if params.get("password"):
        return False
    return ora_code(exc) in (1005, 1017) or dpy_code(exc) == 4001


def _where(config: DBConfig) -> str:
    """The listener (or TNS alias) for a password prompt."""
    return config.option("oracle_tns_alias") or f"{config.host}:{config.port or 1521}"
