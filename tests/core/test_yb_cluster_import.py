"""import data on a (simulated) YugabyteDB cluster: every node used, a failed node's work moved and the node used
again once it answers, adaptive parallelism following the nodes' CPU.

The cluster is tests/cluster_sim.py: three TCP proxies on 127.0.0.1, 127.0.0.2 and 127.0.0.3 in front of the shared
PostgreSQL, and yb_servers()/yb_servers_metrics() in the target database. A CHECK constraint that sleeps a little
per row, added on the target only, makes each batch take long enough to watch the connections.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.cluster_sim import SimCluster, sim_cluster
from transship.testing.databases import PgServer

ROWS = 6_000
BATCH = 100  # 60 batches


@dataclass
class ClusterRun:
    server: PgServer
    source_db: str
    target_db: str
    export_dir: Path
    cluster: SimCluster
    peaks: dict[str, int] = field(default_factory=dict)
    peak_total: int = 0  # most connections through all nodes at one moment

    def target(self) -> str:
        return self.server.conninfo(self.target_db)

    def node_args(self, index: int = 0) -> list[str]:
        node = self.cluster.nodes[index]
        return ["--target-db-host", node.host, "--target-db-port", str(node.port), "--target-db-user",
                self.server.user, "--target-db-name", self.target_db]  # fmt: skip

    def start_import(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        full = {**os.environ, "TRANSSHIP_NO_PASSWORD_PROMPT": "1", **(env or {})}
        return subprocess.Popen(
            [sys.executable, "-m", "transship", "import", "data", "-e", str(self.export_dir), *self.node_args(),
             "--disable-pb", "--batch-size", str(BATCH), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full,
        )  # fmt: skip

    def watch(self, proc: subprocess.Popen[str], during: callable | None = None) -> tuple[str, str]:  # type: ignore[valid-type]
        """Sample the proxies' connections while ``proc`` runs; ``during()`` is called on each sample."""
        self.peaks = {n.host: 0 for n in self.cluster.nodes}
        self.peak_total = 0
        out: dict[str, str] = {}
        reader = threading.Thread(
            target=lambda: out.update(zip(("out", "err"), proc.communicate(), strict=True))
        )
        reader.start()
        while reader.is_alive():
            now = {n.host: n.connections() for n in self.cluster.nodes}
            for host, count in now.items():
                self.peaks[host] = max(self.peaks[host], count)
            self.peak_total = max(self.peak_total, sum(now.values()))
            if during is not None:
                during()
            time.sleep(0.05)
        reader.join()
        return out["out"], out["err"]

    def committed(self) -> int:
        with psycopg.connect(self.target()) as conn:
            if conn.execute("SELECT to_regclass('transship_metadata.import_batches')").fetchone() == (None,):
                return 0
            row = conn.execute("SELECT count(*) FROM transship_metadata.import_batches").fetchone()
            return int(row[0]) if row else 0

    def per_node(self, since: float | None = None) -> dict[str, int]:
        with psycopg.connect(self.target()) as conn:
            rows = conn.execute(
                "SELECT node, count(*) FROM transship_metadata.import_batches"
                " WHERE imported_at >= to_timestamp(%s) GROUP BY node",
                (since or 0,),
            ).fetchall()
        return {str(n): int(c) for n, c in rows}

    def assert_exact(self) -> None:
        """Every source row once in the target."""
        query = "SELECT count(*), count(DISTINCT id), sum(id), md5(string_agg(v, ',' ORDER BY id)) FROM app.t"
        with psycopg.connect(self.server.conninfo(self.source_db)) as s, psycopg.connect(self.target()) as t:
            assert t.execute(query).fetchone() == s.execute(query).fetchone()


@pytest.fixture
def cluster_run(
    cli, pg_server: PgServer, pg_db: str, pg_target_db: str, tmp_path: Path
) -> Iterator[ClusterRun]:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA app")
        conn.execute("CREATE TABLE app.t (id int PRIMARY KEY, v text NOT NULL)")
        conn.execute("INSERT INTO app.t SELECT g, md5(g::text) FROM generate_series(1, %s) g", (ROWS,))
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    source = ["--source-db-type", "postgresql", "--source-db-host", pg_server.host, "--source-db-port",
              str(pg_server.port), "--source-db-user", pg_server.user, "--source-db-name", pg_db,
              "--source-db-schema", "app"]  # fmt: skip
    cli("export", "schema", "-e", str(export_dir), *source)
    cli("export", "data", "-e", str(export_dir), *source, "--disable-pb")
    with sim_cluster(pg_server.conninfo(pg_target_db)) as cluster:
        run = ClusterRun(pg_server, pg_db, pg_target_db, export_dir, cluster)
        cli("import", "schema", "-e", str(export_dir), *run.node_args())
        with psycopg.connect(run.target(), autocommit=True) as conn:  # ~5 ms per row: a batch takes ~0.5 s
            conn.execute(
                "CREATE FUNCTION app.slow_ok(int) RETURNS boolean LANGUAGE sql AS $$ SELECT pg_sleep(0.005) IS NOT NULL $$"
            )
            conn.execute("ALTER TABLE app.t ADD CONSTRAINT slow CHECK (app.slow_ok(id))")
        yield run


