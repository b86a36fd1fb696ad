"""Core's built-in analysis plugin: the parse-failure rule and the ``transship rules`` command."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from transship import hookimpl
from transship.analysis.model import Finding, Impact
from transship.analysis.rule import Rule

if TYPE_CHECKING:
    from transship.analysis.context import AnalysisContext
    from transship.analysis.statement import AnalysedStatement


class UnsupportedPgSyntax(Rule):
    """Statement does not parse as PostgreSQL.

    Every statement of the exported schema is parsed on its own with pglast (PostgreSQL's own parser);
    one that fails is reported with the parser's message, unless another rule already explained it
    (e.g. ``WITH OIDS``).
    """

    code = "UNSUPPORTED_PG_SYNTAX"
    name = "core.unsupported_pg_syntax"
    groups = ("all", "core", "syntax")
    impact = Impact.LEVEL_1
    suggestion = "Fix the schema as per PG syntax"
    docs_link = "https://www.postgresql.org/docs/current/sql-commands.html"
    parsed_only = False
    order = 1000

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if stmt.parse_error is None or stmt.finding_count:
            return
        yield Finding(
            f"SQL statement(s) might be unsupported please review and edit to match PostgreSQL syntax if required - '{stmt.parse_error}'",
            object_type=stmt.object_type,
            object_name=guess_name(stmt.sql),
        )


def guess_name(sql: str) -> str:
    """The object name of a statement that does not parse: the word after CREATE ... <kind>."""
    from transship.sqlsplit import strip_leading_comments

    words = strip_leading_comments(sql).replace("(", " ").split()
    skip = {"create", "or", "replace", "unique", "temporary", "temp", "unlogged", "global", "local", "table", "view",
            "index", "function", "procedure", "trigger", "type", "sequence", "materialized", "if", "not", "exists",
            "alter", "drop", "schema", "domain", "foreign", "package", "body", "editionable", "noneditionable",
            "force", "definer", "constraint", "recursive", "on", "concurrently"}  # fmt: skip
    for word in words[1:8]:
        if word.lower() not in skip:
            return word.strip(";")
    return ""


@hookimpl
def transship_analysis_rules() -> list[type[Any]]:
    return [UnsupportedPgSyntax]


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
    for col in ("code", "name", "impact", "fixed in", "description", "pack"):
        table.add_column(col, overflow="fold")
    for r in rules:
        fixed = ", ".join(sorted(r.rule.minimum_versions_fixed_in.values()))
        table.add_row(r.rule.code, r.rule.name, str(r.rule.impact), fixed, r.rule.description, r.distribution)
    import sys

    Console(soft_wrap=True, width=None if sys.stdout.isatty() else 220).print(table)


@hookimpl
def transship_register_commands(cli: click.Group) -> None:
    cli.add_command(rules_cmd)
