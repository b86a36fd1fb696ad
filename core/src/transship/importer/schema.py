"""Apply exported schema files to the target in dependency order.

Statements run one by one in autocommit. One that fails because something it needs does not exist yet is
retried after the others, round after round, until a round makes no progress. A unique index a foreign key
rests on goes before that foreign key (:mod:`transship.importer.fk_order`). ``NOT VALID`` constraints
are held back for ``finalize-schema-post-data-import`` (the data may not satisfy them yet). On a cluster, a
node that fails mid-statement is left for another one (:mod:`transship.importer.ddl_failover`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from transship.errors import ImportFailed
from transship.importer.ddl_failover import DdlFailover, already_applied, connection_lost
from transship.importer.fk_order import order_for_foreign_keys
from transship.schema_files import FAILED_FILE, SchemaStatement

log = logging.getLogger(__name__)

_SESSION = re.compile(r"^(SET\s|SELECT\s+pg_catalog\.set_config\s*\()", re.I)
_ALWAYS_SKIP = re.compile(r"^SET\s+(client_min_messages|transaction_timeout)\b", re.I)
_REPLICA_IDENTITY = re.compile(r"^ALTER\s+TABLE\b.*\bREPLICA\s+IDENTITY\b", re.I | re.S)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\s*$", re.I)
_ALTER_ADD_CONSTRAINT = re.compile(r"^ALTER\s+TABLE\b.*\bADD\s+CONSTRAINT\b", re.I | re.S)
_MISSING_DEPENDENCY = {"42P01", "42704", "42883", "3F000", "42703", "42P10"}
_ALREADY_EXISTS = {"42P07", "42710", "42723", "42P06", "42701", "42P04", "42P16", "42P17", "42809", "55000"}
#: a foreign key whose unique index is not there yet (on a partitioned table it is valid only once its partitions'
#: indexes are attached, later in INDEXES_table.sql): retried like a missing dependency
_NO_UNIQUE_KEY = re.compile(r"there is no unique constraint matching given keys", re.I)
_EXISTS_TEXT = re.compile(
    r"already exists|multiple primary keys|is already a partition|already an identity column|is already attached",
    re.I,
)

#: fault injection for tests (None in a real run): called with each statement just before it is first sent,
#: e.g. to fail the cluster node it runs on while it runs
before_statement: Callable[[SchemaStatement], None] | None = None


def is_session_statement(sql: str) -> bool:
    return bool(_SESSION.match(sql))


def is_not_valid_constraint(sql: str) -> bool:
    return bool(_ALTER_ADD_CONSTRAINT.match(sql) and _NOT_VALID.search(sql))


@dataclass
class SchemaImportResult:
    applied: int = 0
    already_existed: int = 0
    held_back: int = 0
    failed: list[tuple[SchemaStatement, str]] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)
    #: statements (``file:line``) that a failed node had applied before the connection to it was lost: running
    #: them again on another node found their objects there (counted in ``applied``)
    found_applied: list[str] = field(default_factory=list)
    #: ``ALTER TABLE ... REPLICA IDENTITY`` statements (``file:line``) not applied: the target has no use for them
    skipped_replica_identity: list[str] = field(default_factory=list)


@dataclass
class SchemaImporter:
    """Runs statements on ``conn`` in autocommit, one by one.

    After a crash, re-running applies everything again; ``ignore_exist`` accepts what the first run created
    (voyager's ``--ignore-exist``). Nothing is remembered locally, so objects dropped on the target in between
    are created again.

    With ``failover`` (a cluster target) a lost connection moves the work to another node: the statement in
    flight runs again there, and counts as applied when its objects turn out to exist already.
    """

    conn: psycopg.Connection
    ignore_exist: bool
    continue_on_error: bool
    schema_dir: Path
    search_path: str | None = None
    on_progress: Callable[[SchemaStatement], None] | None = None
    failover: DdlFailover | None = None
    #: apply ``ALTER TABLE ... REPLICA IDENTITY`` (False: skip them, listed in the result)
    replica_identity: bool = True
    _session: list[str] = field(default_factory=list, init=False, repr=False)

    def _set_up(self, conn: psycopg.Connection) -> None:
        """The current file's session settings and the search path, on ``conn``."""
        for sql in self._session:
            conn.execute(sql)
        if self.search_path:
            conn.execute(self.search_path)

    def _apply_session(self, preamble: list[str], st: SchemaStatement) -> None:
        self._session = preamble
        losses = 0
        while True:
            try:
                self._set_up(self.conn)
                return
            except psycopg.Error as exc:
                if self.failover is None or not connection_lost(self.conn):
                    raise
                losses += 1
                where = st.path.relative_to(self.schema_dir.parent)
                self._fail_over(exc, f"the session settings of {where}", losses)

    def _fail_over(self, exc: psycopg.Error, what: str, losses: int) -> None:
        """Continue on another node of the cluster (raises when none answers)."""
        assert self.failover is not None
        old = self.conn
        self.conn = self.failover.reconnect(exc, what, self._set_up, losses)
        old.close()

    def _where(self, st: SchemaStatement) -> str:
        return f"{st.path.relative_to(self.schema_dir.parent)}:{st.line}"

    def run(self, statements: list[SchemaStatement], mode: str = "schema") -> SchemaImportResult:
        """``mode`` "schema": everything but NOT VALID constraints; "post-snapshot": only those."""
        result = SchemaImportResult()
        preambles: dict[Path, list[str]] = {}
        work: list[SchemaStatement] = []
        for st in statements:
            body = st.statement.body
            if is_session_statement(body):
                if not _ALWAYS_SKIP.match(body):
                    preambles.setdefault(st.path, []).append(body)
                continue
            if _ALWAYS_SKIP.match(body):
                continue
            if _REPLICA_IDENTITY.match(body) and not self.replica_identity:
                if mode == "schema":
                    result.skipped_replica_identity.append(self._where(st))
                continue
            nv = is_not_valid_constraint(body)
            if (mode == "schema" and nv) or (mode == "post-snapshot" and not nv):
                if nv:
                    result.held_back += 1
                continue
            work.append(st)
        if mode == "schema":  # a foreign key's unique index goes before it (see importer/fk_order.py)
            work = order_for_foreign_keys(work)
        current_path: Path | None = None
        pending = work
        first_round = True
        while pending:
            deferred: list[tuple[SchemaStatement, str]] = []
            for st in pending:
                if st.path != current_path:
                    self._apply_session(preambles.get(st.path, []), st)
                    current_path = st.path
                outcome, message = self._execute(st)
                if outcome in ("ok", "found"):
                    result.applied += 1
                    result.by_type[st.object_type] = result.by_type.get(st.object_type, 0) + 1
                    if outcome == "found":
                        result.found_applied.append(self._where(st))
                elif outcome == "exists":
                    result.already_existed += 1
                elif outcome == "missing":
                    deferred.append((st, message))
                else:
                    self._fail(st, message, result)
                if self.on_progress:
                    self.on_progress(st)
            if not deferred:
                break
            if len(deferred) == len(pending) and not first_round:
                for st, message in deferred:
                    self._fail(st, message, result)
                break
            log.info("retrying %d statement(s) whose dependencies were missing", len(deferred))
            pending = [st for st, _ in deferred]
            first_round = False
            current_path = None
        return result

    def _execute(self, st: SchemaStatement) -> tuple[str, str]:
        """``ok``, ``found`` (applied before the node running it failed), ``exists``, ``missing`` or ``error``,
        with the server's message."""
        if before_statement is not None:
            before_statement(st)
        losses = 0
        while True:
            try:
                self.conn.execute(st.sql)
                return "ok", ""
            except psycopg.Error as exc:
                if self.failover is not None and connection_lost(self.conn):
                    losses += 1
                    self._fail_over(exc, f"the {st.object_type} statement at {self._where(st)}", losses)
                    continue
                return self._classify(st, exc, in_flight=losses > 0)

    def _classify(self, st: SchemaStatement, exc: psycopg.Error, in_flight: bool) -> tuple[str, str]:
        """The outcome of a statement the server refused (``in_flight``: run again after a lost node)."""
        code = getattr(exc, "sqlstate", None) or ""
        message = (exc.diag.message_primary if exc.diag else None) or str(exc).strip().splitlines()[0]
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.rollback()
        if in_flight and already_applied(code, message, st.sql):
            assert self.failover is not None
            log.warning(
                "the %s statement at %s had already been applied when the node running it failed"
                " (run again on node %s: %s): counted as applied",
                st.object_type, self._where(st), self.failover.current.name, message,
            )  # fmt: skip
            return "found", message
        if (code in _ALREADY_EXISTS and _EXISTS_TEXT.search(message)) or (
            code in ("42P06",) and "public" in message
        ):
            if self.ignore_exist or re.match(r'^schema "public" already exists', message):
                return "exists", message
        if code in _MISSING_DEPENDENCY or (code == "42830" and _NO_UNIQUE_KEY.search(message)):
            return "missing", f"{code}: {message}"
        return "error", f"{code}: {message}" if code else message

    def _fail(self, st: SchemaStatement, message: str, result: SchemaImportResult) -> None:
        where = self._where(st)
        log.error("statement at %s failed: %s", where, message)
        if not self.continue_on_error:
            hint = "already exists" in message
            raise ImportFailed(
                f"{st.object_type} statement at {where} failed: {message}",
                fix=(
                    "re-run with --ignore-exist to skip objects that already exist"
                    if hint
                    else "a foreign key needs a primary key, a unique constraint or a unique index (not partial, not on "
                    "expressions) on exactly the referenced columns: create one on the target (or import the INDEX "
                    "objects too), then re-run import schema"
                    if _NO_UNIQUE_KEY.search(message)
                    else "edit the statement in that file (see the analysis report), then re-run import schema; or use --continue-on-error to collect failures in schema/failed.sql"
                ),
            )
        result.failed.append((st, message))
        with open(self.schema_dir / FAILED_FILE, "a", encoding="utf-8") as f:
            f.write(f"/*\n{message.replace('*/', '* /')}\nFile :{where}\n*/\n{st.sql};\n\n")
