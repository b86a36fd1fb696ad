"""Split Oracle SQL*Plus scripts into statements.

An Oracle script mixes three things: SQL statements ended by ``;`` (or by a ``/`` line), PL/SQL units
(``CREATE PROCEDURE``/``FUNCTION``/``PACKAGE``/``TRIGGER``/``TYPE`` and anonymous ``BEGIN``/``DECLARE``
blocks) whose inner ``;`` do not end them — only a line holding a single ``/`` does — and SQL*Plus
commands (``REM``, ``PROMPT``, ``SET``, ``SPOOL`` ...) that are one line each and are not SQL at all.

A ``/`` line after a statement that already ended with ``;`` re-runs the buffer in SQL*Plus; it never
yields a second statement here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# SQL*Plus commands (with their shortest abbreviations) that are not sent to the database.
_SQLPLUS = re.compile(
    r"^(?:REM(?:ARK)?|PRO(?:MPT)?|SET|SPO(?:OL)?|WHENEVER|EXIT|QUIT|CONN(?:ECT)?|DEF(?:INE)?|UNDEF(?:INE)?"
    r"|COL(?:UMN)?|SHO(?:W)?|TTITLE|BTITLE|BREAK|COMPUTE|CLEAR|PAUSE|ACC(?:EPT)?|VAR(?:IABLE)?|PRINT"
    r"|EXEC(?:UTE)?|HOST|STORE|TIMING|DESC(?:RIBE)?|@@?|START)(?:\s|$|@)",
    re.IGNORECASE,
)
_PLSQL_START = re.compile(
    r"^(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?"
    r"(?:PROCEDURE|FUNCTION|PACKAGE|TRIGGER|TYPE|LIBRARY)\b|DECLARE\b|BEGIN\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScriptStatement:
    """One statement of an Oracle script, without its terminator; ``line`` is 1-based."""

    sql: str
    line: int
    plsql: bool = False  # a PL/SQL unit or anonymous block (ended by a "/" line)
    source: str = ""  # the file it came from


def _skip_quoted(text: str, i: int) -> int:
    """Return the index after the quoted literal or identifier starting at ``text[i]``."""
    n = len(text)
    c = text[i]
    if c in "qQ" and i + 2 < n and text[i + 1] == "'":
        # q'[...]' alternative quoting
        opener = text[i + 2]
        closer = {"[": "]", "(": ")", "{": "}", "<": ">"}.get(opener, opener)
        end = text.find(closer + "'", i + 3)
        return n if end < 0 else end + 2
    if c in "nN" and i + 1 < n and text[i + 1] == "'":
        i += 1
        c = "'"
    quote = c
    j = i + 1
    while j < n:
        if text[j] == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _is_slash_line(text: str, i: int) -> int:
    """If a line consisting of ``/`` starts at ``i``, return the index after it, else -1."""
    j = i
    n = len(text)
    while j < n and text[j] in " \t":
        j += 1
    if j < n and text[j] == "/" and not text.startswith("/*", j):
        k = j + 1
        while k < n and text[k] in " \t\r":
            k += 1
        if k >= n or text[k] == "\n":
            return k + 1 if k < n else n
    return -1


def split_oracle_script(text: str, source: str = "") -> list[ScriptStatement]:
    """Split an Oracle script into SQL statements and PL/SQL units, dropping SQL*Plus commands."""
    out: list[ScriptStatement] = []
    n = len(text)
    i = 0
    while i < n:
        # skip whitespace, comments and SQL*Plus command lines between statements
        if text[i] in " \t\r\n\f":
            i += 1
            continue
        if text.startswith("--", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        line_start = text.rfind("\n", 0, i) + 1
        after_slash = _is_slash_line(text, line_start) if text[line_start:i].strip() == "" else -1
        if after_slash >= 0:
            i = after_slash  # a stray "/" (re-run of the previous statement)
            continue
        nl = text.find("\n", i)
        first_line = text[i : n if nl < 0 else nl]
        if _SQLPLUS.match(first_line):
            # a SQL*Plus command; "-" at the end of a line continues it
            j = i
            while True:
                nl = text.find("\n", j)
                if nl < 0:
                    j = n
                    break
                if text[j:nl].rstrip().endswith("-"):
                    j = nl + 1
                    continue
                j = nl + 1
                break
            i = j
            continue
        start = i
        plsql = bool(_PLSQL_START.match(text[i : i + 200]))
        i, end = _scan_statement(text, i, plsql)
        body = text[start:end].strip()
        if plsql:
            body = body.rstrip()
        if body:
            out.append(ScriptStatement(body, _line_of(text, start), plsql, source))
    return out


def _scan_statement(text: str, i: int, plsql: bool) -> tuple[int, int]:
    """Scan from ``i`` to the end of one statement; return (next index, end of statement text)."""
    n = len(text)
    at_line_start = False
    while i < n:
        c = text[i]
        if at_line_start:
            after = _is_slash_line(text, i)
            if after >= 0:
                return after, i
        if c == "\n":
            at_line_start = True
            i += 1
            continue
        at_line_start = False
        if text.startswith("--", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "'\"" or (c in "qQnN" and i + 1 < n and text[i + 1] == "'" and not _word_char(text, i - 1)):
            i = _skip_quoted(text, i)
            continue
        if c == ";" and not plsql:
            return i + 1, i
        i += 1
    return n, n


def _word_char(text: str, i: int) -> bool:
    return i >= 0 and (text[i].isalnum() or text[i] in "_$#")
