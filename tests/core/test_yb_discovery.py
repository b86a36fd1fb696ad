"""Which nodes of a (simulated) YugabyteDB cluster import data uses: yb_servers()'s primary nodes, their public
addresses with --use-public-ip, --target-endpoints instead, and the given host alone when the listed nodes cannot
be reached or the given host is not one of them (a load balancer)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest

from tests.cluster_sim import SimCluster, sim_cluster
from transship.dbconfig import DBConfig
from transship.errors import ConfigError
from transship.sinks.cluster import Cluster, Node, NodeHealth, discover, parse_endpoints
from transship.sinks.yugabytedb import YugabyteSink
from transship.testing.databases import PgServer

UNREACHABLE = "127.0.0.9"  # nothing listens there: a connection is refused at once


@pytest.fixture
def cluster(pg_server: PgServer, pg_target_db: str) -> Iterator[tuple[SimCluster, YugabyteSink, str]]:
    conninfo = pg_server.conninfo(pg_target_db)
    with sim_cluster(conninfo) as sim:
        first = sim.nodes[0]
        sink = YugabyteSink(
            DBConfig(host=first.host, port=first.port, user=pg_server.user, name=pg_target_db)
        )
        yield sim, sink, conninfo


def _discover(sink: YugabyteSink, **kw: object) -> Cluster:
    with sink.connect() as conn:
        return discover(sink.given_node(), conn, lambda n: sink.connect(node=n), is_cluster=True, **kw)  # type: ignore[arg-type]


def test_the_primary_nodes_and_their_cores(cluster: tuple[SimCluster, YugabyteSink, str]) -> None:
    sim, sink, conninfo = cluster
    sim.add_replica(conninfo, "127.0.0.3", sim.nodes[2].port + 1)  # a read replica is never loaded into
    found = _discover(sink)
    assert [n.name for n in found.nodes] == [n.address for n in sim.nodes] and found.how == "yb_servers()"
    assert found.cores == 3 * (os.cpu_count() or 1)  # COPY FROM PROGRAM on each node (we are a superuser)
    assert found.default_parallel_jobs() == found.cores // 2  # the seed's C/2
    assert found.shares(4) == {sim.nodes[0].address: 2, sim.nodes[1].address: 1, sim.nodes[2].address: 1}
    assert Cluster(found.nodes, "x").default_parallel_jobs() == 6  # cores unknown: 2 per node


def test_public_ips_and_unreachable_nodes(cluster: tuple[SimCluster, YugabyteSink, str]) -> None:
    sim, sink, conninfo = cluster
    # the cluster knows its nodes by addresses we cannot reach; their public addresses are the proxies
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("UPDATE transship_sim.nodes SET public_ip = host, host = %s", (UNREACHABLE,))
    given = sink.given_node()
    alone = _discover(sink)
    assert alone.nodes == [given] and alone.how == "the given host"
    assert "(a load balancer in front?)" in alone.notes[0] and "try --use-public-ip" in alone.notes[0]
    public = _discover(sink, use_public_ip=True)
    assert [n.name for n in public.nodes] == [n.address for n in sim.nodes]
    sim.nodes[2].fail()
    two = _discover(sink, use_public_ip=True)
    assert [n.name for n in two.nodes] == [n.address for n in sim.nodes[:2]]
    assert two.notes == [f"node {sim.nodes[2].address} (yb_servers()) cannot be reached from here; not used"]


def test_a_load_balancer_in_front_keeps_every_connection_on_it(
    cluster: tuple[SimCluster, YugabyteSink, str], pg_server: PgServer
) -> None:
    _sim, sink, _conninfo = cluster
    direct = YugabyteSink(
        DBConfig(host=pg_server.host, port=pg_server.port, user=pg_server.user, name=sink.config.name)
    )
    found = _discover(direct)
    assert found.nodes == [direct.given_node()] and "is not a node yb_servers() lists" in found.notes[0]


def test_target_endpoints(cluster: tuple[SimCluster, YugabyteSink, str]) -> None:
    sim, sink, _conninfo = cluster
    chosen = parse_endpoints(f"{sim.nodes[1].address}, {UNREACHABLE}:5433", 5433)
    found = _discover(sink, endpoints=chosen)
    assert [n.name for n in found.nodes] == [sim.nodes[1].address] and found.how == "--target-endpoints"
    assert found.notes == [
        f"node {UNREACHABLE}:5433 (--target-endpoints) cannot be reached from here; not used"
    ]
    with pytest.raises(ConfigError, match="none of the --target-endpoints can be reached"):
        _discover(sink, endpoints=[Node(UNREACHABLE, 5433)])
    assert parse_endpoints("db1,[::1]:5444", 5433) == [Node("db1", 5433), Node("::1", 5444)]
    with pytest.raises(ConfigError, match="is not host:port"):
        parse_endpoints("db1:x", 5433)


def test_a_failed_node_waits_longer_each_time_and_comes_back() -> None:
    now = [0.0]
    a, b = Node("a", 1), Node("b", 1)
    health = NodeHealth([a, b], clock=lambda: now[0])
    health.failed(a)
    health.failed(a)  # reported again while it waits: counts once
    assert health.choose(a) == b and not health.is_up(a)
    now[0] = 1.3  # the first wait (1 s, +-20 %) is over: a is tried again
    assert health.choose(a) == a
    health.failed(a)  # and fails: the wait doubles
    now[0] = 2.5
    assert health.choose(a) == b
    now[0] = 4.0
    health.answered(a)
    assert health.is_up(a) and health.choose(a) == a
    health.failed(a)
    health.failed(b)  # every node down: the one due first
    assert health.choose(a) in (a, b)


def test_adaptive_parallelism_off_with_a_note_without_metrics(
    cluster: tuple[SimCluster, YugabyteSink, str],
) -> None:
    """A YugabyteDB before 2.20.3/2024.1 has no yb_servers_metrics(): the default (balanced) turns itself off and
    says so; --adaptive-parallelism-max without adaptive parallelism is refused."""
    from transship.importer.cluster_plan import plan_load

    _sim, sink, conninfo = cluster
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP FUNCTION yb_servers_metrics()")
    kw = {"parallel_jobs": 3, "target_endpoints": [], "use_public_ip": False, "enable_adaptive": None}
    with sink.connect() as conn:
        plan = plan_load(sink, conn, mode=None, maximum=None, **kw)  # type: ignore[arg-type]
        assert plan.mode == "disabled" and plan.maximum == 3
        assert any("no yb_servers_metrics()" in line for line in plan.lines()), plan.lines()
        with pytest.raises(ConfigError, match="--adaptive-parallelism-max needs adaptive parallelism"):
            plan_load(sink, conn, mode="balanced", maximum=6, **kw)  # type: ignore[arg-type]
