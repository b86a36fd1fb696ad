"""transship: migrate PostgreSQL, MySQL/MariaDB and Oracle databases into PostgreSQL-compatible targets.

Plugins import :data:`hookimpl` from here to implement the hooks declared in :mod:`transship.hookspecs`.
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

hookimpl = pluggy.HookimplMarker("transship")
"""Marker for hook implementations, e.g. ``@hookimpl def transship_source_adapters(): ...``."""

try:
    __version__ = version("transship")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["hookimpl", "__version__"]
