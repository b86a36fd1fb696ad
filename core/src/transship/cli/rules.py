"""``transship rules``: the analysis rules of every installed rule pack (a built-in plugin's command)."""

from __future__ import annotations

import json

import click

from transship import hookimpl


@click.command("rules")
@click.option(
    "--group", "groups", multiple=True, help="Only rules in this group (glob; repeatable), e.g. yugabytedb."
)
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def rules_cmd(groups: tuple[str, ...], output_format: str) -> None:
    """List the analysis rules of every installed rule pack."""
    from fnmatch import fnmatchcase

    from rich.console import Console
    from rich.table import Table

    from transship.analysis.catalogue import targets_text
    from transship.analysis.registry import installed_rules
    from transship.errors import ConfigError, TransshipError

    try:
        rules = installed_rules()
        existing = sorted({g.lower() for r in rules for g in r.rule.groups})
        for pattern in groups:
            if not any(fnmatchcase(g, pattern.lower()) for g in existing):
                raise ConfigError(
                    f"--group {pattern!r} matches no rule group",
                    fix=f"use one of the groups: {', '.join(existing)}",
                )
    except TransshipError as exc:
        click.echo(f"ERROR: {exc.one_line()}", err=True)
        raise SystemExit(exc.exit_code) from None
    if groups:
        rules = [
            r for r in rules if any(fnmatchcase(g.lower(), p.lower()) for p in groups for g in r.rule.groups)
        ]
    if output_format == "json":
        click.echo(json.dumps([{**r.rule.info(), "distribution": r.distribution} for r in rules], indent=2))
        return
    table = Table(title=f"transship analysis rules ({len(rules)})")
    for col in ("code", "name", "impact", "targets", "fixed in", "description", "pack"):
        table.add_column(col, overflow="fold")
    for r in rules:
        fixed = ", ".join(sorted(r.rule.minimum_versions_fixed_in.values()))
        table.add_row(r.rule.code, r.rule.name, str(r.rule.impact), targets_text(r.rule), fixed,
                      r.rule.description, r.distribution)  # fmt: skip
    import sys

    Console(soft_wrap=True, width=None if sys.stdout.isatty() else 220).print(table)


@hookimpl
def transship_register_commands(cli: click.Group) -> None:
    cli.add_command(rules_cmd)
