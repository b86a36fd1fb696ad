"""A full disk on the client (issue 9): every writer stops with ``disk full at PATH (N MB free, about M MB
needed)``, exit 1, no ``tmp_*`` left behind, and the same command finishes exactly once there is room.

The CLI cases provoke the disk through ``TRANSSHIP_DISK_FULL_AT`` (:mod:`transship.diskfull`); one case fills a
real tmpfs mounted as the export dir (root only; skipped with the reason elsewhere).
"""

from __future__ import annotations

import errno
import logging
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from transship import diskfull
from transship.errors import DiskFull

LINE = re.compile(r"disk full at (\S+) \(([\d,.]+) MB free, about ([\d,.]+) MB needed\)")


def _tmp_files(export_dir: Path) -> list[Path]:
    return sorted(export_dir.rglob("tmp_*"))


def _export_data(m, *extra: str, env: dict[str, str] | None = None, check: bool = True):  # type: ignore[no-untyped-def]
    return m.run(
        "export",
        "data",
        "-e",
        str(m.export_dir),
        *m.source_args(),
        "--disable-pb",
        *extra,
        check=check,
        env=env,
    )


def _assert_disk_full(result, one_line_error, path: Path) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 1, result
    line = one_line_error(result, f"disk full at {path}", "MB needed", "re-run the same command")
    assert "unexpected" not in line and "please report" not in line, line
    return line


# ------------------------------------------------------------------------------------- the helper itself
def test_what_counts_as_a_full_disk(tmp_path: Path) -> None:
    full = OSError(errno.ENOSPC, "No space left on device")
    error = diskfull.disk_full_error(full, tmp_path / "f", 3 * diskfull.MB)
    assert isinstance(error, DiskFull)
    match = LINE.search(error.one_line())
    assert match and match.group(1) == str(tmp_path / "f") and match.group(3) == "3.0", error.one_line()
    quota = diskfull.disk_full_error(OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path, 10)
    assert (
        quota is not None
        and "disk quota exceeded" in quota.message
        and "about 0.1 MB needed" in quota.message
    )
    sqlite_full = diskfull.disk_full_error(
        sqlite3.OperationalError("database or disk is full"), tmp_path, None
    )
    assert sqlite_full is not None and "how much more is needed is not known" in sqlite_full.message
    # found behind the error it caused; other errors are not a full disk
    try:
        try:
            raise full
        except OSError as exc:
            raise RuntimeError("write failed") from exc
    except RuntimeError as wrapped:
        assert diskfull.is_disk_full(wrapped)
    assert diskfull.disk_full_error(OSError(errno.EACCES, "Permission denied"), tmp_path, 1) is None
    assert diskfull.disk_full_error(sqlite3.OperationalError("database is locked"), tmp_path, 1) is None
    # the CLI's last resort takes the path from the OSError
    named = diskfull.unmapped_disk_full(
        OSError(errno.ENOSPC, "No space", str(tmp_path / "x.sql")), "/elsewhere"
    )
    assert named is not None and f"disk full at {tmp_path / 'x.sql'} (" in named.message


def test_log_file_on_a_full_disk_warns_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class FullStream:
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            """Nothing buffered."""

    handler = diskfull.LogFileHandler(tmp_path / "x.log", encoding="utf-8", delay=True)
    handler.stream = FullStream()  # type: ignore[assignment]
    logger = logging.getLogger("transship.test_disk_full")
    logger.addHandler(handler)
    try:
        logger.error("first")
        logger.error("second")
    finally:
        logger.removeHandler(handler)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("WARNING: disk full at ") and "x.log" in lines[0], lines


# ------------------------------------------------------------------------------------- through the CLI
def test_data_file_disk_full_then_resumed_exactly(migration, one_line_error) -> None:  # type: ignore[no-untyped-def]
    migration.export_schema()
    bad = _export_data(
        migration, "--parallel-jobs", "1", env={diskfull.ENV: f"{diskfull.DATA}@2"}, check=False
    )
    line = _assert_disk_full(bad, one_line_error, migration.export_dir / "data")
    assert line.startswith("ERROR: exporting table "), line
    assert _tmp_files(migration.export_dir) == []
    kept = sorted(p.name for p in (migration.export_dir / "data").glob("*_data.sql"))
    assert len(kept) == 1, kept  # the table before the failure is finished and kept
    again = _export_data(migration)
    assert "Resuming: 1 table(s)" in again.stdout and "Export of data complete" in again.stdout, again
    migration.import_schema()
    migration.import_data()
    migration.assert_target_matches_source()


