"""``import schema`` and ``finalize-schema-post-data-import`` on a (simulated) YugabyteDB cluster: when the node
running the DDL fails in the middle of a statement, the step goes on on another node, runs that statement again,
and counts it as applied when its object turns out to exist already (the failed node had committed it).

The cluster is :mod:`tests.cluster_sim` (three TCP proxies in front of the shared PostgreSQL, ``yb_servers()`` in
the target database). A statement is failed "mid-statement" deterministically: just before the importer sends
it (:data:`transship.importer.schema.before_statement`), the test locks the statement's table from its own
connection, so the statement waits in the server; once it waits, the test fails the node (the importer's
connection is reset) and releases the lock, and the server commits the statement the importer lost.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from tests.cluster_sim import SimCluster, sim_cluster
from tests.core.conftest import Migration
from transship import api
from transship.dbconfig import DBConfig
from transship.errors import ConnectionFailed
from transship.importer import schema as schema_importer
from transship.schema_files import SchemaStatement
from transship.testing.databases import PgServer

PK = r"ADD CONSTRAINT orders_pkey PRIMARY KEY"  # schema/tables/table.sql, after CREATE TABLE shop.orders
NOT_VALID = r"ADD CONSTRAINT orders_total_cap CHECK"  # the one statement of finalize
HELD_BACK = "orders_total_cap"  # the NOT VALID constraint import schema leaves to finalize


class FailNodeMidStatement:
    """A ``before_statement`` hook: when the statement matching ``pattern`` is about to be sent, lock ``table``
    (ACCESS EXCLUSIVE) from the test's own connection; once the statement waits for that lock in the server,
    fail node ``index`` and release the lock."""

    def __init__(self, conninfo: str, cluster: SimCluster, index: int, pattern: str, table: str) -> None:
        self.conninfo, self.cluster, self.index, self.pattern, self.table = (
            conninfo,
            cluster,
            index,
            pattern,
            table,
        )
        self.fired = 0
        self.waited = False
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __call__(self, st: SchemaStatement) -> None:
        if self.fired or not re.search(self.pattern, st.sql):
            return
        self.fired += 1
        lock = psycopg.connect(self.conninfo)  # straight to the server, not through a node
        lock.execute(f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE")  # held until commit
        self.thread = threading.Thread(target=self._fail_when_waiting, args=(lock,), daemon=True)
        self.thread.start()

    def _fail_when_waiting(self, lock: psycopg.Connection) -> None:
        try:
            with psycopg.connect(self.conninfo, autocommit=True) as watch:
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and not self.waited:
                    row = watch.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query ~ %s",
                        (self.pattern,),
                    ).fetchone()
                    self.waited = bool(row and row[0])
                    time.sleep(0.01)
            self.cluster.nodes[self.index].fail()  # the importer's connection is reset mid-statement
        except BaseException as exc:  # noqa: BLE001  # reported by check()
            self.error = exc
        finally:
            lock.commit()  # the statement the importer lost runs and commits in the server
            lock.close()

    def check(self) -> None:
        assert self.fired == 1, f"no statement matched {self.pattern!r}"
        assert self.thread is not None
        self.thread.join(timeout=20)
        if self.error is not None:
            raise self.error
        assert self.waited, "the statement never waited for the lock"


@dataclass
class Yb:
    m: Migration
    cluster: SimCluster

    def api_migration(self, node: int = 0) -> api.Migration:
        """The export dir, with node ``node``'s proxy as --target-db-host/--target-db-port."""
        proxy = self.cluster.nodes[node]
        target = DBConfig(host=proxy.host, port=proxy.port, user=self.m.server.user, name=self.m.target_db)
        return api.Migration(self.m.export_dir, target=target)

    def fail_mid_statement(self, index: int, pattern: str, table: str) -> FailNodeMidStatement:
        return FailNodeMidStatement(self.m.conninfo("target"), self.cluster, index, pattern, table)


