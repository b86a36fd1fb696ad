"""Example rule pack: one rule, registered through the ``transship`` entry-point group."""

from collections.abc import Iterator

from pglast import ast

from transship.sdk import AnalysedStatement, AnalysisContext, Category, Finding, Rule, hookimpl


class Rule_Example_L001(Rule):
    """Table name is not lower case, so every query must quote it."""

    name = "example.quoted_table_name"
    groups = ("all", "example")
    category = Category.MIGRATION_HYGIENE
    suggestion = "Rename the table to lower case (and update the application's queries)."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterator[Finding]:
        node = stmt.node
        if not isinstance(node, ast.CreateStmt) or node.relation is None:
            return
        relname = node.relation.relname
        if relname is not None and relname != relname.lower():
            yield Finding(f"Table {stmt.subject_name} needs quoting in every query.")


@hookimpl
def transship_analysis_rules() -> list[type[Rule]]:
    return [Rule_Example_L001]
