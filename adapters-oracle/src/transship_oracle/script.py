"""Split Oracle SQL*Plus scripts into units: SQL statements, PL/SQL units, SQL*Plus commands, ``/`` lines.

An Oracle script mixes three things: SQL statements ended by ``;`` (or by a ``/`` line), PL/SQL units
(``CREATE PROCEDURE``/``FUNCTION``/``PACKAGE``/``TRIGGER``/``TYPE`` and anonymous ``BEGIN``/``DECLARE``
blocks) whose inner ``;`` do not end them — only a line holding a single ``/`` does — and SQL*Plus
commands (``REM``, ``PROMPT``, ``SET``, ``@file`` ...) that are one line each (``-`` at the end of a line
continues one, except ``REMARK``) and are not SQL at all. Which first words are SQL*Plus commands is
decided by the caller (:mod:`transship_oracle.sqlplus`), which also gives the units their meaning.

A ``/`` line after a statement that already ended with ``;`` re-runs the buffer in SQL*Plus: it is
yielded as a ``slash`` unit, never as a second copy of the statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_PLSQL_START = re.compile(
    r"^(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?"
    r"(?:PROCEDURE|FUNCTION|PACKAGE|TRIGGER|TYPE|LIBRARY)\b|DECLARE\b|BEGIN\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScriptStatement:
    """One statement of an Oracle script, without its terminator; ``line`` is 1-based.

    ``rerun`` marks a ``/`` (or ``RUN``) line that runs the previous statement again in SQL*Plus; ``line``
    is then the line of the ``/``.
    """

    sql: str
    line: int
    plsql: bool = False  # a PL/SQL unit or anonymous block (ended by a "/" line)
    source: str = ""  # the file it came from
    rerun: bool = False


@dataclass(frozen=True)
class ScriptUnit:
    """One piece of script text as written: ``kind`` is ``statement``, ``command`` or ``slash``.

    ``text`` is the statement without its terminator, or the command's lines (continuations included).
    """

    kind: str
    text: str
    line: int
    plsql: bool = False


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


def iter_script(text: str, command: Callable[[str], str | None]) -> Iterator[ScriptUnit]:
    """Yield the units of a script in order; ``command(line)`` names the SQL*Plus command a line starts.

    ``command`` returns ``None`` for a line that starts a SQL statement, else the command's name
    (``REMARK`` never continues on the next line).
    """
    n = len(text)
    i = 0
    counted, line = 0, 1  # lines counted incrementally: big data scripts stay linear

    def line_at(pos: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, pos)
        counted = pos
        return line

    while i < n:
        # skip whitespace and comments between statements
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
            yield ScriptUnit("slash", "/", line_at(i))
            i = after_slash
            continue
        nl = text.find("\n", i)
        first_line = text[i : n if nl < 0 else nl]
        name = command(first_line)
        if name is not None:
            j = n if nl < 0 else nl + 1
            while name != "REMARK" and j < n and text[i:j].rstrip().endswith("-"):
                nl = text.find("\n", j)
                j = n if nl < 0 else nl + 1
            yield ScriptUnit("command", text[i:j].rstrip(), line_at(i))
            i = j
            continue
        start = i
        plsql = bool(_PLSQL_START.match(text[i : i + 200]))
        i, end = _scan_statement(text, i, plsql)
        body = text[start:end].strip()
        if body:
            yield ScriptUnit("statement", body, line_at(start), plsql)


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
