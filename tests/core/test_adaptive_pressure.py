"""Adaptive parallelism's decisions from yb_servers_metrics() rows: each kind of pressure takes a connection
away, none gives one back, within bounds; unreadable metrics keep the parallelism (the load goes on)."""

from __future__ import annotations

import logging
import threading
import time

import psycopg
import pytest

from transship.importer.adaptive import AdaptiveParallelism, Thresholds, pressure

LIMITS = Thresholds(max_cpu=80.0, min_available_memory=10.0)
CALM = {"cpu_usage_user": "0.1", "cpu_usage_system": "0.05", "memory_available": "800", "memory_total": "1000",
        "tserver_root_memory_consumption": "10", "tserver_root_memory_soft_limit": "100"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"cpu_usage_user": "0.7", "cpu_usage_system": "0.2"}, "CPU 90 % > 80 %"),
        ({"memory_available": "50"}, "available memory 5 % < 10 %"),
        ({"tserver_root_memory_consumption": "100"}, "tserver memory at its soft limit"),
    ],
)
def test_each_pressure_is_named(change: dict[str, str], why: str) -> None:
    assert pressure([("n1", CALM, "OK", None)], LIMITS) is None
    assert why in (pressure([("n1", CALM, "OK", None), ("n2", {**CALM, **change}, "OK", None)], LIMITS) or "")
    assert pressure([("n2", {**CALM, **change}, "ERROR", "down")], LIMITS) is None  # a node not OK is skipped


def test_steps_stay_within_bounds() -> None:
    rows = [[("n1", {**CALM, "cpu_usage_user": "0.95"}, "OK", None)]]
    jobs: list[int] = []
    ap = AdaptiveParallelism(lambda: rows[0], jobs.append, start=2, maximum=3, mode="balanced", every=1)
    for _ in range(3):
        ap.step()
    assert jobs == [1] and ap.jobs == 1  # never below 1
    rows[0] = [("n1", CALM, "OK", None)]
    for _ in range(4):
        ap.step()
    assert jobs == [1, 2, 3] and ap.jobs == 3  # never above the maximum


def test_unreadable_metrics_keep_the_parallelism(caplog: pytest.LogCaptureFixture) -> None:
    tried = threading.Event()

    def read() -> list[tuple[object, ...]]:
        tried.set()
        raise psycopg.OperationalError("connection refused")

    jobs: list[int] = []
    root = logging.getLogger("transship")
    saved = root.propagate
    root.propagate = True  # a step run in this process may have turned it off (its log file only)
    try:
        with caplog.at_level(logging.WARNING, logger="transship.importer.adaptive"):
            ap = AdaptiveParallelism(
                read, jobs.append, start=2, maximum=4, mode="balanced", every=0.01
            ).start()
            assert tried.wait(5)
            time.sleep(0.05)
            ap.stop()
    finally:
        root.propagate = saved
    assert jobs == [] and ap.jobs == 2
    assert "cannot read yb_servers_metrics() (connection refused); parallelism kept" in caplog.text
