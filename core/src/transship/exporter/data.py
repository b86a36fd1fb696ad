"""Copy every table of a :class:`DataSnapshot` into COPY-text files, in parallel, with exact row counts.

Each table goes to ``data/tmp_<file>`` first and is renamed when complete, so a file under its final
name is always whole. Row counts are the number of lines written (COPY text has one line per row);
the size and a BLAKE2b checksum are recorded so import can detect truncated or corrupt files.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from transship.adapters.base import DataSnapshot, ExportTable, TableReader
from transship.errors import TransshipError
from transship.progress import RowProgress

log = logging.getLogger(__name__)
WRITE_BUFFER = 1 << 20


def data_file_name(table: ExportTable) -> str:
    """``<table>_data.sql`` for public/unqualified tables, else ``<schema>.<table>_data.sql``."""
    base = (
        table.name
        if table.schema in ("public", None) or table.target_schema is None
        else f"{table.schema}.{table.name}"
    )
    safe = re.sub(r"[^\w.\-]", lambda m: f"%{ord(m.group(0)):02X}", base)
    return f"{safe}_data.sql"


@dataclass
class TableResult:
    table: ExportTable
    file_name: str
    rows: int
    size: int
    checksum: str
    seconds: float


class CountingWriter:
    """Buffers bytes into a file while counting lines and hashing.

    Small writes are gathered into blocks of :data:`BLOCK_BYTES`; a write of that size or more goes to the
    file, the hash and the line count as it is, after the gathered ones, without being copied.
    """

    BLOCK_BYTES = 256 * 1024

    def __init__(self, path: Path, on_rows: Callable[[int], None]) -> None:
        self.f = open(path, "wb", buffering=WRITE_BUFFER)  # noqa: SIM115 - closed in close()
        self.hash = hashlib.blake2b(digest_size=16)
        self.rows = 0
        self.size = 0
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._on_rows = on_rows

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
        self.f.write(data)
        self.hash.update(data)
        self.size += size
        n = _count_newlines(data)
        self.rows += n
        self._on_rows(n)

    def close(self) -> None:
        self._flush_pending()
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()


def _count_newlines(data: bytes | bytearray | memoryview) -> int:
    """Newlines in ``data``, without copying it whole (a memoryview is counted in its object or in slices)."""
    if not isinstance(data, memoryview):
        return data.count(b"\n")
    obj = data.obj
    if isinstance(obj, (bytes, bytearray)) and data.c_contiguous and data.nbytes == len(obj):
        return obj.count(b"\n")
    flat = data.cast("B") if data.c_contiguous else memoryview(data.tobytes())
    return sum(bytes(flat[i : i + WRITE_BUFFER]).count(b"\n") for i in range(0, flat.nbytes, WRITE_BUFFER))


def export_tables(
    snapshot: DataSnapshot,
    tables: list[ExportTable],
    data_dir: Path,
    parallel_jobs: int,
    progress: RowProgress,
    on_start: Callable[[ExportTable, str], None],
    on_done: Callable[[TableResult], None],
) -> list[TableResult]:
    """Export ``tables`` (biggest first) with up to ``parallel_jobs`` readers."""
    order = sorted(tables, key=lambda t: -t.row_estimate)
    readers: queue.Queue[TableReader] = queue.Queue()
    opened: list[TableReader] = []
    lock = threading.Lock()
    for _ in range(max(1, min(parallel_jobs, len(order)))):
        reader = snapshot.open_reader()
        opened.append(reader)
        readers.put(reader)
    results: list[TableResult] = []
    cancelled = threading.Event()

    def one(table: ExportTable) -> TableResult:
        if cancelled.is_set():
            raise TransshipError("export cancelled")
        reader = readers.get()
        name = data_file_name(table)
        tmp = data_dir / f"tmp_{name}"
        task = progress.add(f"{table.schema}.{table.name}", table.row_estimate)
        on_start(table, name)
        start = time.monotonic()
        writer = CountingWriter(tmp, lambda n: progress.advance(task, n))
        try:
            reader.copy_table(table, writer.write)
            writer.close()
        except BaseException as exc:
            writer.f.close()
            tmp.unlink(missing_ok=True)
            cancelled.set()
            if isinstance(exc, TransshipError):
                raise
            raise TransshipError(
                f"exporting table {table.schema}.{table.name} failed: {str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)}",
                fix="fix the cause and re-run export data (tables already exported are kept)",
            ) from exc
        finally:
            readers.put(reader)
        os.replace(tmp, data_dir / name)
        progress.finish(task, writer.rows)
        result = TableResult(
            table, name, writer.rows, writer.size, writer.hash.hexdigest(), time.monotonic() - start
        )
        with lock:
            results.append(result)
        on_done(result)
        log.info(
            "exported %s.%s: %d rows, %d bytes in %.2fs",
            table.schema,
            table.name,
            result.rows,
            result.size,
            result.seconds,
        )
        return result

    try:
        with ThreadPoolExecutor(max_workers=len(opened), thread_name_prefix="export") as pool:
            futures = [pool.submit(one, t) for t in order]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for f in futures:
                if f.done() and f.exception() is not None:
                    cancelled.set()
                    for other in futures:
                        other.cancel()
                    raise f.exception()  # type: ignore[misc]
    finally:
        for reader in opened:
            try:
                reader.close()
            except Exception:  # noqa: BLE001 - closing after an error must not hide it
                log.debug("closing a reader failed", exc_info=True)
    return results
