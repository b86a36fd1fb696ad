"""Batch planning: exact line boundaries, row and byte limits, and detection of damaged files."""

from __future__ import annotations

import hashlib
import random

import pytest

from transship.errors import DataFileError
from transship.importer import batches as B


def _write(tmp_path, rows: list[bytes]):
    data = b"".join(rows)
    path = tmp_path / "t_data.sql"
    path.write_bytes(data)
    return path, data, "sha256:" + hashlib.sha256(data).hexdigest()


def test_random_files_cut_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(B, "READ_CHUNK", 64)  # many chunk boundaries inside rows and batches
    rng = random.Random(7)
    for _ in range(200):
        # now and then a row larger than the byte limit, which must become a batch of its own
        rows = [
            b"x" * (rng.randint(0, 40) if rng.random() > 0.05 else rng.randint(100, 1500)) + b"\t\\N\n"
            for _ in range(rng.randint(0, 80))
        ]
        path, data, digest = _write(tmp_path, rows)
        batch_size = rng.randint(1, 12)
        max_bytes = rng.choice([0, 60, 100, 1000])
        plan = B.plan_batches(path, batch_size, max_bytes, len(rows), digest, "re-export")
        pos, line = 0, 1
        for b in plan:
            seg = data[b.start : b.end]
            assert b.start == pos and b.first_line == line
            assert seg.endswith(b"\n") and seg.count(b"\n") == b.rows and 0 < b.rows <= batch_size
            assert not max_bytes or len(seg) <= max_bytes or b.rows == 1
            assert b.checksum == hashlib.sha256(seg).hexdigest()
            pos, line = b.end, line + b.rows
        assert pos == len(data) and line - 1 == len(rows)
        assert [b.number for b in plan] == list(range(1, len(plan) + 1))


def test_damaged_files_are_refused(tmp_path):
    rows = [f"{i}\trow {i}\n".encode() for i in range(100)]
    path, data, digest = _write(tmp_path, rows)
    B.check_file(path, len(data), "fix")
    path.write_bytes(data[:-5])
    with pytest.raises(DataFileError, match="truncated"):
        B.check_file(path, len(data), "fix")
    with pytest.raises(DataFileError, match="last row has no line end"):
        B.plan_batches(path, 10, 0, 100, None, "fix")
    path.write_bytes(data[:10] + b"X" + data[11:])
    with pytest.raises(DataFileError, match="corrupt"):
        B.plan_batches(path, 10, 0, 100, digest, "fix")
    path.write_bytes(data + b"extra\n")
    with pytest.raises(DataFileError, match="holds 101 rows"):
        B.plan_batches(path, 10, 0, 100, None, "fix")
    path.unlink()
    with pytest.raises(DataFileError, match="missing"):
        B.check_file(path, len(data), "fix")


def test_one_read_matches_two_reads(tmp_path, monkeypatch):
    """Many random files, rows often longer than a read chunk and the byte limit: the one-read plan equals the
    boundaries and checksums of the two-read one, and no file is read twice."""
    rng = random.Random(11)
    again = []
    real = B.with_checksums
    monkeypatch.setattr(B, "with_checksums", lambda *a: again.append(a) or real(*a))
    for _ in range(300):
        monkeypatch.setattr(B, "READ_CHUNK", rng.choice([1, 7, 64, 500]))
        rows = [b"r" * rng.choice([0, 3, 40, 300, 2000]) + b"\n" for _ in range(rng.randint(0, 40))]
        path, data, digest = _write(tmp_path, rows)
        size, limit = rng.randint(1, 9), rng.choice([0, 50, 256, 1000])
        plan = B.plan_batches(path, size, limit, len(rows), digest, "fix")
        stripped = [B.Batch(b.number, b.start, b.end, b.rows, b.first_line) for b in plan]
        assert real(path, stripped, digest, "fix") == plan
    assert not again


def test_row_larger_than_byte_limit_is_a_batch_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(B, "READ_CHUNK", 64)  # the big row spans many read chunks
    rows = [b"short\n", b"y" * 500 + b"\n", b"a\n", b"b\n", b"z" * 300 + b"\n"]
    path, data, digest = _write(tmp_path, rows)
    plan = B.plan_batches(path, 10, 100, len(rows), digest, "fix")
    assert [(b.rows, b.end - b.start) for b in plan] == [(1, 6), (1, 501), (2, 4), (1, 301)]


def test_batch_checksums_refuse_a_changed_file(tmp_path):
    rows = [f"{i}\trow {i}\n".encode() for i in range(100)]
    path, data, digest = _write(tmp_path, rows)
    plan = B.plan_batches(path, 10, 0, 100, digest, "fix")
    stripped = [B.Batch(b.number, b.start, b.end, b.rows, b.first_line) for b in plan]
    assert B.with_checksums(path, stripped, digest, "fix") == plan
    path.write_bytes(data.replace(b"row 42", b"row 24"))  # same size, same rows
    with pytest.raises(DataFileError, match="corrupt"):
        B.with_checksums(path, stripped, digest, "fix")


def test_checksum_of_an_earlier_version_still_verifies(tmp_path):
    rows = [f"{i}\trow {i}\n".encode() for i in range(30)]
    path, data, _ = _write(tmp_path, rows)
    old = hashlib.blake2b(data, digest_size=16).hexdigest()  # what transship recorded before sha256
    assert sum(b.rows for b in B.plan_batches(path, 7, 0, 30, old, "fix")) == 30
    with pytest.raises(DataFileError, match="corrupt"):
        B.plan_batches(path, 7, 0, 30, old[:-1] + ("0" if old[-1] != "0" else "1"), "fix")


def test_a_file_is_read_once(tmp_path, monkeypatch):
    """Boundaries, batch checksums and the file's checksum come from one read, also where the byte limit is met
    inside a row longer than a read chunk (the batch ends at a newline of an earlier chunk)."""
    monkeypatch.setattr(B, "READ_CHUNK", 64)
    rows = [f"{i}\trow {i}\n".encode() for i in range(100)]
    path, data, digest = _write(tmp_path, rows)
    again = []
    real = B.with_checksums
    monkeypatch.setattr(B, "with_checksums", lambda *a: again.append(a) or real(*a))
    plan = B.plan_batches(path, 7, 0, 100, digest, "fix")
    assert not again and all(b.checksum == hashlib.sha256(data[b.start : b.end]).hexdigest() for b in plan)
    rows = [b"a\n" * 3, b"y" * 500 + b"\n", b"b\n"]
    path, data, digest = _write(tmp_path, rows)
    plan = B.plan_batches(path, 10, 100, 5, digest, "fix")
    assert not again and [(b.rows, b.end - b.start) for b in plan] == [(3, 6), (1, 501), (1, 2)]
    assert all(b.checksum == hashlib.sha256(data[b.start : b.end]).hexdigest() for b in plan)
