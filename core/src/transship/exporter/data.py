"""Copy every table of a :class:`DataSnapshot` into COPY-text files, in parallel, with exact row counts.

A table goes into one file, or, when the snapshot planned it in chunks (:meth:`DataSnapshot.plan_chunks`), into
one file per chunk (``<table>+<chunk>_data.sql``), the chunks of one table copied by several readers at once.
Each file goes to ``data/tmp_<file>`` first and is renamed when complete, so a file under its final
name is always whole. Row counts are the number of lines written (COPY text has one line per row);
the size and a SHA-256 checksum (:mod:`transship.digests`) are recorded so import can detect truncated or corrupt files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transship import digests, diskfull
from transship.adapters.base import Chunk, ChunkTarget, DataSnapshot, ExportTable, TableReader
from transship.crashpoints import crash_point, declare
from transship.errors import ConfigError, TransshipError
from transship.pools import ContextThreadPool
from transship.progress import RowProgress

log = logging.getLogger(__name__)
WRITE_BUFFER = 1 << 20
TABLE_WRITTEN = declare(
    "export.table_written", "a table's (or a chunk's) rows are in its fsynced tmp_ file, not yet renamed"
)
TABLE_RENAMED = declare(
    "export.table_renamed", "a table's (or a chunk's) file has its final name, the file is not yet DONE"
)
TABLE_DONE = declare("export.table_done", "a table's (or a chunk's) file is DONE in meta.db")


CHUNK_ROWS_ENV = "TRANSSHIP_EXPORT_CHUNK_ROWS"
CHUNK_BYTES_ENV = "TRANSSHIP_EXPORT_CHUNK_BYTES"


def chunk_target() -> ChunkTarget | None:
    """The chunk size of big tables: ``TRANSSHIP_EXPORT_CHUNK_ROWS`` rows (default 250,000; 0: every table in
    one file) or ``TRANSSHIP_EXPORT_CHUNK_BYTES`` bytes (default 64 MiB; 0: no byte limit), whichever is less."""
    default = ChunkTarget()
    values = []
    for env, fallback in ((CHUNK_ROWS_ENV, default.rows), (CHUNK_BYTES_ENV, default.bytes)):
        text = os.environ.get(env, "").strip().replace("_", "")
        try:
            value = int(text) if text else fallback
        except ValueError:
            value = -1
        if value < 0:
            raise ConfigError(
                f"{env}={os.environ.get(env)!r} is not a whole number",
                fix=f"set {env} to a number (0 switches it off) or unset it",
            )
        values.append(value)
    rows, size = values
    return ChunkTarget(rows, size) if rows > 0 else None


def fsync_dir(path: Path) -> None:
    """Make a rename inside directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# File names: every character of a name outside [a-z0-9_-] is %XX-encoded (UTF-8 bytes, upper-case hex), so
# "." only ever separates schema and table, "A" and "a" differ even on a case-insensitive file system, and
# the markers "~" (hash) and "+" (chunk number) can never come out of a name.
_PLAIN_NAME_CHAR = re.compile(rb"[a-z0-9_\-]")
_MAX_BASE = 200  # NAME_MAX is 255 bytes: leave room for "tmp_", a "+<chunk>" suffix and "_data.sql"
DATA_SUFFIX = "_data.sql"


def _encoded_pieces(name: str) -> list[str]:
    """One piece per character: itself when plain, else its UTF-8 bytes %XX-encoded."""
    return [
        ch if _PLAIN_NAME_CHAR.fullmatch(ch.encode()) else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for ch in name
    ]


def data_file_name(table: ExportTable, chunk: int | None = None) -> str:
    """The data file of ``table``: ``<table>_data.sql`` for public/unqualified tables, else
    ``<schema>.<table>_data.sql``, each name %-encoded (see above), ``+<chunk>`` before the suffix for a chunk.

    Injective over (schema, table), also on case-insensitive file systems: a name too long for a file name is
    cut and made unique with a hash of the exact (schema, table) (``~<hash>``).
    """
    qualify = not (table.schema in ("public", None) or table.target_schema is None)
    pieces = (
        [*_encoded_pieces(table.schema), ".", *_encoded_pieces(table.name)]
        if qualify
        else _encoded_pieces(table.name)
    )
    base = "".join(pieces)
    if len(base) > _MAX_BASE:
        exact = f"{table.schema if qualify else ''}\0{table.name}".encode()
        cut, size = [], 0
        for piece in pieces:  # cut between characters, never inside an escape
            if size + len(piece) > _MAX_BASE - 17:
                break
            cut.append(piece)
            size += len(piece)
        base = f"{''.join(cut)}~{hashlib.blake2b(exact, digest_size=8).hexdigest()}"
    return f"{base}{f'+{chunk:06d}' if chunk is not None else ''}{DATA_SUFFIX}"


