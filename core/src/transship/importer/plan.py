"""What ``import data`` loads: one :class:`FileTask` per exported file, its target checked and its batches planned.

The batch plan of a file is computed once (boundaries and a checksum per batch, from bytes checked against the
export's file checksum) and stored in ``meta.db``; every later run reuses it, so the ledger key
(file, batch number) always means the same bytes — and the checksum proves it before each commit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from transship.crashpoints import crash_point, declare
from transship.errors import ConfigError, ImportFailed, TransshipError
from transship.identifiers import qualified
from transship.importer.batches import Batch, check_checksum, check_file, plan_batches, with_checksums
from transship.importer.data import FileTask
from transship.state import MetaDB

PLAN_THREADS = min(4, os.cpu_count() or 1)
PLAN_STORED = declare("import.plan_stored", "a file's batch plan is stored in meta.db")


def file_tasks(
    meta: MetaDB,
    data_dir: Path,
    accept: Callable[[str, str], bool],
    schema_override: str | None,
) -> list[FileTask]:
    """A task for every exported file whose source or target table ``accept`` takes (no batches yet): the file
    of a table, or of one of its chunks or leaf partitions."""
    tasks: list[FileTask] = []
    for r in meta.exported_tables():
        if not (
            accept(r["source_schema"], r["source_name"])
            or accept(r["target_schema"] or r["source_schema"], r["target_name"])
        ):
            continue
        tasks.append(
            FileTask(
                file_name=r["file_name"],
                path=data_dir / r["file_name"],
                schema=schema_override or r["target_schema"],
                table=r["target_name"],
                columns=json.loads(r["columns"]),
                batches=[],
                total_rows=int(r["exported_rows"]),
                ledger_key=f"{r['file_name']}@{r['checksum']}",
                source=r["source_name"],
            )
        )
    return tasks


def check_targets(conn: psycopg.Connection, tasks: list[FileTask]) -> None:
    """Every target table exists and has every exported column; one error listing all that do not, each table
    once (the files of a table's leaf partitions or chunks all load into it)."""
    missing: list[str] = []
    absent: dict[str, list[str]] = {}  # table -> exported columns it lacks
    found: dict[tuple[str, str], tuple[set[str], list[str], tuple[str | None, list[str]]] | None] = {}
    for t in tasks:
        key = (t.schema, t.table)
        if key not in found:
            found[key] = _target_table(conn, t.schema, t.table)
        target = found[key]
        label = qualified(t.schema, t.table)
        if target is None:
            if label not in missing:
                missing.append(label)
            continue
        cols, generated, (pk_name, pk_cols) = target
        t.generated, t.pk_constraint, t.pk_columns = list(generated), pk_name, list(pk_cols)
        for c in t.columns:
            if c not in cols and c not in absent.setdefault(label, []):
                absent[label].append(c)
    if missing:
        raise ImportFailed(
            f"the target lacks table(s): {', '.join(missing)}",
            fix="run 'transship import schema' first, create them, or leave them out with --exclude-table-list",
        )
    bad_columns = [f"{label} ({', '.join(cols)})" for label, cols in absent.items() if cols]
    if bad_columns:
        raise ImportFailed(
            f"target table(s) lack exported column(s): {'; '.join(bad_columns)}",
            fix="add the columns on the target (or re-run import schema)",
        )


def _target_table(
    conn: psycopg.Connection, schema: str, table: str
) -> tuple[set[str], list[str], tuple[str | None, list[str]]] | None:
    """(columns, generated columns, (primary key, its columns)) of a target table; None when it does not exist."""
    name = sql.Identifier(schema, table).as_string(conn)
    row = conn.execute("SELECT to_regclass(%s)::oid", (name,)).fetchone()
    oid = row[0] if row else None
    if oid is None:
        return None
    attrs = conn.execute(
        "SELECT attname, attgenerated <> '' FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped",
        (oid,),
    ).fetchall()
    pk = conn.execute(
        "SELECT c.conname, ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)"
        " FROM pg_constraint c WHERE c.conrelid = %s AND c.contype = 'p'",
        (oid,),
    ).fetchone()
    return (
        {str(r[0]) for r in attrs},
        [str(r[0]) for r in attrs if r[1]],
        (str(pk[0]), [str(c) for c in pk[1]]) if pk else (None, []),
    )


def refix_for(t: FileTask) -> str:
    """The fix for a missing, changed or unreadable data file."""
    return f"re-export it: transship export data --start-clean true (or restore {t.path.name} from a backup)"


def check_files(meta: MetaDB, tasks: list[FileTask]) -> None:
    """Every data file exists with the size and checksum the export recorded — checked before anything
    destructive (``--start-clean``) runs, so a bad file never costs the target's rows."""
    exported = {
        r["file_name"]: r for r in meta.query("SELECT file_name, byte_size, checksum FROM export_tables")
    }
    for t in tasks:
        e = exported[t.file_name]
        check_file(t.path, int(e["byte_size"]), refix_for(t))
        check_checksum(t.path, e["checksum"], refix_for(t))


def plan_tasks(
    meta: MetaDB,
    tasks: list[FileTask],
    batch_size: int,
    max_bytes: int,
    committed: dict[str, dict[int, tuple[int, int, int]]],
    note: Callable[[str], None],
    batch_size_given: bool,
    stashed: dict[str, dict[int, tuple[int, int]]] | None = None,
) -> None:
    """Give every task its batches (the stored plan, or a new one) and the set the target already committed.

    :param committed: the target ledger's batches of this migration (ledger key -> number -> rows, start, end).
    :param note: prints a note for the user.
    :param batch_size_given: the user passed ``--batch-size`` (a stored plan keeps its own size: say so).
    :param stashed: rows the ledger says each complete batch stashed and skipped (ledger key -> number ->
        (stashed, skipped)).
    """
    exported = {
        r["file_name"]: r
        for r in meta.query("SELECT file_name, exported_rows, byte_size, checksum FROM export_tables")
    }
    stored = {t.file_name: _stored_plan(meta, t.file_name) for t in tasks}
    fresh = _plan_files(
        [t for t in tasks if stored[t.file_name] is None], exported, batch_size, max_bytes
    )  # fmt: skip
    for t in tasks:
        e = exported[t.file_name]
        refix = refix_for(t)
        batches = stored[t.file_name]
        if batches is not None:
            check_file(t.path, int(e["byte_size"]), refix)
            if any(not b.checksum for b in batches):  # a plan stored by an earlier version of transship
                batches = with_checksums(t.path, batches, e["checksum"], refix)
                with meta.tx() as db:
                    db.executemany(
                        "UPDATE import_batches SET checksum = ? WHERE file_name = ? AND batch_number = ?",
                        [(b.checksum, t.file_name, b.number) for b in batches],
                    )
            info = meta.query("SELECT batch_size FROM import_files WHERE file_name = ?", (t.file_name,))
            if info and info[0][0] != batch_size and batch_size_given:
                note(
                    f"NOTE: {t.label} keeps its original batches of {info[0][0]:,} rows (import had started); --batch-size applies to new tables."
                )
        else:
            planned = fresh[t.file_name]
            if isinstance(planned, BaseException):
                raise planned
            batches = planned
            _store_plan(meta, t, batch_size, max_bytes, batches, int(e["exported_rows"]), int(e["byte_size"]))
        t.batches = batches
        earlier = [key for key in committed if key.split("@", 1)[0] == t.file_name and key != t.ledger_key]
        if earlier and not committed.get(t.ledger_key):
            raise ImportFailed(
                f"{t.label}: {t.file_name} was exported again after part of an earlier export of it was imported",
                fix="re-run import data with --start-clean true --truncate-tables true (the target holds rows of the earlier export)",
            )
        done = committed.get(t.ledger_key, {})
        plan = {b.number: (b.rows, b.start, b.end) for b in batches}
        stale = [n for n, v in done.items() if plan.get(n) != v]
        if stale:
            raise ImportFailed(
                f"the target's ledger for {t.file_name} does not match the local import state (batches {stale[:5]})",
                fix="the export dir's metainfo was replaced or the file re-exported: re-run import data with --start-clean true --truncate-tables true",
            )
        t.done = set(done)
        with meta.tx() as db:
            db.execute("UPDATE import_files SET error = NULL WHERE file_name = ?", (t.file_name,))
            db.execute(
                "UPDATE import_batches SET status = 'PENDING', errored_rows = 0, skipped_rows = 0 WHERE file_name = ?",
                (t.file_name,),
            )
            errored = (stashed or {}).get(t.ledger_key, {})
            db.executemany(
                "UPDATE import_batches SET status = 'DONE', errored_rows = ?, skipped_rows = ?"
                " WHERE file_name = ? AND batch_number = ?",
                [(*errored.get(n, (0, 0)), t.file_name, n) for n in done],
            )


def _plan_files(
    tasks: list[FileTask], exported: dict[str, Any], batch_size: int, max_bytes: int
) -> dict[str, list[Batch] | BaseException]:
    """New batch plans of ``tasks``' files, several files at a time: reading and hashing a file releases the
    GIL, and nothing else runs while import data plans. A file's error is returned, raised in task order."""

    def plan(t: FileTask) -> list[Batch] | BaseException:
        e = exported[t.file_name]
        try:
            check_file(t.path, int(e["byte_size"]), refix_for(t))
            return plan_batches(
                t.path, batch_size, max_bytes, int(e["exported_rows"]), e["checksum"], refix_for(t)
            )
        except TransshipError as exc:
            return exc

    if len(tasks) < 2:
        return {t.file_name: plan(t) for t in tasks}
    with ThreadPoolExecutor(min(PLAN_THREADS, len(tasks)), thread_name_prefix="plan") as pool:
        return dict(zip((t.file_name for t in tasks), pool.map(plan, tasks), strict=True))


def _stored_plan(meta: MetaDB, file_name: str) -> list[Batch] | None:
    info = meta.query("SELECT 1 FROM import_files WHERE file_name = ?", (file_name,))
    stored = meta.query(
        "SELECT batch_number, start_offset, end_offset, row_count, checksum FROM import_batches"
        " WHERE file_name = ? ORDER BY batch_number",
        (file_name,),
    )
    if not (info and stored):
        return None
    batches = []
    line = 1
    for b in stored:
        batches.append(Batch(b[0], b[1], b[2], b[3], line, b[4] or ""))
        line += b[3]
    return batches


def _store_plan(
    meta: MetaDB,
    t: FileTask,
    batch_size: int,
    max_bytes: int,
    batches: list[Batch],
    rows: int,
    size: int,
) -> None:
    with meta.tx() as db:
        db.execute(
            "INSERT OR REPLACE INTO import_files (file_name, target_schema, target_name, batch_size, max_batch_bytes,"
            " total_rows, total_batches, file_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (t.file_name, t.schema, t.table, batch_size, max_bytes, rows, len(batches), size),
        )
        db.execute("DELETE FROM import_batches WHERE file_name = ?", (t.file_name,))
        db.executemany(
            "INSERT INTO import_batches (file_name, batch_number, start_offset, end_offset, row_count, status,"
            " checksum) VALUES (?, ?, ?, ?, ?, 'PENDING', ?)",
            [(t.file_name, b.number, b.start, b.end, b.rows, b.checksum) for b in batches],
        )
    crash_point(PLAN_STORED)


def record_error(meta: MetaDB, file_name: str, exc: BaseException) -> None:
    """Keep why a file's import stopped, for ``import data status`` (cleared when the file is planned again)."""
    text = exc.one_line() if isinstance(exc, TransshipError) else f"{type(exc).__name__}: {exc}"
    meta.execute("UPDATE import_files SET error = ? WHERE file_name = ?", (text, file_name))


def check_truncation_scope(meta: MetaDB, tasks: list[FileTask], schema_override: str | None) -> None:
    """A target table loaded from several files (a partitioned table: one file per leaf partition) is emptied
    whole by TRUNCATE: refuse when --table-list names only some of its files (the others' rows would go)."""
    chosen = {t.file_name for t in tasks}
    rows = meta.query(
        "SELECT file_name, source_name, target_schema, target_name FROM export_tables WHERE status = 'DONE'"
    )
    wanted = {(r["target_schema"], r["target_name"]) for r in rows if r["file_name"] in chosen}
    left_out: dict[str, list[str]] = {}
    for r in rows:
        if (r["target_schema"], r["target_name"]) in wanted and r["file_name"] not in chosen:
            name = qualified(schema_override or r["target_schema"], r["target_name"])
            left_out.setdefault(name, []).append(r["source_name"])
    if left_out:
        table, parts = next(iter(sorted(left_out.items())))
        raise ConfigError(
            f"--truncate-tables would empty all of {table}, but --table-list leaves out its partition(s) "
            f"{', '.join(sorted(set(parts)))} (their imported rows would be lost)",
            fix=f"name the whole table in --table-list ({table}), or add those partitions",
        )


_REFERENCING = """
WITH RECURSIVE refs(oid) AS (
    SELECT c.conrelid FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[])
    UNION
    SELECT c.conrelid FROM pg_constraint c JOIN refs r ON c.confrelid = r.oid WHERE c.contype = 'f'
)
SELECT DISTINCT n.nspname, k.relname FROM refs r JOIN pg_class k ON k.oid = r.oid
JOIN pg_namespace n ON n.oid = k.relnamespace WHERE r.oid <> ALL(%s::regclass[]) ORDER BY 1, 2
"""


def check_truncation_references(conn: psycopg.Connection, tables: list[tuple[str, str]]) -> None:
    """PostgreSQL refuses to TRUNCATE a table that a table outside the statement references by a foreign key:
    name those tables (directly or through others) before anything is truncated."""
    names = [sql.Identifier(s, n).as_string(conn) for s, n in tables]
    rows = conn.execute(_REFERENCING, (names, names)).fetchall()
    if rows:
        others = ", ".join(qualified(s, n) for s, n in rows)
        raise ConfigError(
            f"--truncate-tables cannot empty {', '.join(qualified(s, n) for s, n in tables)} alone: "
            f"table(s) {others} reference them by foreign keys",
            fix=f"add {others} to --table-list (they are truncated and re-imported together), "
            "or truncate them yourself first",
        )
