"""``COPY ... TO STDOUT`` through a ``psql`` child process, read in 1 MiB blocks.

psycopg hands over one CopyData message per row, so a table of short rows costs a Python call or more per
row; ``psql`` writes the same bytes to a pipe and this module reads them in large blocks, leaving no per-row
work in Python (``docs/benchmark.md`` has the numbers). The child runs the same statements a psycopg reader
would: a ``REPEATABLE READ, READ ONLY`` transaction on the exported snapshot, the ``COPY``, ``COMMIT``.

- Connection settings go in the conninfo argument, without the password, which travels in ``PGPASSWORD``
  (never on the command line); ``-X`` keeps a user's ``~/.psqlrc`` out; ``-w`` never prompts.
- The child dies with the thread that started it (``setpriv --pdeathsig KILL``, where util-linux has it), so a
  killed export leaves no ``psql`` streaming into a closed pipe.
- Lines over the COPY line limit are caught per block (the position of the first and last newline, all of
  them only when the limit is smaller than a block), without looking at every row.
- ``TRANSSHIP_PG_EXPORT_DRIVER=psycopg`` turns the fast path off; without ``psql`` on the PATH (or when it
  cannot connect where psycopg can) the reader uses psycopg and says so once in the log.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from psycopg.conninfo import make_conninfo

from transship.sdk import children, copyline

log = logging.getLogger(__name__)

DRIVER_ENV = "TRANSSHIP_PG_EXPORT_DRIVER"
BLOCK = 1 << 20
SESSION_SQL = (
    "SET statement_timeout = 0",
    "SET idle_in_transaction_session_timeout = 0",
    # the COPY text of dates, intervals, floats and bytea in forms any target reads back as the same values,
    # whatever the source database or role sets (pg_dump sets the same)
    "SET DateStyle = ISO",
    "SET IntervalStyle = postgres",
    "SET extra_float_digits = 3",
    "SET TimeZone = 'UTC'",
    "SET bytea_output = hex",
)
"""Session settings of every export reader, the psql children's and the psycopg connections'."""
PREFIX = 64 * 1024  # bytes kept of the line being read, to name a row too large for one COPY line
_TOO_LARGE_WORDS = ("out of memory", "Cannot enlarge string buffer", "invalid memory alloc request size")


def psql_command() -> list[str] | None:
    """The command that starts psql (with the parent-death signal where possible), or None for psycopg."""
    if children.driver_setting(DRIVER_ENV, "psql", "psycopg") == "psycopg":
        return None
    psql = shutil.which("psql")
    if psql is None:
        warn_once("no-psql", "psql is not on the PATH: exporting PostgreSQL data with psycopg (slower); "
                  "install the PostgreSQL client (e.g. postgresql-client) for the fast path")  # fmt: skip
        return None
    return children.dying_with_parent(psql)


def warn_once(key: str, message: str) -> None:
    """Log ``message`` once per process."""
    children.warn_once(log, key, message)


class PsqlUnavailable(Exception):
    """psql could not start or connect before it wrote anything: the caller falls back to psycopg."""


class PsqlFailed(Exception):
    """The server or psql stopped the copy: ``reason`` is psql's first error line (the server's words)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def too_large(self) -> bool:
        """Whether the server refused to build a COPY line too large for its buffers."""
        return any(words in self.reason for words in _TOO_LARGE_WORDS)


@dataclass
class LineTooLong(Exception):
    """A COPY line over the limit: its number in COPY order, its length, and its first bytes."""

    number: int
    size: int
    prefix: bytes
    complete: bool  # ``prefix`` is the whole line


