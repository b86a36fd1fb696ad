"""Splitting a COPY-text data file into batches by rows and bytes, and checking the file on the way.

A batch is a byte range that starts at a line start and ends just after a newline, so the importer streams
it to ``COPY FROM STDIN`` without parsing values. The plan is computed once per file and stored; every
re-run uses the same plan, which is what makes the ledger's (file, batch number) key meaningful.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from transship import digests
from transship.errors import DataFileError

READ_CHUNK = 4 << 20


@dataclass(frozen=True)
class Batch:
    """Rows ``first_line`` .. ``first_line + rows - 1`` of a data file: the bytes ``[start, end)``."""

    number: int
    start: int  # byte offset of the first row
    end: int  # byte offset after the last row's newline
    rows: int
    first_line: int  # 1-based line number of the first row in the file
    checksum: str = ""  # SHA-256 of the batch's bytes (transship.digests), checked before the batch commits


def check_file(path: Path, expected_size: int, refix: str) -> None:
    """The file must exist, be readable and have the size the export recorded."""
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise DataFileError(f"data file {path} is missing", fix=refix) from None
    except PermissionError:
        raise DataFileError(
            f"data file {path} is not readable (permission denied)",
            fix=f"fix its permissions (chmod u+r {path})",
        ) from None
    except OSError as exc:
        raise DataFileError(f"data file {path} cannot be read: {exc.strerror}", fix=refix) from None
    if size != expected_size:
        what = "truncated" if size < expected_size else "longer than exported"
        raise DataFileError(
            f"data file {path} is {what}: {size:,} bytes, export wrote {expected_size:,}", fix=refix
        )


def check_checksum(path: Path, checksum: str | None, refix: str) -> None:
    """The whole file must hash to the checksum the export recorded (one read of the file)."""
    if not checksum:
        return
    whole = digests.hash_for(checksum)
    with open(path, "rb") as f:
        while chunk := f.read(READ_CHUNK):
            whole.update(chunk)
    if not digests.matches(whole, checksum):
        raise DataFileError(
            f"data file {path} is corrupt (its checksum differs from the one recorded at export)", fix=refix
        )


def plan_batches(
    path: Path, batch_size: int, max_bytes: int, expected_rows: int, checksum: str | None, refix: str
) -> list[Batch]:
    """Cut ``path`` into batches of at most ``batch_size`` rows and ``max_bytes`` bytes (a row larger than
    ``max_bytes`` is a batch of its own), give each batch its checksum, and verify the row count and the
    file's checksum recorded at export."""
    whole = digests.hash_for(checksum)
    batches, hashed = _cut(path, batch_size, max_bytes, expected_rows, refix, whole)
    if not hashed:  # the file changed while it was read (a batch cut where no hash was kept): read it again
        return with_checksums(path, batches, checksum, refix)
    if checksum and not digests.matches(whole, checksum):
        raise DataFileError(
            f"data file {path} is corrupt (its checksum differs from the one recorded at export)", fix=refix
        )
    return batches


def with_checksums(path: Path, batches: list[Batch], checksum: str | None, refix: str) -> list[Batch]:
    """``batches`` with the checksum of each one's bytes, read from ``path`` in one pass that also checks the
    whole file against ``checksum`` (the export's), so no checksum is ever taken from changed bytes."""
    whole = digests.hash_for(checksum)
    out: list[Batch] = []
    with open(path, "rb") as f:
        for b in batches:
            if f.tell() != b.start:
                raise DataFileError(f"batch plan of {path} is not contiguous at batch {b.number}", fix=refix)
            part = digests.new_hash()
            remaining = b.end - b.start
            while remaining > 0:
                chunk = f.read(min(READ_CHUNK, remaining))
                if not chunk:
                    raise DataFileError(f"data file {path} ended early in batch {b.number}", fix=refix)
                part.update(chunk)
                whole.update(chunk)
                remaining -= len(chunk)
            out.append(replace(b, checksum=part.hexdigest()))
        while chunk := f.read(READ_CHUNK):
            whole.update(chunk)
    if checksum and not digests.matches(whole, checksum):
        raise DataFileError(
            f"data file {path} is corrupt (its checksum differs from the one recorded at export)", fix=refix
        )
    return out


