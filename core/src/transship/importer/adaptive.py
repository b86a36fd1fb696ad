"""Adaptive parallelism on YugabyteDB: fewer loading connections while a node is under pressure, more again
when none is.

Every ``ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS`` (default 10) the nodes' metrics are read from
``yb_servers_metrics()``. If any node's CPU (user + system) is above the threshold (80 % ``balanced``, 95 %
``aggressive``; ``MAX_CPU_THRESHOLD`` in percent overrides), or its available memory below
``MIN_AVAILABLE_MEMORY_THRESHOLD`` percent (default 10), or its root memory consumption at or above its soft
limit, one connection is taken away (never below 1); otherwise one is added back (never above the maximum). Each
change is logged with the reason.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from transship.errors import ConfigError, TransshipError

log = logging.getLogger(__name__)

MODES = ("disabled", "balanced", "aggressive")
_CPU = {"balanced": 80.0, "aggressive": 95.0}


@dataclass(frozen=True)
class Thresholds:
    max_cpu: float  # percent
    min_available_memory: float  # percent

    @classmethod
    def for_mode(cls, mode: str) -> Thresholds:
        return cls(
            _env_percent("MAX_CPU_THRESHOLD", _CPU[mode]),
            _env_percent("MIN_AVAILABLE_MEMORY_THRESHOLD", 10.0),
        )


def _env_percent(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a number", fix=f"set {name} to a percentage, e.g. {default:g}"
        ) from None
    if not 0 < value <= 100:
        raise ConfigError(f"{name}={raw!r} is not a percentage", fix="use a value above 0 and at most 100")
    return value


def frequency() -> float:
    """Seconds between two readings of the metrics (``ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS``)."""
    raw = os.environ.get("ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS", "10")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigError(
            f"ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS={raw!r} is not a positive number of seconds",
            fix="e.g. 10",
        )
    return value


def pressure(rows: list[tuple[Any, ...]], limits: Thresholds) -> str | None:
    """Why the cluster is under pressure (the first node over a threshold), or None. ``rows`` are
    ``(uuid, metrics, status, error)`` of ``yb_servers_metrics()``; a node whose status is not OK is skipped."""
    for uuid, metrics, status, _error in rows:
        if str(status or "OK").upper() != "OK":
            continue
        m = metrics if isinstance(metrics, dict) else json.loads(metrics or "{}")
        num = functools.partial(_number, m)
        user, system = num("cpu_usage_user"), num("cpu_usage_system")
        if user is not None and system is not None and (user + system) * 100 > limits.max_cpu:
            return f"node {uuid}: CPU {(user + system) * 100:.0f} % > {limits.max_cpu:g} %"
        available, total = num("memory_available"), num("memory_total")
        if available is not None and total and available * 100 / total < limits.min_available_memory:
            return f"node {uuid}: available memory {available * 100 / total:.0f} % < {limits.min_available_memory:g} %"
        used, soft = num("tserver_root_memory_consumption"), num("tserver_root_memory_soft_limit")
        if used is not None and soft and used >= soft:
            return f"node {uuid}: tserver memory at its soft limit"
    return None


def _number(metrics: dict[str, Any], key: str) -> float | None:
    try:
        return float(metrics[key])
    except (KeyError, TypeError, ValueError):
        return None


class AdaptiveParallelism:
    """A thread that reads the metrics and calls ``set_jobs`` with one connection more or fewer.

    :param read: ``() -> rows`` of ``yb_servers_metrics()`` (raises when they cannot be read).
    :param set_jobs: gives the loader its new number of loading connections.
    """

    def __init__(
        self,
        read: Callable[[], list[tuple[Any, ...]]],
        set_jobs: Callable[[int], None],
        start: int,
        maximum: int,
        mode: str,
        every: float | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.read, self.set_jobs = read, set_jobs
        self.jobs, self.maximum = start, max(start, maximum)
        self.limits = Thresholds.for_mode(mode)
        self.every = frequency() if every is None else every
        self.say = say or (lambda text: None)
        self.changes: list[tuple[int, int, str]] = []  # (from, to, why)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="adaptive-parallelism", daemon=True)

    def start(self) -> AdaptiveParallelism:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def step(self) -> None:
        """One reading and, where it calls for one, one change."""
        why = pressure(self.read(), self.limits)
        target = max(1, self.jobs - 1) if why else min(self.maximum, self.jobs + 1)
        if target == self.jobs:
            return
        reason = why or "no node under pressure"
        text = f"adaptive parallelism: {self.jobs} -> {target} connection(s) ({reason})"
        log.warning("%s", text)
        self.say(text)
        self.changes.append((self.jobs, target, reason))
        self.jobs = target
        self.set_jobs(target)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.wait(self.every):
            try:
                self.step()
                failures = 0
            except (psycopg.Error, TransshipError) as exc:  # a lost node must not stop the load
                failures += 1
                log.warning(
                    "adaptive parallelism: cannot read yb_servers_metrics() (%s); parallelism kept", exc
                )
                if failures >= 30:
                    log.warning("adaptive parallelism: giving up after %d failed readings", failures)
                    return


def metrics_reader(
    connect: Callable[[], psycopg.Connection],
) -> tuple[Callable[[], list[tuple[Any, ...]]], Callable[[], None]]:
    """``(read, close)``: ``read`` for :class:`AdaptiveParallelism` on one connection, opened again when it
    breaks; ``close`` closes it."""
    holder: dict[str, psycopg.Connection] = {}

    def close() -> None:
        conn = holder.pop("conn", None)
        if conn is not None:
            conn.close()

    def read() -> list[tuple[Any, ...]]:
        conn = holder.get("conn")
        if conn is None or conn.closed or conn.broken:
            conn = holder["conn"] = connect()
        try:
            return list(
                conn.execute("SELECT uuid, metrics, status, error FROM yb_servers_metrics()").fetchall()
            )
        except psycopg.Error:
            conn.close()
            raise

    return read, close


def has_metrics(conn: psycopg.Connection) -> bool:
    """True when the target offers ``yb_servers_metrics()`` (YugabyteDB 2.20.3+ / 2024.1+)."""
    row = conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'yb_servers_metrics'").fetchone()
    return bool(row and row[0])