def test_meta_db_disk_full_then_resumed_exactly(migration, one_line_error) -> None:  # type: ignore[no-untyped-def]
    migration.export_schema()
    bad = _export_data(
        migration, "--parallel-jobs", "1", env={diskfull.ENV: f"{diskfull.META}@10"}, check=False
    )
    _assert_disk_full(bad, one_line_error, migration.export_dir / "metainfo" / "meta.db")
    assert _tmp_files(migration.export_dir) == []
    status = migration.run("export", "data", "status", "-e", str(migration.export_dir))
    assert status.returncode == 0
    again = _export_data(migration)
    # it failed part-way: tables marked DONE before it are kept, the one being marked is exported again
    assert "Resuming:" in again.stdout, again
    assert "Export of data complete: 4 table(s), 1,753 rows" in again.stdout, again
    migration.import_schema()
    migration.import_data()
    migration.assert_target_matches_source()


def test_file_writes_disk_full(migration, one_line_error) -> None:  # type: ignore[no-untyped-def]
    ed = migration.export_dir
    fault = {diskfull.ENV: diskfull.FILE}
    migration.export_schema()
    before = {p: p.read_bytes() for p in sorted((ed / "schema").rglob("*")) if p.is_file()}
    # the schema files: the earlier schema stays whole (it is replaced only once the new one is written)
    bad_schema = migration.export_schema("--start-clean", "true", "--yes", env=fault, check=False)
    _assert_disk_full(bad_schema, one_line_error, ed / "schema")
    assert {p: p.read_bytes() for p in sorted((ed / "schema").rglob("*")) if p.is_file()} == before
    # the analysis reports
    bad_report = migration.run("analyze-schema", "-e", str(ed), env=fault, check=False)
    _assert_disk_full(bad_report, one_line_error, ed / "reports" / "schema_analysis_report.")
    # a file written and renamed into place (postdata.sql, once every table is exported)
    bad_data = _export_data(migration, env=fault, check=False)
    _assert_disk_full(bad_data, one_line_error, ed / "data" / "postdata.sql")
    assert _tmp_files(ed) == []
    again = _export_data(migration)
    assert "finishing it" in again.stdout and "Export of data complete" in again.stdout, again
    migration.run("analyze-schema", "-e", str(ed))
    migration.import_schema()
    migration.import_data()
    migration.assert_target_matches_source()


# ------------------------------------------------------------------------------------- a real full disk
BIG_ROWS = 120_000  # about 12 MB of COPY text


def _mount_tmpfs(path: Path, size: str) -> None:
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot mount a small tmpfs as the export dir")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({proc.stderr.strip() or proc.returncode})")


def test_real_tmpfs_disk_full_then_room_made(migration, one_line_error, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with migration.server.connect(migration.source_db) as conn:
        conn.execute(
            "CREATE TABLE public.big AS SELECT g AS id, repeat(md5(g::text), 3) AS payload"
            f" FROM generate_series(1, {BIG_ROWS}) g"
        )
        conn.execute("ANALYZE public.big")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    _mount_tmpfs(mnt, "8m")
    try:
        migration.export_dir = mnt
        migration.export_schema()
        bad = _export_data(migration, "--parallel-jobs", "1", check=False)
        line = _assert_disk_full(bad, one_line_error, mnt / "data" / "big_data.sql")
        match = LINE.search(line)
        assert match, line
        free, needed = float(match.group(2).replace(",", "")), float(match.group(3).replace(",", ""))
        assert free < 8 and 9 < needed < 16, line  # about 12 MB: the row estimate times the average row size
        assert _tmp_files(mnt) == []
        remount = subprocess.run(
            ["mount", "-o", "remount,size=40m", str(mnt)], capture_output=True, text=True
        )
        assert remount.returncode == 0, remount.stderr
        again = _export_data(migration)
        assert "Export of data complete: 5 table(s)" in again.stdout, again
        with (mnt / "data" / "big_data.sql").open("rb") as f:
            assert sum(1 for _ in f) == BIG_ROWS
        assert _tmp_files(mnt) == []
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
