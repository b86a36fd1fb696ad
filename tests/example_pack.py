"""The example rule pack (plugins/rules-example) for the tests: registered on a plugin host, never installed.

``scripts/install.sh`` leaves the pack out of the venv (it is a template; installed, it would add its issues to
every report) and only puts its source on the path, so it is importable but never loaded as a plugin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from transship.plugins import PluginHost, get_host

EXAMPLE_DIST = "transship-rules-example"
EXAMPLE_PLUGIN = "example"


def with_example(host: PluginHost | None = None) -> PluginHost:
    """``host`` (a fresh one by default) with the example pack registered as its distribution would be."""
    import transship_rules_example

    host = host or PluginHost()
    host.register(transship_rules_example, name=EXAMPLE_PLUGIN, distribution=EXAMPLE_DIST)
    return host


@contextmanager
def example_registered() -> Iterator[PluginHost]:
    """The process's plugin host (the CLI's, in-process) with the example pack, for the block only."""
    host = get_host()
    with_example(host)
    try:
        yield host
    finally:
        host.unregister(EXAMPLE_PLUGIN)
