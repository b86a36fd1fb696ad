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
from concurrent.futures import wait
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from transship import digests
from transship.crashpoints import crash_point, declare
from transship.errors import DataFileError, TransshipError
from transship.importer.batches import Batch
from transship.importer.ledger import LEDGER_TABLE, STASH_TABLE
from transship.importer.policies import (
    LoadPolicy,
    Outcome,
    create_stage,
    is_data_error,
    is_pk_conflict,
    merge_stage,
    offset_after_lines,
    stage_name,
)
from transship.pools import ContextThreadPool
from transship.retry import Budget, describe_failure, is_transient, oversized_rpc, retrying
from transship.sinks.base import ImportSink
from transship.sinks.cluster import Node, NodeHealth

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
    pk_constraint: str | None = (
        None  # the target's primary key (for --on-primary-key-conflict / --enable-upsert)
    )
    pk_columns: list[str] = field(default_factory=list)

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


_ENUM_VALUE = re.compile(r'invalid input value for enum (\S+): "(.*)"$', re.S)


def _column(exc: psycopg.Error) -> str:
    """The column a refused value was for: the server's field, or COPY's context ("..., column c: ...")."""
    if exc.diag is not None and exc.diag.column_name:
        return exc.diag.column_name
    found = re.search(r"column (\S+?):", (exc.diag.context if exc.diag else None) or "")
    return found.group(1) if found else ""


def _inside(key: str, base: str, start: int, end: int) -> bool:
    """Whether ledger key ``key`` is a half strictly inside ``[start, end)`` of the batch keyed ``base``."""
    if not key.startswith(base + "#"):
        return False
    lo, _, hi = key[len(base) + 1 :].partition("-")
    return start <= int(lo) and int(hi) <= end and (int(lo), int(hi)) != (start, end)


def _row_rule_fix(exc: psycopg.Error, task: FileTask, column: str) -> str:
    """The fix for a row that breaks a rule of the target table (CHECK 23514, NOT NULL 23502): the row is
    wrong for the table, not a duplicate of one there, so emptying the target would not help."""
    stash = (
        "or re-run with --error-policy-snapshot stash-and-continue to load the other rows and keep the refused ones "
        "in data/errors/ (committed batches are kept)"
    )
    if exc.sqlstate == "23502":
        rule = f"column {column} is NOT NULL on the target" if column else "a NOT NULL column of the target"
        return (
            f"{rule}: give the row a value at the source and re-export, or drop the NOT NULL "
            f"(ALTER TABLE {task.label} ALTER COLUMN {column or '...'} DROP NOT NULL), {stash}"
        )
    name = exc.diag.constraint_name if exc.diag is not None and exc.diag.constraint_name else ""
    rule = f"the row breaks CHECK constraint {name}" if name else "the row breaks a CHECK constraint"
    return (
        f"{rule} of {task.label}: correct the value at the source and re-export, or change the constraint "
        f"(ALTER TABLE {task.label} DROP CONSTRAINT {name or '...'}), {stash}"
    )


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
RANGE_COMMITTED = declare(
    "import.range_committed", "half of a bisected batch is committed with its own ledger key"
)
ROW_STASHED = declare("import.row_stashed", "a refused row is stashed in the target, its range marked done")
RECORDED = declare("import.batch_recorded", "a committed batch is DONE in meta.db")


