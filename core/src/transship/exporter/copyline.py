"""COPY-text encoding by the client: Python values as fields, rows of a cursor as lines, large values in
pieces, and the size limit of one COPY line.

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
import datetime as dt
import decimal
import json
import math
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

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


NULL = b"\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape_text(text: str) -> str:
    """Escape a text value for COPY text format. NUL characters cannot be stored in PostgreSQL text."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.translate(_ESCAPES)


def format_decimal(value: decimal.Decimal) -> str:
    """Exact decimal text without exponent (``1E+2`` -> ``100``)."""
    if value.is_nan():
        return "NaN"
    return format(value, "f")


def format_float(value: float) -> str:
    """Shortest exact text, PostgreSQL spellings for infinities and NaN."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def format_datetime(value: dt.datetime, utc: bool = False) -> str:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]``; with ``utc`` (or an aware value) an instant in UTC (``+00``)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
        utc = True
    text = value.isoformat(sep=" ")
    if value.year > 9999 or value.year < 1:
        raise ValueError(f"date {value!r} is outside the range PostgreSQL accepts here")
    return text + "+00" if utc else text


def format_timedelta(value: dt.timedelta) -> str:
    """A duration as PostgreSQL interval input (normalised days/seconds/microseconds)."""
    return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"


def format_bytes(value: bytes, as_uuid: bool = False) -> str:
    """Bytes as bytea hex (``\\\\x...`` in COPY text), or a uuid (16 bytes into a uuid column)."""
    if as_uuid:
        return str(uuid.UUID(bytes=value))
    return "\\\\x" + value.hex()


def copy_field(value: Any, as_uuid: bool = False, utc: bool = False) -> bytes:
    """One Python value (what a DB-API driver returns) as a COPY text field.

    None, str, bool, int, Decimal, float, datetime, date, time, timedelta, bytes, dict/list (JSON), objects
    with ``years``/``months`` (an interval year to month); anything else by its ``str()``.
    """
    if value is None:
        return NULL
    if isinstance(value, str):
        return escape_text(value).encode("utf-8")
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, decimal.Decimal):
        return format_decimal(value).encode()
    if isinstance(value, float):
        return format_float(value).encode()
    if isinstance(value, dt.datetime):
        return format_datetime(value, utc).encode()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat().encode()
    if isinstance(value, dt.timedelta):
        return format_timedelta(value).encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return format_bytes(bytes(value), as_uuid).encode()
    if isinstance(value, (dict, list)):
        return escape_text(json.dumps(value, ensure_ascii=False)).encode("utf-8")
    years = getattr(value, "years", None)
    months = getattr(value, "months", None)
    if years is not None and months is not None:
        return f"{years} years {months} months".encode()
    return escape_text(str(value)).encode("utf-8")


def write_rows(
    rows: Iterable[Sequence[Any]],
    write: Write,
    table: str,
    key: Sequence[int] = (),
    columns: Sequence[str] = (),
    encode: Callable[[int, Any], bytes] | None = None,
) -> int:
    """Write rows (a DB-API cursor, any iterable of value sequences) as COPY text lines; returns the rows written.

    ``encode(position, value)`` turns one value into its field (default :func:`copy_field`), for the columns
    an adapter converts itself (e.g. integers that mean booleans). A line over :data:`MAX_COPY_LINE_BYTES`
    raises :func:`line_too_large` naming ``table`` and the row's ``key`` (positions; ``columns`` names them).
    """
    count = 0
    for row in rows:
        fields = [copy_field(v) if encode is None else encode(i, v) for i, v in enumerate(row)]
        line = b"\t".join(fields) + b"\n"
        if len(line) > MAX_COPY_LINE_BYTES:
            names = [columns[i] if i < len(columns) else str(i) for i in key]
            raise line_too_large(
                table, describe_key(names, [row[i] for i in key]) if key else f"#{count + 1}", len(line)
            )
        write(line)
        count += 1
    return count
