"""Packages -> schemas: the specification gives ``CREATE SCHEMA``, the body one routine per member."""

from __future__ import annotations

from dataclasses import dataclass, field

from transship.sdk import Routine, quote_ident, unconverted_block
from transship_oracle.ddl_script import SourceUnit
from transship_oracle.plsql_blocks import find_word, strip_create
from transship_oracle.plsql_context import Context
from transship_oracle.plsql_routines import convert_subprogram
from transship_oracle.tokens import ScriptSyntaxError, oracle_name, pg_name, split_top_level, tokenize


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
