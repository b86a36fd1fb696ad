"""Server-made COPY lines through a ``mariadb`` client child, read in large blocks.

pymysql decodes every row packet in Python (about 3 µs a row: most of a MySQL export's CPU time); the
``mariadb`` client reads the same rows in C and, with ``--batch --raw``, writes each one-column row as it came,
one per line. A reader keeps one client session for the whole export: it starts its consistent snapshot under
the export's ``FLUSH TABLES WITH READ LOCK`` like the pymysql readers, so every table it copies is read at the
same point in time.

The output is framed so that no row is looked at in Python on the common path:

- a server-made line never holds a raw carriage return (the server escapes it as ``\\r``), so a block without
  one is written as it is (one ``bytes.find``), and every marker line starts with one:
- ``CR!<key>`` is a row whose large values are to be encoded by the client (over ``CLIENT_ESCAPE_BYTES``):
  such rows are fetched a thousand keys at a time through the reader's pymysql connection (same snapshot) and
  its large-value path;
- ``CRNULL`` is a row the server could not build (over ``max_allowed_packet``);
- after the rows: an end marker with ``@@warning_count``, the ``SHOW WARNINGS`` lines, a last marker.

The password goes through the client's only option file, a pipe (``--defaults-file=/dev/fd/N``: no user's or
system option file is read, nothing is written to disk); the child dies with the export (``setpriv --pdeathsig KILL``). ``TRANSSHIP_MYSQL_EXPORT_DRIVER=pymysql``
turns the fast path off; without a MariaDB client (or when it cannot connect) pymysql reads, and the log says
so once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable

from transship.sdk import DBConfig, children
from transship_mysql.connection import SESSION_SQL

log = logging.getLogger(__name__)

DRIVER_ENV = "TRANSSHIP_MYSQL_EXPORT_DRIVER"
READY = b"#transship-ready"
END = b"#transship-end"
DONE = b"#transship-done"
FETCH_KEYS = 1000  # rows with client-encoded values fetched by key, this many at a time

Warning_ = tuple[str, int, str]
_WARNING = re.compile(
    rb"(Warning|Note|Error)\t(\d+)\t(.*)", re.S
)  # a SHOW WARNINGS row (its message may hold TABs)


def warn_once(key: str, message: str) -> None:
    """Log ``message`` once per process."""
    children.warn_once(log, key, message)


def client_command(config: DBConfig) -> list[str] | None:
    """The command that starts the MariaDB client, or None to read with pymysql."""
    if children.driver_setting(DRIVER_ENV, "mariadb", "pymysql") == "pymysql":
        return None
    if (config.ssl_mode or "").lower() not in ("", "disable", "allow", "prefer"):
        return None  # TLS settings: pymysql's, not translated to the client's options
    found = _find_client()
    if found is None:
        warn_once("no-client", "no MariaDB client (mariadb) on the PATH: exporting MySQL data with pymysql (slower); "
                  "install it (e.g. mariadb-client) for the fast path")  # fmt: skip
    return found


@functools.cache  # once per process
def _find_client() -> list[str] | None:
    for name in ("mariadb", "mysql"):
        path = shutil.which(name)
        if path is None:
            continue
        try:
            version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout  # noqa: S603
        except (OSError, subprocess.SubprocessError):
            continue
        if "MariaDB" in version:  # MySQL's own client takes other TLS and option spellings
            return children.dying_with_parent(path)
    return None


class ClientUnavailable(Exception):
    """The client could not start or connect: the reader uses pymysql."""


class ClientFailed(Exception):
    """A copy stopped by the server, the client or the driver: its one-line reason (the exporter adds the table,
    the chunk and the fix)."""


def _option_value(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ClientSession:
    """One ``mariadb`` client process holding a consistent-snapshot transaction."""

    def __init__(self, command: list[str], config: DBConfig) -> None:
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._finished = True  # no copy is under way (a stopped one leaves the client writing: it is killed)
        # the only option file the client reads (never a user's ~/.my.cnf or /etc/mysql: an init-command or
        # safe-updates there would change what is read) comes through a pipe: the password never touches a disk
        read_end, write_end = os.pipe()
        options = "[client]\n" + (f"password={_option_value(config.password)}\n" if config.password else "")
        try:
            os.write(write_end, options.encode("utf-8"))  # far below a pipe's capacity
        finally:
            os.close(write_end)
        args = [*command, f"--defaults-file=/dev/fd/{read_end}", "--batch", "--raw", "--skip-column-names",
                "--quick", "--unbuffered", "--skip-reconnect", "--default-character-set=utf8mb4",
                "--max-allowed-packet=1073741824", "--connect-timeout=15",
                f"--host={config.host or 'localhost'}", f"--port={int(config.port or 3306)}",
                f"--user={config.user or 'root'}", *([f"--database={config.name}"] if config.name else [])]  # fmt: skip
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - a fixed program; statements go through stdin
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors, bufsize=0,
                pass_fds=(read_end,), start_new_session=True,  # Ctrl-C is the export's to handle, not the client's
            )  # fmt: skip
        except OSError as exc:
            self._errors.close()
            raise ClientUnavailable(f"cannot start the MariaDB client: {exc}") from exc
        finally:
            os.close(read_end)
        assert self.proc.stdin is not None
        self._out = children.raw_pipe(self.proc.stdout)
        # a reader may pause the stream while it fetches rows with large values through pymysql: the server must
        # not drop the query meanwhile (net_write_timeout, 60 s by default)
        start = [*SESSION_SQL, "SET SESSION net_write_timeout = 86400",
                 "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                 "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", f"SELECT '{READY.decode()}'"]  # fmt: skip
        self._carry = b""
        try:
            self._send(start)
            line = self._line()
        except ClientFailed as exc:
            self.close()
            raise ClientUnavailable(str(exc)) from None
        if line != READY:
            self.close()
            raise ClientUnavailable(f"unexpected client output {line[:80]!r}")

    def _send(self, statements: list[str]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("".join(f"{s};\n" for s in statements).encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ClientFailed(self._reason()) from None

    def _read(self) -> bytes:
        """The next bytes of output (what the pipe holds, up to 1 MiB); ``ClientFailed`` at the end of it."""
        chunk = self._out.read(children.PIPE_BYTES)
        if not chunk:
            raise ClientFailed(self._reason())
        return chunk

    def _line(self) -> bytes:
        while b"\n" not in self._carry:
            self._carry += self._read()
        line, _, self._carry = self._carry.partition(b"\n")
        return line

    def _reason(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self._errors.seek(0)
        text = self._errors.read().decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            return f"the MariaDB client exited (code {self.proc.poll()})"
        # the client prints the failing statement between dashed lines before its "ERROR ..." line
        first = next((line for line in lines if line.startswith("ERROR")), lines[0])
        if (
            first.startswith("ERROR") and ": " in first
        ):  # "ERROR 1146 (42S02) at line 3: Table ... doesn't exist"
            code = first.split(" ", 2)[1]
            return f"{first.split(': ', 1)[1]} (MySQL error {code})"
        return first

    def copy(
        self,
        sql: str,
        write: Callable[[bytes], object],
        fetch: Callable[[list[int]], None],
    ) -> tuple[int, int, list[Warning_]]:
        """Run ``sql`` (one column: server-made lines, and marker lines that start with a carriage return,
        which no server-made line holds); write the lines, hand the ``!`` keys to ``fetch`` in groups.

        Returns (rows the server could not build, the statement's warning count, its warnings)."""
        self._finished = False
        self._send(
            [
                sql,
                f"SELECT '\\r{END.decode()}', @@warning_count",
                "SHOW WARNINGS",
                f"SELECT '\\r{DONE.decode()}'",
            ]
        )
        lost = 0
        count = 0
        keys: list[int] = []
        warnings: list[Warning_] = []
        in_rows = True
        carry = self._carry  # output already read (after the ready line) is handled before reading more
        self._carry = b""
        read = not carry
        while True:
            data = carry + self._read() if read else carry
            read = True
            last = data.rfind(b"\n")
            if last < 0:
                carry = data
                continue
            carry = data[last + 1 :]
            pos = 0
            while in_rows:  # rows up to the next marker line go out as they are
                cr = data.find(b"\r", pos, last)
                if cr < 0:
                    write(data[pos : last + 1])
                    pos = last + 1
                    break
                nl = data.rfind(b"\n", pos, cr)
                begin = nl + 1 if nl >= 0 else pos
                if begin > pos:
                    write(data[pos:begin])
                end = data.find(b"\n", cr, last + 1)
                line = data[begin:end]
                pos = end + 1
                if begin != cr:
                    raise ClientFailed(f"unexpected client output {line[:80]!r}")
                if line.startswith(b"\r!"):
                    keys.append(int(line[2:]))
                    if len(keys) >= FETCH_KEYS:
                        fetch(keys)
                        keys = []
                elif line == b"\rNULL":
                    lost += 1
                elif line.startswith(b"\r" + END + b"\t"):
                    count = int(line.rsplit(b"\t", 1)[1])
                    in_rows = False
                else:
                    raise ClientFailed(f"unexpected client output {line[:80]!r}")
            if in_rows:
                continue
            lines = data[pos:last].split(b"\n") if pos <= last else []
            for i, line in enumerate(lines):
                if line == b"\r" + DONE:
                    if carry or i + 1 < len(lines):
                        raise ClientFailed("unexpected client output after the rows")
                    if keys:
                        fetch(keys)
                    self._finished = True
                    return lost, count, warnings
                found = _WARNING.match(line)
                if found is None and warnings:  # the message of the warning before held a newline
                    level, code, message = warnings[-1]
                    warnings[-1] = (level, code, message + "\n" + line.decode("utf-8", "replace"))
                    continue
                if found is None:
                    raise ClientFailed(f"unexpected client output {line[:80]!r}")
                warnings.append((found[1].decode(), int(found[2]), found[3].decode("utf-8", "replace")))

    def close(self) -> None:
        """End the session (the transaction ends with it); a client stopped mid-copy is killed, not waited for
        (it would block writing rows nobody reads)."""
        proc = getattr(self, "proc", None)
        if proc is not None:
            if not self._finished:
                proc.kill()
            with contextlib.suppress(OSError):
                if proc.stdin is not None:
                    proc.stdin.close()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._errors.close()
