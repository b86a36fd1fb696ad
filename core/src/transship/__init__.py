"""transship: migrate PostgreSQL, MySQL/MariaDB and Oracle databases into PostgreSQL-compatible targets.

Plugins import :data:`hookimpl` from here to implement the hooks declared in :mod:`transship.hookspecs`.
"""

import logging
from importlib.metadata import PackageNotFoundError, version

import pluggy

# No output from the library's logger unless the CLI attaches its log file (avoids logging.lastResort).
logging.getLogger("transship").addHandler(logging.NullHandler())

hookimpl = pluggy.HookimplMarker("transship")
"""Marker for hook implementations, e.g. ``@hookimpl def transship_source_adapters(): ...``."""

try:
    __version__ = version("transship")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["hookimpl", "__version__"]
