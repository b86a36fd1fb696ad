"""Shared pieces of the YugabyteDB rules: the base class, fixed-in versions, AST helpers."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from transship.sdk import (
    TARGET_POSTGRESQL,
    TARGET_YUGABYTEDB,
    AnalysedStatement,
    AnalysisContext,
    Finding,
    Rule,
    pg_object_name,
    range_var_name,
)

DOCS = "https://docs.yugabyte.com/preview/yugabyte-voyager/known-issues/postgresql/"
DOCS_MYSQL = "https://docs.yugabyte.com/preview/yugabyte-voyager/known-issues/mysql/"
DOCS_ORACLE = "https://docs.yugabyte.com/preview/yugabyte-voyager/known-issues/oracle/"

# Release series -> first version without the limitation (voyager's MinimumVersionsFixedIn).
FIXED_PG15 = {"2.25": "2.25.0.0", "2025.1": "2025.1.0.0"}
"""Limitations lifted by the PostgreSQL 15 based releases."""
FIXED_UNLOGGED = {"2024.2": "2024.2.0.0", "2.25": "2.25.0.0", "2025.1": "2025.1.0.0"}
FIXED_ADD_PK_PARTITIONED = {
    "2.23": "2.23.0.0", "2024.1": "2024.1.0.0", "2024.2": "2024.2.0.0", "2.25": "2.25.0.0", "2025.1": "2025.1.0.0",
}  # fmt: skip


YB_ONLY = frozenset({TARGET_YUGABYTEDB})
BOTH = frozenset({TARGET_POSTGRESQL, TARGET_YUGABYTEDB})
"""For a rule that also holds on PostgreSQL: fails on every PostgreSQL, or (with ``postgresql_since``) is
syntax that PostgreSQL only has from that version on."""


class YBRule(Rule):
    """Base of the YugabyteDB rules: group ``yugabytedb``, name ``yugabytedb.<code in lower case>``.

    They apply to a YugabyteDB target only; a rule that also holds on PostgreSQL sets ``targets = BOTH`` (and
    ``postgresql_since`` for syntax newer than some PostgreSQL). On a PostgreSQL target the reasons, which
    are voyager's and say "in YugabyteDB", name the target instead ("in PostgreSQL 15").
    """

    abstract = True
    groups: ClassVar[tuple[str, ...]] = ("all", "yugabytedb")
    docs_link: ClassVar[str] = DOCS
    targets: ClassVar[frozenset[str]] = YB_ONLY

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if not cls.__dict__.get("abstract", False):
            if "yugabytedb" not in cls.groups:
                cls.groups = ("all", "yugabytedb", *(g for g in cls.groups if g != "all"))
            code = cls.__dict__.get("code") or cls.__name__.removeprefix("Rule_")
            if not cls.__dict__.get("name"):
                cls.name = "yugabytedb." + code.lower()
        for method in ("check", "check_schema"):
            own = cls.__dict__.get(method)
            if own is not None and not getattr(own, "_names_target", False):
                setattr(cls, method, _naming_the_target(own))
        super().__init_subclass__(**kwargs)


def _naming_the_target(method: Callable[..., Iterable[Finding] | None]) -> Callable[..., Iterator[Finding]]:
    """``method``'s findings with "in YugabyteDB" in their reason replaced by the target on a PostgreSQL one."""

    @functools.wraps(method)
    def wrapper(self: Rule, *args: Any) -> Iterator[Finding]:
        ctx: AnalysisContext = args[-1]
        for finding in method(self, *args) or ():
            if ctx.target_type == TARGET_POSTGRESQL and "in YugabyteDB" in finding.reason:
                reason = finding.reason.replace("in YugabyteDB", f"in {ctx.target_label}")
                finding = dataclasses.replace(finding, reason=reason)
            yield finding

    wrapper._names_target = True  # type: ignore[attr-defined]
    return wrapper


def constraints(stmt: AnalysedStatement) -> Iterator[tuple[ast.Constraint, str, list[str] | None, bool]]:
    """``(constraint, table, column list of a column constraint or None, deferrable)`` of a statement.

    Covers ``CREATE TABLE`` (column and table constraints) and ``ALTER TABLE ... ADD CONSTRAINT``.
    Column constraints carry ``DEFERRABLE`` as a separate node after them; it is folded in here.
    """
    node = stmt.node
    if isinstance(node, ast.CreateForeignTableStmt):
        node = node.base
    if isinstance(node, ast.CreateStmt):
        table = range_var_name(node.relation)
        for elt in node.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                cons = [c for c in elt.constraints or () if isinstance(c, ast.Constraint)]
                for i, con in enumerate(cons):
                    if con.contype in (ConstrType.CONSTR_ATTR_DEFERRABLE, ConstrType.CONSTR_ATTR_NOT_DEFERRABLE,
                                       ConstrType.CONSTR_ATTR_DEFERRED, ConstrType.CONSTR_ATTR_IMMEDIATE):  # fmt: skip
                        continue
                    nxt = cons[i + 1] if i + 1 < len(cons) else None
                    deferrable = bool(con.deferrable) or (
                        nxt is not None and nxt.contype == ConstrType.CONSTR_ATTR_DEFERRABLE
                    )
                    yield con, table, [str(elt.colname)], deferrable
            elif isinstance(elt, ast.Constraint):
                yield elt, table, None, bool(elt.deferrable)
    elif isinstance(node, ast.AlterTableStmt):
        table = range_var_name(node.relation)
        for cmd in node.cmds or ():
            if (
                isinstance(cmd, ast.AlterTableCmd)
                and cmd.subtype == AlterTableType.AT_AddConstraint
                and isinstance(cmd.def_, ast.Constraint)
            ):
                yield cmd.def_, table, None, bool(cmd.def_.deferrable)


