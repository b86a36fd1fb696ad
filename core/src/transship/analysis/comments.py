"""Comments of a schema file, with their lines: where adapters keep what they could not convert.

Adapters write an object they could not convert as a ``/* ... */`` block (``SchemaWriter.add_comment_block``,
text from :func:`transship.ddl.unconverted_block`, first line ``<kind> <name> was NOT converted ...``) and
notes on a converted object as ``-- review: <note>`` lines before it. Rules use these to point an issue
at the block the user has to edit. Quotes, quoted identifiers and dollar quotes are skipped, so comment
markers inside strings or function bodies are not taken for comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_UNCONVERTED_HEAD = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s+(\S+)\s+was NOT converted\b")


@dataclass(frozen=True)
class Comment:
    """One comment: ``text`` without its markers, ``sql`` as written, ``line`` (1-based) where it starts."""

    text: str
    sql: str
    line: int
    block: bool
    """True for ``/* ... */``, False for a ``--`` line."""

    @property
    def unconverted(self) -> tuple[str, str] | None:
        """``(kind, name)`` when the comment is an adapter's "was NOT converted" block, else ``None``."""
        if not self.block:
            return None
        m = _UNCONVERTED_HEAD.match(self.text)
        return (m.group(1).lower(), m.group(2)) if m else None


def find_comments(script: str) -> list[Comment]:
    """Every comment of ``script`` in order (nested ``/* /* */ */`` blocks count as one)."""
    out: list[Comment] = []
    i, n, line = 0, len(script), 1

    def advance(to: int) -> None:
        nonlocal i, line
        line += script.count("\n", i, to)
        i = to

    while i < n:
        c = script[i]
        if c == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            end = n if end < 0 else end
            out.append(Comment(script[i + 2 : end].strip(), script[i:end], line, block=False))
            advance(end)
        elif c == "/" and script.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if script.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif script.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            inner = script[i + 2 : j - 2] if depth == 0 else script[i + 2 : j]
            out.append(Comment(inner.strip(), script[i:j], line, block=True))
            advance(j)
        elif c in "'\"":
            j = i + 1
            while j < n:
                if script[j] == c:
                    if j + 1 < n and script[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                if c == "'" and script[j] == "\\" and i > 0 and script[i - 1] in "eE":
                    j += 1
                j += 1
            advance(min(j + 1, n))
        elif (
            c == "$"
            and (m := _DOLLAR_TAG.match(script, i))
            and not (i > 0 and (script[i - 1].isalnum() or script[i - 1] == "_"))
        ):
            end = script.find(m.group(0), m.end())
            advance(n if end < 0 else end + len(m.group(0)))
        else:
            if c == "\n":
                line += 1
            i += 1
    return out
