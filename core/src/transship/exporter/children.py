"""What the source adapters need to read rows through a client program (``psql``, ``mariadb``) in a child
process: the driver setting, the command that makes the child die with the export, a pipe read in large
blocks, and a log warning given once per process (the fallback to the Python driver)."""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import os
import shutil
import threading
import typing

from transship.errors import ConfigError

PIPE_BYTES = 1 << 20
"""The pipe size asked for (Linux; the default is 64 KiB): fewer wake-ups per MiB read."""

_lock = threading.Lock()
_warned: set[str] = set()


def driver_setting(env: str, client: str, python: str) -> str:
    """The reader ``env`` chooses: ``client`` (the default) or ``python``; anything else is one ConfigError."""
    value = os.environ.get(env, "").strip().lower() or client
    if value not in (client, python):
        raise ConfigError(
            f"{env}={value!r} is not a driver", fix=f"set it to {client} or {python}, or unset it"
        )
    return value


def dying_with_parent(program: str) -> list[str]:
    """The command that runs ``program`` and kills it when the thread that started it dies (``setpriv
    --pdeathsig KILL``, from util-linux, where it is installed): a killed export leaves no child behind."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", program] if setpriv else [program]


def raw_pipe(pipe: typing.IO[bytes] | None) -> io.RawIOBase:
    """A child's stdout (opened with ``bufsize=0``) as the raw file it is, its pipe enlarged to :data:`PIPE_BYTES`."""
    assert pipe is not None
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return typing.cast(io.RawIOBase, pipe)


def warn_once(log: logging.Logger, key: str, message: str) -> None:
    """Log ``message`` as a warning once per process (``key`` tells messages apart)."""
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning("%s", message)
