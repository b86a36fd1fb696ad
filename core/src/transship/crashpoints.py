"""Named crash points: a test kills the process at an exact step between two state writes.

Every step of ``export data`` and ``import data`` that changes state (a file renamed, a row of
``meta.db`` written, a batch committed in the target) is followed by ``crash_point("<name>")``. With
``TRANSSHIP_CRASH_AT=<name>`` in the environment the process kills itself with SIGKILL when it reaches that
point — no cleanup, no ``finally`` blocks, as a power cut or ``kill -9`` would — so a test can enumerate the
points (:data:`POINTS`) instead of guessing with sleeps, and check that the next run finishes exactly.

``TRANSSHIP_CRASH_AT=<name>@N`` kills at the N-th time the point is reached (1-based), e.g. the third batch.
Unset (the normal case), a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "TRANSSHIP_CRASH_AT"

#: Every crash point: name -> what has happened when it is reached. Modules declare theirs with
#: :func:`declare` at import time; a test enumerates them per command prefix (``export.``, ``import.``).
POINTS: dict[str, str] = {}

_hits: dict[str, int] = {}
_lock = threading.Lock()


def declare(name: str, description: str) -> str:
    """Register a crash point (idempotent); returns ``name`` so a module can keep it as a constant."""
    POINTS[name] = description
    return name


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL if ``TRANSSHIP_CRASH_AT`` names this point (and hit count)."""
    if name not in POINTS:
        raise KeyError(f"undeclared crash point {name!r}")
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    target, _, nth = wanted.partition("@")
    if target != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        count = _hits[name]
    if count >= (int(nth) if nth else 1):
        os.kill(os.getpid(), signal.SIGKILL)
