"""Split SQL scripts into statements, keeping the line each one starts on.

pglast's scanner-based split silently returns nothing for a script with one unbalanced parenthesis, so
a user's half-edited file would lose every statement. This splitter only understands what decides where
a statement ends: quotes (``'...'``, ``E'...'``, ``"..."``), dollar quotes, comments, ``BEGIN ATOMIC``
bodies, and psql meta-commands (``\\restrict`` lines from recent pg_dump), which it drops. A malformed
statement therefore stays one statement, and the parser can report it alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")


@dataclass(frozen=True)
class Statement:
    """One SQL statement without its terminating semicolon; ``line`` is 1-based."""

    sql: str
    line: int

    @property
    def body(self) -> str:
        """The statement without leading comment lines."""
        return strip_leading_comments(self.sql)


def strip_leading_comments(sql: str) -> str:
    """Remove leading ``--`` and ``/* */`` comments and whitespace."""
    text = sql
    while True:
        text = text.lstrip()
        if text.startswith("--"):
            nl = text.find("\n")
            text = "" if nl < 0 else text[nl + 1 :]
        elif text.startswith("/*"):
            end = text.find("*/")
            text = "" if end < 0 else text[end + 2 :]
        else:
            return text


def skip_block_comment(script: str, i: int) -> int:
    """Offset after the ``/* ... */`` comment starting at ``i`` (nested blocks count as one)."""
    depth, j, n = 1, i + 2, len(script)
    while j < n and depth:
        if script.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif script.startswith("*/", j):
            depth, j = depth - 1, j + 2
        else:
            j += 1
    return j


def skip_quoted(script: str, i: int) -> int:
    """Offset after the ``'...'`` (``E'...'`` with backslash escapes) or ``"..."`` starting at ``i``."""
    quote, n = script[i], len(script)
    escapes = (
        quote == "'"
        and i > 0
        and script[i - 1] in "eE"
        and (i < 2 or not (script[i - 2].isalnum() or script[i - 2] == "_"))
    )
    j = i + 1
    while j < n:
        if escapes and script[j] == "\\":
            j += 2
            continue
        if script[j] == quote:
            if j + 1 < n and script[j + 1] == quote:  # doubled quote
                j += 2
                continue
            return j + 1
        j += 1
    return n


def skip_dollar_quoted(script: str, i: int) -> int | None:
    """Offset after the ``$tag$ ... $tag$`` string starting at ``i``, or None when ``i`` starts none."""
    m = _DOLLAR_TAG.match(script, i)
    if not m or (i > 0 and (script[i - 1].isalnum() or script[i - 1] == "_")):
        return None
    end = script.find(m.group(0), m.end())
    return len(script) if end < 0 else end + len(m.group(0))


def split_sql(script: str) -> list[Statement]:
    """Split ``script`` into statements. Comment-only fragments are dropped."""
    newlines = [m.start() for m in re.finditer("\n", script)]
    out: list[Statement] = []
    i, n = 0, len(script)
    atomic_depth = 0
    prev_word = ""
    at_line_start = True
    first_pos = -1  # offset of the current statement's first token
    buf: list[str] = []  # pieces of the current statement (meta-command lines removed)
    piece_start = 0

    def emit(end: int) -> None:
        nonlocal first_pos
        buf.append(script[piece_start:end])
        text = "".join(buf).strip()
        buf.clear()
        if first_pos >= 0 and strip_leading_comments(text):
            out.append(Statement(text, bisect.bisect_left(newlines, first_pos) + 1))
        first_pos = -1

    while i < n:
        c = script[i]
        if at_line_start and c == "\\":
            # psql meta-command (e.g. pg_dump's \\restrict): drop the whole line
            buf.append(script[piece_start:i])
            nl = script.find("\n", i)
            i = n if nl < 0 else nl + 1
            piece_start = i
            continue
        if c == "\n":
            at_line_start = True
            i += 1
            continue
        if c in " \t\r\f":
            i += 1
            continue
        at_line_start = False
        if c == "-" and script.startswith("--", i):
            nl = script.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c == "/" and script.startswith("/*", i):
            i = skip_block_comment(script, i)
            continue
        if first_pos < 0 and c != ";":
            first_pos = i
        if c in "'\"":
            i = skip_quoted(script, i)
            prev_word = ""
            continue
        if c == "$" and (end := skip_dollar_quoted(script, i)) is not None:
            i = end
            prev_word = ""
            continue
        if c.isalpha() or c == "_":
            m = _WORD.match(script, i)
            assert m is not None
            word = m.group(0).upper()
            if word == "ATOMIC" and prev_word == "BEGIN":
                atomic_depth += 1
            elif atomic_depth and word == "CASE":
                atomic_depth += 1
            elif atomic_depth and word == "END":
                atomic_depth -= 1
            prev_word = word
            i = m.end()
            continue
        if c == ";" and not atomic_depth:
            emit(i)
            i += 1
            piece_start = i
            prev_word = ""
            continue
        prev_word = ""
        i += 1
    emit(n)
    return out