def alter_cmds(
    stmt: AnalysedStatement, *subtypes: AlterTableType
) -> Iterator[tuple[ast.AlterTableStmt, ast.AlterTableCmd]]:
    """``(ALTER TABLE statement, command)`` for each command of the given subtypes."""
    node = stmt.node
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if isinstance(cmd, ast.AlterTableCmd) and cmd.subtype in subtypes:
                yield node, cmd


def column_defs(stmt: AnalysedStatement) -> Iterator[tuple[str, ast.ColumnDef]]:
    """``(table, column)`` for columns of CREATE TABLE / CREATE FOREIGN TABLE / ALTER TABLE ADD COLUMN."""
    node = stmt.node
    if isinstance(node, ast.CreateForeignTableStmt):
        node = node.base
    if isinstance(node, ast.CreateStmt):
        for elt in node.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                yield range_var_name(node.relation), elt
    elif isinstance(node, ast.AlterTableStmt):
        for _stmt, cmd in alter_cmds(stmt, AlterTableType.AT_AddColumn):
            if isinstance(cmd.def_, ast.ColumnDef):
                yield range_var_name(node.relation), cmd.def_


def key_columns(con: ast.Constraint, columns: list[str] | None) -> list[str]:
    from transship.sdk import strings

    return columns if columns is not None else strings(con.keys)


# -- helpers added for the object-kind coverage (issue 14) ---------------------------------------------------


def constraint_name(con: ast.Constraint, table: str, columns: list[str] | None = None) -> str:
    """The constraint's name, or the one PostgreSQL gives an unnamed constraint (``t_pkey``, ``t_a_b_key``,
    ``t_a_fkey``, ``t_a_excl``, ``t_a_check``): the name ``pg_dump`` and the target will show.

    voyager names an unnamed primary key ``<table>_<columns>_pkey``; PostgreSQL (and so the target) names it
    ``<table>_pkey``, which is what is reported here.
    """
    from transship.sdk import strings

    if con.conname:
        return str(con.conname)
    bare = table.rsplit(".", 1)[-1]
    if con.contype == ConstrType.CONSTR_PRIMARY:
        return pg_object_name(bare, None, "pkey")
    if con.contype == ConstrType.CONSTR_UNIQUE:
        return pg_object_name(bare, "_".join(key_columns(con, columns)) or None, "key")
    if con.contype == ConstrType.CONSTR_FOREIGN:
        return pg_object_name(
            bare, "_".join(columns if columns is not None else strings(con.fk_attrs)) or None, "fkey"
        )
    if con.contype == ConstrType.CONSTR_EXCLUSION:
        cols = [
            str(e[0].name)
            for e in con.exclusions or ()
            if isinstance(e, tuple | list) and e and isinstance(e[0], ast.IndexElem) and e[0].name
        ]
        return pg_object_name(bare, "_".join(cols) or None, "excl")
    if con.contype == ConstrType.CONSTR_CHECK:
        return pg_object_name(bare, "_".join(columns or ()) or None, "check")
    return bare


def scan_function_bodies(rules: list[type[Rule]]) -> list[type[Rule]]:
    """Also run ``rules`` on the statements inside function, procedure and DO bodies, once per object.

    voyager checks every statement of a PL/pgSQL body with the detectors it uses for top-level statements
    and reports what it finds on the function (``FUNCTION public.f``); a DDL statement a function runs
    fails on the target just as it would in the schema. A rule reports at most one issue per function
    (several ``COPY ... WHERE`` in one body are one issue, as in voyager), named after the function: an
    issue found in a body is on the function, not on the table or constraint the statement names. A rule
    with ``body_object_type`` (``CURSOR``) keeps that object type. Top-level statements are unchanged.
    """
    for rule in rules:
        if not rule.parsed_only:  # the text rules read the whole function already
            continue
        rule.scan_bodies = True
        check = rule.check
        if getattr(check, "_once_per_body", False):
            continue
        rule.check = _once_per_body(check)  # type: ignore[method-assign]
    return rules


def _once_per_body(check: Any) -> Any:
    def once(self: Rule, stmt: AnalysedStatement, ctx: Any) -> Iterator[Any]:
        if stmt.parent is None:
            yield from check(self, stmt, ctx)
            return
        reported: set[int] = self.__dict__.setdefault("_bodies_reported", set())
        if id(stmt.parent) in reported:
            return
        for finding in check(self, stmt, ctx):
            reported.add(id(stmt.parent))
            finding.object_type = getattr(self, "body_object_type", None)
            finding.object_name = None
            yield finding
            return

    once._once_per_body = True  # type: ignore[attr-defined]
    once.__doc__ = check.__doc__
    return once


def table_statement_parents(stmt: AnalysedStatement | None) -> list[str]:
    """The tables a ``CREATE TABLE`` inherits its columns from (``PARTITION OF p``, ``INHERITS (p)``, ``LIKE p``)."""
    node = stmt.node if stmt is not None else None
    if not isinstance(node, ast.CreateStmt):
        return []
    out = [range_var_name(r) for r in node.inhRelations or () if isinstance(r, ast.RangeVar)]
    out += [
        range_var_name(e.relation)
        for e in node.tableElts or ()
        if isinstance(e, ast.TableLikeClause) and e.relation is not None
    ]
    return out
