"""A simulated YugabyteDB cluster for tests: one PostgreSQL server reached through one TCP proxy per "node"
(127.0.0.1, 127.0.0.2, 127.0.0.3, each on a port of its own), plus ``yb_servers()`` and ``yb_servers_metrics()``
functions in the test's target database that return those nodes and test-controlled metrics.

A node fails when its proxy stops listening and resets every open socket; it recovers when it listens again.
The proxy counts its open client connections (how many of the importer's connections go to that node).
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import struct
import threading
from collections.abc import Iterator

import psycopg

NODE_ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


class NodeProxy:
    """A TCP proxy ``(host, port)`` -> ``upstream``; :meth:`fail` and :meth:`recover` take it down and up."""

    def __init__(self, host: str, upstream: tuple[str, int], uuid: str) -> None:
        self.host = host
        self.upstream = upstream
        self.uuid = uuid
        self.port = _free_port(host)
        self._listener: socket.socket | None = None
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.accepted = 0  # client connections accepted since start

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._accept_loop, name=f"proxy-{self.host}", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        listener = self._listener
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                _reset(client)
                continue
            pair = (client, server)
            with self._lock:
                self._pairs.add(pair)
                self.accepted += 1
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, server = pair
        sel = selectors.DefaultSelector()
        try:
            sel.register(client, selectors.EVENT_READ, server)
            sel.register(server, selectors.EVENT_READ, client)
            while True:
                for key, _ in sel.select(timeout=0.5):
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = src.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                with self._lock:
                    if pair not in self._pairs:
                        return
        except (OSError, ValueError):
            return
        finally:
            sel.close()
            with self._lock:
                self._pairs.discard(pair)
            for s in pair:
                with contextlib.suppress(OSError):
                    s.close()

    def connections(self) -> int:
        """Client connections open through this node now."""
        with self._lock:
            return len(self._pairs)

    def fail(self) -> None:
        """Stop listening and reset every open connection (the client sees "connection reset")."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            pairs = list(self._pairs)
            self._pairs.clear()
        for client, server in pairs:
            _reset(client)
            with contextlib.suppress(OSError):
                server.close()

    def recover(self) -> None:
        self.start()

    def stop(self) -> None:
        self.fail()


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SimCluster:
    """Three node proxies in front of one PostgreSQL server, and the YugabyteDB functions that list them."""

    def __init__(
        self, upstream: tuple[str, int] = ("127.0.0.1", 5432), addresses: tuple[str, ...] = NODE_ADDRESSES
    ):
        self.nodes = [
            NodeProxy(host, upstream, f"00000000-0000-0000-0000-00000000000{i + 1}")
            for i, host in enumerate(addresses)
        ]

    def start(self) -> SimCluster:
        for node in self.nodes:
            node.start()
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def install(self, conninfo: str, public_ips: list[str] | None = None) -> None:
        """Create ``yb_servers()``, ``yb_servers_metrics()`` and the metrics table in the database of
        ``conninfo`` (run as a superuser or the database owner)."""
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA IF NOT EXISTS transship_sim")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS transship_sim.nodes (host text, port int, uuid uuid, public_ip text,"
                " node_type text DEFAULT 'primary', metrics jsonb, status text DEFAULT 'OK')"
            )
            conn.execute("TRUNCATE transship_sim.nodes")
            for i, node in enumerate(self.nodes):
                public = public_ips[i] if public_ips else node.host
                conn.execute(
                    "INSERT INTO transship_sim.nodes (host, port, uuid, public_ip, metrics) VALUES (%s, %s, %s, %s, %s)",
                    (node.host, node.port, node.uuid, public, json.dumps(_metrics(0.1))),
                )
            conn.execute(
                "CREATE OR REPLACE FUNCTION yb_servers() RETURNS TABLE (host text, port bigint, num_connections int,"
                " node_type text, cloud text, region text, zone text, public_ip text, uuid text) LANGUAGE sql AS"
                " $$ SELECT host, port::bigint, 0, node_type, 'cloud1', 'region1', 'zone1', public_ip, uuid::text"
                " FROM transship_sim.nodes ORDER BY host $$"
            )
            conn.execute(
                "CREATE OR REPLACE FUNCTION yb_servers_metrics() RETURNS TABLE (uuid text, metrics jsonb,"
                " status text, error text) LANGUAGE sql AS"
                " $$ SELECT uuid::text, metrics, status, NULL::text FROM transship_sim.nodes ORDER BY host $$"
            )

    def set_cpu(self, conninfo: str, index: int, fraction: float) -> None:
        """Set node ``index``'s CPU use (user + system, 0..1) as ``yb_servers_metrics()`` reports it."""
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                "UPDATE transship_sim.nodes SET metrics = %s WHERE uuid = %s",
                (json.dumps(_metrics(fraction)), self.nodes[index].uuid),
            )

    def add_replica(self, conninfo: str, host: str, port: int) -> None:
        """List a read replica (never to be loaded into)."""
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO transship_sim.nodes (host, port, uuid, public_ip, node_type, metrics)"
                " VALUES (%s, %s, gen_random_uuid(), %s, 'read_replica', %s)",
                (host, port, host, json.dumps(_metrics(0.1))),
            )


def _metrics(cpu: float) -> dict[str, str]:
    """The keys YugabyteDB reports (all values are strings)."""
    total = 16 * 1024**3
    return {
        "cpu_usage_user": f"{cpu * 0.7:.4f}",
        "cpu_usage_system": f"{cpu * 0.3:.4f}",
        "memory_total": str(total),
        "memory_free": str(total // 2),
        "memory_available": str(total // 2),
        "tserver_root_memory_consumption": str(1024**3),
        "tserver_root_memory_soft_limit": str(8 * 1024**3),
        "tserver_root_memory_limit": str(10 * 1024**3),
    }


@contextlib.contextmanager
def sim_cluster(conninfo: str) -> Iterator[SimCluster]:
    """A started cluster installed into the database of ``conninfo``; stopped afterwards."""
    cluster = SimCluster().start()
    try:
        cluster.install(conninfo)
        yield cluster
    finally:
        cluster.stop()
