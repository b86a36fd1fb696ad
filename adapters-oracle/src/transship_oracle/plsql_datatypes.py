"""PL/SQL types in declarations and signatures -> PostgreSQL types (:func:`plsql_type`).

PL/SQL-only types (``PLS_INTEGER``, ``BOOLEAN``, ``STRING`` ...) have their own table; column types go
through the Oracle type rules of :mod:`transship_oracle.typerules`; user types through the context.
"""

from __future__ import annotations

import re

from transship.sdk import Column, Table, quote_ident
from transship_oracle.datatypes import parse_type_tokens
from transship_oracle.plsql_context import Context
from transship_oracle.tokens import ScriptSyntaxError, oracle_name, pg_name, tokenize
from transship_oracle.typerules import ORACLE_RULES, source_type

_PLSQL_TYPES = {
    "pls_integer": "integer",
    "binary_integer": "integer",
    "simple_integer": "integer",
    "natural": "integer",
    "naturaln": "integer",
    "positive": "integer",
    "positiven": "integer",
    "signtype": "integer",
    "boolean": "boolean",
    "number": "numeric",
    "varchar2": "varchar",
    "nvarchar2": "varchar",
    "varchar": "varchar",
    "string": "varchar",
    "char": "text",
    "nchar": "text",
    "long": "text",
    "clob": "text",
    "nclob": "text",
    "blob": "bytea",
    "raw": "bytea",
    "date": "timestamp(0)",
    "record": "record",
}


_NUMERIC_TARGETS = {"smallint", "integer", "bigint", "numeric"}


def plsql_type(text: str, ctx: Context, problems: list[str], in_signature: bool = False) -> str:
    """Map a PL/SQL type text (``NUMBER``, ``VARCHAR2(30)``, ``emp.sal%TYPE``, ``my_obj_t``) to PostgreSQL."""
    stripped = text.strip()
    if re.search(r"%\s*(ROW)?TYPE\s*$", stripped, re.I):
        toks = tokenize(stripped)
        raw = [pg_name(oracle_name(t)) for t in toks if t.kind in ("word", "qident")][:-1]
        names = [quote_ident(n) for n in raw]
        target = ctx.column_types.get((raw[-2], raw[-1])) if len(raw) >= 2 else None
        if in_signature and target and target.split("(")[0] in _NUMERIC_TARGETS:
            # Oracle converts any number argument implicitly; PostgreSQL only widens (int -> numeric)
            return "numeric"
        suffix = "%ROWTYPE" if stripped.upper().endswith("ROWTYPE") else "%TYPE"
        return ".".join(names) + suffix
    toks = tokenize(stripped)
    try:
        t, end = parse_type_tokens(toks, 0, stripped)
    except ScriptSyntaxError:
        problems.append(f"type {stripped!r}")
        return stripped
    if end != len(toks):
        problems.append(f"type {stripped!r}")
        return stripped
    upper = (t.owner + "." if t.owner else "") + t.base.upper()
    if t.base.upper() in ctx.types and not t.owner:
        return ctx.types[t.base.upper()]
    if t.base in _PLSQL_TYPES and (in_signature or (t.length is None and t.precision is None)):
        return _PLSQL_TYPES[t.base]
    stype = source_type(t)
    dummy_table, dummy_col = Table("", ""), Column("", t.raw)
    for rule in ORACLE_RULES:
        if rule.matches(dummy_table, dummy_col, stype):
            target = rule.render_target(stype)
            return re.sub(r"\(\d+(,\d+)?\)", "", target) if in_signature else target
    if t.base in _PLSQL_TYPES:
        return _PLSQL_TYPES[t.base]
    problems.append(f"unknown type {upper}")
    return stripped
