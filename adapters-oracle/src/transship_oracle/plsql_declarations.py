"""PL/SQL declaration sections (variables, constants, cursors) and routine parameters -> PL/pgSQL."""

from __future__ import annotations

from transship.sdk import quote_ident
from transship_oracle.expressions import rewrite
from transship_oracle.plsql_blocks import find_word
from transship_oracle.plsql_context import Context, Piece
from transship_oracle.plsql_datatypes import plsql_type
from transship_oracle.tokens import Token, matching_paren, oracle_name, pg_name, split_top_level, tokenize


def convert_declarations(text: str, ctx: Context) -> Piece:
    """Convert a declaration section (variables, constants, cursors)."""
    problems: list[str] = []
    out: list[str] = []
    tokens = tokenize(text)
    for decl in split_top_level(tokens, ";"):
        head = decl[0]
        src = text[decl[0].start : decl[-1].end]
        if head.is_word("CURSOR"):
            is_at = find_word(decl, 1, "IS")
            name_part = text[decl[1].start : decl[is_at - 1].end]
            query = rewrite(text[decl[is_at + 1].start : decl[-1].end])
            problems += query.problems
            params = ""
            if decl[2].is_op("("):
                close = matching_paren(decl, 2)
                params = (
                    "("
                    + ", ".join(
                        convert_parameter(text, p, ctx, problems)[0] for p in split_top_level(decl[3:close])
                    )
                    + ")"
                )
                name_part = text[decl[1].start : decl[1].end]
            out.append(
                f"{quote_ident(pg_name(oracle_name(tokenize(name_part)[0])))} CURSOR{params} FOR {query.text};"
            )
            continue
        if head.is_word("TYPE", "SUBTYPE", "PRAGMA", "PROCEDURE", "FUNCTION"):
            problems.append(f"declaration {' '.join(src.split()[:3])}")
            continue
        if len(decl) > 1 and decl[1].is_word("EXCEPTION"):
            problems.append(f"user-defined exception {head.text}")
            continue
        name = quote_ident(pg_name(oracle_name(head)))
        k = 1
        constant = ""
        if decl[k].is_word("CONSTANT"):
            constant = "CONSTANT "
            k += 1
        end = k
        while end < len(decl) and not decl[end].is_op(":=") and not decl[end].is_word("DEFAULT", "NOT"):
            end += 1
        type_text = plsql_type(text[decl[k].start : decl[end - 1].end], ctx, problems)
        rest = ""
        if end < len(decl):
            tail = rewrite(text[decl[end].start : decl[-1].end])
            problems += tail.problems
            rest = " " + tail.text
        out.append(f"{name} {constant}{type_text}{rest};")
    return Piece("\n".join(out), problems)


def declare_section(decls: Piece, records: list[str]) -> str:
    """The converted declarations, then ``r record;`` for each loop record variable (blank parts left out)."""
    return "\n".join(x for x in [decls.text, *(f"{quote_ident(r)} record;" for r in records)] if x.strip())


def convert_parameter(text: str, toks: list[Token], ctx: Context, problems: list[str]) -> tuple[str, str]:
    """One parameter -> (PostgreSQL text, mode)."""
    name = quote_ident(pg_name(oracle_name(toks[0])))
    k = 1
    mode = "IN"
    if k < len(toks) and toks[k].is_word("IN"):
        k += 1
        if toks[k].is_word("OUT"):
            mode = "INOUT"
            k += 1
    elif k < len(toks) and toks[k].is_word("OUT"):
        mode = "OUT"
        k += 1
    if k < len(toks) and toks[k].is_word("NOCOPY"):
        k += 1
    end = k
    while end < len(toks) and not toks[end].is_op(":=") and not toks[end].is_word("DEFAULT"):
        end += 1
    ptype = plsql_type(text[toks[k].start : toks[end - 1].end], ctx, problems, in_signature=True)
    default = ""
    if end < len(toks):
        d = rewrite(text[toks[end + 1].start : toks[-1].end])
        problems += d.problems
        default = f" DEFAULT {d.text}"
    prefix = "" if mode == "IN" else mode + " "
    return f"{prefix}{name} {ptype}{default}", mode
