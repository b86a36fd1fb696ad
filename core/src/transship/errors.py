"""Errors that reach the user as one clear line: what went wrong and how to fix it."""

from __future__ import annotations


class TransshipError(Exception):
    """An error the CLI prints as a single line with a fix, then exits non-zero.

    :param message: what went wrong, naming the thing (table, file, host ...).
    :param fix: what the user should do about it.
    :param exit_code: process exit code (default 1).
    """

    def __init__(self, message: str, fix: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.exit_code = exit_code

    def one_line(self) -> str:
        """The message and the fix, joined into one line."""
        text = " ".join(self.message.split())
        if self.fix:
            text += f" — fix: {' '.join(self.fix.split())}"
        return text


class ConfigError(TransshipError):
    """Bad flags, config file or environment."""


class ConnectionFailed(TransshipError):
    """A database could not be reached or refused the login.

    ``transient``: the server may accept a new try soon (refused or timed out while it restarts, starting up,
    too many connections) — retried during a run, reported at once when the run starts.
    """

    transient: bool = False


class ExportDirError(TransshipError):
    """The export directory is missing, locked, or in the wrong state for the command."""


class DataFileError(TransshipError):
    """A data file is missing, unreadable, truncated or corrupt."""


class ImportFailed(TransshipError):
    """The target refused schema or data."""


class ExportFailed(TransshipError):
    """A source value cannot be exported intact (too large, truncated, or a driver warning).

    The message names the table, the column and the row's key; nothing is written for that table.
    """


class DiskFull(TransshipError):
    """The disk of the export dir (or of a file transship writes) is full or over its quota.

    Raised only through :func:`transship.diskfull.disk_full_error`, which measures the free space; the message
    reads ``disk full at PATH (N MB free, about M MB needed)``.
    """
