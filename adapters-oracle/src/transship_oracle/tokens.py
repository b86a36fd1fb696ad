"""A small lexer for Oracle SQL and PL/SQL: words, quoted identifiers, literals, binds and operators.

The DDL parser, the INSERT-script reader and the PL/SQL converter all work on these tokens, so quotes
and comments are understood in exactly one place. Each token keeps its offsets in the source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transship.sdk import TransshipError

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$#]*")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?")
_OPS = ("||", ":=", "=>", "<=", ">=", "<>", "!=", "^=", "~=", "..", "**", "<<", ">>")


class ScriptSyntaxError(TransshipError):
    """An Oracle script statement could not be understood."""


@dataclass(frozen=True)
class Token:
    """``kind`` is one of word, qident, string, number, bind, op, comment."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def is_op(self, *ops: str) -> bool:
        return self.kind == "op" and self.text in ops

    @property
    def value(self) -> str:
        """The literal value of a string token, or the name of a quoted identifier."""
        if self.kind == "qident":
            return self.text[1:-1].replace('""', '"')
        if self.kind == "string":
            t = self.text
            if t[0] in "nN":
                t = t[1:]
            if t[0] in "qQ":
                return t[3:-2]
            return t[1:-1].replace("''", "'")
        return self.text


def tokenize(text: str, keep_comments: bool = False) -> list[Token]:
    """Tokenize Oracle SQL/PL/SQL text (whitespace dropped; comments dropped unless ``keep_comments``)."""
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if text.startswith("--", i):
            nl = text.find("\n", i)
            end = n if nl < 0 else nl
            if keep_comments:
                out.append(Token("comment", text[i:end], i, end))
            i = end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            if keep_comments:
                out.append(Token("comment", text[i:end], i, end))
            i = end
            continue
        if (
            c in "nNqQ"
            and i + 1 < n
            and text[i + 1] == "'"
            or (c in "nN" and text[i + 1 : i + 3].lower() == "q'")
        ):
            j = i + 1 if c in "nN" else i
            end = _string_end(text, j)
            out.append(Token("string", text[i:end], i, end))
            i = end
            continue
        if c == "'":
            end = _string_end(text, i)
            out.append(Token("string", text[i:end], i, end))
            i = end
            continue
        if c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise ScriptSyntaxError(
                    f"unterminated quoted identifier at offset {i}", fix="close the double quote"
                )
            out.append(Token("qident", text[i : end + 1], i, end + 1))
            i = end + 1
            continue
        if c.isalpha() or c == "_":
            m = _WORD.match(text, i)
            assert m is not None
            out.append(Token("word", m.group(0), i, m.end()))
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            assert m is not None
            end = m.end()
            # "1..10" is a range, not the number "1."
            if text[i:end].endswith(".") and text.startswith("..", end - 1):
                end -= 1
            out.append(Token("number", text[i:end], i, end))
            i = end
            continue
        if text.startswith("::", i):
            out.append(Token("op", "::", i, i + 2))
            i += 2
            continue
        if c == ":" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == '"'):
            m = _WORD.match(text, i + 1)
            end = m.end() if m else text.find('"', i + 2) + 1
            out.append(Token("bind", text[i:end], i, end))
            i = end
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), c)
        out.append(Token("op", op, i, i + len(op)))
        i += len(op)
    return out


def _string_end(text: str, i: int) -> int:
    n = len(text)
    if text[i] in "qQ":
        opener = text[i + 2]
        closer = {"[": "]", "(": ")", "{": "}", "<": ">"}.get(opener, opener)
        end = text.find(closer + "'", i + 3)
        if end < 0:
            raise ScriptSyntaxError(
                f"unterminated q-quoted string at offset {i}", fix="close the q'...' literal"
            )
        return end + 2
    j = i + 1
    while j < n:
        if text[j] == "'":
            if j + 1 < n and text[j + 1] == "'":
                j += 2
                continue
            return j + 1
        j += 1
    raise ScriptSyntaxError(f"unterminated string literal at offset {i}", fix="close the quote")


def split_top_level(tokens: list[Token], sep: str = ",") -> list[list[Token]]:
    """Split a token list at ``sep`` operators that are not inside parentheses."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.is_op("("):
            depth += 1
        elif t.is_op(")"):
            depth -= 1
        if depth == 0 and t.is_op(sep):
            parts.append([])
            continue
        parts[-1].append(t)
    return [p for p in parts if p] if any(parts) else []


def matching_paren(tokens: list[Token], i: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].is_op("("):
            depth += 1
        elif tokens[j].is_op(")"):
            depth -= 1
            if depth == 0:
                return j
    raise ScriptSyntaxError("unbalanced parentheses", fix="close every '(' in the statement")


def source_text(text: str, tokens: list[Token]) -> str:
    """The original text spanned by ``tokens`` (comments and spacing included)."""
    if not tokens:
        return ""
    return text[tokens[0].start : tokens[-1].end]


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` applied, in offset order (edits recorded at the
    same offsets keep their order); an edit overlapping an earlier one is dropped."""
    out = []
    pos = 0
    for start, end, repl in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def oracle_name(tok: Token) -> str:
    """The name Oracle stores for an identifier token: unquoted names upper-cased, quoted kept."""
    if tok.kind == "qident":
        return tok.value
    return tok.text.upper()


def pg_name(oracle: str) -> str:
    """PostgreSQL name for an Oracle name: ordinary (upper-case) names become lower case, others keep case."""
    if re.fullmatch(r"[A-Z][A-Z0-9_$#]*", oracle):
        return oracle.lower()
    return oracle
