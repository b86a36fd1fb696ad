"""Rewrite Oracle SQL expressions and statements into PostgreSQL, token by token, keeping the layout.

Used for column defaults, CHECK constraints, index expressions and the SQL inside PL/SQL bodies. Every
construct that cannot be rewritten faithfully is *reported* in :attr:`Rewritten.problems` — the caller
then keeps the original (commented) instead of emitting something with different semantics. In
particular an Oracle outer join ``(+)`` is never rewritten: dropping it would turn the outer join into
an inner join.

What is rewritten (semantics kept):

- ``NVL(a, b)`` → ``COALESCE(a, b)``; ``NVL2(a, b, c)`` → ``CASE WHEN a IS NOT NULL THEN b ELSE c END``
- ``DECODE(x, s1, r1, ..., d)`` → ``CASE WHEN x IS NOT DISTINCT FROM s1 THEN r1 ... ELSE d END``
  (DECODE matches NULL with NULL)
- ``SYSDATE`` and ``CURRENT_DATE`` → ``LOCALTIMESTAMP(0)`` (an Oracle DATE has a time part),
  ``SYSTIMESTAMP`` → ``CURRENT_TIMESTAMP``
- ``seq.NEXTVAL`` / ``seq.CURRVAL`` → ``nextval('seq')`` / ``currval('seq')``
- ``EMPTY_CLOB()``/``EMPTY_BLOB()`` → an empty (not NULL) text/bytea; ``SYS_GUID()`` → ``gen_random_uuid()``; ``TO_DATE(s, fmt)`` → ``to_timestamp(s, fmt)::timestamp(0)``
- ``TRUNC(date[, 'MM'])`` → ``date_trunc('month', date)`` when the argument is a date expression
- ``TO_NUMBER(x)`` → ``(x)::numeric``; ``INSTR(a, b)`` → ``strpos(a, b)``; ``MINUS`` → ``EXCEPT``
- the literal ``''`` → ``NULL`` (Oracle stores and compares the empty string as NULL)
- ``FROM DUAL`` is dropped (PostgreSQL needs no FROM clause)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from transship.sdk import quote_ident
from transship_oracle.tokens import (
    Token,
    apply_edits,
    matching_paren,
    oracle_name,
    pg_name,
    source_text,
    split_top_level,
    tokenize,
)

# constructs that have no faithful rewrite here; the caller reports them and keeps the original
_UNSUPPORTED_WORDS = {
    "ROWNUM": "ROWNUM pseudo-column",
    "ROWID": "ROWID pseudo-column",
    "CONNECT": "CONNECT BY hierarchical query",
    "PRIOR": "CONNECT BY PRIOR",
    "MERGE": "MERGE statement",
    "LEVEL": "CONNECT BY LEVEL",
    "SYS_CONNECT_BY_PATH": "SYS_CONNECT_BY_PATH",
    "LISTAGG": "LISTAGG aggregate",
    "PIVOT": "PIVOT clause",
    "UNPIVOT": "UNPIVOT clause",
}


_TRUNC_UNITS = {
    "DD": "day", "DDD": "day", "J": "day", "MM": "month", "MON": "month", "MONTH": "month", "YYYY": "year",
    "YEAR": "year", "Y": "year", "YY": "year", "HH": "hour", "HH24": "hour", "MI": "minute", "Q": "quarter",
}  # fmt: skip
_LEFT_TO_SQLGLOT = {"TO_DATE", "TO_NUMBER", "INSTR", "SYSDATE", "CURRENT_DATE", "SYSTIMESTAMP"}


@dataclass
class Rewritten:
    """The rewritten text and what could not be rewritten."""

    text: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def sequence_call(func: str, name_tokens: list[Token]) -> str:
    """``nextval('seq')`` for the (possibly schema-qualified) sequence name tokens."""
    names = [pg_name(oracle_name(t)) for t in name_tokens]
    ref = ".".join(quote_ident(n) for n in names[-1:])  # sequences live in the target schema
    return f"{func}('{ref.replace(chr(39), chr(39) * 2)}')"


def rewrite(text: str, for_sqlglot: bool = False) -> Rewritten:
    """Rewrite an Oracle SQL fragment (expression or statement) into PostgreSQL.

    With ``for_sqlglot`` the functions sqlglot converts itself (date/time, INSTR, TO_NUMBER) are left
    alone: the result is still Oracle syntax for them, to be transpiled by sqlglot (view queries).
    """
    problems: list[str] = []
    out = _rewrite(text, problems, for_sqlglot)
    return Rewritten(out, sorted(set(problems), key=problems.index))


def _rewrite(text: str, problems: list[str], for_sqlglot: bool = False) -> str:
    tokens = tokenize(text, keep_comments=True)
    edits: list[tuple[int, int, str]] = []
    code = [t for t in tokens if t.kind != "comment"]

    def call_args(at: int) -> tuple[int, list[str]]:
        """Index of the closing parenthesis of the call at ``at``, and its arguments, rewritten."""
        close = matching_paren(code, at + 1)
        return close, [
            _rewrite(source_text(text, a), problems, for_sqlglot)
            for a in split_top_level(code[at + 2 : close])
        ]

    i = 0
    while i < len(code):
        t = code[i]
        nxt = code[i + 1] if i + 1 < len(code) else None
        prev = code[i - 1] if i > 0 else None
        after_dot = prev is not None and prev.is_op(".")
        if (
            t.is_op("(")
            and nxt is not None
            and nxt.is_op("+")
            and i + 2 < len(code)
            and code[i + 2].is_op(")")
        ):
            problems.append("Oracle outer join operator (+) (rewrite as LEFT/RIGHT JOIN)")
            i += 3
            continue
        if t.kind == "string" and t.text == "''":
            edits.append((t.start, t.end, "NULL"))
        elif t.kind == "word" and not after_dot:
            word = t.upper
            is_call = nxt is not None and nxt.is_op("(")
            if word in _UNSUPPORTED_WORDS and not (word == "LEVEL" and not _has_connect(code)):
                if not (word == "MERGE" and i > 0):
                    problems.append(_UNSUPPORTED_WORDS[word])
            if for_sqlglot and word in _LEFT_TO_SQLGLOT:
                pass
            elif word == "NVL" and is_call:
                edits.append((t.start, t.end, "COALESCE"))
            elif word in ("NVL2", "DECODE") and is_call:
                close, args = call_args(i)
                edits.append((t.start, code[close].end, _case(word, args, problems)))
                i = close + 1
                continue
            elif word == "TO_DATE" and is_call:
                close, args = call_args(i)
                if len(args) == 1:
                    problems.append("TO_DATE without a format model depends on NLS_DATE_FORMAT")
                edits.append((t.start, code[close].end, f"to_timestamp({', '.join(args[:2])})::timestamp(0)"))
                i = close + 1
                continue
            elif word == "TO_NUMBER" and is_call:
                close, args = call_args(i)
                if len(args) == 1:
                    edits.append((t.start, code[close].end, f"({args[0]})::numeric"))
                else:
                    edits.append((t.start, code[close].end, f"to_number({', '.join(args)})"))
                i = close + 1
                continue
            elif word == "INSTR" and is_call:
                close = matching_paren(code, i + 1)
                if len(split_top_level(code[i + 2 : close])) == 2:
                    edits.append((t.start, t.end, "strpos"))
                else:
                    problems.append("INSTR with a start position or occurrence")
            elif word == "TRUNC" and is_call and not for_sqlglot:
                close = matching_paren(code, i + 1)
                parts = split_top_level(code[i + 2 : close])
                args = [_rewrite(source_text(text, a), problems, for_sqlglot) for a in parts]
                unit = (
                    _TRUNC_UNITS.get(parts[1][0].value.upper())
                    if len(parts) == 2 and parts[1][0].kind == "string"
                    else None
                )
                if unit or (
                    len(args) == 1
                    and re.search(r"LOCALTIMESTAMP|CURRENT_TIMESTAMP|to_timestamp", args[0], re.I)
                ):
                    edits.append(
                        (t.start, code[close].end, f"date_trunc('{unit or 'day'}', {args[0]})::timestamp(0)")
                    )
                    i = close + 1
                    continue
            elif word in ("EMPTY_CLOB", "EMPTY_BLOB") and is_call:
                close = matching_paren(code, i + 1)
                edits.append(
                    (t.start, code[close].end, "''::text" if word == "EMPTY_CLOB" else "'\\x'::bytea")
                )
                i = close + 1
                continue
            elif word == "SYS_GUID" and is_call:
                close = matching_paren(code, i + 1)
                edits.append((t.start, code[close].end, "gen_random_uuid()"))
                i = close + 1
                continue
            elif word in ("SYSDATE", "CURRENT_DATE") and not is_call:
                edits.append((t.start, t.end, "LOCALTIMESTAMP(0)"))
            elif word == "SYSTIMESTAMP" and not is_call:
                edits.append((t.start, t.end, "CURRENT_TIMESTAMP"))
            elif word == "MINUS":
                edits.append((t.start, t.end, "EXCEPT"))
            elif word == "FROM" and nxt is not None and nxt.is_word("DUAL"):
                edits.append((t.start, nxt.end, ""))
                i += 2
                continue
            elif t.kind == "word" and nxt is not None and nxt.is_op("."):
                # name.NEXTVAL / schema.name.NEXTVAL
                j = i
                names = [t]
                while j + 2 < len(code) and code[j + 1].is_op(".") and code[j + 2].kind in ("word", "qident"):
                    nm = code[j + 2]
                    if nm.is_word("NEXTVAL", "CURRVAL"):
                        edits.append((t.start, nm.end, sequence_call(nm.upper.lower(), names)))
                        i = j + 3
                        break
                    names.append(nm)
                    j += 2
                else:
                    i = j + 1
                continue
        i += 1
    return apply_edits(text, edits)


def _has_connect(code: list[Token]) -> bool:
    return any(t.is_word("CONNECT") for t in code)


def _case(word: str, args: list[str], problems: list[str]) -> str:
    if word == "NVL2":
        if len(args) != 3:
            problems.append("NVL2 with a wrong number of arguments")
            return "NULL"
        return f"CASE WHEN ({args[0]}) IS NOT NULL THEN {args[1]} ELSE {args[2]} END"
    if len(args) < 3:
        problems.append("DECODE with fewer than 3 arguments")
        return "NULL"
    subject, rest = args[0], args[1:]
    parts = ["CASE"]
    while len(rest) >= 2:
        search, result = rest[0], rest[1]
        rest = rest[2:]
        if search.strip().upper() == "NULL":
            parts.append(f"WHEN ({subject}) IS NULL THEN {result}")
        else:
            parts.append(f"WHEN ({subject}) IS NOT DISTINCT FROM {search} THEN {result}")
    if rest:
        parts.append(f"ELSE {rest[0]}")
    parts.append("END")
    return " ".join(parts)
