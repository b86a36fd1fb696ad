"""Statements as rules see them: parsed with pglast, one at a time, with their file and line."""

from __future__ import annotations

import re
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
    plpgsql: Any = field(default=None, repr=False)
    """For a PL/pgSQL ``CREATE FUNCTION`` / ``DO``: ``pglast.parse_plpgsql``'s tree, for the statements that
    are not SQL (``FETCH``/``MOVE`` of cursors, ``RAISE`` ...); ``None`` otherwise or when it did not parse."""

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


_PLPGSQL_ASSIGN_MODES = (3, 4, 5)
"""``RAW_PARSE_PLPGSQL_ASSIGN1..3``: ``target := expr`` with a 1, 2 or 3 part target name."""
_ASSIGN_TARGET = re.compile(
    r'^\s*(?:"[^"]*"|[^\s:=\[\]."]+)(?:\s*\.\s*(?:"[^"]*"|[^\s:=\[\]."]+))*(?:\s*\[[^\]]*\])*\s*:?=', re.S
)


def _assigned_expression(query: str) -> str:
    """``NEW.total := a + b`` -> ``a + b``; a subscripted target is kept as a second item, for the rules
    about subscripts: ``NEW.doc['a'] := x`` -> ``x, NEW.doc['a']``."""
    m = _ASSIGN_TARGET.match(query)
    if m is None:
        return query.split(":=", 1)[-1]
    target = query[: m.end()].rstrip().removesuffix("=").removesuffix(":").strip()
    expr = query[m.end() :]
    return f"{expr}, {target}" if "[" in target else expr


def _body_statements(stmt: AnalysedStatement) -> Iterator[AnalysedStatement]:
    """The SQL inside a function body (or a DO block): each PL/pgSQL expression or each statement of a SQL body."""
    node = stmt.node
    if isinstance(node, ast.DoStmt):
        yield from _do_statements(stmt, node)
        return
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
        yield from _plpgsql_statements(stmt, stmt.sql, body_line)


def _do_statements(stmt: AnalysedStatement, node: ast.DoStmt) -> Iterator[AnalysedStatement]:
    """A ``DO`` block in PL/pgSQL, read as the body of a function (the PL/pgSQL parser takes only those)."""
    language, body = "plpgsql", ""
    for opt in node.args or ():
        if isinstance(opt, ast.DefElem) and opt.defname == "language":
            language = str(defelem_value(opt)).lower()
        elif isinstance(opt, ast.DefElem) and opt.defname == "as":
            body = str(defelem_value(opt) or "")
    if language != "plpgsql" or not body:
        return
    body_line = stmt.line + stmt.sql[: max(stmt.sql.find(body), 0)].count("\n")
    quote = "$transship_do$"
    if quote in body:
        return
    wrapper = f"CREATE FUNCTION transship_do() RETURNS void LANGUAGE plpgsql AS {quote}{body}{quote}"
    yield from _plpgsql_statements(stmt, wrapper, body_line)


def _plpgsql_statements(
    stmt: AnalysedStatement, function_sql: str, body_line: int
) -> Iterator[AnalysedStatement]:
    try:
        tree = pglast.parse_plpgsql(function_sql)
    except Exception:  # noqa: BLE001 - a body pglast cannot read is still analysed as text
        return
    stmt.plpgsql = tree
    for query, mode, lineno in _plpgsql_queries(tree):
        text = query
        if mode == 2:  # expression
            text = f"SELECT {query}"
        elif mode in _PLPGSQL_ASSIGN_MODES:  # assignment "x := expr", "NEW.x := expr", "a[1] = expr"
            text = "SELECT " + _assigned_expression(query)
        yield from _embedded(stmt, text, body_line + max(lineno - 1, 0), shown=query)
    for text, lineno in _plpgsql_fetches(tree):
        yield from _embedded(stmt, text, body_line + max(lineno - 1, 0))


_FETCH_DIRECTIONS = {0: "FORWARD", 1: "BACKWARD", 2: "ABSOLUTE", 3: "RELATIVE"}


def _plpgsql_fetches(tree: Any) -> Iterator[tuple[str, int]]:
    """The PL/pgSQL ``FETCH``/``MOVE`` statements (not SQL in the tree) as SQL ``FETCH``/``MOVE`` text.

    ``FETCH PRIOR FROM c INTO r`` -> ``FETCH BACKWARD 1 FROM c``: direction and count as PostgreSQL stores
    them (``PRIOR`` is ``BACKWARD 1``, ``LAST`` is ``ABSOLUTE -1``); a count given by an expression is
    shown as 1 (its sign is not known before run time).
    """
    functions = tree if isinstance(tree, list) else [tree]
    for function in functions:
        body = function.get("PLpgSQL_function", {}) if isinstance(function, dict) else {}
        datums = body.get("datums") or []
        stack: list[Any] = [body.get("action")]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                fetch = item.get("PLpgSQL_stmt_fetch")
                if isinstance(fetch, dict):
                    direction = _FETCH_DIRECTIONS.get(int(fetch.get("direction", 0)), "FORWARD")
                    count = int(fetch.get("how_many", 1)) if "expr" not in fetch else 1
                    cursor = "c"
                    curvar = fetch.get("curvar", 0)
                    if (
                        isinstance(curvar, int)
                        and 0 <= curvar < len(datums)
                        and isinstance(datums[curvar], dict)
                    ):
                        var: Any = next(iter(datums[curvar].values()), {})
                        cursor = str(var.get("refname") or "c") if isinstance(var, dict) else "c"
                    verb = "MOVE" if fetch.get("is_move") else "FETCH"
                    count_text = "ALL" if count >= 2**31 - 1 or count <= -(2**31) else str(count)
                    yield f'{verb} {direction} {count_text} FROM "{cursor}"', int(fetch.get("lineno", 1))
                    continue
                stack.extend(reversed(list(item.values())))
            elif isinstance(item, list):
                stack.extend(reversed(item))


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
