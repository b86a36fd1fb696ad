"""Where a password comes from when a server asks for one that was not given.

A password is normally given up front (flag, ``SOURCE_DB_PASSWORD``/``TARGET_DB_PASSWORD``, config file) and
travels in :attr:`DBConfig.password`. When none was given and the server answers "password required", the
connect code (``pgconn``, the MySQL and Oracle adapters) calls :func:`supply`, which asks the current
:data:`PasswordSource` once and stores the answer in the :class:`DBConfig`, so every later connection of the
same run (parallel workers included) uses it without asking again. The connection is then retried once.

The CLI installs a :class:`TerminalPrompt` when standard input is a terminal (and neither ``--yes`` nor
``TRANSSHIP_NO_PASSWORD_PROMPT`` is set); a program using transship as a library can install its own
callable with :func:`set_password_source`, or none (the default), in which case the login error is raised.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import threading
from collections.abc import Callable, Iterator

from transship.dbconfig import DBConfig
from transship.errors import ConfigError

#: ``ask(side, user, host) -> password``: ``side`` is "source" or "target", ``host`` is ``host:port``.
#: Returns None (or "") when it has no password to give; the login error is raised then.
PasswordSource = Callable[[str, str, str], str | None]

_lock = threading.RLock()
_source: PasswordSource | None = None
# a source set for one call and the threads it starts (transship.api), which beats the process-wide one
_scoped: contextvars.ContextVar[PasswordSource | None] = contextvars.ContextVar("transship_password_source")


def set_password_source(source: PasswordSource | None) -> PasswordSource | None:
    """Install ``source`` for the connections opened from now on; returns the one it replaces."""
    global _source
    with _lock:
        previous, _source = _source, source
    return previous


def password_source() -> PasswordSource | None:
    """The password source in effect: one scoped to this call (:func:`scoped_password_source`), else the
    installed one (None: never ask)."""
    return _scoped.get(_source)


@contextlib.contextmanager
def scoped_password_source(source: PasswordSource | None) -> Iterator[None]:
    """Use ``source`` in this thread's context and in the pool threads it starts
    (:class:`transship.pools.ContextThreadPool`), whatever other threads install meanwhile."""
    token = _scoped.set(source)
    try:
        yield
    finally:
        _scoped.reset(token)


class TerminalPrompt:
    """Asks on the terminal (no echo), once per side, user and host; remembers each answer for the run."""

    def __init__(self, ask: Callable[[str], str] = getpass.getpass) -> None:
        self._ask = ask
        self._answers: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    def __call__(self, side: str, user: str, host: str) -> str | None:
        key = (side, user, host)
        with self._lock:  # parallel workers wait for the one prompt instead of asking again
            if key not in self._answers:
                self._answers[key] = self._ask(f"Password for {side} database user {user} at {host}: ")
            return self._answers[key] or None


def supply(cfg: DBConfig, side: str, host: str, user: str | None = None) -> bool:
    """The server at ``host`` wants a password that ``cfg`` lacks: get one into ``cfg``; True when retrying helps.

    Called by the connect code only after a "no password supplied" kind of refusal, so it asks at most once per
    failed attempt. A missing user is a :class:`ConfigError` first (a prompt never names an empty user).

    :param user: the user the driver logged in as, when it is not ``cfg.user``.
    """
    name = user if user is not None else cfg.user
    if not name:
        raise ConfigError(
            f"the {side} database at {host} asks for a password and no {side} database user is given",
            fix=f"pass --{side}-db-user (and the password in {side.upper()}_DB_PASSWORD)",
        )
    with _lock:
        if cfg.password:  # another connection of this run got it meanwhile
            return True
        source = password_source()
        if source is None:
            return False
        password = source(side, name, host)
        if not password:
            return False
        cfg.password = password
        return True
