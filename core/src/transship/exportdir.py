"""The export directory: voyager's layout, and a lock so two commands never work on it at once."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from transship.errors import ExportDirError

SUBDIRS = ("schema", "data", "metainfo", "metainfo/data", "reports", "logs", "temp")
LOCK_NAME = ".transship.lck"


class ExportDir:
    """Paths inside ``--export-dir`` plus its lock."""

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path).expanduser().absolute()

    schema = property(lambda self: self.root / "schema")
    data = property(lambda self: self.root / "data")
    metainfo = property(lambda self: self.root / "metainfo")
    reports = property(lambda self: self.root / "reports")
    logs = property(lambda self: self.root / "logs")
    temp = property(lambda self: self.root / "temp")
    meta_db = property(lambda self: self.root / "metainfo" / "meta.db")
    descriptor = property(lambda self: self.root / "metainfo" / "dataFileDescriptor.json")

    def check_exists(self) -> None:
        """The directory must exist (voyager's rule: the user creates it, on a disk with room)."""
        if not self.root.is_dir():
            raise ExportDirError(
                f"export directory {self.root} does not exist",
                fix=f"create it first (mkdir -p {self.root}) on a disk with room for the whole source database",
            )
        if not os.access(self.root, os.W_OK):
            raise ExportDirError(
                f"export directory {self.root} is not writable",
                fix="fix its permissions or choose another --export-dir",
            )

    def init(self) -> None:
        """Create the subdirectories (idempotent), readable by the owner only: they hold a copy of the data."""
        self.check_exists()
        for sub in SUBDIRS:
            path = self.root / sub
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(PermissionError):  # another user's directory: leave its mode alone
                path.chmod(0o700)

    def is_initialised(self) -> bool:
        return self.meta_db.is_file()

    def lock_holder(self) -> str | None:
        """Who holds the lock right now (None when no command is running)."""
        path = self.root / LOCK_NAME
        if not path.exists():
            return None
        fd = os.open(path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return os.pread(fd, 4096, 0).decode(errors="replace").strip() or "another transship command"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def lock(self, command: str) -> Iterator[None]:
        """Hold an exclusive lock for ``command``; fail at once if another command holds it.

        The lock is an ``flock`` on ``<export-dir>/.transship.lck``, so it is released even when the
        holder is killed with SIGKILL.
        """
        path = self.root / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            with contextlib.suppress(PermissionError):  # a lock file made by an older version was 0644
                os.fchmod(fd, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "another transship command"
                raise ExportDirError(
                    f"export directory {self.root} is in use by {holder}",
                    fix="wait for that command to finish (or stop it), or use a different --export-dir",
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"'transship {command}' (pid {os.getpid()})".encode(), 0)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
