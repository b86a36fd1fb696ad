"""Object types -> composite types; collection types (nested tables, VARRAYs) -> domains over arrays."""

from __future__ import annotations

from transship.sdk import quote_ident
from transship_oracle.ddl_script import SourceUnit
from transship_oracle.plsql_blocks import find_word, strip_create
from transship_oracle.plsql_context import Context
from transship_oracle.plsql_datatypes import plsql_type
from transship_oracle.tokens import matching_paren, oracle_name, pg_name, split_top_level, tokenize


def convert_type(unit: SourceUnit, ctx: Context) -> tuple[str, list[str]]:
    """``CREATE TYPE t AS OBJECT (...)`` -> composite type; ``AS TABLE OF x``/``VARRAY`` -> domain over an array."""
    sql = unit.sql
    tokens = tokenize(sql)
    k = strip_create(tokens)
    name = pg_name(oracle_name(tokens[k + 1]))
    problems: list[str] = []
    i = k + 2
    while i < len(tokens) and not tokens[i].is_word("AS", "IS"):
        if tokens[i].is_word("FORCE", "AUTHID", "UNDER"):
            if tokens[i].is_word("UNDER"):
                problems.append("subtype (UNDER)")
        i += 1
    if i >= len(tokens):
        return "", ["incomplete type specification (forward declaration)"]
    i += 1
    t = tokens[i]
    if t.is_word("OBJECT"):
        close = matching_paren(tokens, i + 1)
        attrs = []
        for part in split_top_level(tokens[i + 2 : close]):
            if part[0].is_word(
                "MEMBER", "STATIC", "CONSTRUCTOR", "MAP", "ORDER", "FINAL", "NOT", "OVERRIDING"
            ):
                problems.append("object type methods")
                continue
            aname = quote_ident(pg_name(oracle_name(part[0])))
            atype = plsql_type(sql[part[1].start : part[-1].end], ctx, problems)
            attrs.append(f"    {aname} {atype}")
        return f"CREATE TYPE {quote_ident(name)} AS (\n" + ",\n".join(attrs) + "\n);", problems
    if t.is_word("TABLE") or t.is_word("VARRAY", "VARYING"):
        of = find_word(tokens, i, "OF")
        end = len(tokens)
        while end > of + 1 and tokens[end - 1].is_op(";"):
            end -= 1
        for kk in range(of + 1, end):
            if tokens[kk].is_word("NOT", "INDEX"):
                if tokens[kk].is_word("INDEX"):
                    problems.append("associative array (INDEX BY)")
                end = kk
                break
        elem = plsql_type(sql[tokens[of + 1].start : tokens[end - 1].end], ctx, problems)
        return f"CREATE DOMAIN {quote_ident(name)} AS {elem}[];", problems
    return "", [f"type form {t.text}"]
