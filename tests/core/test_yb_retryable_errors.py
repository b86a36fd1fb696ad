"""YugabyteDB's retryable errors: its DocDB status texts arrive with SQLSTATE 40001, XX000 or none, and
:func:`transship.retry.is_transient` retries them; data, constraint, missing-object and privilege errors never
are, nor is "Sending too long RPC message", which :func:`transship.retry.oversized_rpc` turns into one line
with the fix. The errors are raised by the real PostgreSQL server (``RAISE EXCEPTION ... USING ERRCODE``)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from transship import retry
from transship.errors import ImportFailed
from transship.testing.databases import PgServer

# what YugabyteDB says (abridged from real messages)
YB_TRANSIENT = [
    (
        "40001",
        "Restart read required at: { read: { physical: 1700000000000000 } local_limit: { physical: 1 } }",
    ),
    (
        "40001",
        "Operation failed. Try again: Transaction 1b2c conflicts with higher priority transaction: 9f8e",
    ),
    ("40001", "could not serialize access due to concurrent update"),  # plain PostgreSQL's, as before
    ("XX000", "Transaction aborted: kAborted"),
    ("XX000", "Leader not ready to serve requests"),
    ("XX000", "Not the leader: Leader is not ready to serve requests (tablet 4c1d)"),
    ("XX000", "Timed out: Write RPC (request call id 3141) to 127.0.0.2:9100 timed out after 60.000s"),
    ("XX000", "Network error (yb/rpc/tcp_stream.cc:300): recvmsg error: Connection refused"),
    ("XX000", "Service unavailable (yb/tserver/tablet_service.cc:90): SST files limit exceeded"),
    ("XX000", "TIMED OUT waiting for a tablet"),  # case does not matter
]
NOT_TRANSIENT = [
    ("22P02", "Timed out: invalid input syntax for type integer"),  # data errors never, whatever the words
    ("23505", "Network error: duplicate key value violates unique constraint"),
    ("42P01", 'relation "t" does not exist (Leader not ready)'),
    ("42501", "permission denied for table t: Service unavailable"),
    ("XX000", "cache lookup failed for relation 16384"),  # PostgreSQL's internal errors stay as they were
    ("XX000", "Network error (yb/rpc/outbound_call.cc:512): Sending too long RPC message (269262124 bytes)"),
]


def _raise(server: PgServer, state: str, message: str) -> psycopg.Error:
    """The error the real server raises with ``state`` and ``message``."""
    do = sql.SQL("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = {}, MESSAGE = {}; END $$").format(
        sql.Literal(state), sql.Literal(message)
    )
    with server.connect() as conn:
        try:
            conn.execute(do)
        except psycopg.Error as exc:
            assert exc.sqlstate == state and exc.diag.message_primary == message
            return exc
    raise AssertionError("the server raised nothing")


@pytest.mark.parametrize(("state", "message"), YB_TRANSIENT)
def test_yugabytedb_retryable_errors_are_transient(pg_server: PgServer, state: str, message: str) -> None:
    exc = _raise(pg_server, state, message)
    assert retry.is_transient(exc)
    assert retry.oversized_rpc(exc, "batch 1 of t.sql") is None


@pytest.mark.parametrize(("state", "message"), NOT_TRANSIENT)
def test_data_missing_object_privilege_and_oversized_errors_are_not(
    pg_server: PgServer, state: str, message: str
) -> None:
    assert not retry.is_transient(_raise(pg_server, state, message))


@pytest.mark.parametrize(
    "message", ["Leader not ready to serve requests", "Timed out: Read RPC", "Transaction aborted"]
)
def test_yugabytedb_words_without_sqlstate_are_transient(message: str) -> None:
    """A client-side error (no SQLSTATE, no diagnostics) with YugabyteDB's words is retried too."""
    exc = psycopg.DatabaseError(message)
    assert exc.sqlstate is None
    assert retry.is_transient(exc)
    assert not retry.is_transient(psycopg.DatabaseError("something else went wrong"))


def test_a_yugabytedb_transient_error_is_retried_and_an_oversized_rpc_is_not(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "FIRST_WAIT", 0.0)
    monkeypatch.setattr(retry, "MAX_WAIT", 0.0)

    def run(state: str, message: str) -> int:
        calls = 0
        for attempt in retry.retrying("batch 1 of t.sql", attempts=3):
            with attempt:
                calls += 1
                if calls == 1:
                    raise _raise(pg_server, state, message)
        return calls

    assert run("XX000", "Leader not ready to serve requests") == 2
    with pytest.raises(psycopg.errors.InternalError_, match="Sending too long RPC message"):
        run(
            "XX000",
            "Network error (yb/rpc/outbound_call.cc:512): Sending too long RPC message (269262124 bytes)",
        )


def test_oversized_rpc_becomes_one_line_with_the_fix(pg_server: PgServer) -> None:
    exc = _raise(
        pg_server,
        "XX000",
        "Network error (yb/rpc/outbound_call.cc:512): Sending too long RPC message (269262124 bytes)",
    )
    error = retry.oversized_rpc(exc, "batch 3 of shop.orders.sql", batch_size=20_000)
    assert isinstance(error, ImportFailed)
    line = error.one_line()
    assert "\n" not in line
    assert "batch 3 of shop.orders.sql" in line and "Sending too long RPC message (269262124 bytes)" in line
    assert "fix:" in line and "--batch-size (now 20,000 rows)" in line and "MAX_BATCH_SIZE_BYTES" in line
    # any other error: not this one
    assert (
        retry.oversized_rpc(_raise(pg_server, "XX000", "Leader not ready to serve requests"), "batch 1")
        is None
    )
    assert retry.oversized_rpc(ValueError("Sending too long RPC message"), "batch 1") is None


def test_import_data_stops_an_oversized_batch_with_the_fix(schema_imported, one_line_error) -> None:  # type: ignore[no-untyped-def]
    """A batch the target refuses as larger than its RPC limit stops import data with one line: the batch and
    the fix (smaller batches), never a retry loop, a stash or "please report it"."""
    m = schema_imported
    with psycopg.connect(m.conninfo("target"), autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION shop.rpc_limit(bigint) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN IF $1 = 7 THEN"
            " RAISE EXCEPTION 'Network error: Sending too long RPC message (size 268435456 > 255MB)'"
            " USING ERRCODE = 'XX000'; END IF; RETURN true; END $$"
        )
        conn.execute("ALTER TABLE shop.orders ADD CONSTRAINT rpc CHECK (shop.rpc_limit(id))")
    bad = m.import_data("--batch-size", "500", check=False)
    line = one_line_error(bad, "Sending too long RPC message", "--batch-size", "MAX_BATCH_SIZE_BYTES")
    assert bad.returncode == 1 and "please report" not in line
