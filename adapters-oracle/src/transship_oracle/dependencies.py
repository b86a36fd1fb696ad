"""Keep converted routines that call unconverted ones unconverted too.

A converted routine whose body calls a procedure or function that was left unconverted would be
created on the target and fail only when it runs. After conversion, :func:`demote_dependents` finds
such routines — standalone functions and procedures, triggers and package members — and turns them
into unconverted ones (kept commented, reported with ``calls unconverted X``), repeating until no
converted routine calls an unconverted one.

Overloaded package members share one name; a name is treated as unconverted when any of its
overloads is, because which overload a call picks is decided by argument types we do not infer.
"""

from __future__ import annotations

import re

from transship.sdk import Routine
from transship_oracle.plsql_packages import PackageBody, package_body_sql
from transship_oracle.tokens import ScriptSyntaxError, Token, tokenize

_CALLABLE_KINDS = ("function", "procedure")
# a name after these words is a table, not a call: INSERT INTO t (cols), FROM t (+ joins), ...
_NOT_A_CALL_AFTER = {"INTO", "FROM", "JOIN", "UPDATE", "TABLE", "REFERENCES", "ON", "TYPE", "EXISTS"}
_DOLLAR_BODY = re.compile(r"(\$[A-Za-z_0-9]*\$)(.*?)\1", re.DOTALL)


def _name(tok: Token) -> str:
    """The PostgreSQL name an identifier token denotes (unquoted names fold to lower case)."""
    return tok.value if tok.kind == "qident" else tok.text.lower()


def called_names(ddl: str) -> set[str]:
    """Names (``f`` or ``pkg.f``) called in the dollar-quoted bodies of ``ddl``, in PostgreSQL case."""
    out: set[str] = set()
    for m in _DOLLAR_BODY.finditer(ddl):
        try:
            code = tokenize(m.group(2))
        except ScriptSyntaxError:
            continue
        k = 0
        while k < len(code):
            t = code[k]
            if t.kind not in ("word", "qident") or (k and code[k - 1].is_op(".", "%")):
                k += 1
                continue
            parts = [t]
            j = k
            while j + 2 < len(code) and code[j + 1].is_op(".") and code[j + 2].kind in ("word", "qident"):
                parts.append(code[j + 2])
                j += 2
            after = code[j + 1] if j + 1 < len(code) else None
            before = code[k - 1] if k else None
            if (
                after is not None
                and after.is_op("(")
                and not (before is not None and before.kind == "word" and before.upper in _NOT_A_CALL_AFTER)
            ):
                out.add(".".join(_name(p) for p in parts))
            k = j + 1
    return out


def _unconverted(routines: list[Routine]) -> set[str]:
    names = {r.name for r in routines if r.kind in _CALLABLE_KINDS and r.target_sql is None}
    for r in routines:
        if isinstance(r, PackageBody):
            names |= {m.name for m in r.members if m.target_sql is None}
    return names


def _reason(ddl: str, unconverted: set[str]) -> str | None:
    deps = sorted(called_names(ddl) & unconverted)
    return f"calls unconverted {', '.join(deps)}" if deps else None


def demote_dependents(routines: list[Routine]) -> list[str]:
    """Un-convert every routine that (transitively) calls an unconverted one; return what was demoted."""
    demoted: list[str] = []
    changed = True
    while changed:
        changed = False
        unconverted = _unconverted(routines)
        for r in routines:
            if isinstance(r, PackageBody) and r.target_sql is not None:
                before = len(demoted)
                for m in r.members:
                    why = _reason(m.target_sql, unconverted) if m.target_sql is not None else None
                    if why:
                        m.target_sql = None
                        m.problems.append(why)
                        r.notes.append(f"{m.name} not converted: {why}")
                        demoted.append(m.name)
                if len(demoted) > before:
                    r.target_sql, changed = package_body_sql(r.name, r.members), True
            elif r.kind in (*_CALLABLE_KINDS, "trigger") and r.target_sql is not None:
                why = _reason(r.target_sql, unconverted)
                if why:
                    r.target_sql, changed = None, True
                    r.notes.append(f"not converted: {why}")
                    demoted.append(r.name)
    return demoted
