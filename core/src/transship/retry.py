"""One retry policy for every database connection: which errors are worth another try, and how long to wait.

A transient error is one the same statement can succeed after: the connection was lost or reset (the server
restarted, an administrator terminated the backend, the network dropped), a serialization failure or a
deadlock, the server starting up or shutting down, too many connections, and YugabyteDB's own retryable errors
(a read restart, a conflict with a higher priority transaction, a tablet leader not ready, an RPC timeout or
network error between its nodes: :data:`YB_TRANSIENT_MESSAGES`). Data errors (SQLSTATE classes 22 and 23),
syntax and privilege errors (42) never are, nor is a batch too large for YugabyteDB's RPC limit
(:func:`oversized_rpc`). Waits grow exponentially with jitter, up to
:data:`MAX_WAIT` seconds, for at most :data:`ATTEMPTS` tries of one piece of work; a caller starts a new
budget for each piece of work (each batch, each step), so a long run that keeps progressing is never
stopped by failures spread over hours. Work made of parts that commit one by one (a batch bisected by
stash-and-continue) passes a :class:`Budget` and calls :meth:`Budget.progress` after each commit: the count of
attempts (and the backoff) starts again from there.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg
import tenacity

from transship.errors import ConnectionFailed, ImportFailed, TransshipError

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = int(os.environ.get("TRANSSHIP_RETRY_ATTEMPTS", "8"))
MAX_WAIT = float(os.environ.get("TRANSSHIP_RETRY_MAX_WAIT", "10"))
FIRST_WAIT = float(os.environ.get("TRANSSHIP_RETRY_FIRST_WAIT", "0.5"))

# serialization failure, deadlock, admin/crash shutdown, cannot connect now, connection exceptions,
# too many connections, lock not available (a competing session)
_TRANSIENT_SQLSTATES = frozenset(
    ("40001", "40P01", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004", "53300")
)

#: YugabyteDB's words for an error the same work can succeed after (its DocDB status texts, which reach the
#: client with SQLSTATE 40001, XX000 or none): a read that must restart, a conflict lost to a higher priority
#: transaction, a transaction aborted by the cluster, a tablet leader moving or not elected yet, an RPC that
#: timed out or met a network error between nodes, a node that does not serve now
YB_TRANSIENT_MESSAGES = (
    "Restart read required",
    "conflicts with higher priority transaction",
    "Transaction aborted",
    "Leader not ready",
    "Leader is not ready to serve requests",
    "Timed out",
    "Network error",
    "Service unavailable",
)
_YB_TRANSIENT = re.compile("|".join(re.escape(m) for m in YB_TRANSIENT_MESSAGES), re.I)
_YB_STATES = ("40001", "XX000", "")
#: a request larger than YugabyteDB's RPC limit (``rpc_max_message_size``): the same batch always fails
_OVERSIZED_RPC = re.compile(r"Sending too long RPC message", re.I)


def _message(exc: psycopg.Error) -> str:
    """The server's primary message (the whole text for a client-side error, which has no diagnostics)."""
    primary = exc.diag.message_primary if exc.diag else None
    return primary or str(exc)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth retrying the same work on a (new) connection."""
    if isinstance(exc, ConnectionFailed):
        return exc.transient
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate or ""
    if _OVERSIZED_RPC.search(_message(exc)):
        return False  # YugabyteDB says "Network error" here too, but the same batch fails the same way
    if state in _TRANSIENT_SQLSTATES:
        return True
    if state in _YB_STATES and _YB_TRANSIENT.search(_message(exc)):
        return True
    if (
        state[:2] in ("22", "23", "42", "53") or state == "57014"
    ):  # data, constraints, syntax, resources, cancel
        return False
    # no SQLSTATE: the connection itself failed (reset, closed, server gone)
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) and not state


class Budget:
    """The attempts of one piece of work, counted since it last made progress (a part of it committed)."""

    def __init__(self) -> None:
        self._progressed = False
        self._base = 0  # the attempt number at which progress was last seen

    def progress(self) -> None:
        """A part of the work committed: the failures before it no longer count (thread-confined: the worker)."""
        self._progressed = True

    def attempts(self, attempt_number: int) -> int:
        """Failed attempts since the last progress, ``attempt_number`` (tenacity's, 1-based) the latest."""
        if self._progressed:
            self._progressed = False
            self._base = attempt_number - 1
        return attempt_number - self._base


class _StopWithoutProgress(tenacity.stop.stop_base):
    def __init__(self, budget: Budget, attempts: int) -> None:
        self.budget = budget
        self.limit = attempts

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.budget.attempts(retry_state.attempt_number) >= self.limit


class _WaitSinceProgress(tenacity.wait.wait_base):
    """Exponential backoff with jitter over the attempts since the last progress."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        n = self.budget.attempts(retry_state.attempt_number)
        return max(0.0, min(MAX_WAIT, FIRST_WAIT * 2 ** (n - 1) + random.uniform(0, FIRST_WAIT)))  # noqa: S311


def retrying(
    what: str,
    cancel: threading.Event | None = None,
    attempts: int | None = None,
    budget: Budget | None = None,
) -> tenacity.Retrying:
    """A tenacity ``Retrying`` for one piece of work: transient errors are retried, others raised at once.

    ``for attempt in retrying("restoring sequences"): with attempt: ...`` — the last error is raised when the
    budget is spent (or ``cancel`` is set). With ``budget``, attempts count from its last
    :meth:`Budget.progress`."""

    def log_retry(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        first = str(exc).strip().splitlines()[0] if exc and str(exc).strip() else repr(exc)
        log.warning("%s failed (%s); retrying (attempt %d)", what, first, state.attempt_number + 1)

    budget = budget or Budget()
    stop: tenacity.stop.stop_base = _StopWithoutProgress(budget, attempts or ATTEMPTS)
    if cancel is not None:
        stop = tenacity.stop_any(stop, _Cancelled(cancel))
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        stop=stop,
        wait=_WaitSinceProgress(budget),
        before_sleep=log_retry,
        reraise=True,
    )


def oversized_rpc(exc: BaseException, what: str, batch_size: int | None = None) -> ImportFailed | None:
    """The one line for a batch that YugabyteDB refused as larger than its RPC limit ("Sending too long RPC
    message"), None for any other error. Retrying cannot help (:func:`is_transient` is False for it): the fix is
    smaller batches, by rows (``--batch-size``) or by bytes (``MAX_BATCH_SIZE_BYTES``)."""
    if not isinstance(exc, psycopg.Error) or not _OVERSIZED_RPC.search(_message(exc)):
        return None
    first = _message(exc).strip().splitlines()[0]
    rows = f" (now {batch_size:,} rows)" if batch_size else ""
    return ImportFailed(
        f"{what} is too large for one request to the target (YugabyteDB's RPC size limit): {first}",
        fix=f"re-run with a smaller --batch-size{rows}, or set MAX_BATCH_SIZE_BYTES to fewer bytes per batch "
        "(default 209715200); what was committed is kept",
    )


def describe_failure(exc: BaseException, what: str, where: str) -> TransshipError:
    """One line for a database error that retrying did not cure (or that no retry can cure)."""
    if isinstance(exc, TransshipError):
        return exc
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    state = getattr(exc, "sqlstate", None) or ""
    if state == "53100":
        return TransshipError(
            f"the target {where} is out of disk space ({what}): {first}",
            fix="free disk space on the target server (or grow its volume), then re-run the same command: "
            "what was committed is kept",
        )
    if state in ("53200", "53400"):
        return TransshipError(
            f"the target {where} ran out of memory or hit a configured limit ({what}): {first}",
            fix="lower --parallel-jobs (or --batch-size), or raise the server's limits, then re-run the same command",
        )
    if is_transient(exc):
        return TransshipError(
            f"the target {where} kept failing ({what}): {first}",
            fix="check that the server is up and reachable, then re-run the same command: what was committed is kept",
        )
    return TransshipError(
        f"{what} failed on the target {where}: {first}",
        fix="fix the cause on the target, then re-run the same command: what was committed is kept",
    )


class _Cancelled(tenacity.stop.stop_base):
    """Stop retrying once the run is being cancelled (another worker failed, Ctrl-C)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.event.is_set()


class Reconnecting:
    """A connection that is opened again when a transient error broke it.

    :meth:`call` runs ``fn(conn)``; on a transient error the connection is dropped, a new one opened with
    ``connect`` and ``fn`` run again. ``fn`` must be safe to run again (idempotent, or one transaction).
    """

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        conn: psycopg.Connection | None = None,
        where: str = "",
    ) -> None:
        self._connect = connect
        self._conn = conn
        self.where = where  # the server, for messages

    @property
    def conn(self) -> psycopg.Connection:
        """The current connection (opened if needed)."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = self._connect()
        return self._conn

    def call(self, what: str, fn: Callable[[psycopg.Connection], T]) -> T:
        """Run ``fn`` on the connection, reconnecting and retrying on transient errors; a database error that
        remains is raised as one line naming ``what`` and the server."""
        try:
            for attempt in retrying(what):
                with attempt:
                    conn = self.conn
                    try:
                        return fn(conn)
                    except psycopg.Error:
                        self._drop(conn)
                        raise
        except psycopg.Error as exc:
            raise describe_failure(exc, what, self.where) from None
        raise AssertionError("unreachable")  # tenacity re-raises the last error

    def _drop(self, conn: psycopg.Connection) -> None:
        try:
            if conn.broken or conn.closed:
                conn.close()
            elif not conn.autocommit:
                conn.rollback()
        except psycopg.Error:
            conn.close()
        if conn.closed:
            self._conn = None

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


def lost_connection(exc: BaseException, command: str) -> TransshipError | None:
    """The one line for a database connection that broke in a step without retries (None: not that).

    Every step is safe to run again, so the fix is to re-run the same command."""
    broken = is_transient(exc)
    if not broken:
        try:
            import pymysql

            broken = (
                isinstance(exc, pymysql.err.OperationalError)
                and bool(exc.args)
                and exc.args[0] in (2006, 2013, 2003)
            )
        except ImportError:  # the MySQL driver comes with the MySQL adapter
            broken = False
    if not broken:
        return None
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    again = (
        f"re-run 'transship {command}' with --ignore-exist true (the objects it created are kept)"
        if command == "import schema"
        else f"re-run 'transship {command}' (finished work is kept)"
    )
    return TransshipError(
        f"the database connection was lost during {command}: {first}",
        fix=f"check that the server is up and reachable, then {again}",
    )
