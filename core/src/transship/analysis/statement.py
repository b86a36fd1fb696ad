"""Statements as rules see them: parsed with pglast, one at a time, with their file and line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pglast
from pglast import ast
from pglast.parser import ParseError

from transship.analysis.nodes import defelem_value, strings, subject_of, walk


@dataclass
class AnalysedStatement:
    """One statement of an exported schema file (or one SQL statement inside a function body).

    :ivar node: the parsed statement (``RawStmt.stmt``), ``None`` when it did not parse.
    :ivar parse_error: the parser's message when it did not parse.
    :ivar object_type: the schema file's object type (``TABLE`` for ``tables/table.sql``).
    :ivar subject_type, subject_name: what the statement is about (``TABLE``, ``public.film``).
    :ivar parent: for a statement inside a function body, the ``CREATE FUNCTION`` statement.
    """

    sql: str
    path: Path | None
    line: int
    object_type: str
    node: ast.Node | None = None
    parse_error: str | None = None
    parent: AnalysedStatement | None = None
    embedded: list[AnalysedStatement] = field(default_factory=list)
    finding_count: int = 0
    parsed_text: str | None = None
    """The text pglast parsed when it differs from ``sql`` (``SELECT <expr>`` for a PL/pgSQL expression)."""

    @property
    def parsed_sql(self) -> str:
        """The exact text the node locations refer to."""
        return self.parsed_text if self.parsed_text is not None else self.sql

    @property
    def subject(self) -> tuple[str, str]:
        if self.parent is not None:
            return self.parent.subject
        if self.node is None:
            return self.object_type, ""
        otype, name = subject_of(self.node)
        return otype or self.object_type, name

    @property
    def subject_type(self) -> str:
        return self.subject[0]

    @property
    def subject_name(self) -> str:
        return self.subject[1]

    @property
    def in_body(self) -> bool:
        """True for a statement found inside a function or procedure body."""
        return self.parent is not None

    @property
    def file(self) -> str:
        return str(self.path) if self.path else ""

    def find(self, *types: type[ast.Node]) -> Iterator[Any]:
        """Every node of the given pglast types in this statement (depth first)."""
        if self.node is None:
            return
        for node in walk(self.node):
            if isinstance(node, types):
                yield node


def parse_statement(sql: str, path: Path | None, line: int, object_type: str) -> list[AnalysedStatement]:
    """Parse one statement; a parse failure gives one statement carrying ``parse_error``."""
    try:
        raws = pglast.parse_sql(sql)
    except ParseError as exc:
        return [AnalysedStatement(sql, path, line, object_type, parse_error=str(exc))]
    out = []
    for raw in raws:
        stmt = AnalysedStatement(sql, path, line, object_type, node=raw.stmt)
        stmt.embedded = list(_body_statements(stmt))
        out.append(stmt)
    return out


def _function_option(node: ast.CreateFunctionStmt, name: str) -> Any:
    for opt in node.options or ():
        if isinstance(opt, ast.DefElem) and opt.defname == name:
            return opt
    return None


def _body_statements(stmt: AnalysedStatement) -> Iterator[AnalysedStatement]:
    """The SQL inside a function body: each PL/pgSQL expression or each statement of a SQL body."""
    node = stmt.node
    if not isinstance(node, ast.CreateFunctionStmt) or node.sql_body is not None:
        return
    lang_opt = _function_option(node, "language")
    language = str(defelem_value(lang_opt) or "sql").lower() if lang_opt is not None else "sql"
    as_opt = _function_option(node, "as")
    body = strings(as_opt.arg)[0] if as_opt is not None and as_opt.arg else ""
    if not body:
        return
    body_line = stmt.line + stmt.sql[: max(stmt.sql.find(body), 0)].count("\n")
    if language == "sql":
        for raw_sql, offset in _split_body(body):
            yield from _embedded(stmt, raw_sql, body_line + offset)
    elif language == "plpgsql":
        try:
            tree = pglast.parse_plpgsql(stmt.sql)
        except Exception:  # noqa: BLE001 - a body pglast cannot read is still analysed as text
            return
        for query, mode, lineno in _plpgsql_queries(tree):
            text = query
            if mode == 2:  # expression
                text = f"SELECT {query}"
            elif mode == 3:  # assignment "x := expr"
                text = "SELECT " + query.split(":=", 1)[-1] if ":=" in query else f"SELECT {query}"
            yield from _embedded(stmt, text, body_line + max(lineno - 1, 0), shown=query)


def _split_body(body: str) -> Iterator[tuple[str, int]]:
    from transship.sqlsplit import split_sql

    for part in split_sql(body):
        yield part.sql, part.line - 1


def _embedded(
    parent: AnalysedStatement, sql: str, line: int, shown: str | None = None
) -> Iterator[AnalysedStatement]:
    try:
        raws = pglast.parse_sql(sql)
    except ParseError:
        return  # dynamic or PL/pgSQL-only syntax: nothing a statement rule can check
    for raw in raws:
        yield AnalysedStatement(
            shown or sql, parent.path, line, parent.object_type, node=raw.stmt, parent=parent, parsed_text=sql
        )


def _plpgsql_queries(tree: Any) -> Iterator[tuple[str, int, int]]:
    """``(query, parseMode, lineno)`` of every ``PLpgSQL_expr`` in a parse_plpgsql tree."""
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        item, lineno = stack.pop()
        if isinstance(item, dict):
            lineno = item.get("lineno", lineno) if isinstance(item.get("lineno"), int) else lineno
            expr = item.get("PLpgSQL_expr")
            if isinstance(expr, dict) and isinstance(expr.get("query"), str):
                yield expr["query"], int(expr.get("parseMode", 0)), lineno
                continue
            stack.extend((v, lineno) for v in reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend((v, lineno) for v in reversed(item))