@pytest.fixture
def yb(migration: Migration) -> Iterator[Yb]:
    """The small source's schema exported; the target database (uniquely named, dropped at the end by the
    ``pg_target_db`` fixture) made a 3-node cluster."""
    migration.export_schema()
    with sim_cluster(migration.conninfo("target")) as cluster:
        yield Yb(migration, cluster)


def _objects(conninfo: str) -> list[tuple[str, ...]]:
    """Relations (tables, indexes, sequences, views) and constraints of the fixture's schemas, with repeats."""
    with psycopg.connect(conninfo) as conn:
        rels = conn.execute(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('shop', 'public') AND c.relkind IN ('r', 'i', 'S', 'm', 'v', 'p')"
        ).fetchall()
        cons = conn.execute(
            "SELECT n.nspname, t.relname, c.conname, c.contype::text, c.convalidated::text FROM pg_constraint c"
            " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname IN ('shop', 'public')"
        ).fetchall()
    return sorted([tuple(r) for r in rels] + [tuple(r) for r in cons])


def test_node_lost_mid_statement_import_and_finalize_go_on_on_another_node(
    yb: Yb, monkeypatch: pytest.MonkeyPatch
) -> None:
    m, cluster = yb.m, yb.cluster
    node0, node1 = cluster.nodes[0].address, cluster.nodes[1].address

    # import schema: node 0 fails while it adds shop.orders' primary key (its table locked, so it waits)
    hook = yb.fail_mid_statement(0, PK, "shop.orders")
    monkeypatch.setattr(schema_importer, "before_statement", hook)
    result = api.import_schema(yb.api_migration(0))
    hook.check()

    out = result.output
    assert "yugabytedb" in out, out
    assert f"NOTE: node {node0} failed during the TABLE statement at schema/tables/table.sql:" in out, out
    assert f"continued on node {node1}" in out, out
    summary = next(line for line in out.splitlines() if line.startswith("Schema import:"))
    assert re.search(r"\(1 of them found already applied after the node running it failed: schema/tables/table.sql:\d+\)",
                     summary), summary  # fmt: skip
    assert "failed" not in summary.split(")")[-1], summary  # nothing else failed
    log = (m.export_dir / "logs" / "import-schema.log").read_text(encoding="utf-8")
    assert f"the connection to node {node0} was lost during the TABLE statement" in log, log
    assert re.search(rf"statement at schema/tables/table.sql:\d+ had already been applied .* on node {node1}: "
                     r"multiple primary keys for table \"orders\"", log), log  # fmt: skip
    assert cluster.nodes[1].accepted > 0 and cluster.nodes[0].connections() == 0

    # every object once, as in the source (less the NOT VALID constraint, held back for finalize)
    source = _objects(m.conninfo("source"))
    assert _objects(m.conninfo("target")) == [o for o in source if HELD_BACK not in o]

    # finalize, started on node 0 (back up): node 0 fails while it adds the NOT VALID constraint
    cluster.nodes[0].recover()
    hook = yb.fail_mid_statement(0, NOT_VALID, "shop.orders")
    monkeypatch.setattr(schema_importer, "before_statement", hook)
    result = api.finalize_schema(yb.api_migration(0), api.FinalizeOptions(refresh_mviews=True))
    hook.check()
    out = result.output
    assert f"NOTE: node {node0} failed during the TABLE statement at schema/tables/table.sql:" in out, out
    assert "1 applied (1 of them found already applied" in out, out
    assert "Refreshed 1 materialized view(s): shop.customer_totals" in out, out  # on node 1's connection
    log = (m.export_dir / "logs" / "finalize-schema-post-data-import.log").read_text(encoding="utf-8")
    assert re.search(r'had already been applied .*: constraint "orders_total_cap" for relation "orders" already exists',
                     log), log  # fmt: skip
    assert _objects(m.conninfo("target")) == source