def _cut(
    path: Path, batch_size: int, max_bytes: int, expected_rows: int, refix: str, whole: Any
) -> tuple[list[Batch], bool]:
    """Batch boundaries (row and byte limits) and the row count check, in one read of the file that also
    feeds ``whole`` and gives each batch its checksum.

    Returns the batches and whether their checksums are set (always, unless the file changes while it is
    read; else :func:`with_checksums` reads it again).
    """
    batches: list[Batch] = []
    part = digests.new_hash()
    hashed = 0  # absolute offset up to which ``part`` holds the open batch's bytes
    exact = True
    view = memoryview(b"")
    done_rows = 0  # rows in closed batches
    batch_start = 0  # absolute offset where the open batch starts
    batch_rows = 0
    last_nl = 0  # absolute offset just after the last newline seen
    offset = 0
    last_byte = b"\n"

    snap: tuple[int, Any] | None = None  # the open batch's hash up to its last newline in an earlier chunk

    def close(end: int, rows: int) -> None:
        nonlocal done_rows, batch_start, batch_rows, part, hashed, exact, snap
        digest = ""
        if exact and end >= hashed and end - offset <= len(view):
            part.update(view[hashed - offset : end - offset])
            hashed = end
            digest = part.hexdigest()
            part = digests.new_hash()
        elif exact and snap is not None and snap[0] == end:
            # cut at the last newline of an earlier chunk (the byte limit met inside a long row): the batch's
            # hash was kept there; the next batch's bytes read since (part of one row) are hashed again
            digest = snap[1].hexdigest()
            part = digests.new_hash()
            at = end
            while at < hashed:
                piece = os.pread(f.fileno(), min(READ_CHUNK, hashed - at), at)
                if not piece:
                    raise DataFileError(f"data file {path} changed while it was read", fix=refix)
                part.update(piece)
                at += len(piece)
        else:
            exact = False
        snap = None
        batches.append(Batch(len(batches) + 1, batch_start, end, rows, done_rows + 1, digest))
        done_rows += rows
        batch_start = end
        batch_rows = 0

    with open(path, "rb") as f:
        while chunk := f.read(READ_CHUNK):
            last_byte = chunk[-1:]
            n = len(chunk)
            whole.update(chunk)
            view = memoryview(chunk)
            pos = 0
            while pos < n:
                need = batch_size - batch_rows
                room_end = batch_start + max_bytes - offset if max_bytes else n + 1
                scan_end = max(pos, min(n, room_end))
                cnt = chunk.count(b"\n", pos, scan_end)
                if cnt >= need:
                    idx = pos - 1
                    for _ in range(need):
                        idx = chunk.find(b"\n", idx + 1)
                    last_nl = offset + idx + 1
                    close(last_nl, batch_rows + need)
                    pos = idx + 1
                elif room_end <= n:
                    if cnt:
                        idx = chunk.rfind(b"\n", pos, scan_end)
                        last_nl = offset + idx + 1
                        close(last_nl, batch_rows + cnt)
                        pos = idx + 1
                    elif batch_rows:
                        close(last_nl, batch_rows)
                    else:  # one row larger than the byte limit: a batch of its own
                        idx = chunk.find(b"\n", pos)
                        if idx < 0:
                            break
                        last_nl = offset + idx + 1
                        close(last_nl, 1)
                        pos = idx + 1
                else:
                    if cnt:
                        last_nl = offset + chunk.rfind(b"\n", pos, n) + 1
                    batch_rows += cnt
                    break
            if exact and hashed >= offset:
                if offset < last_nl <= offset + n and last_nl > max(hashed, batch_start):
                    part.update(view[hashed - offset : last_nl - offset])
                    snap = (last_nl, part.copy())
                    hashed = last_nl
                part.update(view[hashed - offset :])
                hashed = offset + n
            offset += n
    if offset and last_byte != b"\n":
        raise DataFileError(f"data file {path} is truncated: its last row has no line end", fix=refix)
    if batch_rows:
        close(offset, batch_rows)
    if done_rows != expected_rows:
        raise DataFileError(
            f"data file {path} holds {done_rows:,} rows, export wrote {expected_rows:,}", fix=refix
        )
    return batches, exact
