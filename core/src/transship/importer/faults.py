"""Fault injection for tests: cut every connection this import holds to the target, as a network drop or an
administrator's ``pg_terminate_backend`` would (``TRANSSHIP_DISCONNECT_AT``, see :mod:`transship.crashpoints`)."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

from transship import crashpoints

_OURS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'transship'"
    " AND pid <> pg_backend_pid()"
)


def terminate_backends(connect: Callable[[], psycopg.Connection]) -> None:
    """Terminate this database's transship backends (other than the one used here) and wait until they are gone."""
    with connect() as conn:
        pids = [r[0] for r in conn.execute(_OURS).fetchall()]
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)).fetchone():
                return
            time.sleep(0.02)


def arm(connect: Callable[[], psycopg.Connection]) -> None:
    """Let ``TRANSSHIP_DISCONNECT_AT`` cut this run's target connections (a no-op unless it is set)."""
    crashpoints.on_disconnect(lambda: terminate_backends(connect))