def test_no_node_left_is_one_line_naming_the_nodes_tried(yb: Yb, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = yb.cluster

    def fail_node0(st: SchemaStatement) -> None:
        if "CREATE TABLE shop.customers" in st.sql:  # the whole cluster goes down (after discovery)
            for node in cluster.nodes:
                node.fail()

    monkeypatch.setattr(schema_importer, "before_statement", fail_node0)
    with pytest.raises(ConnectionFailed) as caught:
        api.import_schema(yb.api_migration(0))
    line = caught.value.one_line()
    names = [n.address for n in cluster.nodes]
    assert "\n" not in line
    assert f"node {names[0]} failed during the TABLE statement at schema/tables/table.sql:" in line, line
    assert f"no node of the cluster answers (tried {names[1]}, {names[2]}, {names[0]})" in line, line
    assert (
        "fix: bring a node of the cluster back up, then re-run 'transship import schema' with --ignore-exist true"
        in line
    )


def test_plain_postgresql_target_stops_as_before(
    migration: Migration, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No yb_servers(): not a cluster, no failover; a lost connection stops the step (the CLI's one line says
    to re-run with --ignore-exist true, tests/e2e/test_resume.py)."""
    migration.export_schema()
    cluster = SimCluster(addresses=("127.0.0.1",)).start()  # one proxy, nothing installed in the target
    try:

        def fail(st: SchemaStatement) -> None:
            if "CREATE TABLE shop.customers" in st.sql:
                cluster.nodes[0].fail()

        monkeypatch.setattr(schema_importer, "before_statement", fail)
        proxy = cluster.nodes[0]
        target = DBConfig(
            host=proxy.host, port=proxy.port, user=migration.server.user, name=migration.target_db
        )
        with pytest.raises(psycopg.OperationalError):
            api.import_schema(api.Migration(migration.export_dir, target=target))
    finally:
        cluster.stop()
    log = (migration.export_dir / "logs" / "import-schema.log").read_text(encoding="utf-8")
    assert "continued on node" not in log and "was lost during" not in log


@pytest.mark.parametrize(
    ("setup", "again", "applied"),
    [
        ("CREATE TABLE t (id int)", "CREATE TABLE t (id int)", True),  # 42P07
        ("CREATE SCHEMA s", "CREATE SCHEMA s", True),  # 42P06
        ("CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN v text", "ALTER TABLE t ADD COLUMN v text", True),  # 42701
        ("CREATE TABLE t (id int); ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id)",
         "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id)", True),  # 42P16 multiple primary keys
        ("CREATE TABLE t (id int); ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0) NOT VALID",
         "ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0) NOT VALID", True),  # 42710
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
         "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", True),  # 42723
        ("CREATE TABLE t (id int)", "CREATE INDEX t ON t (id)", True),  # the name is the statement's own
        ("CREATE TABLE t (id int)", "ALTER TABLE t ADD COLUMN id int", True),
        ("CREATE TABLE t (id int)", "CREATE TABLE t (id int REFERENCES nowhere (id))", True),
        ("CREATE TABLE t (id int)", "ALTER TABLE nowhere ADD COLUMN v int", False),  # 42P01: not "exists"
    ],
)  # fmt: skip
def test_already_applied_only_for_the_statements_own_object(
    pg_server: PgServer, pg_target_db: str, setup: str, again: str, applied: bool
) -> None:
    from transship.importer.ddl_failover import already_applied

    with pg_server.connect(pg_target_db) as conn:
        conn.execute(setup)
        with pytest.raises(psycopg.Error) as caught:
            conn.execute(again)
    exc = caught.value
    assert already_applied(exc.sqlstate or "", exc.diag.message_primary or "", again) is applied, exc


def test_another_object_in_the_way_is_not_taken_as_applied() -> None:
    """An "already exists" error naming an object the statement does not name (here: a sequence a serial column
    would create) is not a sign that the statement ran."""
    from transship.importer.ddl_failover import already_applied

    sql = "CREATE TABLE shop.orders (id serial, note text)"
    assert not already_applied("42P07", 'relation "orders_id_seq" already exists', sql)
    assert already_applied("42P07", 'relation "orders" already exists', sql)
    assert not already_applied("42P07", "could not create the table", sql)  # not the words of "it is there"
