"""Oracle triggers -> a trigger function ``trigger_fct_<name>()`` plus ``CREATE TRIGGER``."""

from __future__ import annotations

import re

from transship.sdk import quote_ident
from transship_oracle.ddl_script import SourceUnit
from transship_oracle.expressions import rewrite
from transship_oracle.plsql_blocks import block_end, dollar_tag, find_word, indent, main_begin, strip_create
from transship_oracle.plsql_context import Context, Piece
from transship_oracle.plsql_declarations import convert_declarations, declare_section
from transship_oracle.plsql_statements import convert_body, loop_records
from transship_oracle.tokens import matching_paren, oracle_name, pg_name, tokenize


def convert_trigger(unit: SourceUnit, ctx: Context) -> tuple[str, list[str], str | None]:
    """An Oracle trigger -> a trigger function plus ``CREATE TRIGGER``."""
    sql = unit.sql
    tokens = tokenize(sql)
    k = strip_create(tokens)
    i = k + 1
    if i + 2 < len(tokens) and tokens[i + 1].is_op("."):
        i += 2
    name = pg_name(oracle_name(tokens[i]))
    i += 1
    problems: list[str] = []
    timing = tokens[i].upper
    if timing == "INSTEAD":
        timing = "INSTEAD OF"
        i += 2
    elif timing in ("BEFORE", "AFTER"):
        i += 1
    elif timing == "FOR":
        return "", ["compound trigger"], None
    else:
        return "", [f"trigger type {timing}"], None
    events: list[str] = []
    table = None
    while i < len(tokens):
        t = tokens[i]
        if t.is_word("INSERT", "DELETE", "TRUNCATE"):
            events.append(t.upper)
            i += 1
        elif t.is_word("UPDATE"):
            i += 1
            if i < len(tokens) and tokens[i].is_word("OF"):
                cols = []
                i += 1
                while True:
                    cols.append(quote_ident(pg_name(oracle_name(tokens[i]))))
                    i += 1
                    if tokens[i].is_op(","):
                        i += 1
                        continue
                    break
                events.append("UPDATE OF " + ", ".join(cols))
            else:
                events.append("UPDATE")
        elif t.is_word("OR"):
            i += 1
        elif t.is_word("ON"):
            if tokens[i + 1].is_word("DATABASE", "SCHEMA"):
                return "", ["database or schema event trigger"], None
            i += 1
            if i + 2 < len(tokens) and tokens[i + 1].is_op("."):
                i += 2
            table = pg_name(oracle_name(tokens[i]))
            i += 1
            break
        else:
            return "", [f"trigger event {t.text}"], None
    if table is None:
        return "", ["trigger without a table"], None
    row = False
    when = None
    while i < len(tokens) and not tokens[i].is_word("BEGIN", "DECLARE"):
        t = tokens[i]
        if t.is_word("FOR") and tokens[i + 1].is_word("EACH") and tokens[i + 2].is_word("ROW"):
            row = True
            i += 3
        elif t.is_word("REFERENCING"):
            j = i + 1
            while tokens[j].is_word("NEW", "OLD", "AS", "PARENT") or (
                tokens[j].kind == "word" and tokens[j - 1].is_word("AS")
            ):
                if (
                    tokens[j].kind == "word"
                    and tokens[j - 1].is_word("AS")
                    and tokens[j].upper not in ("NEW", "OLD")
                ):
                    problems.append("REFERENCING with renamed NEW/OLD")
                j += 1
            i = j
        elif t.is_word("WHEN"):
            close = matching_paren(tokens, i + 1)
            cond = rewrite(sql[tokens[i + 2].start : tokens[close - 1].end])
            problems += cond.problems
            when = re.sub(
                r"(?<![\w.:])(new|old)\s*\.", lambda m: m.group(1).upper() + ".", cond.text, flags=re.I
            )
            i = close + 1
        elif t.is_word("ENABLE", "DISABLE", "FOLLOWS", "PRECEDES", "FORWARD", "REVERSE", "CROSSEDITION"):
            if t.is_word("DISABLE"):
                ctx.disabled_triggers.add(oracle_name(tokens[k + 1]))
            if t.is_word("FOLLOWS", "PRECEDES"):
                i += 2
                continue
            i += 1
        elif t.is_word("COMPOUND"):
            return "", ["compound trigger"], None
        else:
            i += 1
    decls = Piece("")
    if tokens[i].is_word("DECLARE"):
        begin = main_begin(tokens, i + 1)
        decls = convert_declarations(sql[tokens[i].end : tokens[begin].start], ctx)
        problems += decls.problems
        i = begin
    end = block_end(tokens, i)
    returns = "NULL"
    if row and timing in ("BEFORE", "INSTEAD OF"):
        returns = "NEW"
    body = convert_body(sql[tokens[i].end : tokens[end].start], ctx, trigger={"return": returns})
    records, body_problems = loop_records(body)
    problems += body_problems
    if timing == "INSTEAD OF" and not row:
        problems.append("INSTEAD OF trigger without FOR EACH ROW")
    fn = quote_ident(f"trigger_fct_{name}")
    declare = declare_section(decls, records)
    final_return = f"RETURN {returns};"
    if returns == "NEW" and "DELETE" in events:
        final_return = "IF TG_OP = 'DELETE' THEN\n    RETURN OLD;\n  END IF;\n  RETURN NEW;"
    has_handlers = find_word(tokenize(body.text), 0, "EXCEPTION") >= 0
    if has_handlers:
        code = f"BEGIN\n  BEGIN{body.text.rstrip()}\n  END;\n  {final_return}\nEND;"
    else:
        code = f"BEGIN{body.text.rstrip()}\n  {final_return}\nEND;"
    if declare.strip():
        code = f"DECLARE\n{indent(declare)}\n{code}"
    tag = dollar_tag(code)
    ddl = [
        f"CREATE OR REPLACE FUNCTION {fn}()\nRETURNS trigger\nLANGUAGE plpgsql\nAS {tag}\n{code}\n{tag};",
        f"CREATE TRIGGER {quote_ident(name)}\n  {timing} {' OR '.join(events)} ON {quote_ident(table)}\n  FOR EACH {'ROW' if row else 'STATEMENT'}"
        + (f"\n  WHEN ({when})" if when else "")
        + f"\n  EXECUTE FUNCTION {fn}();",
    ]
    if oracle_name(tokens[k + 1]) in ctx.disabled_triggers or unit.name in ctx.disabled_triggers:
        ddl.append(f"ALTER TABLE {quote_ident(table)} DISABLE TRIGGER {quote_ident(name)};")
    return "\n".join(ddl), sorted(set(problems), key=problems.index), table
