"""The ``postgresql`` import sink."""

from __future__ import annotations

from typing import ClassVar

from transship.sinks.base import ImportSink


class PostgresSink(ImportSink):
    """Plain PostgreSQL (any version ≥ 11)."""

    name: ClassVar[str] = "postgresql"
    default_port: ClassVar[int] = 5432
    default_batch_size: ClassVar[int] = 100_000
