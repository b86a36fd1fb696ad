"""Connecting to PostgreSQL-compatible servers (source adapter and sinks), with one-line errors."""

from __future__ import annotations

import psycopg

from transship import credentials
from transship.dbconfig import DBConfig
from transship.errors import ConnectionFailed

NETWORK_OPTIONS = {
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "tcp_user_timeout": "120000",  # ms; a server busy with an index build still acknowledges TCP
}


def conninfo_kwargs(cfg: DBConfig, dbname: str | None = None) -> dict[str, str]:
    """libpq keywords for ``cfg`` (password included: never log the result)."""
    kw: dict[str, str] = {
        "host": cfg.host or "localhost",
        "port": str(cfg.port or 5432),
        "dbname": dbname or cfg.name or "postgres",
        "application_name": "transship",
        "connect_timeout": "10",
        # a dead network never hangs a run: idle connections are probed, unacknowledged data times out
        **NETWORK_OPTIONS,
    }
    if cfg.user:
        kw["user"] = cfg.user
    if cfg.password:
        kw["password"] = cfg.password
    for attr, key in (("ssl_mode", "sslmode"), ("ssl_cert", "sslcert"), ("ssl_key", "sslkey"),
                      ("ssl_root_cert", "sslrootcert"), ("ssl_crl", "sslcrl")):  # fmt: skip
        value = getattr(cfg, attr)
        if value:
            kw[key] = value
    return kw


def libpq_env(cfg: DBConfig) -> dict[str, str]:
    """Environment for libpq tools (pg_dump): password and SSL settings stay out of the command line."""
    env = {}
    if cfg.password:
        env["PGPASSWORD"] = cfg.password
    for attr, key in (("ssl_mode", "PGSSLMODE"), ("ssl_cert", "PGSSLCERT"), ("ssl_key", "PGSSLKEY"),
                      ("ssl_root_cert", "PGSSLROOTCERT"), ("ssl_crl", "PGSSLCRL")):  # fmt: skip
        value = getattr(cfg, attr)
        if value:
            env[key] = value
    return env


def connect(
    cfg: DBConfig, role: str, autocommit: bool = True, dbname: str | None = None
) -> psycopg.Connection:
    """Open a connection; map failures to :class:`ConnectionFailed` naming the server and the fix.

    A server that asks for a password when none was given gets one from :mod:`transship.credentials`
    (the CLI's terminal prompt), and the connection is tried once more.

    :param role: ``"source"`` or ``"target"`` (used in messages and flag names).
    """
    kw = conninfo_kwargs(cfg, dbname)
    try:
        return _session_defaults(psycopg.connect(psycopg.conninfo.make_conninfo(**kw), autocommit=autocommit))
    except psycopg.OperationalError as exc:
        # the server wants a password and none was given: ask for one (see transship.credentials), once
        asked = (
            "password" not in kw
            and "no password supplied" in str(exc)
            and credentials.supply(cfg, role, f"{kw['host']}:{kw['port']}")
        )
        if not asked:
            raise _connect_error(exc, cfg, role, kw["dbname"]) from None
    kw = conninfo_kwargs(cfg, dbname)
    try:
        return _session_defaults(psycopg.connect(psycopg.conninfo.make_conninfo(**kw), autocommit=autocommit))
    except psycopg.OperationalError as exc:
        raise _connect_error(exc, cfg, role, kw["dbname"]) from None


def _session_defaults(conn: psycopg.Connection) -> psycopg.Connection:
    """No statement or idle-transaction timeout from the database's or role's defaults: COPY, index builds,
    finalize and verify's digests may legitimately run for hours (a dead network is caught by the keepalives).
    Set after connecting, not as a startup ``options`` parameter, which connection poolers refuse."""
    try:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SET idle_in_transaction_session_timeout = 0")
        if not conn.autocommit:
            conn.commit()
    except psycopg.OperationalError as exc:
        conn.close()
        # the server accepted the connection, then it broke (terminated, reset): a new try may well succeed
        raise _LostDuringSetup(str(exc).strip() or type(exc).__name__) from exc
    return conn


class _LostDuringSetup(psycopg.OperationalError):
    """A connection that broke right after it was opened, while its session was being set up."""


def _connect_error(exc: psycopg.OperationalError, cfg: DBConfig, role: str, dbname: str) -> ConnectionFailed:
    """The one-line error, marked transient when the server may accept a new try soon (restarting, busy)."""
    error = describe_connect_error(exc, cfg, role, dbname)
    error.transient = (
        (exc.sqlstate or "")
        in (
            "57P01",  # terminated by an administrator while the session was being set up
            "57P02",
            "57P03",
            "53300",
            "08006",
            "08001",
        )
        or error.message.startswith("cannot reach")
        or isinstance(exc, _LostDuringSetup)
        # errors of the connection phase carry no SQLSTATE: the server's words say it may accept a new try
        or any(words in str(exc) for words in _TRANSIENT_CONNECT_WORDS)
    )
    return error


_TRANSIENT_CONNECT_WORDS = (
    "terminating connection due to administrator command",  # the backend was terminated while it started
    "server closed the connection unexpectedly",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "sorry, too many clients already",
    "remaining connection slots are reserved",
)


def describe_connect_error(exc: Exception, cfg: DBConfig, role: str, dbname: str) -> ConnectionFailed:
    """Turn a libpq connection error into one clear line."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
    full = str(exc)
    where = f"{cfg.host or 'localhost'}:{cfg.port or 5432}"
    user = cfg.user or "(default user)"
    if (
        "password authentication failed" in full
        or "no password supplied" in full
        or "authentication failed" in full
    ):
        return ConnectionFailed(
            f"{role} database login failed for user {user} at {where}",
            fix=f"check --{role}-db-user and --{role}-db-password (or {role.upper()}_DB_PASSWORD)",
        )
    if "does not exist" in full and "database" in full:
        return ConnectionFailed(
            f"{role} database '{dbname}' does not exist on {where}",
            fix=f"check --{role}-db-name (create the database first for a target)",
        )
    if "role" in full and "does not exist" in full:
        return ConnectionFailed(
            f"{role} database user {user} does not exist on {where}", fix=f"check --{role}-db-user"
        )
    if any(
        s in full
        for s in (
            "Connection refused",
            "could not translate host name",
            "timeout expired",
            "No route to host",
            "Network is unreachable",
            "could not connect",
        )
    ):
        return ConnectionFailed(
            f"cannot reach the {role} database server at {where}: {text}",
            fix=f"check --{role}-db-host/--{role}-db-port and that the server is running and reachable",
        )
    return ConnectionFailed(
        f"cannot connect to the {role} database at {where}: {text}", fix=f"check the --{role}-db-* flags"
    )
