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
