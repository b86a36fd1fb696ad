"""Best-effort PL/SQL -> PL/pgSQL for procedures, functions, triggers, packages and object types.

The converter rewrites the constructs it knows (see :mod:`transship_oracle.expressions` for SQL-level
rewrites, and below for PL/SQL-level ones) and *lists* every construct it does not. A unit with any
listed problem is not emitted as code: the caller keeps the original source commented in the schema
file and reports it, so nothing is dropped or silently changed. PL/SQL is never sent through sqlglot
(it drops statements inside PL/SQL bodies).

PL/SQL-level rewrites:

- parameters ``p IN OUT NUMBER`` → ``INOUT p numeric``; ``%TYPE``/``%ROWTYPE`` are kept (PostgreSQL has them),
  except a parameter ``t.c%TYPE`` of a numeric column becomes ``numeric``: Oracle converts any number
  argument, PostgreSQL would not find ``f(bigint)`` for a ``numeric`` argument
- declarations: types mapped, ``CURSOR c IS q`` → ``c CURSOR FOR q``
- ``:NEW``/``:OLD`` → ``NEW``/``OLD``; ``INSERTING``/``UPDATING``/``DELETING`` → ``TG_OP = ...``
- ``RAISE_APPLICATION_ERROR(-20xxx, msg)`` → ``RAISE EXCEPTION USING MESSAGE = msg, HINT = 'ORA-20xxx'``
- a call statement ``proc(args);`` → ``CALL proc(args);`` (or ``PERFORM`` for a function);
  ``DBMS_OUTPUT.PUT_LINE(x)`` → ``RAISE NOTICE '%', x``
- ``SELECT ... INTO v`` → ``SELECT ... INTO STRICT v`` (Oracle raises NO_DATA_FOUND/TOO_MANY_ROWS)
- ``EXECUTE IMMEDIATE`` → ``EXECUTE``; ``SQL%FOUND``/``c%NOTFOUND`` → ``FOUND``/``NOT FOUND``
- ``FOR r IN (SELECT ...) LOOP`` → ``FOR r IN SELECT ... LOOP`` with ``r record`` declared
- exception names ``DUP_VAL_ON_INDEX``, ``ZERO_DIVIDE``, ``INVALID_NUMBER`` → PostgreSQL condition names
- triggers become a trigger function ``trigger_fct_<name>()`` plus ``CREATE TRIGGER``; row-level
  BEFORE triggers return ``NEW`` (``OLD`` for DELETE), others ``NULL``
- packages become schemas; members are created as ``<package>.<member>`` and calls between members are
  qualified

"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from transship.sdk import Routine, quote_ident, unconverted_block
from transship_oracle.ddl_script import SourceUnit
from transship_oracle.expressions import rewrite
from transship_oracle.plsql_blocks import block_end, dollar_tag, find_word, indent, main_begin, strip_create
from transship_oracle.plsql_context import Context, Piece
from transship_oracle.plsql_datatypes import plsql_type
from transship_oracle.plsql_declarations import convert_declarations, convert_parameter
from transship_oracle.plsql_statements import convert_body
from transship_oracle.tokens import (
    ScriptSyntaxError,
    Token,
    matching_paren,
    oracle_name,
    pg_name,
    split_top_level,
    tokenize,
)


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
    records = [p.split(":", 1)[1] for p in body.problems if p.startswith("__record__:")]
    problems += [p for p in body.problems if not p.startswith("__record__:")]
    if kind == "FUNCTION" and "OUT" in modes or "INOUT" in modes and kind == "FUNCTION":
        problems.append("function with OUT parameters and a RETURN value")
    declare = "\n".join(x for x in [decls.text, *(f"{quote_ident(r)} record;" for r in records)] if x.strip())
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


def convert_unit(unit: SourceUnit, ctx: Context) -> Routine:
    """Convert one PL/SQL unit into a :class:`Routine` (``target_sql`` None when not converted)."""
    kind = unit.kind.split()[0] if unit.kind != "block" else "block"
    routine = Routine(schema=pg_name(ctx.schema), name=pg_name(unit.name), kind=kind, source_sql=unit.sql)
    try:
        if unit.kind in ("procedure", "function"):
            tokens = tokenize(unit.sql)
            k = strip_create(tokens)
            name_tok = (
                tokens[k + 1] if not (k + 2 < len(tokens) and tokens[k + 2].is_op(".")) else tokens[k + 3]
            )
            if name_tok is not tokens[k + 1]:
                tokens = tokens[: k + 1] + tokens[k + 3 :]
            ddl, problems, _ = convert_subprogram(
                unit.sql, tokens, k, ctx, quote_ident(pg_name(oracle_name(name_tok))), None
            )
            _finish(routine, ddl, problems)
        elif unit.kind == "trigger":
            ddl, problems, routine.table = convert_trigger(unit, ctx)
            _finish(routine, ddl, problems)
        elif unit.kind == "package":
            routine.target_sql = f"CREATE SCHEMA IF NOT EXISTS {quote_ident(pg_name(unit.name))};"
            problems = package_spec_problems(unit.sql)
            routine.notes += problems
        elif unit.kind == "package body":
            routine = PackageBody(
                schema=routine.schema, name=routine.name, kind="package", source_sql=unit.sql
            )
            convert_package_body(unit, ctx, routine)
        elif unit.kind == "type":
            ddl, problems = convert_type(unit, ctx)
            _finish(routine, ddl, problems)
        else:
            routine.kind = "type" if unit.kind == "type body" else "block"
            routine.notes.append(
                "object type bodies (member methods) are not converted" if unit.kind == "type body"
                else "anonymous PL/SQL block in a DDL script: it is an action, not a schema object"
            )  # fmt: skip
    except ScriptSyntaxError as exc:
        routine.target_sql = None
        routine.notes.append(f"could not be parsed: {exc.message}")
    return routine


def _finish(routine: Routine, ddl: str, problems: list[str]) -> None:
    if problems:
        routine.target_sql = None
        routine.notes += [f"not converted: {p}" for p in problems]
    else:
        routine.target_sql = ddl


def package_spec_problems(sql: str) -> list[str]:
    tokens = tokenize(sql)
    k = strip_create(tokens)
    is_at = find_word(tokens, k, "IS", "AS")
    problems = []
    for part in split_top_level(tokens[is_at + 1 :], ";"):
        if part[0].is_word("PROCEDURE", "FUNCTION", "END"):
            continue
        problems.append(
            f"package-level declaration not converted: {' '.join(sql[part[0].start : part[-1].end].split())[:80]}"
        )
    return problems


@dataclass
class PackageMember:
    """One procedure or function of a package body: its converted DDL, or ``None`` with the problems."""

    name: str  # PostgreSQL name of the member (overloads share it)
    source_sql: str
    target_sql: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The member as written in the package file: the DDL, or the original source commented."""
        if self.target_sql is not None:
            return self.target_sql
        block = unconverted_block("package member", self.name, self.source_sql, self.problems)
        return "/*\n" + block.replace("*/", "* /") + "\n*/"