def check_unique_file_names(tables: list[ExportTable]) -> None:
    """Refuse two tables that would share a data file (a guard: the encoding is injective up to its hash)."""
    seen: dict[str, ExportTable] = {}
    for t in tables:
        name = data_file_name(t).lower()
        other = seen.setdefault(name, t)
        if other is not t:
            raise TransshipError(
                f"tables {other.schema}.{other.name} and {t.schema}.{t.name} map to the same data file {name}",
                fix="report this as a bug; meanwhile export one of them with --exclude-table-list",
            )


class ExportCancelled(TransshipError):
    """A table stopped because another one failed or the export was interrupted (never the error shown)."""


@dataclass(frozen=True)
class ExportWork:
    """One file to write: a whole table (``chunk`` None) or one chunk of it."""

    table: ExportTable
    chunk: Chunk | None = None
    row_estimate: int = 0  # of this file

    @property
    def file_name(self) -> str:
        return data_file_name(self.table, self.chunk.number if self.chunk is not None else None)

    @property
    def label(self) -> str:
        name = f"{self.table.schema}.{self.table.name}"
        return name if self.chunk is None else f"{name} (chunk {self.chunk.number + 1} of {self.chunk.count})"


@dataclass
class TableResult:
    table: ExportTable
    file_name: str
    rows: int
    size: int
    checksum: str
    seconds: float
    chunk: Chunk | None = None