def test_six_connections_spread_over_three_nodes(cluster_run: ClusterRun, cli) -> None:  # type: ignore[no-untyped-def]
    proc = cluster_run.start_import("--parallel-jobs", "6", "--adaptive-parallelism", "disabled")
    out, err = cluster_run.watch(proc)
    assert proc.returncode == 0, (out, err)
    names = [n.address for n in cluster_run.cluster.nodes]
    assert (
        f"Target nodes from yb_servers(): {names[0]} (2 connection(s)), {names[1]} (2 connection(s))" in out
    )
    peaks = cluster_run.peaks
    # two loading connections per node; node 0 (the given host) also carries the run's own connection
    assert peaks["127.0.0.2"] == 2 and peaks["127.0.0.3"] == 2 and peaks["127.0.0.1"] in (2, 3), peaks
    per_node = cluster_run.per_node()
    assert set(per_node) == set(names) and sum(per_node.values()) == ROWS // BATCH, per_node
    assert all(n >= ROWS // BATCH / 4 for n in per_node.values()), per_node  # each node a quarter at least
    cluster_run.assert_exact()
    status = json.loads(
        cli("import", "data", "status", "-e", str(cluster_run.export_dir), "--output-format", "json").stdout
    )
    (row,) = status
    assert {n["node"]: n["connections"] for n in row["target_nodes"]} == dict.fromkeys(names, 2), row
    assert {n["node"]: n["batches"] for n in row["target_nodes"]} == per_node, row


def test_a_failed_node_is_left_and_used_again_when_it_answers(cluster_run: ClusterRun) -> None:
    node = cluster_run.cluster.nodes[1]
    events: dict[str, float] = {}

    def during() -> None:
        if "failed" not in events and cluster_run.committed() >= 6:
            node.fail()
            events["failed"] = time.time()
        elif "failed" in events and "recovered" not in events and time.time() - events["failed"] > 1.5:
            node.recover()
            events["recovered"] = time.time()

    proc = cluster_run.start_import(
        "--parallel-jobs",
        "6",
        "--adaptive-parallelism",
        "disabled",
        env={"TRANSSHIP_RETRY_FIRST_WAIT": "0.1"},
    )
    out, err = cluster_run.watch(proc, during)
    assert proc.returncode == 0, (out, err)
    assert "recovered" in events, (events, out, err)
    cluster_run.assert_exact()  # every row once: the ledger decided what the failed node had committed
    after = cluster_run.per_node(since=events["recovered"])
    assert after.get(node.address, 0) > 0, after  # back in use
    log = (cluster_run.export_dir / "logs" / "import-data.log").read_text(encoding="utf-8")
    assert f"node {node.address} failed" in log and f"node {node.address} answers again" in log


def test_adaptive_parallelism_follows_the_nodes_cpu(cluster_run: ClusterRun) -> None:
    conninfo = cluster_run.target()
    phase: dict[str, float] = {}

    def during() -> None:
        now = time.time()
        phase.setdefault("start", now)
        if "hot" not in phase and now - phase["start"] > 2.5:
            cluster_run.cluster.set_cpu(conninfo, 1, 0.97)
            phase["hot"] = now
        elif "hot" in phase and "cool" not in phase and now - phase["hot"] > 2.0:
            cluster_run.cluster.set_cpu(conninfo, 1, 0.1)
            phase["cool"] = now

    proc = cluster_run.start_import(
        "--parallel-jobs", "3", "--adaptive-parallelism", "balanced", "--adaptive-parallelism-max", "5",
        env={"ADAPTIVE_PARALLELISM_FREQUENCY_SECONDS": "0.3"},
    )  # fmt: skip
    out, err = cluster_run.watch(proc, during)
    assert proc.returncode == 0, (out, err)
    changes = [line for line in out.splitlines() if line.startswith("adaptive parallelism:")]
    counts = [int(line.split(" -> ")[1].split()[0]) for line in changes]
    assert counts and max(counts) == 5 and min(counts) >= 1, changes  # bounded
    first_drop = next(i for i, line in enumerate(changes) if "CPU 97 % > 80 %" in line)
    assert any("no node under pressure" in line for line in changes[first_drop:]), changes  # grows back
    # at most 5 loading connections, plus the run's own and the metrics reader's
    assert cluster_run.peak_total <= 5 + 2, cluster_run.peaks
    cluster_run.assert_exact()


def test_plain_postgresql_is_told_adaptive_parallelism_does_nothing(schema_imported, cli) -> None:  # type: ignore[no-untyped-def]
    result = schema_imported.import_data("--adaptive-parallelism", "aggressive")
    assert "--adaptive-parallelism aggressive does nothing on postgresql" in result.stdout, result
    assert "Target nodes" not in result.stdout  # nothing about nodes on a plain PostgreSQL
