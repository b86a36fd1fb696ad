"""Named crash points: a test kills the process at an exact step between two state writes.

Every step of ``export data`` and ``import data`` that changes state (a file renamed, a row of
``meta.db`` written, a batch committed in the target) is followed by ``crash_point("<name>")``. With
``TRANSSHIP_CRASH_AT=<name>`` in the environment the process kills itself with SIGKILL when it reaches that
point — no cleanup, no ``finally`` blocks, as a power cut or ``kill -9`` would — so a test can enumerate the
points (:data:`POINTS`) instead of guessing with sleeps, and check that the next run finishes exactly.

``TRANSSHIP_CRASH_AT=<name>@N`` kills at the N-th time the point is reached (1-based), e.g. the third batch.
Unset (the normal case), a crash point costs one dictionary lookup.

``TRANSSHIP_PAUSE_AT=<name>:<seconds>`` sleeps there each time (a slow step, for tests of work that overlaps).

``TRANSSHIP_DISCONNECT_AT=<name>[@N]`` instead cuts the database connections there (what
``pg_terminate_backend`` or a network drop does) and goes on: the command registers how with
:func:`on_disconnect`, and the work after the point must survive it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

ENV = "TRANSSHIP_CRASH_AT"
DISCONNECT_ENV = "TRANSSHIP_DISCONNECT_AT"
PAUSE_ENV = "TRANSSHIP_PAUSE_AT"

#: Every crash point: name -> what has happened when it is reached. Modules declare theirs with
#: :func:`declare` at import time; a test enumerates them per command prefix (``export.``, ``import.``).
POINTS: dict[str, str] = {}

_hits: dict[str, int] = {}
_lock = threading.Lock()
_disconnect: Callable[[], None] | None = None


def on_disconnect(fn: Callable[[], None] | None) -> None:
    """What ``TRANSSHIP_DISCONNECT_AT`` does: e.g. terminate this run's target backends."""
    global _disconnect
    _disconnect = fn


def _reached(wanted: str, name: str) -> bool:
    target, _, nth = wanted.partition("@")
    if target != name:
        return False
    with _lock:
        _hits[wanted] = _hits.get(wanted, 0) + 1
        count = _hits[wanted]
    return count == (int(nth) if nth else 1)


def declare(name: str, description: str) -> str:
    """Register a crash point (idempotent); returns ``name`` so a module can keep it as a constant."""
    POINTS[name] = description
    return name


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL if ``TRANSSHIP_CRASH_AT`` names this point (and hit count)."""
    if name not in POINTS:
        raise KeyError(f"undeclared crash point {name!r}")
    wanted = os.environ.get(ENV)
    if wanted and _reached(wanted, name):
        os.kill(os.getpid(), signal.SIGKILL)
    cut = os.environ.get(DISCONNECT_ENV)
    if cut and _disconnect is not None and _reached(cut, name):
        _disconnect()
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        point, _, seconds = pause.partition(":")
        if point == name:
            time.sleep(float(seconds or 1))
