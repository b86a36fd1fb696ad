"""The plugin host: one pluggy manager, built-ins registered by core, the rest through entry points.

Entry points of group ``transship`` are loaded one by one inside ``try``: a plugin that fails to
import (a missing driver, a bug) produces a warning and never breaks the CLI.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import pluggy
from importlib_metadata import entry_points

from transship import __version__, hookspecs
from transship.errors import ConfigError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "transship"
BUILTIN_PLUGINS = (
    "transship.sinks.builtin",
    "transship.analysis.builtin",
    "transship.cli.rules",
)


@dataclass
class PluginInfo:
    """What ``transship plugins`` shows for one loaded (or failed) plugin."""

    name: str
    distribution: str
    version: str
    hooks: list[str] = field(default_factory=list)
    error: str | None = None


class PluginHost:
    """Wraps the pluggy manager and remembers which distribution each plugin came from."""

    def __init__(self, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager("transship")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.duplicates: list[tuple[str, str, str]] = []  # (entry-point name, first distribution, second)
        for modname in BUILTIN_PLUGINS:
            module = importlib.import_module(modname)
            self.pm.register(module, name=modname)
            self.infos[modname] = PluginInfo(modname, "transship", __version__)
        if load_entry_points and not os.environ.get("TRANSSHIP_DISABLE_PLUGIN_AUTOLOAD"):
            self._load_entry_points()
        self._check_pending()
        for name, info in self.infos.items():
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                info.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])

    def _check_pending(self) -> None:
        """pluggy's ``check_pending()``: a hook implementation no spec declares (a misspelt hook name) is never
        called; say so once per implementation, naming the plugin, instead of ignoring it or failing."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError:
            for name in dir(self.pm.hook):
                caller = getattr(self.pm.hook, name)
                if name.startswith("_") or not hasattr(caller, "has_spec") or caller.has_spec():
                    continue
                for impl in caller.get_hookimpls():
                    if not impl.opts.get("optionalhook"):
                        info = self.infos.get(impl.plugin_name)
                        dist = info.distribution if info else impl.plugin_name
                        msg = f"plugin '{impl.plugin_name}' from {dist} implements {name}, which is no transship hook: it is never called (see docs/hooks.md)"
                        warnings.warn(msg, RuntimeWarning, stacklevel=2)
                        log.warning(msg)

    def _load_entry_points(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else "?"
            ver = ep.dist.version if ep.dist else "?"
            if self.pm.get_plugin(ep.name) is not None or ep.name in self.infos:
                other = self.infos[ep.name].distribution if ep.name in self.infos else "?"
                if other != dist:  # the same entry-point name from two distributions
                    self.duplicates.append((ep.name, other, dist))
                continue
            try:
                plugin = ep.load()
                self.pm.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin must not break the CLI
                msg = f"plugin '{ep.name}' from {dist} {ver} failed to load and is skipped: {exc!r}"
                warnings.warn(msg, RuntimeWarning, stacklevel=2)
                log.warning(msg)
                self.infos[ep.name] = PluginInfo(ep.name, dist, ver, error=repr(exc))
                continue
            self.infos[ep.name] = PluginInfo(ep.name, dist, ver)

    def register(self, plugin: Any, name: str, distribution: str = "local") -> None:
        """Register an extra plugin object (tests and embedding applications use this)."""
        self.pm.register(plugin, name=name)
        self.infos[name] = PluginInfo(
            name, distribution, "-", sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
        )

    def unregister(self, name: str) -> None:
        """Remove a plugin registered with :meth:`register`."""
        self.pm.unregister(name=name)
        self.infos.pop(name, None)

    def collect(self, hook_name: str, key: Any) -> dict[str, tuple[Any, str]]:
        """Call a list-returning hook on every plugin; return ``key(item) -> (item, distribution)``.

        Two plugins contributing the same key is an error naming both distributions.
        """
        if self.duplicates:
            name, first, second = self.duplicates[0]
            raise ConfigError(
                f"two distributions register the plugin name '{name}': {first} and {second}",
                fix=f"uninstall one of {first} and {second}",
            )
        out: dict[str, tuple[Any, str]] = {}
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            info = self.infos.get(impl.plugin_name)
            dist = info.distribution if info else impl.plugin_name
            try:
                items = impl.function() or []
            except Exception as exc:  # a broken plugin must not break the CLI
                msg = f"plugin '{impl.plugin_name}' from {dist} failed in {hook_name} and is skipped: {exc!r}"
                warnings.warn(msg, RuntimeWarning, stacklevel=2)
                if info is not None:
                    info.error = repr(exc)
                continue
            for item in items:
                k = key(item)
                if k in out and out[k][1] != dist + "#" + impl.plugin_name:
                    other = out[k][1].split("#")[0]
                    raise ConfigError(
                        f"two plugins register {hook_name.removeprefix('transship_')} '{k}': {other} and {dist}",
                        fix=f"uninstall one of {other} and {dist}",
                    )
                out[k] = (item, dist + "#" + impl.plugin_name)
        return {k: (v, d.split("#")[0]) for k, (v, d) in out.items()}

    def source_adapters(self) -> dict[str, Any]:
        """Adapter name -> AdapterRecord."""
        return {k: v for k, (v, _d) in self.collect("transship_source_adapters", lambda r: r.name).items()}

    def connection_options(self) -> dict[str, tuple[Any, list[str]]]:
        """Option name -> (the :class:`~transship.adapters.base.ConnectionOption`, the adapters declaring it).

        Two adapters may share an option (the same name and meaning); the first declaration's help is used.
        A broken adapter record (duplicate names) yields no options rather than breaking the CLI.
        """
        out: dict[str, tuple[Any, list[str]]] = {}
        try:
            records = self.source_adapters()
        except Exception:  # reported by the command that needs the adapters
            return out
        for name in sorted(records):
            for option in getattr(records[name], "options", ()):
                entry = out.setdefault(option.name, (option, []))
                entry[1].append(name)
        return out

    def import_sinks(self) -> dict[str, Any]:
        """Sink name -> sink class."""
        return {k: v for k, (v, _d) in self.collect("transship_import_sinks", lambda c: c.name).items()}

    def analysis_rules(self) -> dict[str, tuple[Any, str]]:
        """Rule code -> (rule class, distribution)."""
        return self.collect("transship_analysis_rules", lambda c: c.code)


_HOST: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host (created on first use)."""
    global _HOST
    if _HOST is None:
        _HOST = PluginHost()
    return _HOST


def reset_host(host: PluginHost | None = None) -> None:
    """Replace or drop the cached host (for tests)."""
    global _HOST
    _HOST = host
