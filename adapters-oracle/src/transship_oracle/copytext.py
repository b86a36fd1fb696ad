"""Oracle values -> PostgreSQL COPY text fields (TAB separated, ``\\N`` NULL, backslash escapes).

One function per Python type that python-oracledb returns (and that the script reader produces), so the
live and script data paths write byte-identical files. LOBs are streamed in chunks: a CLOB or BLOB is
never held in memory whole.
"""

from __future__ import annotations

import binascii
import datetime as dt
import decimal
import json
import math
import uuid
from collections.abc import Callable
from typing import Any

NULL = b"\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
LOB_CHUNK = 1 << 20


def escape_text(text: str) -> str:
    """Escape a text value for COPY text format. NUL characters cannot be stored in PostgreSQL text."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.translate(_ESCAPES)


def format_decimal(value: decimal.Decimal) -> str:
    """Exact NUMBER text without exponent (``1E+2`` -> ``100``)."""
    if value.is_nan():
        return "NaN"
    text = format(value, "f")
    return text


def format_float(value: float) -> str:
    """BINARY_FLOAT/BINARY_DOUBLE: shortest exact text, PostgreSQL spellings for infinities and NaN."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def format_datetime(value: dt.datetime, utc: bool = False) -> str:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]``; with ``utc`` the value is an instant in UTC (``+00``)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
        utc = True
    text = value.isoformat(sep=" ")
    if value.year > 9999 or value.year < 1:
        raise ValueError(f"date {value!r} is outside the range PostgreSQL accepts here")
    return text + "+00" if utc else text


def format_timedelta(value: dt.timedelta) -> str:
    """INTERVAL DAY TO SECOND -> PostgreSQL interval input (normalised days/seconds/microseconds)."""
    return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"


def format_bytes(value: bytes, as_uuid: bool = False) -> str:
    """RAW/BLOB -> bytea hex (``\\\\x...`` in COPY text), or a uuid for RAW(16) mapped to uuid."""
    if as_uuid:
        return str(uuid.UUID(bytes=value))
    return "\\\\x" + value.hex()


def field(value: Any, transform: str | None = None, utc: bool = False) -> bytes:
    """One non-LOB value as a COPY text field."""
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
    if isinstance(value, dt.date):
        return value.isoformat().encode()
    if isinstance(value, dt.timedelta):
        return format_timedelta(value).encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return format_bytes(bytes(value), transform == "raw_to_uuid").encode()
    if isinstance(value, (dict, list)):
        return escape_text(json.dumps(value, ensure_ascii=False)).encode("utf-8")
    years = getattr(value, "years", None)
    months = getattr(value, "months", None)
    if years is not None and months is not None:  # oracledb.IntervalYM
        return f"{years} years {months} months".encode()
    return escape_text(str(value)).encode("utf-8")


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
