"""Migration state in ``metainfo/meta.db`` (SQLite).

What each command did, so any command can be re-run after a crash and the status commands can answer
without a database connection. The target's own ledger table stays the truth for committed data batches;
this file mirrors it for ``import data status``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from transship import __version__, diskfull

_SCHEMA = """
CREATE TABLE IF NOT EXISTS json_objects (key TEXT PRIMARY KEY, json_text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS export_tables (
    file_name TEXT PRIMARY KEY,
    source_schema TEXT NOT NULL,
    source_name TEXT NOT NULL,
    target_schema TEXT,
    target_name TEXT NOT NULL,
    columns TEXT NOT NULL,
    key_columns TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'NOT_STARTED',
    row_estimate INTEGER NOT NULL DEFAULT 0,
    exported_rows INTEGER NOT NULL DEFAULT 0,
    byte_size INTEGER NOT NULL DEFAULT 0,
    checksum TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS sequences (
    source_schema TEXT,
    name TEXT NOT NULL,
    last_value INTEGER NOT NULL,
    is_called INTEGER NOT NULL,
    PRIMARY KEY (source_schema, name)
);
CREATE TABLE IF NOT EXISTS import_files (
    file_name TEXT PRIMARY KEY,
    target_schema TEXT NOT NULL,
    target_name TEXT NOT NULL,
    batch_size INTEGER NOT NULL,
    max_batch_bytes INTEGER NOT NULL,
    total_rows INTEGER NOT NULL,
    total_batches INTEGER NOT NULL,
    file_size INTEGER NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS import_batches (
    file_name TEXT NOT NULL,
    batch_number INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'PENDING',
    checksum TEXT,
    PRIMARY KEY (file_name, batch_number)
);
CREATE TABLE IF NOT EXISTS import_tables (
    target_schema TEXT NOT NULL,
    target_name TEXT NOT NULL,
    rows_before INTEGER NOT NULL,
    expected_rows INTEGER,
    target_rows INTEGER,
    error TEXT,
    PRIMARY KEY (target_schema, target_name)
);
"""

# Columns added after a table was first created: (table, column, definition). meta.db files written by an
# earlier version get them on open (CREATE TABLE IF NOT EXISTS does not add columns).
_ADDED_COLUMNS = (
    ("import_batches", "checksum", "TEXT"),
    ("import_files", "error", "TEXT"),
    ("import_batches", "errored_rows", "INTEGER NOT NULL DEFAULT 0"),
    ("import_batches", "skipped_rows", "INTEGER NOT NULL DEFAULT 0"),
    # a file holding one chunk of a table: the Chunk as JSON (number, count, kind, lo, hi, column); NULL: whole
    ("export_tables", "chunk", "TEXT"),
)


STATUS_KEY = "migration_status"


class MetaDB:
    """Thread-safe access to ``meta.db``. One connection, serialised by a lock; WAL so readers never wait.

    A write that finds the disk full raises :class:`~transship.errors.DiskFull` naming ``meta.db``; the
    transaction it was part of is rolled back, so the file keeps its last committed state.
    """

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise FileNotFoundError(path)
        self._lock = threading.RLock()
        with self._disk_full():
            self.conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
            for table, column, definition in _ADDED_COLUMNS:
                have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def _room_needed(self) -> int:
        """What a write may need: the write-ahead log grows to ``wal_autocheckpoint`` pages before it is
        copied back into the file."""
        try:
            page = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
            pages = int(self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        except (sqlite3.Error, AttributeError, TypeError):
            return 4 << 20
        return page * (max(pages, 0) + 1)

    def _disk_full(self) -> contextlib.AbstractContextManager[None]:
        return diskfull.on_disk_full(self.path, self._room_needed)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction."""
        with self._lock, self._disk_full():
            diskfull.simulate(diskfull.META, self.path)
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # a failed COMMIT may have rolled back already
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self.conn.cursor()
            cur.row_factory = sqlite3.Row
            return cur.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> None:
        """One write statement (its own transaction)."""
        with self._lock, self._disk_full():
            diskfull.simulate(diskfull.META, self.path)
            self.conn.execute(sql, params)

    # --- json objects -------------------------------------------------------------------------------
    def get_json(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT json_text FROM json_objects WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_json(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT INTO json_objects (key, json_text) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET json_text = excluded.json_text",
            (key, json.dumps(value, sort_keys=True)),
        )

    def status(self) -> dict[str, Any]:
        """The migration status record, created on first use with a fresh migration UUID."""
        with self._lock:
            st = self.get_json(STATUS_KEY)
            if st is None:
                st = {"migration_uuid": str(uuid.uuid4()), "transship_version": __version__}
                self.set_json(STATUS_KEY, st)
            return dict(st)

    def update_status(self, **changes: Any) -> dict[str, Any]:
        with self._lock:
            st = self.status()
            st.update(changes)
            self.set_json(STATUS_KEY, st)
            return st

    # ----------------------------------------------------------------- typed reads and writes the commands use
    def exported_tables(self) -> list[sqlite3.Row]:
        """Every file ``export data`` finished (all columns of ``export_tables``), by file name: a whole table,
        a leaf partition or a chunk of a table (a table in chunks is exported when all of its files are here;
        an import running beside the export loads each file once it is here)."""
        return self.query("SELECT * FROM export_tables WHERE status = 'DONE' ORDER BY file_name")

    def export_files(self, schema: str, name: str) -> list[sqlite3.Row]:
        """Every file export data planned for source table ``schema.name`` (one, or one per chunk)."""
        return self.query(
            "SELECT * FROM export_tables WHERE source_schema = ? AND source_name = ? ORDER BY file_name",
            (schema, name),
        )

    def plan_export_files(self, files: list[dict[str, Any]], forget: list[str]) -> None:
        """In one transaction: drop the records of the files ``forget`` names, then record each of ``files``
        (a dict of ``export_tables`` columns: file_name, source_schema, source_name, target_schema, target_name,
        columns, key_columns, row_estimate, chunk) as ``NOT_STARTED``, replacing what was recorded for it."""
        with self.tx() as db:
            db.executemany("DELETE FROM export_tables WHERE file_name = ?", [(f,) for f in forget])
            db.executemany(
                "INSERT INTO export_tables (file_name, source_schema, source_name, target_schema, target_name,"
                " columns, key_columns, status, row_estimate, chunk) VALUES (:file_name, :source_schema,"
                " :source_name, :target_schema, :target_name, :columns, :key_columns, 'NOT_STARTED',"
                " :row_estimate, :chunk) ON CONFLICT (file_name) DO UPDATE SET status = 'NOT_STARTED',"
                " source_schema = excluded.source_schema, source_name = excluded.source_name,"
                " target_schema = excluded.target_schema, target_name = excluded.target_name,"
                " columns = excluded.columns, key_columns = excluded.key_columns,"
                " row_estimate = excluded.row_estimate, chunk = excluded.chunk, exported_rows = 0, byte_size = 0,"
                " checksum = NULL, error = NULL",
                files,
            )

    def mark_export_file(
        self, file_name: str, status: str, rows: int = 0, size: int = 0, checksum: str | None = None
    ) -> None:
        """Record a file as ``EXPORTING`` or ``DONE`` (with its rows, size and checksum)."""
        if status == "DONE":
            self.execute(
                "UPDATE export_tables SET status = 'DONE', exported_rows = ?, byte_size = ?, checksum = ?"
                " WHERE file_name = ?",
                (rows, size, checksum, file_name),
            )
        elif status == "EXPORTING":
            self.execute("UPDATE export_tables SET status = 'EXPORTING' WHERE file_name = ?", (file_name,))
        else:
            raise ValueError(f"unknown export status {status!r}")

    def export_interrupted(self) -> None:
        """After a failed run: the files that were being written are to be done again."""
        self.execute("UPDATE export_tables SET status = 'NOT_STARTED' WHERE status = 'EXPORTING'")

    def planned_tables(self) -> list[sqlite3.Row]:
        """Every table ``export data`` has listed, whatever its state (a running export lists all first)."""
        return self.query("SELECT * FROM export_tables ORDER BY file_name")

    def exported_file_count(self) -> int:
        """How many data files ``export data`` has finished."""
        row = self.query("SELECT count(*) FROM export_tables WHERE status = 'DONE'")
        return int(row[0][0]) if row else 0

    def export_report(self) -> list[sqlite3.Row]:
        """(source_schema, source_name, exported_rows) of every exported table (the rows of its chunks summed),
        the largest first."""
        return self.query(
            "SELECT source_schema, source_name, SUM(exported_rows) AS exported_rows FROM export_tables"
            " GROUP BY source_schema, source_name ORDER BY exported_rows DESC, source_schema, source_name"
        )

    def recorded_sequences(self) -> list[sqlite3.Row]:
        """(source_schema, name, last_value, is_called) of the sequences ``export data`` recorded."""
        return self.query("SELECT source_schema, name, last_value, is_called FROM sequences ORDER BY 1, 2")

    def all_files_planned(self) -> bool:
        """True when every exported file with rows has an import plan (import data covered everything)."""
        return not self.query(
            "SELECT 1 FROM export_tables et LEFT JOIN import_files f ON f.file_name = et.file_name"
            " WHERE f.file_name IS NULL AND et.exported_rows > 0"
        )

    def committed_rows(self) -> dict[str, tuple[int, int]]:
        """file name -> (rows in the target, rows stash-and-continue kept out) of its committed batches."""
        rows = self.query(
            "SELECT file_name, COALESCE(SUM(row_count - errored_rows), 0), COALESCE(SUM(errored_rows), 0)"
            " FROM import_batches WHERE status = 'DONE' GROUP BY file_name"
        )
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def mark_batch(self, file_name: str, batch: int, status: str, errored: int = 0, skipped: int = 0) -> None:
        """Record a batch as ``COMMITTING`` (its COPY is being committed) or ``DONE`` (with the rows stashed
        and skipped)."""
        if status == "DONE":
            self.execute(
                "UPDATE import_batches SET status = 'DONE', errored_rows = ?, skipped_rows = ?"
                " WHERE file_name = ? AND batch_number = ?",
                (errored, skipped, file_name, batch),
            )
        elif status == "COMMITTING":
            self.execute(
                "UPDATE import_batches SET status = 'COMMITTING' WHERE file_name = ? AND batch_number = ?",
                (file_name, batch),
            )
        else:
            raise ValueError(f"unknown batch status {status!r}")

    def forget_imports(self, file_names: list[str]) -> None:
        """Drop the import plans and progress of these data files (``--start-clean``), in one transaction."""
        with self.tx() as db:
            for f in file_names:
                db.execute("DELETE FROM import_batches WHERE file_name = ?", (f,))
                db.execute("DELETE FROM import_files WHERE file_name = ?", (f,))

    def forget_export(self) -> None:
        """Drop the export's table and sequence records and every import plan that points into its files."""
        with self.tx() as db:
            for table in ("export_tables", "sequences", "import_batches", "import_files"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def export_progress(self) -> list[sqlite3.Row]:
        """(source_schema, source_name, status, exported_rows, row_estimate) of every table export listed, one
        row per table: a table in chunks is ``DONE`` when all are, ``NOT_STARTED`` when none has begun, else
        ``EXPORTING`` (its rows and estimate summed)."""
        return self.query(
            "SELECT source_schema, source_name,"
            " CASE WHEN MIN(status) = MAX(status) THEN MIN(status) ELSE 'EXPORTING' END AS status,"
            " SUM(exported_rows) AS exported_rows, SUM(row_estimate) AS row_estimate"
            " FROM export_tables GROUP BY source_schema, source_name"
        )

    def import_progress(self) -> list[sqlite3.Row]:
        """Per exported file: file_name, target_schema, target_name, exported_rows, and of its batches the
        rows imported, whether it is planned, rows in doubt (committing), its error, rows stashed, rows skipped."""
        return self.query(
            "SELECT e.file_name, e.target_schema, e.target_name, e.exported_rows, "
            " (SELECT COALESCE(SUM(row_count), 0) FROM import_batches b WHERE b.file_name = e.file_name AND b.status = 'DONE') AS imported, "
            " (SELECT count(*) FROM import_files f WHERE f.file_name = e.file_name) AS planned, "
            " (SELECT COALESCE(SUM(row_count), 0) FROM import_batches b WHERE b.file_name = e.file_name AND b.status = 'COMMITTING') AS in_doubt, "
            " (SELECT error FROM import_files f WHERE f.file_name = e.file_name) AS error, "
            " (SELECT COALESCE(SUM(errored_rows), 0) FROM import_batches b WHERE b.file_name = e.file_name AND b.status = 'DONE') AS errored, "
            " (SELECT COALESCE(SUM(skipped_rows), 0) FROM import_batches b WHERE b.file_name = e.file_name AND b.status = 'DONE') AS skipped "
            "FROM export_tables e WHERE e.status = 'DONE'"
        )

    def target_counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(target schema, table) -> (rows expected, rows counted in the target) where import data counted."""
        rows = self.query(
            "SELECT target_schema, target_name, expected_rows, target_rows FROM import_tables WHERE target_rows IS NOT NULL"
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}
