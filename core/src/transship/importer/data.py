"""Load batches into the target over parallel connections, exactly once.

Each batch runs in one transaction: check the ledger, ``COPY ... FROM STDIN`` the batch's byte range,
insert the ledger row, commit. A crash at any moment leaves each batch either fully committed with its
ledger row or not at all, so a re-run skips exactly the committed batches.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from transship import digests
from transship.crashpoints import crash_point, declare
from transship.errors import DataFileError, TransshipError
from transship.importer.batches import Batch
from transship.importer.ledger import LEDGER_TABLE
from transship.retry import describe_failure, is_transient, retrying
from transship.sinks.base import ImportSink

log = logging.getLogger(__name__)
COPY_CHUNK = 1 << 20
REEXPORT_FIX = (
    "restore the file as export wrote it (from a backup), or export again (transship export data --start-clean true) "
    "and import with --start-clean true --truncate-tables true"
)


@dataclass
class FileTask:
    """One data file and where its rows go."""

    file_name: str
    path: Path
    schema: str
    table: str
    columns: list[str]
    batches: list[Batch]
    done: set[int] = field(default_factory=set)
    total_rows: int = 0
    ledger_key: str = (
        ""  # the file as the target's ledger knows it: "<file>@<checksum>" (a re-export is another file)
    )
    source: str = ""  # the source table, for progress labels (a leaf partition differs from its target)
    generated: list[str] = field(default_factory=list)  # the target's generated columns (computed by COPY)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table}"


def _changed(task: FileTask, batch: Batch) -> ChangedBatch:
    return ChangedBatch(
        f"data file {task.path} changed after export: the bytes of batch {batch.number} "
        f"(lines {batch.first_line:,}-{batch.first_line + batch.rows - 1:,}) differ from what export wrote",
        fix=REEXPORT_FIX,
    )


def _bytes_changed(task: FileTask, batch: Batch) -> bool:
    """Whether the batch's bytes in the file now differ from the plan's checksum."""
    if not batch.checksum:
        return False
    digest = digests.new_hash()
    try:
        with open(task.path, "rb") as f:
            f.seek(batch.start)
            remaining = batch.end - batch.start
            while remaining > 0 and (data := f.read(min(COPY_CHUNK, remaining))):
                digest.update(data)
                remaining -= len(data)
    except OSError:
        return True
    return bool(remaining) or digest.hexdigest() != batch.checksum


class BatchError(TransshipError):
    """A batch the target refused (bad data, constraint...)."""

    def __init__(self, message: str, fix: str | None = None, task: FileTask | None = None) -> None:
        super().__init__(message, fix)
        self.task = task


class ChangedBatch(DataFileError):
    """A batch's bytes differ from the plan's checksum: the data file changed after export."""


COPIED = declare("import.batch_copied", "a batch's rows are sent by COPY, its ledger row not yet written")
BEFORE_COMMIT = declare("import.batch_before_commit", "a batch's COPY and ledger row are sent, not committed")
COMMITTED = declare("import.batch_committed", "a batch is committed in the target, meta.db not yet updated")
RECORDED = declare("import.batch_recorded", "a committed batch is DONE in meta.db")


class DataLoader:
    """Runs batches of many files on ``parallel_jobs`` connections."""

    def __init__(
        self,
        sink: ImportSink,
        migration_uuid: str,
        parallel_jobs: int,
        on_batch_done: Callable[[FileTask, Batch], None],
        disable_triggers_fallback: bool = False,
        before_commit: Callable[[FileTask, Batch], None] | None = None,
    ) -> None:
        self.sink = sink
        self.migration_uuid = migration_uuid
        self.parallel_jobs = max(1, parallel_jobs)
        self.on_batch_done = on_batch_done
        self.cancel = threading.Event()
        self.errors: list[BaseException] = []
        self.failures: list[tuple[FileTask, BaseException]] = []  # the file each error happened in
        self._local = threading.local()
        self._conns: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self.fallback = disable_triggers_fallback
        self.before_commit = before_commit

    # ------------------------------------------------------------------ connections
    def _conn(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self.sink.connect(autocommit=True)
            for stmt in self.sink.session_settings():
                if self.fallback and "session_replication_role" in stmt:
                    continue
                conn.execute(stmt)
            conn.autocommit = False
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                log.debug("close failed", exc_info=True)

    # ------------------------------------------------------------------ one batch
    def load_batch(self, task: FileTask, batch: Batch) -> None:
        """Copy one batch with its ledger row in a single transaction, retrying transient failures
        (:mod:`transship.retry`) on a new connection; the ledger check makes a retry after a commit whose
        acknowledgement was lost a no-op."""
        try:
            for attempt in retrying(f"batch {batch.number} of {task.file_name}", self.cancel):
                with attempt:
                    conn = self._conn()
                    try:
                        self._copy(conn, task, batch)
                    except (psycopg.Error, DataFileError):
                        self._discard(conn)
                        raise
        except psycopg.Error as exc:
            if is_transient(exc) or (exc.sqlstate or "").startswith("53"):
                raise describe_failure(
                    exc, f"loading batch {batch.number} of {task.file_name}", self.sink.config.describe()
                ) from None
            if _bytes_changed(task, batch):  # a refused row may be one that changed after export
                raise _changed(task, batch) from None
            raise self._describe(exc, task, batch) from None

    def _discard(self, conn: psycopg.Connection) -> None:
        """After a failed batch: roll back, or drop a broken connection (the next attempt opens a new one)."""
        try:
            if not (conn.closed or conn.broken):
                conn.rollback()
                return
        except psycopg.Error:
            pass
        conn.close()
        self._local.conn = None

    def _copy(self, conn: psycopg.Connection, task: FileTask, batch: Batch) -> None:
        ledger = sql.Identifier(self.sink.ledger_schema, LEDGER_TABLE)
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "SELECT 1 FROM {} WHERE migration_uuid = %s AND data_file = %s AND batch_number = %s"
                ).format(ledger),
                (self.migration_uuid, task.ledger_key, batch.number),
            )
            if cur.fetchone() is None:
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(task.schema, task.table),
                    sql.SQL(", ").join(sql.Identifier(c) for c in task.columns),
                )
                digest = digests.new_hash()
                with open(task.path, "rb") as f, cur.copy(copy_sql) as copy:
                    f.seek(batch.start)
                    remaining = batch.end - batch.start
                    while remaining > 0:
                        data = f.read(min(COPY_CHUNK, remaining))
                        if not data:
                            raise DataFileError(
                                f"data file {task.path} ended early while reading batch {batch.number}",
                                fix=REEXPORT_FIX,
                            )
                        digest.update(data)
                        copy.write(data)
                        remaining -= len(data)
                        crash_point(COPIED)
                if batch.checksum and digest.hexdigest() != batch.checksum:
                    raise _changed(task, batch)
                cur.execute(
                    sql.SQL(
                        "INSERT INTO {} (migration_uuid, data_file, batch_number, schema_name, table_name, rows_imported,"
                        " start_offset, end_offset) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    ).format(ledger),
                    (
                        self.migration_uuid,
                        task.ledger_key,
                        batch.number,
                        task.schema,
                        task.table,
                        batch.rows,
                        batch.start,
                        batch.end,
                    ),
                )
        if self.before_commit is not None:
            # the local state says "committing" until the commit is acknowledged, so a crash in between shows
            # up as in doubt in 'import data status' (the next run settles it from the ledger)
            self.before_commit(task, batch)
        crash_point(BEFORE_COMMIT)
        conn.commit()
        crash_point(COMMITTED)

    def _describe(self, exc: psycopg.Error, task: FileTask, batch: Batch) -> BatchError:
        message = (exc.diag.message_primary if exc.diag else None) or str(exc).strip().splitlines()[0]
        detail = (exc.diag.message_detail if exc.diag else None) or ""
        context = (exc.diag.context if exc.diag else None) or ""
        where = f"batch {batch.number} of {task.path.name}"
        m = re.search(r"line (\d+)", context)
        if m:
            where = f"{task.path.name} line {batch.first_line + int(m.group(1)) - 1}"
        state = getattr(exc, "sqlstate", "") or ""
        column = (exc.diag.column_name if exc.diag else None) or ""
        if not column:
            c = re.search(r"column (\S+?):", context)
            column = c.group(1) if c else ""
        if column:
            where += f", column {column}"
        elif task.generated and state.startswith("22"):
            # the value COPY could not store is not one of the file's: the target computed it
            where += f", computing generated column(s) {', '.join(task.generated)}"
        if detail:
            message += f" ({' '.join(detail.split())})"
        if state == "23503":
            fix = "FK checks were on: grant the import user superuser (or on PostgreSQL 15+: GRANT SET ON PARAMETER session_replication_role), then re-run import data"
        elif state.startswith("23"):
            fix = "the target already holds conflicting rows: re-run with --start-clean true --truncate-tables true, or fix the data"
        elif state.startswith("22"):
            fix = (
                "change the target column's type (ALTER TABLE ... ALTER COLUMN ... TYPE ...), or correct the value at "
                "the source and re-export; then re-run import data (committed batches are kept)"
            )
        else:
            fix = "fix the cause, then re-run import data (committed batches are kept)"
        return BatchError(f"importing into {task.label} failed at {where}: {message}", fix=fix, task=task)

    # ------------------------------------------------------------------ many batches
    def run(self, tasks: list[FileTask], groups: list[list[FileTask]] | None = None) -> None:
        """Load every pending batch. ``groups`` (fallback mode) are loaded one group after another."""
        for group in groups or [tasks]:
            self._run_group(group)
            if self.errors:
                break
        if self.errors:
            raise self.errors[0]

    def _run_group(self, tasks: list[FileTask]) -> None:
        work: queue.Queue[tuple[FileTask, Batch]] = queue.Queue()
        for task in sorted(tasks, key=lambda t: -t.total_rows):
            for batch in task.batches:
                if batch.number not in task.done:
                    work.put((task, batch))

        def worker() -> None:
            while not self.cancel.is_set():
                try:
                    task, batch = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    self.load_batch(task, batch)
                    task.done.add(batch.number)
                    self.on_batch_done(task, batch)
                    crash_point(RECORDED)
                except BaseException as exc:  # noqa: BLE001 - reported by run()
                    with self._lock:
                        self.errors.append(exc)
                        self.failures.append((task, exc))
                    self.cancel.set()
                    return

        threads = [
            threading.Thread(target=worker, name=f"import-{i + 1}", daemon=True)
            for i in range(min(self.parallel_jobs, work.qsize()))
        ]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except KeyboardInterrupt:
            self.cancel.set()
            for t in threads:
                t.join()
            raise