class LineLimit:
    """Follows line lengths across blocks; raises :class:`LineTooLong` for the first line over ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rows = 0  # lines finished before the current one
        self.carry = 0  # bytes of the current (unfinished) line
        self.prefix = b""
        self.over = False  # the current line is over the limit: read to its end, then raise

    def check(self, buf: bytearray, n: int) -> None:
        """Account for ``buf[:n]``; raise when a line over the limit has ended (or at :meth:`finish`)."""
        start = 0
        pos = buf.find(b"\n", 0, n)
        while pos >= 0:
            length = self.carry + pos + 1 - start
            if length > self.limit:
                self._keep(buf, start, pos + 1)
                raise LineTooLong(self.rows + 1, length, self.prefix, len(self.prefix) == length)
            self.rows += 1
            self.carry = 0
            self.prefix = b""
            start = pos + 1
            if self.limit >= n:  # no line inside the block can be over the limit: skip to the last one
                last = buf.rfind(b"\n", start, n)
                if last >= 0:
                    self.rows += buf.count(b"\n", start, last + 1)
                    start = last + 1
                break
            pos = buf.find(b"\n", start, n)
        self._keep(buf, start, n)
        self.carry += n - start
        self.over = self.carry > self.limit

    def _keep(self, buf: bytearray, start: int, end: int) -> None:
        room = PREFIX - len(self.prefix)
        if room > 0:
            self.prefix += bytes(buf[start : min(end, start + room)])

    def finish(self) -> None:
        """At the end of the output: a last line without newline over the limit."""
        if self.carry > self.limit:
            raise LineTooLong(self.rows + 1, self.carry, self.prefix, len(self.prefix) == self.carry)


def copy_out(
    command: list[str],
    conninfo: dict[str, str],
    snapshot_id: str,
    query: str,
    write: Callable[[memoryview], object],
    limit: int = copyline.MAX_COPY_LINE_BYTES,
) -> None:
    """Run ``query`` (a ``COPY ... TO STDOUT``) on ``snapshot_id`` in a psql child; hand its output to ``write``.

    :param conninfo: libpq keywords, the password among them (it goes to the child's environment only).
    :raises PsqlUnavailable: psql could not start or connect (it wrote nothing).
    :raises PsqlFailed: the copy failed (the server's first error line).
    :raises LineTooLong: a line over ``limit``.
    """
    keywords = {k: v for k, v in conninfo.items() if k != "password"}
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    if conninfo.get("password"):
        env["PGPASSWORD"] = conninfo["password"]
    snapshot = snapshot_id.replace("'", "''")
    args = [*command, "-X", "-q", "-w", "-v", "ON_ERROR_STOP=1",
            *(arg for stmt in SESSION_SQL for arg in ("-c", stmt)),
            "-c", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            "-c", f"SET TRANSACTION SNAPSHOT '{snapshot}'",
            "-c", query, "-c", "COMMIT", "-d", make_conninfo(**keywords)]  # fmt: skip
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(  # noqa: S603 - a fixed program; the query is one argument, no shell
                args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=env, bufsize=0,
                start_new_session=True,  # Ctrl-C is the export's to handle (it stops the copy), not psql's
            )  # fmt: skip
        except OSError as exc:
            raise PsqlUnavailable(f"cannot start psql: {exc}") from exc
        stdout = children.raw_pipe(proc.stdout)
        lines = LineLimit(limit)
        wrote = False
        try:
            buf = bytearray(BLOCK)
            view = memoryview(buf)
            while True:
                n = 0
                while n < BLOCK:
                    got = stdout.readinto(view[n:])
                    if not got:
                        break
                    n += got
                if n == 0:
                    break
                lines.check(buf, n)
                if not lines.over:
                    write(view[:n])
                    wrote = True
                if n < BLOCK:
                    break
            lines.finish()
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            stdout.close()
        if code == 0:
            return
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
    reason = _first_error(text) or f"psql exited with code {code}"
    if not wrote and "psql: error:" in text:  # psql could not connect (or start at all)
        raise PsqlUnavailable(reason)
    raise PsqlFailed(reason)


def _first_error(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        for mark in ("ERROR:", "FATAL:", "psql: error:"):
            if mark in line:
                return line.split(mark, 1)[1].strip()
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
