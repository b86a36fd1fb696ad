"""Core's built-in plugin: the ``postgresql`` and ``yugabytedb`` import sinks."""

from __future__ import annotations

from typing import Any

from transship import hookimpl


@hookimpl
def transship_import_sinks() -> list[type[Any]]:
    from transship.sinks.postgresql import PostgresSink
    from transship.sinks.yugabytedb import YugabyteSink

    return [PostgresSink, YugabyteSink]
