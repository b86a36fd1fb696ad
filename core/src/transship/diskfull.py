"""A full disk on the client: one error line, whichever writer hit it.

Every writer of the export dir — the data files, ``meta.db``, the files written and renamed into place, the
schema files, the reports and the log — turns what a full disk raises (``OSError`` ``ENOSPC``/``EDQUOT``,
SQLite's "database or disk is full") into :class:`~transship.errors.DiskFull` through :func:`disk_full_error`
(or the :func:`on_disk_full` block built on it), which measures the free space with :func:`shutil.disk_usage`:

    disk full at PATH (N MB free, about M MB needed) — fix: ...

The caller says what the step needs in all (``needed``): a table's row estimate times its average row size,
else the bytes the failed write attempted.

Test hook: ``TRANSSHIP_DISK_FULL_AT=<point>[@N]`` makes the N-th write at ``<point>`` (1-based) and every later
one in the process fail as a full disk fails there, so a test can provoke each writer through the CLI. The
points are :data:`POINTS`; unset (the normal case), :func:`simulate` costs one environment lookup.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from transship.errors import DiskFull

MB = 1 << 20
ENV = "TRANSSHIP_DISK_FULL_AT"
DATA = "data"
META = "meta"
FILE = "file"
#: The writers a test can make fail as if the disk were full: name -> what fails.
POINTS: dict[str, str] = {
    DATA: "a block written to a table's data/tmp_ file (OSError ENOSPC)",
    META: "a write to metainfo/meta.db (sqlite3.OperationalError 'database or disk is full')",
    FILE: "a file written whole: written-and-renamed files, schema files, reports, the stashed rows' files in"
    " data/errors/ (OSError ENOSPC)",
}
SQLITE_FULL = 13  # SQLite's result code for "database or disk is full"
_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)

DEFAULT_FIX = (
    "free space on that disk and re-run the same command, which resumes where it stopped (finished work is "
    "kept), or start the migration again with another --export-dir on a disk with room"
)

_hits: dict[str, int] = {}
_lock = threading.Lock()


def simulate(point: str, path: str | Path | None = None) -> None:
    """Raise what a full disk raises at ``point`` when ``TRANSSHIP_DISK_FULL_AT`` names it (a test hook)."""
    if point not in POINTS:
        raise KeyError(f"undeclared disk-full point {point!r}")
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    target, _, nth = wanted.partition("@")
    if target != point:
        return
    with _lock:
        _hits[point] = count = _hits.get(point, 0) + 1
    if count < (int(nth) if nth else 1):
        return
    if point == META:
        raise sqlite3.OperationalError("database or disk is full")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), None if path is None else str(path))


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, DiskFull):
        return True
    if isinstance(exc, OSError):
        return exc.errno in _FULL_ERRNOS
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL or "database or disk is full" in str(exc)
    return False


def full_disk_cause(exc: BaseException | None) -> BaseException | None:
    """``exc`` or the exception it was raised from (or while handling) that is a full disk; None if none is."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _is_full(exc):
            return exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return None


def is_disk_full(exc: BaseException | None) -> bool:
    """True when ``exc``, or an exception in its chain, is a full disk (or a quota exceeded)."""
    return full_disk_cause(exc) is not None


def free_bytes(path: str | Path) -> int | None:
    """Bytes an unprivileged user may still write on the file system of ``path`` (its nearest existing parent)."""
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


def _mb(size: int, up: bool) -> str:
    tenths = size * 10 / MB
    value = (math.ceil(tenths) if up else math.floor(tenths)) / 10
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def disk_full_error(
    exc: BaseException,
    path: str | Path,
    needed: int | None,
    *,
    what: str = "",
    fix: str | None = None,
) -> DiskFull | None:
    """The :class:`DiskFull` for ``exc`` when it is a full disk, else None.

    :param path: the file the write was for (its final name, not a ``tmp_`` one).
    :param needed: bytes the step needs in all, estimated (None: not known).
    :param what: the step, e.g. ``exporting table shop.orders`` (the message starts with it).
    :param fix: replaces :data:`DEFAULT_FIX`.
    """
    cause = full_disk_cause(exc)
    if cause is None:
        return None
    if isinstance(cause, DiskFull):
        return cause
    free = free_bytes(path)
    room = "free space unknown" if free is None else f"{_mb(free, up=False)} MB free"
    need = (
        "how much more is needed is not known"
        if needed is None
        else f"about {_mb(needed, up=True)} MB needed"
    )
    quota = " (disk quota exceeded)" if isinstance(cause, OSError) and cause.errno == errno.EDQUOT else ""
    prefix = f"{what}: " if what else ""
    return DiskFull(f"{prefix}disk full{quota} at {path} ({room}, {need})", fix=fix or DEFAULT_FIX)


def unmapped_disk_full(exc: BaseException, default_path: str | Path) -> DiskFull | None:
    """For an error no writer mapped (the CLI's last resort): the :class:`DiskFull` it is, if it is one.

    The path is the one the ``OSError`` names, else ``default_path``; what was needed is not known.
    """
    cause = full_disk_cause(exc)
    if cause is None:
        return None
    filename = getattr(cause, "filename", None)
    return disk_full_error(cause, filename if isinstance(filename, str) and filename else default_path, None)


@contextlib.contextmanager
def on_disk_full(
    path: str | Path | Callable[[], str | Path],
    needed: int | Callable[[], int | None] | None,
    *,
    remove: Iterable[str | Path] = (),
    what: str = "",
    fix: str | None = None,
) -> Iterator[None]:
    """Turn a full disk inside the block into :class:`DiskFull`, after deleting the ``remove`` files.

    ``needed`` may be a callable, evaluated after the failure (when the bytes written so far are known); so may
    ``path``, when the block writes several files (it names the one being written when the disk filled).
    Any other error passes unchanged.
    """
    try:
        yield
    except Exception as exc:
        if not is_disk_full(exc) or isinstance(exc, DiskFull):
            raise
        for leftover in remove:
            with contextlib.suppress(OSError):
                Path(leftover).unlink(missing_ok=True)
        size = needed() if callable(needed) else needed
        error = disk_full_error(exc, path() if callable(path) else path, size, what=what, fix=fix)
        assert error is not None  # is_disk_full said so
        raise error from exc


def write_text(path: Path, text: str) -> None:
    """``path.write_text(text)`` (UTF-8), a full disk reported as :class:`DiskFull` and the partial file removed."""
    data = text.encode("utf-8")
    with on_disk_full(path, len(data), remove=[path]):
        simulate(FILE, path)
        path.write_bytes(data)


class LogFileHandler(logging.FileHandler):
    """The command's log file. When its disk is full, one warning line goes to stderr (not a traceback per
    record) and the records are dropped until there is room again; any other error is logging's usual."""

    warned = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """Report a full disk once; leave every other error to :meth:`logging.Handler.handleError`."""
        exc = sys.exc_info()[1]
        if exc is None or not is_disk_full(exc):
            super().handleError(record)
            return
        if not self.warned:
            self.warned = True
            error = disk_full_error(
                exc, self.baseFilename, len(str(record.msg)) + 200, fix="free space on that disk"
            )
            if error is not None:
                sys.stderr.write(f"WARNING: {error.one_line()} (log lines are dropped until there is room)\n")
