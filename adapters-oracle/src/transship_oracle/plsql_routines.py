"""Procedures and functions (standalone or package members) -> ``CREATE PROCEDURE``/``CREATE FUNCTION``."""

from __future__ import annotations

from transship_oracle.plsql_blocks import block_end, dollar_tag, indent, main_begin
from transship_oracle.plsql_context import Context, Piece
from transship_oracle.plsql_datatypes import plsql_type
from transship_oracle.plsql_declarations import convert_declarations, convert_parameter, declare_section
from transship_oracle.plsql_statements import convert_body, loop_records
from transship_oracle.tokens import ScriptSyntaxError, Token, matching_paren, split_top_level


def convert_subprogram(
    text: str,
    tokens: list[Token],
    start: int,
    ctx: Context,
    qualified_name: str,
    members: dict[str, str] | None,
) -> tuple[str, list[str], int]:
    """Convert ``PROCEDURE|FUNCTION name [(params)] [RETURN t] IS|AS decls BEGIN ... END [name];`` at ``start``.

    Returns (PostgreSQL DDL, problems, index after the unit's final semicolon).
    """
    problems: list[str] = []
    kind = tokens[start].upper
    i = start + 2
    params: list[str] = []
    modes: list[str] = []
    if i < len(tokens) and tokens[i].is_op("("):
        close = matching_paren(tokens, i)
        for p in split_top_level(tokens[i + 1 : close]):
            ptxt, mode = convert_parameter(text, p, ctx, problems)
            params.append(ptxt)
            modes.append(mode)
        i = close + 1
    returns = None
    if kind == "FUNCTION":
        if not tokens[i].is_word("RETURN"):
            raise ScriptSyntaxError(f"function {qualified_name}: no RETURN clause")
        k = i + 1
        while not tokens[k].is_word(
            "IS", "AS", "DETERMINISTIC", "PIPELINED", "PARALLEL_ENABLE", "RESULT_CACHE", "AUTHID"
        ):
            k += 1
        returns = plsql_type(text[tokens[i + 1].start : tokens[k - 1].end], ctx, problems, in_signature=True)
        i = k
    while not tokens[i].is_word("IS", "AS"):
        if tokens[i].is_word("PIPELINED", "RESULT_CACHE"):
            problems.append(f"{tokens[i].upper} function")
        if tokens[i].is_word("LANGUAGE", "EXTERNAL"):
            problems.append("external (C or Java) routine")
        i += 1
    is_at = i
    if is_at + 1 < len(tokens) and tokens[is_at + 1].is_word("LANGUAGE", "EXTERNAL"):
        problems.append("external (C or Java) routine")
    begin = main_begin(tokens, is_at + 1)
    end = block_end(tokens, begin)
    semi = end + 1
    while semi < len(tokens) and not tokens[semi].is_op(";"):
        semi += 1
    decls = (
        convert_declarations(text[tokens[is_at].end : tokens[begin].start], ctx)
        if begin > is_at + 1
        else Piece("")
    )
    problems += decls.problems
    body = convert_body(text[tokens[begin].end : tokens[end].start], ctx, members=members)
    records, body_problems = loop_records(body)
    problems += body_problems
    if kind == "FUNCTION" and "OUT" in modes or "INOUT" in modes and kind == "FUNCTION":
        problems.append("function with OUT parameters and a RETURN value")
    declare = declare_section(decls, records)
    code = f"DECLARE\n{indent(declare)}\n" if declare.strip() else ""
    code += f"BEGIN{body.text.rstrip()}\nEND;"
    tag = dollar_tag(code)
    sig = f"{qualified_name}({', '.join(params)})"
    if kind == "FUNCTION":
        ddl = (
            f"CREATE OR REPLACE FUNCTION {sig}\nRETURNS {returns}\nLANGUAGE plpgsql\nAS {tag}\n{code}\n{tag};"
        )
    else:
        ddl = f"CREATE OR REPLACE PROCEDURE {sig}\nLANGUAGE plpgsql\nAS {tag}\n{code}\n{tag};"
    return ddl, sorted(set(problems), key=problems.index), semi + 1
