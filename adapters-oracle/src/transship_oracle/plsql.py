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

The converter is split by concern; this module dispatches a unit to the right one:

- :mod:`~transship_oracle.plsql_context`: the schema context and converted pieces
- :mod:`~transship_oracle.plsql_datatypes`: PL/SQL types
- :mod:`~transship_oracle.plsql_blocks`: unit structure (BEGIN/END) and PL/pgSQL layout
- :mod:`~transship_oracle.plsql_statements`: statements between BEGIN and END
- :mod:`~transship_oracle.plsql_declarations`: declaration sections and parameters
- :mod:`~transship_oracle.plsql_routines`: procedures and functions
- :mod:`~transship_oracle.plsql_triggers`: triggers
- :mod:`~transship_oracle.plsql_packages`: package specifications and bodies
- :mod:`~transship_oracle.plsql_object_types`: object and collection types
"""

from __future__ import annotations

from transship.sdk import Routine, quote_ident
from transship_oracle.ddl_script import SourceUnit
from transship_oracle.plsql_blocks import strip_create
from transship_oracle.plsql_context import Context, Piece
from transship_oracle.plsql_datatypes import plsql_type
from transship_oracle.plsql_declarations import convert_declarations
from transship_oracle.plsql_object_types import convert_type
from transship_oracle.plsql_packages import (
    PackageBody,
    PackageMember,
    convert_package_body,
    package_body_sql,
    package_spec_problems,
)
from transship_oracle.plsql_routines import convert_subprogram
from transship_oracle.plsql_statements import convert_body
from transship_oracle.plsql_triggers import convert_trigger
from transship_oracle.tokens import ScriptSyntaxError, oracle_name, pg_name, tokenize

__all__ = [
    "Context",
    "PackageBody",
    "PackageMember",
    "Piece",
    "convert_body",
    "convert_declarations",
    "convert_package_body",
    "convert_trigger",
    "convert_type",
    "convert_unit",
    "package_body_sql",
    "plsql_type",
]


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
