"""COPY-text encoding of large values by the client, in pieces, and the size limit of one COPY line.

Source adapters use these when a value is too large to be formatted by the source server (MySQL's
``HEX``/``REPLACE`` are bounded by ``max_allowed_packet``) or to pass through the driver whole (a
PostgreSQL ``COPY TO`` row arrives as one message). Each piece is encoded and handed to ``write`` at once,
so memory stays bounded by the piece size, whatever the value's size.

``MAX_COPY_LINE_BYTES`` is the longest line (newline included) PostgreSQL's ``COPY FROM`` accepts: its line
buffer is a StringInfo, limited to ``MaxAllocSize - 1`` (1 GiB - 2) bytes. A row whose line would be longer
stops the export with :class:`~transship.errors.ExportFailed` naming the table, the row's key and the size,
never a NULL in its place. Tests lower the limit with ``TRANSSHIP_MAX_COPY_LINE_BYTES``.
"""

from __future__ import annotations

import binascii
import codecs
import os
from collections.abc import Callable, Sequence

from transship.errors import ConfigError, ExportFailed

LIMIT_ENV = "TRANSSHIP_MAX_COPY_LINE_BYTES"
PG_MAX_COPY_LINE_BYTES = (1 << 30) - 2  # PostgreSQL's MaxAllocSize (1 GiB - 1) minus the string terminator
PIECE_BYTES = 1 << 20  # one piece of a large value, before encoding

Write = Callable[[bytes], object]


def _limit_from_env() -> int:
    raw = os.environ.get(LIMIT_ENV)
    if not raw:
        return PG_MAX_COPY_LINE_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{LIMIT_ENV}={raw!r} is not a number",
            fix=f"set it to a byte count, at most {PG_MAX_COPY_LINE_BYTES}",
        ) from None
    if not 16 <= value <= PG_MAX_COPY_LINE_BYTES:
        raise ConfigError(
            f"{LIMIT_ENV}={value} is out of range",
            fix=f"use 16 to {PG_MAX_COPY_LINE_BYTES} bytes, or unset it",
        )
    return value


MAX_COPY_LINE_BYTES = _limit_from_env()


def write_hex(value: bytes | bytearray | memoryview, write: Write, piece: int = PIECE_BYTES) -> int:
    """Write ``value`` as a bytea COPY field (``\\\\x`` + hex), ``piece`` bytes at a time; returns the bytes written."""
    view = memoryview(value)
    write(b"\\\\x")
    for start in range(0, len(view), piece):
        write(binascii.hexlify(view[start : start + piece]))
    return 3 + 2 * len(view)


def escape_copy_text(value: bytes, strip_nul: bool = True) -> bytes:
    """COPY-text escaping of text bytes (backslash, TAB, LF, CR); NUL characters removed when ``strip_nul``."""
    out = value.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
    return out.replace(b"\x00", b"") if strip_nul else out


def write_escaped(
    value: bytes | bytearray | memoryview,
    write: Write,
    strip_nul: bool = True,
    validate_utf8: bool = False,
    piece: int = PIECE_BYTES,
) -> int:
    """Write text bytes as one escaped COPY field, ``piece`` bytes at a time; returns the bytes written.

    The escaped characters are ASCII, which never occurs inside a UTF-8 multi-byte sequence, so pieces may
    split characters. With ``validate_utf8`` a value that is not UTF-8 raises :class:`UnicodeDecodeError`.
    """
    view = memoryview(value)
    checker = codecs.getincrementaldecoder("utf-8")() if validate_utf8 else None
    written = 0
    for start in range(0, len(view), piece):
        chunk = bytes(view[start : start + piece])
        if checker is not None:
            checker.decode(chunk)  # the decoded text is dropped: only validity matters
        out = escape_copy_text(chunk, strip_nul)
        write(out)
        written += len(out)
    if checker is not None:
        checker.decode(b"", final=True)
    return written


def describe_key(key_columns: Sequence[str], values: Sequence[object]) -> str:
    """``id=7`` / ``(a, b)=(1, x)`` for messages; values are shown as they appear in COPY text."""
    shown = [v.decode("utf-8", "replace") if isinstance(v, (bytes, bytearray)) else str(v) for v in values]
    if len(key_columns) == 1:
        return f"{key_columns[0]}={shown[0]}"
    return f"({', '.join(key_columns)})=({', '.join(shown)})"


def line_too_large(
    table: str, row: str, size: int, limit: int = 0, at_least: bool = False, detail: str = ""
) -> ExportFailed:
    """The error for a row whose COPY line would exceed what PostgreSQL's COPY accepts.

    ``size`` is the line's length, or with ``at_least`` a lower bound known before the line was made.
    """
    limit = limit or MAX_COPY_LINE_BYTES
    what = f"at least {size:,} bytes" if at_least else f"{size:,} bytes"
    return ExportFailed(
        f"table {table}: row {row} would be a COPY line over the {limit:,} bytes PostgreSQL's COPY accepts in one line "
        f"({what}{'; ' + detail if detail else ''}; bytea doubles in hex, escapes grow text); nothing was written for the table",
        fix="shorten or split that value at the source, or leave the table out with --exclude-table-list and move it another way",
    )
