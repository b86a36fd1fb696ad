"""Quoting and parsing of PostgreSQL identifiers, and matching of ``--table-list`` patterns."""

from __future__ import annotations

import fnmatch
import re

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

_SIMPLE = re.compile(r"^[a-z_][a-z0-9_$]*$")
_NEEDS_QUOTES = RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS


def quote_ident(name: str) -> str:
    """Quote ``name`` only when PostgreSQL needs it (upper case, spaces, reserved words ...)."""
    if _SIMPLE.match(name) and name not in _NEEDS_QUOTES:
        return name
    return '"' + name.replace('"', '""') + '"'


def always_quote(name: str) -> str:
    """Quote ``name`` unconditionally (safe for any identifier)."""
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    """``schema.name`` with minimal quoting (no schema part when ``schema`` is None)."""
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def split_qualified(text: str) -> list[str]:
    """Split ``a."B.c".d`` into parts, honouring double quotes; unquoted parts keep their case."""
    parts: list[str] = []
    buf: list[str] = []
    i, quoted = 0, False
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                buf.append('"')
                i += 2
                continue
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


class TablePattern:
    """One entry of ``--table-list``: ``table``, ``schema.table``, globs ``*``/``?``, ``"Quoted"`` = exact case.

    Unquoted names match case-insensitively (voyager's behaviour); quoted names match exactly.
    """

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        raw_parts = split_qualified(self.text)
        quoted_flags = [p.startswith('"') for p in _raw_segments(self.text)]
        self.schema: str | None = raw_parts[0] if len(raw_parts) > 1 else None
        self.name = raw_parts[-1]
        self.schema_exact = bool(quoted_flags and len(quoted_flags) > 1 and quoted_flags[0])
        self.name_exact = bool(quoted_flags and quoted_flags[-1])

    def matches(self, schema: str, name: str) -> bool:
        if self.schema is not None and not _glob(self.schema, schema, self.schema_exact):
            return False
        return _glob(self.name, name, self.name_exact)


def _raw_segments(text: str) -> list[str]:
    segs: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            segs.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    segs.append("".join(buf))
    return segs


def _glob(pattern: str, value: str, exact: bool) -> bool:
    if exact:
        return fnmatch.fnmatchcase(value, pattern)
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def parse_table_list(text: str | None) -> list[TablePattern]:
    """Parse a comma (or newline) separated table list; empty -> []."""
    if not text:
        return []
    items = re.split(r"[,\n]", text)
    return [TablePattern(item) for item in items if item.strip()]