class CountingWriter:
    """Buffers bytes into a file while counting lines and hashing.

    Small writes are gathered into blocks of :data:`BLOCK_BYTES`; a write of that size or more goes to the
    file, the hash and the line count as it is, after the gathered ones, without being copied. When
    ``cancelled`` is set (another table failed, or the user pressed Ctrl-C) the next block raises
    :class:`ExportCancelled`, so a table being copied stops instead of running to its end.
    """

    BLOCK_BYTES = 256 * 1024

    def __init__(
        self, path: Path, on_rows: Callable[[int], None], cancelled: threading.Event | None = None
    ) -> None:
        self.path = path
        self.f = open(path, "wb", buffering=WRITE_BUFFER)  # noqa: SIM115 - closed in close()/discard()
        self.hash = digests.new_hash()
        self.rows = 0
        self.size = 0
        self.attempted = (0, 0)  # (bytes, rows) of the block being written, for a disk-full estimate
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._on_rows = on_rows
        self._cancelled = cancelled

    def write(self, data: bytes | bytearray | memoryview) -> None:
        size = data.nbytes if isinstance(data, memoryview) else len(data)
        if size >= self.BLOCK_BYTES:
            self._flush_pending()
            self._emit(data, size)
            return
        self._pending.append(bytes(data))  # a small copy: a driver may reuse the buffer behind a memoryview
        self._pending_size += size
        if self._pending_size >= self.BLOCK_BYTES:
            self._flush_pending()

    def _flush_pending(self) -> None:
        if not self._pending:
            return
        block = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        self._emit(block, len(block))

    def _emit(self, data: bytes | bytearray | memoryview, size: int) -> None:
        if self._cancelled is not None and self._cancelled.is_set():
            raise ExportCancelled("export cancelled")
        n = _count_newlines(data)
        self.attempted = (size, n)
        diskfull.simulate(diskfull.DATA, self.path)
        self.f.write(data)
        self.attempted = (0, 0)
        self.hash.update(data)
        self.size += size
        self.rows += n
        self._on_rows(n)

    def close(self) -> None:
        self._flush_pending()
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()

    def discard(self) -> None:
        """After a failure: close without flushing what a full disk refused, and delete the file."""
        with contextlib.suppress(OSError):
            self.f.close()
        self.path.unlink(missing_ok=True)

    def bytes_needed(self, row_estimate: int) -> int:
        """What the whole table needs on disk, about: its row estimate times the average row size seen so
        far (the bytes written and the block that failed), or those bytes when the estimate is unknown."""
        size, rows = self.size + self.attempted[0], self.rows + self.attempted[1]
        if row_estimate > 0 and rows > 0:
            return max(size, row_estimate * size // rows)
        return size


def _count_newlines(data: bytes | bytearray | memoryview) -> int:
    """Newlines in ``data``, without copying it whole (a memoryview is counted in its object or in slices)."""
    if not isinstance(data, memoryview):
        return data.count(b"\n")
    obj = data.obj
    if isinstance(obj, (bytes, bytearray)) and data.c_contiguous and data.nbytes == len(obj):
        return obj.count(b"\n")
    flat = data.cast("B") if data.c_contiguous else memoryview(data.tobytes())
    return sum(bytes(flat[i : i + WRITE_BUFFER]).count(b"\n") for i in range(0, flat.nbytes, WRITE_BUFFER))


class _TableBars:
    """One progress bar per table, shared by the chunks of the table that this run copies."""

    def __init__(self, progress: RowProgress, work: list[ExportWork]) -> None:
        self.progress = progress
        self.lock = threading.Lock()
        self.left: dict[tuple[str, str], int] = {}
        self.rows: dict[tuple[str, str], int] = {}
        self.tasks: dict[tuple[str, str], Any] = {}
        for w in work:
            key = (w.table.schema, w.table.name)
            self.left[key] = self.left.get(key, 0) + 1

    def start(self, table: ExportTable) -> Any:
        key = (table.schema, table.name)
        with self.lock:
            if key not in self.tasks:
                self.tasks[key] = self.progress.add(f"{table.schema}.{table.name}", table.row_estimate)
                self.rows[key] = 0
            return self.tasks[key]

    def finish(self, table: ExportTable, rows: int) -> None:
        key = (table.schema, table.name)
        with self.lock:
            self.rows[key] += rows
            self.left[key] -= 1
            if self.left[key] == 0:
                self.progress.finish(self.tasks[key], self.rows[key])


def export_tables(
    snapshot: DataSnapshot,
    work: list[ExportWork],
    data_dir: Path,
    parallel_jobs: int,
    progress: RowProgress,
    on_start: Callable[[ExportTable, str], None],
    on_done: Callable[[TableResult], None],
) -> list[TableResult]:
    """Write the files of ``work`` (the biggest tables first, a table's chunks in order) with up to
    ``parallel_jobs`` readers."""
    order = sorted(
        work,
        key=lambda w: (-w.table.row_estimate, w.table.schema, w.table.name, w.chunk.number if w.chunk else 0),
    )
    readers: queue.Queue[TableReader] = queue.Queue()
    opened: list[TableReader] = []
    lock = threading.Lock()
    for _ in range(max(1, min(parallel_jobs, len(order)))):
        reader = snapshot.open_reader()
        opened.append(reader)
        readers.put(reader)
    results: list[TableResult] = []
    cancelled = threading.Event()
    bars = _TableBars(progress, order)

    def one(item: ExportWork) -> TableResult:
        try:
            return export_one(item)
        except BaseException:
            cancelled.set()  # no new file starts, and the ones being copied stop at their next block
            raise

    def export_one(item: ExportWork) -> TableResult:
        if cancelled.is_set():
            raise ExportCancelled("export cancelled")
        table = item.table
        reader = readers.get()
        name = item.file_name
        tmp = data_dir / f"tmp_{name}"
        label = item.label
        task = bars.start(table)
        writer: CountingWriter | None = None
        try:
            on_start(table, name)
            start = time.monotonic()
            writer = CountingWriter(tmp, lambda n: progress.advance(task, n), cancelled)
            if item.chunk is None:
                reader.copy_table(table, writer.write)
            else:
                reader.copy_chunk(table, item.chunk, writer.write)
            writer.close()
        except BaseException as exc:
            if writer is not None:
                writer.discard()
            else:
                tmp.unlink(missing_ok=True)
            full = diskfull.disk_full_error(
                exc,
                data_dir / name,
                writer.bytes_needed(item.row_estimate or table.row_estimate) if writer is not None else None,
                what=f"exporting table {label}",
                fix="free space on that disk and re-run the same command: it resumes, keeping the tables already "
                "exported (or start the migration again with another --export-dir on a disk with room)",
            )
            if full is exc:
                raise
            if full is not None:
                raise full from exc
            if isinstance(exc, TransshipError) or not isinstance(exc, Exception):
                raise
            raise TransshipError(
                f"exporting table {label} failed: {str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)}",
                fix="fix the cause and re-run export data (tables already exported are kept)",
            ) from exc
        finally:
            readers.put(reader)
        assert writer is not None  # the try block made it or raised
        crash_point(TABLE_WRITTEN)
        os.replace(tmp, data_dir / name)
        fsync_dir(data_dir)
        crash_point(TABLE_RENAMED)
        bars.finish(table, writer.rows)
        result = TableResult(
            table, name, writer.rows, writer.size, digests.tagged(writer.hash), time.monotonic() - start,
            item.chunk,
        )  # fmt: skip
        with lock:
            results.append(result)
        on_done(result)
        crash_point(TABLE_DONE)
        log.info("exported %s: %d rows, %d bytes in %.2fs", label, result.rows, result.size, result.seconds)
        return result

    try:
        with ContextThreadPool(max_workers=len(opened), thread_name_prefix="export") as pool:
            futures = [pool.submit(one, t) for t in order]
            try:
                wait(futures, return_when=FIRST_EXCEPTION)
            except BaseException:  # Ctrl-C: the tables being copied stop before the pool is left
                cancelled.set()
                raise
            failures = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception()]
            if failures:
                cancelled.set()
                for other in futures:
                    other.cancel()
                # the error that stopped the export, not a table that stopped because of it
                raise next((e for e in failures if not isinstance(e, ExportCancelled)), failures[0])  # type: ignore[misc]
    finally:
        for reader in opened:
            try:
                reader.close()
            except Exception:  # noqa: BLE001 - closing after an error must not hide it
                log.debug("closing a reader failed", exc_info=True)
    return results
