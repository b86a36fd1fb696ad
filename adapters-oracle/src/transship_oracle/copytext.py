"""Oracle values -> PostgreSQL COPY text fields (TAB separated, ``\\N`` NULL, backslash escapes).

One function per Python type that python-oracledb returns (and that the script reader produces), so the
live and script data paths write byte-identical files. LOBs are streamed in chunks: a CLOB or BLOB is
never held in memory whole.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

from transship.sdk import copyline

# the generic encoder is the SDK's; Oracle adds its LOBs (streamed) and the raw_to_uuid transform
escape_text = copyline.escape_text
LOB_CHUNK = 1 << 20


def field(value: Any, transform: str | None = None, utc: bool = False) -> bytes:
    """One non-LOB value as a COPY text field (``raw_to_uuid``: RAW(16) into a uuid column)."""
    return copyline.copy_field(value, as_uuid=transform == "raw_to_uuid", utc=utc)


def is_lob(value: Any) -> bool:
    """True for python-oracledb LOB objects (CLOB, NCLOB, BLOB, BFILE)."""
    return hasattr(value, "read") and hasattr(value, "size")


def lob_copy_size(lob: Any) -> int:
    """At least the bytes a LOB takes as a COPY field, from its size alone (a CLOB character is at least one byte)."""
    size = int(lob.size())
    return 3 + 2 * size if _is_binary_lob(lob) else size


def _is_binary_lob(lob: Any) -> bool:
    lob_type = str(getattr(getattr(lob, "type", None), "name", ""))
    return "BLOB" in lob_type or "BFILE" in lob_type


def stream_lob(lob: Any, write: Callable[[bytes], object], chunk: int = LOB_CHUNK) -> int:
    """Write a LOB as one COPY field, reading ``chunk`` characters/bytes at a time; returns the bytes written."""
    size = lob.size()
    offset = 1  # LOB offsets are 1-based
    first = True
    written = 0
    while offset <= size:
        piece = lob.read(offset, chunk)
        if not piece:
            break
        if isinstance(piece, str):
            out = escape_text(piece).encode("utf-8")
        else:
            if first:
                write(b"\\\\x")
                written += 3
            out = binascii.hexlify(piece)  # one copy (hex() then encode() made two)
        write(out)
        written += len(out)
        first = False
        offset += len(piece)
    if first and _is_binary_lob(lob):
        # an empty LOB is an empty value, not NULL (EMPTY_CLOB() is not NULL in Oracle)
        write(b"\\\\x")
        written += 3
    return written
