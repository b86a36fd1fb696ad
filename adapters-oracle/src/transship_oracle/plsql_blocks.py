"""Finding the parts of a PL/SQL unit in its tokens, and laying out the PL/pgSQL text.

The parts: the keyword after ``CREATE [OR REPLACE]``, a keyword outside parentheses, the main
``BEGIN`` and the ``END`` matching a ``BEGIN``. The layout: a dollar-quote tag the code does not
contain, and the indentation of a ``DECLARE`` section.
"""

from __future__ import annotations

from transship_oracle.tokens import ScriptSyntaxError, Token


def strip_create(tokens: list[Token]) -> int:
    """Index of the PROCEDURE/FUNCTION/TRIGGER/PACKAGE/TYPE keyword after CREATE [OR REPLACE] [EDITIONABLE]."""
    for k, t in enumerate(tokens):
        if t.is_word("PROCEDURE", "FUNCTION", "TRIGGER", "PACKAGE", "TYPE"):
            return k
    raise ScriptSyntaxError("not a CREATE PROCEDURE/FUNCTION/TRIGGER/PACKAGE/TYPE statement")


def find_word(tokens: list[Token], start: int, *words: str, depth0: bool = True) -> int:
    """Index of the first of ``words`` from ``start`` outside parentheses (at any depth if not ``depth0``), or -1."""
    depth = 0
    for k in range(start, len(tokens)):
        t = tokens[k]
        if t.is_op("("):
            depth += 1
        elif t.is_op(")"):
            depth -= 1
        elif (depth == 0 or not depth0) and t.is_word(*words):
            return k
    return -1


def main_begin(tokens: list[Token], start: int) -> int:
    """The BEGIN of the unit's main block, skipping nested subprogram bodies in the declarations."""
    k = start
    while k < len(tokens):
        t = tokens[k]
        if t.is_word("BEGIN"):
            return k
        if t.is_word("PROCEDURE", "FUNCTION") and k > start:
            raise ScriptSyntaxError("nested procedures or functions in a declaration section")
        k += 1
    raise ScriptSyntaxError("no BEGIN found")


def block_end(tokens: list[Token], begin: int) -> int:
    """Index of the ``END`` closing the block opened by ``tokens[begin]`` (BEGIN or CASE)."""
    depth = 0
    k = begin
    while k < len(tokens):
        t = tokens[k]
        prev_end = k > 0 and tokens[k - 1].is_word("END")
        if t.is_word("BEGIN") or (t.is_word("CASE") and not prev_end):
            depth += 1
        elif t.is_word("END"):
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if nxt is not None and nxt.is_word("IF", "LOOP", "CASE"):
                k += 2
                continue
            depth -= 1
            if depth == 0:
                return k
        k += 1
    raise ScriptSyntaxError("BEGIN without matching END")


def dollar_tag(body: str) -> str:
    """A dollar-quote tag (``$body$``, ``$body1$`` ...) that does not occur in ``body``."""
    tag = "$body$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$body{n}$"
    return tag


def indent(text: str) -> str:
    """Each non-blank line stripped and indented by two spaces; blank lines emptied."""
    return "\n".join("  " + line.strip() if line.strip() else "" for line in text.splitlines())