class DataLoader:
    """Runs batches of many files on ``parallel_jobs`` connections."""

    def __init__(
        self,
        sink: ImportSink,
        migration_uuid: str,
        parallel_jobs: int,
        on_batch_done: Callable[[FileTask, Batch, Outcome], None],
        disable_triggers_fallback: bool = False,
        before_commit: Callable[[FileTask, Batch], None] | None = None,
        policy: LoadPolicy | None = None,
        health: NodeHealth | None = None,
        max_jobs: int | None = None,
        table_by_table: bool = False,
    ) -> None:
        """:param table_by_table: load the tables one after another (biggest first, the files of a table in
            turn), so the first tables are complete early and their indexes can be built while the rest loads;
            otherwise one batch of each file in turn (:func:`interleaved`).
        :param health: the cluster's nodes: worker ``i`` connects to node ``i % n`` and moves to the others
            while its node does not answer (None: the target's given host).
        :param max_jobs: workers to start (at least ``parallel_jobs``); only :attr:`allowed` of them load at a
            time, which adaptive parallelism changes while the load runs."""
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
        self.policy = policy or LoadPolicy()
        self.health = health or NodeHealth([sink.given_node()])
        self.nodes = self.health.nodes
        self.max_jobs = max(self.parallel_jobs, max_jobs or 0)
        self.allowed = self.parallel_jobs
        self._allowed_changed = threading.Condition()
        self.table_by_table = table_by_table

    # ------------------------------------------------------------------ connections
    def _conn(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            home = getattr(self._local, "home", self.nodes[0])
            conn, node = self.health.open(home, lambda n: self.sink.connect(autocommit=True, node=n))
            self.health.using(node, +1)
            self._local.node = node
            for stmt in self.sink.session_settings():
                if self.fallback and "session_replication_role" in stmt:
                    continue
                conn.execute(stmt)
            if self.policy.native_upsert:  # YugabyteDB: an existing primary key's row is replaced
                conn.execute("SET yb_enable_upsert_mode = true")
            conn.autocommit = False
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def node_name(self) -> str:
        """The node this worker's connection goes to."""
        node: Node = getattr(self._local, "node", None) or self.nodes[0]
        return node.name

    def set_allowed(self, jobs: int) -> None:
        """Let ``jobs`` workers load at once (between 1 and ``max_jobs``); the others pause after their batch."""
        with self._allowed_changed:
            self.allowed = max(1, min(self.max_jobs, jobs))
            self._allowed_changed.notify_all()

    def _release(self) -> None:
        """Close this worker's connection (it pauses, or goes back to its own node)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            node = getattr(self._local, "node", None)
            if node is not None:
                self.health.using(node, -1)
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                log.debug("close failed", exc_info=True)

    def _home_again(self) -> None:
        """Back to this worker's own node when it has recovered (tried once its backoff is over)."""
        home, node = getattr(self._local, "home", None), getattr(self._local, "node", None)
        if home is not None and node is not None and node != home and self.health.may_try(home):
            self._release()

    def close(self) -> None:
        for conn in self._conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                log.debug("close failed", exc_info=True)

    # ------------------------------------------------------------------ one batch
    def load_batch(self, task: FileTask, batch: Batch) -> Outcome:
        """Load one batch with its ledger row(s), retrying transient failures (:mod:`transship.retry`) on a new
        connection; the ledger check makes a retry after a commit whose acknowledgement was lost a no-op."""
        budget = self._local.budget = Budget()  # a bisection's committed halves restart it
        try:
            for attempt in retrying(f"batch {batch.number} of {task.file_name}", self.cancel, budget=budget):
                with attempt:
                    conn = self._conn()
                    try:
                        return self._load_batch_once(conn, task, batch)
                    except (psycopg.Error, DataFileError):
                        self._discard(conn)
                        raise
        except psycopg.Error as exc:
            too_big = oversized_rpc(exc, f"batch {batch.number} of {task.file_name}", batch.rows)
            if too_big is not None:  # YugabyteDB's RPC limit: the same batch would fail the same way
                raise too_big from None
            if is_transient(exc) or (exc.sqlstate or "").startswith("53"):
                raise describe_failure(
                    exc, f"loading batch {batch.number} of {task.file_name}", self.sink.config.describe()
                ) from None
            if _bytes_changed(task, batch):  # a refused row may be one that changed after export
                raise _changed(task, batch) from None
            raise self._describe(exc, task, batch) from None
        raise AssertionError("unreachable")  # tenacity re-raises the last error

    def _load_batch_once(self, conn: psycopg.Connection, task: FileTask, batch: Batch) -> Outcome:
        parts = self._ledger_rows(conn, task, batch)
        if task.ledger_key in parts:
            return Outcome()  # committed by an earlier attempt or run
        if not parts:  # no half of it committed by an interrupted bisection
            try:
                return self._load_range(conn, task, batch, task.ledger_key, batch.start, batch.end, batch.rows,
                                        batch.checksum, self.policy.staging)  # fmt: skip
            except psycopg.Error as exc:
                self._discard(conn)
                if is_transient(exc):
                    raise
                if self.policy.ignore_pk_conflicts and is_pk_conflict(exc, task.pk_constraint):
                    try:
                        return self._load_range(conn, task, batch, task.ledger_key, batch.start, batch.end,
                                                batch.rows, batch.checksum, True)  # fmt: skip
                    except psycopg.Error as again:
                        self._discard(conn)
                        exc = again
                if not (self.policy.stash and is_data_error(exc)):
                    raise exc from None
                if _bytes_changed(task, batch):
                    raise _changed(task, batch) from None
                log.warning("batch %d of %s refused (%s): bisecting to stash its bad rows", batch.number,
                            task.file_name, (exc.diag.message_primary if exc.diag else None) or exc)  # fmt: skip
        elif not self.policy.stash:
            raise DataFileError(
                f"batch {batch.number} of {task.file_name} was split by an earlier run with --error-policy-snapshot "
                "stash-and-continue",
                fix="re-run with --error-policy-snapshot stash-and-continue (or --start-clean true --truncate-tables true)",
            )
        outcome = self._bisect(conn, task, batch, batch.start, batch.end, batch.rows, batch.first_line, parts)
        self._ledger_insert(conn, task, batch, task.ledger_key, batch.start, batch.end, batch.rows,
                            Outcome(0, outcome.stashed, 0))  # fmt: skip
        self._commit(conn, task, batch)
        return outcome

    def _bisect(
        self, conn: psycopg.Connection, task: FileTask, batch: Batch, start: int, end: int, rows: int,
        first_line: int, parts: dict[str, Outcome],
    ) -> Outcome:  # fmt: skip
        """Load ``[start, end)`` (``rows`` rows) as one transaction, or its halves, down to single bad rows,
        which are stashed. Halves are cut by row count, so every run cuts the same ones."""
        key = f"{task.ledger_key}#{start}-{end}"
        if key in parts:
            return parts[key]
        inner = any(_inside(k, task.ledger_key, start, end) for k in parts)
        if not inner:
            try:
                staged = self.policy.staging or (
                    self.policy.ignore_pk_conflicts and task.pk_constraint is not None
                )
                outcome = self._load_range(conn, task, batch, key, start, end, rows, None, staged)
                self._local.budget.progress()
                crash_point(RANGE_COMMITTED)
                return outcome
            except psycopg.Error as exc:
                self._discard(conn)
                if is_transient(exc) or not is_data_error(exc):
                    raise
                if rows == 1:
                    return self._stash(conn, task, batch, key, start, end, first_line, exc)
        half = rows // 2
        mid = offset_after_lines(task.path, start, end, half)
        return self._bisect(conn, task, batch, start, mid, half, first_line, parts) + self._bisect(
            conn, task, batch, mid, end, rows - half, first_line + half, parts
        )

    def _stash(
        self, conn: psycopg.Connection, task: FileTask, batch: Batch, key: str, start: int, end: int, line: int,
        exc: psycopg.Error,
    ) -> Outcome:  # fmt: skip
        """Record one refused row in the target (with the database's reasons) and mark its range done."""
        diag = exc.diag
        column = _column(exc)
        message = (diag.message_primary if diag else None) or str(exc).strip().splitlines()[0]
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (migration_uuid, data_file, start_offset, end_offset, line, sqlstate, message,"
                    " detail, column_name) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(sql.Identifier(self.sink.ledger_schema, STASH_TABLE)),
                (self.migration_uuid, task.ledger_key, start, end, line, exc.sqlstate, message,
                 diag.message_detail if diag else None, column or None),
            )  # fmt: skip
        outcome = Outcome(0, 1, 0)
        self._ledger_insert(conn, task, batch, key, start, end, 1, outcome)
        conn.commit()
        self._local.budget.progress()
        crash_point(ROW_STASHED)
        return outcome

    def _ledger_rows(self, conn: psycopg.Connection, task: FileTask, batch: Batch) -> dict[str, Outcome]:
        """This batch's ledger rows: its own key, and the halves of an interrupted bisection."""
        ledger = sql.Identifier(self.sink.ledger_schema, LEDGER_TABLE)
        with conn.cursor() as cur:
            if not self.policy.stash:  # halves exist only under stash-and-continue: one exact lookup
                cur.execute(
                    sql.SQL(
                        "SELECT data_file, rows_imported, 0, 0 FROM {} WHERE migration_uuid = %s AND data_file = %s"
                        " AND batch_number = %s"
                    ).format(ledger),
                    (self.migration_uuid, task.ledger_key, batch.number),
                )
            else:
                cur.execute(
                    sql.SQL(
                        "SELECT data_file, rows_imported, rows_stashed, rows_skipped FROM {} WHERE migration_uuid = %s"
                        " AND batch_number = %s AND starts_with(data_file, %s)"
                    ).format(ledger),
                    (self.migration_uuid, batch.number, task.ledger_key),
                )
            rows = cur.fetchall()
        conn.rollback()  # end the read: each part below is a transaction of its own
        return {str(k): Outcome(int(i), int(s), int(sk)) for k, i, s, sk in rows}

    def _load_range(
        self, conn: psycopg.Connection, task: FileTask, batch: Batch, key: str, start: int, end: int, rows: int,
        checksum: str | None, staged: bool,
    ) -> Outcome:  # fmt: skip
        """``COPY`` the bytes ``[start, end)`` (into the staging table when ``staged``, then merged on the
        primary key) and insert the ledger row under ``key``, in one transaction, then commit."""
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in task.columns)
        into: sql.Composable
        with conn.cursor() as cur:
            if staged:
                if not task.pk_constraint:
                    raise DataFileError(
                        f"target table {task.label} has no primary key, which --enable-upsert needs",
                        fix="add a primary key on the target, or drop the option",
                    )
                cur.execute(create_stage(task.schema, task.table, task.columns))
                into = sql.SQL("{} ({})").format(stage_name(task.schema, task.table), columns)
            elif task.columns:
                into = sql.SQL("{} ({})").format(sql.Identifier(task.schema, task.table), columns)
            else:  # a table of no columns (PostgreSQL allows it): each empty line is a row
                into = sql.Identifier(task.schema, task.table)
            digest = digests.new_hash()
            with open(task.path, "rb") as f, cur.copy(sql.SQL("COPY {} FROM STDIN").format(into)) as copy:
                f.seek(start)
                remaining = end - start
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
            if checksum and digest.hexdigest() != checksum:
                raise _changed(task, batch)
            outcome = Outcome(rows, 0, 0)
            if staged:
                assert task.pk_constraint is not None
                merged = cur.execute(
                    merge_stage(
                        task.schema,
                        task.table,
                        task.columns,
                        task.pk_constraint,
                        task.pk_columns,
                        self.policy.upsert,
                    )  # fmt: skip
                ).fetchone()
                fresh = int(merged[0]) if merged else 0
                outcome = Outcome(fresh, 0, rows - fresh)
        self._ledger_insert(conn, task, batch, key, start, end, rows, outcome)
        self._commit(conn, task, batch)
        return outcome

    def _ledger_insert(
        self, conn: psycopg.Connection, task: FileTask, batch: Batch, key: str, start: int, end: int, rows: int,
        outcome: Outcome,
    ) -> None:  # fmt: skip
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (migration_uuid, data_file, batch_number, schema_name, table_name, rows_imported,"
                " rows_stashed, rows_skipped, batch_rows, start_offset, end_offset, node)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            ).format(sql.Identifier(self.sink.ledger_schema, LEDGER_TABLE)),
            (self.migration_uuid, key, batch.number, task.schema, task.table, outcome.imported, outcome.stashed,
             outcome.skipped, rows, start, end, self.node_name()),
        )  # fmt: skip

    def _commit(self, conn: psycopg.Connection, task: FileTask, batch: Batch) -> None:
        if self.before_commit is not None:
            # the local state says "committing" until the commit is acknowledged, so a crash in between shows
            # up as in doubt in 'import data status' (the next run settles it from the ledger)
            self.before_commit(task, batch)
        crash_point(BEFORE_COMMIT)
        conn.commit()
        crash_point(COMMITTED)

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
        node = getattr(self._local, "node", None)
        if node is not None:  # the connection broke: its node may be down (the next try goes elsewhere)
            self.health.using(node, -1)
            self.health.failed(node)

    def _describe(self, exc: psycopg.Error, task: FileTask, batch: Batch) -> BatchError:
        message = (exc.diag.message_primary if exc.diag else None) or str(exc).strip().splitlines()[0]
        detail = (exc.diag.message_detail if exc.diag else None) or ""
        context = (exc.diag.context if exc.diag else None) or ""
        where = f"batch {batch.number} of {task.path.name}"
        m = re.search(r"line (\d+)", context)
        if m:
            where = f"{task.path.name} line {batch.first_line + int(m.group(1)) - 1}"
        state = getattr(exc, "sqlstate", "") or ""
        column = _column(exc)
        if column:
            where += f", column {column}"
        elif task.generated and state.startswith("22"):
            # the value COPY could not store is not one of the file's: the target computed it
            where += f", computing generated column(s) {', '.join(task.generated)}"
        if detail:
            message += f" ({' '.join(detail.split())})"
        if state == "23503":
            fix = "FK checks were on: grant the import user superuser (or on PostgreSQL 15+: GRANT SET ON PARAMETER session_replication_role), then re-run import data"
        elif state in ("23514", "23502"):
            fix = _row_rule_fix(exc, task, column)
        elif state.startswith("23"):
            fix = "the target already holds conflicting rows: re-run with --start-clean true --truncate-tables true, or fix the data"
        elif state == "22P02" and (
            enum := _ENUM_VALUE.match(exc.diag.message_primary or "" if exc.diag else "")
        ):
            value = enum.group(2).replace("'", "''")
            fix = (
                f"the target's enum type {enum.group(1)} has no label '{value}' (MySQL stores '' in an ENUM for a value "
                f"that was refused in non-strict mode): add it (ALTER TYPE {enum.group(1)} ADD VALUE '{value}'), or "
                "correct the value at the source and re-export; then re-run import data (committed batches are kept)"
            )
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
        if self.table_by_table:
            groups = sorted(by_table(tasks).values(), key=lambda g: -sum(t.total_rows for t in g))
            items = [item for group in groups for item in interleaved(group)]
        else:
            items = interleaved(tasks)
        for item in items:
            work.put(item)

        def worker(index: int) -> None:
            self._local.home = self.nodes[index % len(self.nodes)]
            try:
                self._work(index, work)
            finally:
                self._release()

        workers = min(self.max_jobs, work.qsize())
        if not workers:
            return
        with ContextThreadPool(max_workers=workers, thread_name_prefix="import") as pool:
            futures = [pool.submit(worker, i) for i in range(workers)]
            try:
                wait(futures)  # each worker records its own error; Ctrl-C interrupts the wait
            except BaseException:
                self.cancel.set()  # the batches being loaded finish (or roll back) before the pool is left
                with self._allowed_changed:
                    self._allowed_changed.notify_all()
                raise

    def _work(self, index: int, work: queue.Queue[tuple[FileTask, Batch]]) -> None:
        """One worker: batches from ``work`` while it is among the :attr:`allowed` ones, until none is left."""
        while not self.cancel.is_set():
            with self._allowed_changed:
                if index >= self.allowed and not work.empty():
                    self._release()  # paused by adaptive parallelism: its connection is given back
                    self._allowed_changed.wait(timeout=1.0)
                    continue
            self._home_again()
            try:
                task, batch = work.get_nowait()
            except queue.Empty:
                return
            try:
                outcome = self.load_batch(task, batch)
                task.done.add(batch.number)
                self.on_batch_done(task, batch, outcome)
                crash_point(RECORDED)
            except BaseException as exc:  # noqa: BLE001 - reported by run()
                with self._lock:
                    self.errors.append(exc)
                    self.failures.append((task, exc))
                self.cancel.set()
                return


def by_table(tasks: list[FileTask]) -> dict[tuple[str, str], list[FileTask]]:
    """The tasks of each target table (its files: the table's, its chunks', its leaf partitions'), in order."""
    tables: dict[tuple[str, str], list[FileTask]] = {}
    for t in tasks:
        tables.setdefault((t.schema, t.table), []).append(t)
    return tables


def interleaved(tasks: list[FileTask]) -> list[tuple[FileTask, Batch]]:
    """The pending batches, one of each table in turn (biggest table first in each round), so that parallel
    connections write to different tables (and tablets) rather than all to the first one."""
    ordered = sorted(tasks, key=lambda t: -t.total_rows)
    pending = [[b for b in t.batches if b.number not in t.done] for t in ordered]
    out: list[tuple[FileTask, Batch]] = []
    for round_ in range(max((len(p) for p in pending), default=0)):
        out += [(task, p[round_]) for task, p in zip(ordered, pending, strict=True) if round_ < len(p)]
    return out
