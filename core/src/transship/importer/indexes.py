"""Secondary indexes are built after the load, not maintained row by row during it.

Before a table's first batch, its plain (non-unique, non-constraint) indexes are dropped and their definitions
recorded in the target's ``transship_metadata.deferred_indexes`` — in the same transaction, so a crash can never
lose one. When every batch is committed they are created again, several at once. A re-run after a crash finds
the recorded definitions and builds whatever is missing. Unique indexes, primary keys and the indexes behind
constraints stay: they guard the data while it loads. Partitioned tables keep their indexes (rebuilding them
would rename their partitions' indexes), and so do indexes with what ``pg_get_indexdef`` does not carry (a
comment, a CLUSTER mark, a tablespace, a statistics target).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from functools import partial

import psycopg
from psycopg import sql

from transship.crashpoints import crash_point, declare
from transship.errors import ImportFailed
from transship.pools import ContextThreadPool
from transship.retry import retrying

log = logging.getLogger(__name__)
TABLE = "deferred_indexes"
INDEXES_DEFERRED = declare("import.indexes_deferred", "a table's plain indexes are dropped and recorded")
INDEX_BUILDING = declare("import.index_building", "an index is about to be built again")
INDEX_BUILT = declare("import.index_built", "an index is built again, its record not yet removed")

_PLAIN_INDEXES = """
SELECT ci.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class ct ON ct.oid = i.indrelid
WHERE i.indrelid = to_regclass(%s)
  AND ct.relkind = 'r'  -- partitioned tables keep theirs: their partitions' index names could not be restored
  AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
  -- what pg_get_indexdef does not carry stays in place: comments, CLUSTER marks, tablespaces, statistics targets
  AND obj_description(i.indexrelid, 'pg_class') IS NULL
  AND NOT i.indisclustered
  AND ci.reltablespace = 0
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND COALESCE(a.attstattarget, -1) >= 0)
ORDER BY 1
"""


#: the primary key of a plain table, when nothing depends on it: no foreign key references the table, it is not a
#: partition's key attached to its parent's, no other object (a view grouping by it, a foreign key) depends on the
#: constraint or its index, the table has no replica identity resting on it, and nothing that ``ADD PRIMARY KEY``
#: would not restore is set on it: a comment on the constraint or on its index, a CLUSTER mark
_LOOSE_PRIMARY_KEY = """
SELECT c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
JOIN pg_class ct ON ct.oid = c.conrelid
JOIN pg_index i ON i.indexrelid = c.conindid
WHERE c.conrelid = to_regclass(%s) AND c.contype = 'p'
  AND ct.relkind = 'r' AND NOT ct.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = c.conindid)
  AND NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE ((d.refclassid = 'pg_constraint'::regclass AND d.refobjid = c.oid)
        OR (d.refclassid = 'pg_class'::regclass AND d.refobjid = c.conindid))
      AND NOT (d.classid = 'pg_class'::regclass AND d.objid = c.conindid)
      AND NOT (d.classid = 'pg_constraint'::regclass AND d.objid = c.oid))
  AND obj_description(c.oid, 'pg_constraint') IS NULL
  AND obj_description(c.conindid, 'pg_class') IS NULL
  AND NOT i.indisclustered
  AND ct.relreplident <> 'i'
