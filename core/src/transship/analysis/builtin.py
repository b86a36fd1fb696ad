"""Core's built-in analysis plugin: the parse-failure rule (the ``transship rules`` command is in
:mod:`transship.cli.rules`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

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
