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

    def lock_holder(self, scope: str = "all") -> str | None:
        """Who holds the lock of ``scope`` right now (None when no such command is running): ``"export"`` is
        ``export data``, ``"import"`` is ``import data``, ``"all"`` any command."""
        names = [_SCOPE_FILES[scope]] if scope != "all" else [*_SCOPE_FILES.values()]
        for name in dict.fromkeys(names):
            path = self.root / name
            if not path.exists():
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    return (
                        os.pread(fd, 4096, 0).decode(errors="replace").strip() or "another transship command"
                    )
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        return None

    @contextlib.contextmanager
    def lock(self, command: str, scope: str = "all", also: tuple[str, ...] = ()) -> Iterator[None]:
        """Hold the export dir for ``command``; fail at once if a command that excludes it holds it.

        ``scope="all"`` (every command but two) excludes every other command. ``export data`` (``"export"``)
        and ``import data`` (``"import"``) exclude every command of their own kind and every ``"all"`` one, but
        not each other, so an import can load the files of an export that is still running. ``also`` adds
        scopes to exclude (``export data --start-clean`` deletes the files an import reads: ``("import",)``).

        The locks are ``flock`` s on files in the export dir, so they are released even when the holder is
        killed with SIGKILL.
        """
        with contextlib.ExitStack() as stack:
            if scope == "all":
                stack.enter_context(self._flock(LOCK_NAME, command, exclusive=True))
            else:
                stack.enter_context(self._flock(LOCK_NAME, command, exclusive=False))
                for name in sorted({_SCOPE_FILES[scope], *(_SCOPE_FILES[s] for s in also)}):
                    stack.enter_context(self._flock(name, command, exclusive=True))
            yield

    def _holder_text(self, name: str) -> str:
        """Who holds lock file ``name``, as its holder wrote it (the main lock's shared holders write nothing:
        then the ``export data``/``import data`` that holds it)."""
        names = [name] if name != LOCK_NAME else [LOCK_NAME, *(_SCOPE_FILES[s] for s in ("export", "import"))]
        texts = []
        for n in names:
            try:
                text = (self.root / n).read_text(errors="replace").strip()
            except OSError:
                continue
            if text:
                texts.append(text)
        return " and ".join(texts)

    @contextlib.contextmanager
    def _flock(self, name: str, command: str, exclusive: bool) -> Iterator[None]:
        path = self.root / name
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            with contextlib.suppress(PermissionError):  # a lock file made by an older version was 0644
                os.fchmod(fd, 0o600)
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                holder = self._holder_text(name) or "another transship command"
                raise ExportDirError(
                    f"export directory {self.root} is in use by {holder}",
                    fix="wait for that command to finish (or stop it), or use a different --export-dir",
                ) from None
            if exclusive:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"'transship {command}' (pid {os.getpid()})".encode(), 0)
            try:
                yield
            finally:
                if exclusive:
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


#: the lock file of each scope but "all" (which is LOCK_NAME alone)
_SCOPE_FILES = {"export": ".transship-export.lck", "import": ".transship-import.lck", "all": LOCK_NAME}
