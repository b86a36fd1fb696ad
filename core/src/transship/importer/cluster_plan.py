"""How ``import data`` uses the target: its nodes, the number of connections, adaptive parallelism."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from transship.errors import ConfigError
from transship.importer import adaptive
from transship.sinks.base import ImportSink
from transship.sinks.cluster import Cluster, Node, NodeHealth, discover, parse_endpoints


@dataclass
class LoadPlan:
    cluster: Cluster
    health: NodeHealth
    parallel: int  # connections loading at the start
    mode: str  # adaptive parallelism in effect: disabled | balanced | aggressive
    maximum: int  # most connections adaptive parallelism may grow to
    notes: list[str] = field(default_factory=list)
    distributed: bool = False  # the target is a cluster (YugabyteDB)

    def lines(self) -> list[str]:
        """What the run prints about it at the start (on plain PostgreSQL only its notes)."""
        notes = [f"NOTE: {n}" for n in self.cluster.notes + self.notes]
        if not self.distributed:
            return notes
        shares = self.cluster.shares(self.parallel)
        where = ", ".join(f"{name} ({n} connection(s))" for name, n in shares.items())
        cores = f"; {self.cluster.cores} core(s) in the cluster" if self.cluster.cores else ""
        out = [f"Target nodes from {self.cluster.how}: {where}{cores}"]
        if self.mode != "disabled":
            out.append(
                f"Adaptive parallelism ({self.mode}): between 1 and {self.maximum} connection(s), "
                f"checked every {adaptive.frequency():g} s against yb_servers_metrics()"
            )
        return out + notes

    def as_status(self) -> dict[str, Any]:
        """For ``import data status``."""
        return {
            "how": self.cluster.how, "cores": self.cluster.cores, "parallel_jobs": self.parallel,
            "adaptive_parallelism": self.mode, "adaptive_parallelism_max": self.maximum,
            "nodes": [{"node": name, "connections": n} for name, n in self.cluster.shares(self.parallel).items()],
        }  # fmt: skip


def plan_load(
    sink: ImportSink,
    conn: psycopg.Connection,
    *,
    parallel_jobs: int | None,
    target_endpoints: list[str],
    use_public_ip: bool,
    mode: str | None,
    enable_adaptive: bool | None,
    maximum: int | None,
) -> LoadPlan:
    """Discover the nodes and choose the parallelism: ``--parallel-jobs``, else the seed's default for a cluster
    (half its cores; 2 per node when they cannot be read), else the sink's default."""
    endpoints = (
        parse_endpoints(",".join(target_endpoints), sink.config.port or sink.default_port)
        if target_endpoints
        else None
    )
    cluster_target = sink.is_cluster(conn)

    def connect(node: Node) -> psycopg.Connection:
        return sink.connect(autocommit=True, node=node)

    cluster = discover(
        sink.given_node(),
        conn,
        connect,
        is_cluster=cluster_target,
        endpoints=endpoints,
        use_public_ip=use_public_ip,
        cores=not parallel_jobs,  # only the default parallelism needs them (a COPY FROM PROGRAM per node)
    )
    notes: list[str] = []
    if parallel_jobs:
        parallel = parallel_jobs
    elif cluster.how != "the given host" or cluster_target:
        parallel = cluster.default_parallel_jobs()
    else:
        parallel = sink.default_parallel_jobs(conn)
    if mode is None and enable_adaptive is not None:  # voyager's older flag
        mode = "balanced" if enable_adaptive else "disabled"
    asked = mode is not None and mode != "disabled"
    if mode is None:
        mode = "balanced" if cluster_target else "disabled"
    if mode != "disabled" and not cluster_target:
        if asked:
            notes.append(
                f"--adaptive-parallelism {mode} does nothing on {sink.name}: it reads YugabyteDB's node metrics"
            )
        mode = "disabled"
    if mode != "disabled" and not adaptive.has_metrics(conn):
        notes.append(
            "this YugabyteDB has no yb_servers_metrics() (2.20.3+/2024.1+): adaptive parallelism is off"
        )
        mode = "disabled"
    if maximum is not None and mode == "disabled" and asked:
        raise ConfigError("--adaptive-parallelism-max needs adaptive parallelism", fix="drop it")
    top = max(parallel, maximum or 2 * parallel)
    if mode != "disabled":
        adaptive.frequency()  # a bad ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS stops the run before any work
        adaptive.Thresholds.for_mode(mode)
    return LoadPlan(
        cluster, NodeHealth(cluster.nodes), parallel, mode, top if mode != "disabled" else parallel, notes,
        cluster_target,
    )  # fmt: skip


def node_connector(sink: ImportSink, health: NodeHealth) -> Any:
    """``() -> connection`` to the given node, or another one while it does not answer."""
    given = sink.given_node()

    def connect() -> psycopg.Connection:
        home = given if given in health.nodes else health.nodes[0]
        return health.open(home, lambda n: sink.connect(autocommit=True, node=n))[0]

    return connect
