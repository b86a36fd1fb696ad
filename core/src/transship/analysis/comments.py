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

from transship.sqlsplit import skip_block_comment, skip_dollar_quoted, skip_quoted

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
            j = skip_block_comment(script, i)
            closed = script.startswith("*/", j - 2) and j - 2 >= i + 2
            inner = script[i + 2 : j - 2] if closed else script[i + 2 : j]
            out.append(Comment(inner.strip(), script[i:j], line, block=True))
            advance(j)
        elif c in "'\"":
            advance(skip_quoted(script, i))
        elif c == "$" and (after := skip_dollar_quoted(script, i)) is not None:
            advance(after)
        else:
            if c == "\n":
                line += 1
            i += 1
    return out
