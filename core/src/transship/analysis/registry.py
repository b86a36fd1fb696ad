"""The installed rules: collected from every plugin's ``transship_analysis_rules`` hook."""

from __future__ import annotations

from dataclasses import dataclass

from transship.analysis.rule import Rule
from transship.errors import ConfigError
from transship.plugins import PluginHost, get_host


@dataclass(frozen=True)
class InstalledRule:
    rule: type[Rule]
    distribution: str


def installed_rules(host: PluginHost | None = None) -> list[InstalledRule]:
    """Every rule of every installed pack, sorted by code; duplicate codes raise :class:`ConfigError`."""
    found = (host or get_host()).analysis_rules()
    out = []
    for code, (cls, dist) in found.items():
        if not (isinstance(cls, type) and issubclass(cls, Rule)):
            raise ConfigError(
                f"{dist} registers analysis rule {code!r} that is not a transship.analysis.Rule subclass",
                fix=f"upgrade or uninstall {dist}",
            )
        out.append(InstalledRule(cls, dist))
    return sorted(out, key=lambda r: r.rule.code)