@dataclass
class PackageBody(Routine):
    """A converted package body: schema ``<package>`` holding its members (see :func:`package_body_sql`)."""

    members: list[PackageMember] = field(default_factory=list)


def package_body_sql(pkg: str, members: list[PackageMember]) -> str:
    """The package file text: ``CREATE SCHEMA`` then each member (unconverted ones commented)."""
    return "\n\n".join([f"CREATE SCHEMA IF NOT EXISTS {quote_ident(pkg)};", *(m.text for m in members)])


def convert_package_body(unit: SourceUnit, ctx: Context, routine: PackageBody) -> None:
    """Package body -> functions and procedures in schema ``<package>``; unconverted members stay commented."""
    sql = unit.sql
    tokens = tokenize(sql)
    k = strip_create(tokens)  # PACKAGE
    pkg_tok = tokens[k + 2]
    pkg = pg_name(oracle_name(pkg_tok))
    is_at = find_word(tokens, k, "IS", "AS")
    members = {
        m: f"{quote_ident(pkg)}.{quote_ident(pg_name(m))}"
        for m in ctx.packages.get(oracle_name(pkg_tok), set())
    }
    i = is_at + 1
    while i < len(tokens):
        t = tokens[i]
        if t.is_word("PROCEDURE", "FUNCTION"):
            name = oracle_name(tokens[i + 1])
            members.setdefault(name, f"{quote_ident(pkg)}.{quote_ident(pg_name(name))}")
            start_off = t.start
            try:
                ddl, problems, nxt = convert_subprogram(sql, tokens, i, ctx, members[name], members)
            except ScriptSyntaxError as exc:
                problems, ddl = [exc.message], ""
                nxt = len(tokens)
            end_off = tokens[nxt - 1].end if nxt - 1 < len(tokens) else len(sql)
            member = PackageMember(f"{pkg}.{pg_name(name)}", sql[start_off:end_off], ddl or None, problems)
            if problems:
                member.target_sql = None
                routine.notes += [f"{member.name} not converted: {p}" for p in problems]
            routine.members.append(member)
            i = nxt
            continue
        if t.is_word("END") or t.is_word("BEGIN"):
            if t.is_word("BEGIN"):
                routine.notes.append(f"{pkg}: package initialisation block not converted")
            break
        # package-level variable, type or cursor in the body
        semi = i
        while semi < len(tokens) and not tokens[semi].is_op(";"):
            semi += 1
        routine.notes.append(
            f"{pkg}: package-level declaration not converted: {' '.join(sql[t.start : tokens[semi - 1].end].split())[:80]}"
        )
        i = semi + 1
    routine.target_sql = package_body_sql(pkg, routine.members)
    routine.name = pkg
    if not any(m.target_sql is not None for m in routine.members):
        routine.notes.append(f"{pkg}: no member could be converted")


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
    records = [p.split(":", 1)[1] for p in body.problems if p.startswith("__record__:")]
    problems += [p for p in body.problems if not p.startswith("__record__:")]
    if timing == "INSTEAD OF" and not row:
        problems.append("INSTEAD OF trigger without FOR EACH ROW")
    fn = quote_ident(f"trigger_fct_{name}")
    declare = "\n".join(x for x in [decls.text, *(f"{quote_ident(r)} record;" for r in records)] if x.strip())
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