"""
PRIMARY_KEY = "primary key"  # what deferred_indexes.kind says of a primary key (plain indexes: NULL)


def ensure_table(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (migration_uuid uuid NOT NULL, schema_name text NOT NULL,"
            " index_name text NOT NULL, table_name text NOT NULL, definition text NOT NULL,"
            " PRIMARY KEY (migration_uuid, schema_name, index_name))"
        ).format(sql.Identifier(schema, TABLE))
    )
    conn.execute(
        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS kind text").format(sql.Identifier(schema, TABLE))
    )


def defer(
    conn: psycopg.Connection,
    ledger: str,
    migration_uuid: str,
    schema: str,
    table: str,
    primary_key: bool = False,
) -> int:
    """Drop the plain indexes of ``schema.table`` (and its primary key with ``primary_key``, when nothing depends
    on it) and record them; returns how many."""
    target = sql.Identifier(schema, table).as_string(conn)
    rows: list[tuple[str, str, str | None]] = [
        (n, d, None) for n, d in conn.execute(_PLAIN_INDEXES, (target,))
    ]
    if primary_key:
        for name, definition in conn.execute(_LOOSE_PRIMARY_KEY, (target,)).fetchall():
            statement = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                sql.Identifier(schema, table), sql.Identifier(name)
            ).as_string(conn) + str(definition)
            rows.append((name, statement, PRIMARY_KEY))
    if not rows:
        return 0
    with conn.transaction():
        for name, definition, kind in rows:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (migration_uuid, schema_name, index_name, table_name, definition, kind) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(sql.Identifier(ledger, TABLE)),
                (migration_uuid, schema, name, table, definition, kind),
            )
            if kind == PRIMARY_KEY:
                conn.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(schema, table), sql.Identifier(name)
                    )
                )
            else:
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, name)))
    crash_point(INDEXES_DEFERRED)
    return len(rows)


def _ledger_exists(conn: psycopg.Connection, ledger: str) -> bool:
    found = conn.execute(
        "SELECT to_regclass(%s)", (sql.Identifier(ledger, TABLE).as_string(conn),)
    ).fetchone()
    return found is not None and found[0] is not None


def pending(
    conn: psycopg.Connection, ledger: str, migration_uuid: str, table: tuple[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """(schema, index, definition) recorded and not yet rebuilt (of ``table`` only, when given)."""
    if not _ledger_exists(conn, ledger):
        return []
    only = sql.SQL(" AND schema_name = %s AND table_name = %s" if table else "")
    rows = conn.execute(
        sql.SQL(
            "SELECT schema_name, index_name, definition FROM {} WHERE migration_uuid = %s{}"
            " ORDER BY kind IS NULL, 1, 2"  # primary keys first: a duplicate key is the first thing to know
        ).format(sql.Identifier(ledger, TABLE), only),
        (migration_uuid, *(table or ())),
    ).fetchall()
    return [(str(s), str(n), str(d)) for s, n, d in rows]


def waiting_primary_keys(
    conn: psycopg.Connection, ledger: str, migration_uuid: str
) -> list[tuple[str, str, str]]:
    """(schema, table, key) of the primary keys dropped for a load and not yet built again."""
    if not _ledger_exists(conn, ledger):
        return []
    rows = conn.execute(
        sql.SQL(
            "SELECT schema_name, table_name, index_name FROM {} WHERE migration_uuid = %s AND kind = %s ORDER BY 1, 2"
        ).format(sql.Identifier(ledger, TABLE)),
        (migration_uuid, PRIMARY_KEY),
    ).fetchall()
    return [(str(s), str(t), str(n)) for s, t, n in rows]


def waiting_tables(conn: psycopg.Connection, ledger: str, migration_uuid: str) -> list[tuple[str, str]]:
    """(schema, table) of every table with a recorded index not yet rebuilt."""
    if not _ledger_exists(conn, ledger):
        return []
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT schema_name, table_name FROM {} WHERE migration_uuid = %s ORDER BY 1, 2"
        ).format(sql.Identifier(ledger, TABLE)),
        (migration_uuid,),
    ).fetchall()
    return [(str(s), str(t)) for s, t in rows]


def rebuild(
    connect: Callable[[], psycopg.Connection], ledger: str, migration_uuid: str, parallel: int,
    on_done: Callable[[str], None] | None = None,
) -> int:  # fmt: skip
    """Create every recorded index that is missing, ``parallel`` at a time; returns how many were built."""
    todo: list[tuple[str, str, str]] = []
    for attempt in retrying("reading the index ledger"):  # a lost connection is retried like the builds
        with attempt, connect() as conn:
            todo = pending(conn, ledger, migration_uuid)
    if not todo:
        return 0
    build = partial(_build, connect, ledger, migration_uuid, on_done)
    with ContextThreadPool(max_workers=max(1, parallel), thread_name_prefix="index") as pool:
        return sum(pool.map(build, todo))


def _build(
    connect: Callable[[], psycopg.Connection], ledger: str, migration_uuid: str,
    on_done: Callable[[str], None] | None, item: tuple[str, str, str],
) -> int:  # fmt: skip
    """Build one recorded index (1) unless it exists already (0), then forget it in the ledger."""
    # a lost connection is retried on a new one; the index may meanwhile have been finished by the server
    for attempt in retrying(f"building index {item[0]}.{item[1]}"):
        with attempt:
            return _build_once(connect, ledger, migration_uuid, on_done, item)
    raise AssertionError("unreachable")  # tenacity re-raises the last error


def _build_once(
    connect: Callable[[], psycopg.Connection], ledger: str, migration_uuid: str,
    on_done: Callable[[str], None] | None, item: tuple[str, str, str],
) -> int:  # fmt: skip
    with connect() as conn:
        return _build_on(conn, ledger, migration_uuid, on_done, item)


def _build_on(
    conn: psycopg.Connection, ledger: str, migration_uuid: str, on_done: Callable[[str], None] | None,
    item: tuple[str, str, str],
) -> int:  # fmt: skip
    schema, name, definition = item
    present = conn.execute(
        "SELECT to_regclass(%s)", (sql.Identifier(schema, name).as_string(conn),)
    ).fetchone()
    built = 0
    if not present or present[0] is None:
        try:
            crash_point(INDEX_BUILDING)
            conn.execute(definition)  # pg_get_indexdef's own text
            built = 1
            crash_point(INDEX_BUILT)
        except (
            psycopg.errors.DuplicateTable,
            psycopg.errors.UniqueViolation,
            psycopg.errors.InvalidTableDefinition,  # "multiple primary keys": an earlier try's key committed
        ) as exc:
            # a killed earlier run's server session (or a retried one of this run) finished the same build
            again = conn.execute(
                "SELECT to_regclass(%s)", (sql.Identifier(schema, name).as_string(conn),)
            ).fetchone()
            if not again or again[0] is None:
                if isinstance(exc, psycopg.errors.UniqueViolation):
                    raise _duplicate_keys(exc, schema, name, definition) from None
                raise
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE migration_uuid = %s AND schema_name = %s AND index_name = %s").format(
            sql.Identifier(ledger, TABLE)
        ),
        (migration_uuid, schema, name),
    )
    if on_done is not None:
        on_done(f"{schema}.{name}")
    log.info("index %s.%s %s", schema, name, "built" if built else "already present")
    return built


EARLY_ATTEMPTS = 3


class EarlyBuilds:
    """Builds the recorded indexes of each table once its load is complete, in background threads while the
    other tables load; :meth:`finish` waits for them.

    Best effort: a build that fails here (a duplicate key, a connection refused because the loaders hold the
    target's connections, a cancelled statement) stays recorded and is built — or reported — by the rebuild at
    the end of the load, once the loaders' connections are closed. A table with inheritance children waits for
    that rebuild too: its primary key's ``ALTER TABLE`` would lock the children while they load.
    """

    def __init__(
        self, connect: Callable[[], psycopg.Connection], ledger: str, migration_uuid: str, parallel: int
    ) -> None:
        self._connect = connect
        self._ledger = ledger
        self._migration_uuid = migration_uuid
        self._pool = ContextThreadPool(max_workers=max(1, parallel), thread_name_prefix="index_early")
        self._futures: list[Future[int]] = []
        self._lock = threading.Lock()
        self._running: set[psycopg.Connection] = set()
        self._stopping = False
        self._cancel = threading.Event()

    def table_loaded(self, schema: str, table: str) -> None:
        """Queue the builds of ``schema.table``'s recorded indexes (called from a loader thread, which goes
        on at once: even the ledger is read in the background)."""
        self._submit(self._queue_table, schema, table)

    def _queue_table(self, schema: str, table: str) -> int:
        # up to ``parallel`` builds at a time, primary key first, as at the end of the load (a primary key's
        # ALTER TABLE makes the table's other builds wait for it)
        try:
            with self._connect() as conn:
                children = conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = %s::regclass)",
                    (sql.Identifier(schema, table).as_string(conn),),
                ).fetchone()
                if children and children[0]:
                    return 0
                todo = pending(conn, self._ledger, self._migration_uuid, (schema, table))
        except Exception as exc:  # noqa: BLE001 - left to the rebuild at the end of the load
            log.warning(
                "indexes of %s.%s: not built early (%s); built after the load", schema, table, _first(exc)
            )
            return 0
        for item in todo:
            self._submit(self._build, item)
        return 0

    def _build(self, item: tuple[str, str, str]) -> int:
        try:
            # a lost connection is tried again, a few times only: what still fails waits for the end of the load
            for attempt in retrying(f"building index {item[0]}.{item[1]}", self._cancel, EARLY_ATTEMPTS):
                with attempt:
                    return self._build_tracked(item)
        except Exception as exc:  # noqa: BLE001 - left to the rebuild at the end of the load
            log.warning(
                "index %s.%s: not built early (%s); built after the load", item[0], item[1], _first(exc)
            )
        return 0

    def _build_tracked(self, item: tuple[str, str, str]) -> int:
        with self._connect() as conn:
            with self._lock:
                if self._stopping:
                    return 0
                self._running.add(conn)
            try:
                return _build_on(conn, self._ledger, self._migration_uuid, None, item)
            finally:
                with self._lock:
                    self._running.discard(conn)

    def _submit(self, fn: Callable[..., int], *args: object) -> None:
        with self._lock:
            if not self._stopping:
                self._futures.append(self._pool.submit(fn, *args))

    def finish(self) -> int:
        """Wait for the queued builds; returns how many indexes they built."""
        while True:
            with self._lock:
                futures = list(self._futures)
            wait(futures)
            with self._lock:
                if len(self._futures) == len(futures):
                    break
        self._pool.shutdown(wait=True)
        return sum(f.result() for f in futures)

    def abandon(self) -> None:
        """After a failed or interrupted load: cancel the running builds' statements, drop the queued ones
        (the indexes stay recorded; the next run builds them) and wait for the threads to end."""
        self._cancel.set()
        with self._lock:
            self._stopping = True
            running = list(self._running)
        for conn in running:
            with contextlib.suppress(Exception):
                conn.cancel_safe()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def _duplicate_keys(exc: psycopg.Error, schema: str, name: str, definition: str) -> ImportFailed:
    """The rows loaded break a unique key built after the load: name the key and its first duplicates."""
    detail = (exc.diag.message_detail if exc.diag else None) or ""
    what = "primary key" if " PRIMARY KEY " in definition.upper() else "unique index"
    return ImportFailed(
        f"the {what} {schema}.{name}, built after the load, refuses duplicate rows: {detail or exc}",
        fix="remove the duplicates at the source (SELECT <key>, count(*) FROM <table> GROUP BY 1 HAVING count(*) > 1), "
        "export data again and re-run import data with --start-clean true --truncate-tables true (the key is built "
        "after that load)",
    )
