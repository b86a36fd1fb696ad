"""The nodes of a distributed target: which ones to load into, how many connections, which are up.

On YugabyteDB every tablet server takes YSQL connections; ``yb_servers()`` lists them. ``import data`` spreads its
connections evenly over the primary nodes (never read replicas), so every node works, and moves a failed node's
work to the others until it answers again. A plain PostgreSQL target is a "cluster" of its one host.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psycopg

from transship.errors import ConfigError, TransshipError

log = logging.getLogger(__name__)

#: the longest a failed node waits before it is tried again (the wait doubles from 1 s with every failure)
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class Node:
    """One YSQL endpoint."""

    host: str
    port: int
    uuid: str | None = None  # yb_servers()'s uuid: the key of yb_servers_metrics()

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class Cluster:
    """The nodes ``import data`` uses, how they were found, and the cores the cluster has (None: unknown)."""

    nodes: list[Node]
    how: str  # "yb_servers()", "--target-endpoints" or "the given host"
    cores: int | None = None
    notes: list[str] = field(default_factory=list)

    def default_parallel_jobs(self) -> int:
        """The seed's default: half the cluster's cores; two per node when they cannot be read."""
        if self.cores:
            return max(1, self.cores // 2)
        return 2 * len(self.nodes)

    def shares(self, parallel: int) -> dict[str, int]:
        """Connections per node when ``parallel`` are spread evenly (worker ``i`` goes to node ``i % n``)."""
        out = {n.name: 0 for n in self.nodes}
        for i in range(parallel):
            out[self.nodes[i % len(self.nodes)].name] += 1
        return out


def parse_endpoints(text: str, default_port: int) -> list[Node]:
    """``--target-endpoints host:port,host:port`` (a missing port is the target's default)."""
    nodes: list[Node] = []
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        if item.startswith("["):  # [IPv6]:port
            host, _, rest = item[1:].partition("]")
            port = rest.removeprefix(":") or str(default_port)
        else:
            host, sep, port = item.rpartition(":")
            if not sep:
                host, port = item, str(default_port)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(
                f"--target-endpoints: {item!r} is not host:port", fix="write them as host:port,host:port"
            )
        nodes.append(Node(host, int(port)))
    if not nodes:
        raise ConfigError("--target-endpoints is empty", fix="list the nodes as host:port,host:port")
    return nodes


def listed_nodes(conn: psycopg.Connection, use_public_ip: bool) -> tuple[list[Node], list[Node]]:
    """The primary nodes ``yb_servers()`` lists (``public_ip`` as the address with ``use_public_ip``), and every
    address it gives for them (host and public_ip)."""
    try:
        rows = conn.execute("SELECT host, port, node_type, public_ip, uuid FROM yb_servers()").fetchall()
    except psycopg.errors.UndefinedColumn:  # older versions have no uuid column
        try:
            rows = [
                (*r, None)
                for r in conn.execute("SELECT host, port, node_type, public_ip FROM yb_servers()").fetchall()
            ]
        except psycopg.Error as exc:  # not the yb_servers() we know: load through the given host
            log.warning("yb_servers() cannot be read as YugabyteDB's: %s", exc)
            return [], []
    nodes, known = [], []
    for host, port, node_type, public_ip, uuid in rows:
        if str(node_type or "primary") != "primary":
            continue  # read replicas serve reads only
        address = str(public_ip) if use_public_ip and public_ip else str(host)
        nodes.append(Node(address, int(port), str(uuid) if uuid else None))
        known += [Node(str(a), int(port)) for a in (host, public_ip) if a]
    return sorted(nodes, key=lambda n: (n.host, n.port)), known


def count_cores(connect: Callable[[Node], psycopg.Connection], nodes: Iterable[Node]) -> int | None:
    """The cores of all nodes, as voyager reads them (``COPY FROM PROGRAM``: superusers only); None when any
    node cannot tell."""
    total = 0
    for node in nodes:
        try:
            with connect(node) as conn:
                conn.execute("CREATE TEMP TABLE transship_cores (n int)")
                conn.execute("COPY transship_cores FROM PROGRAM 'grep -c ^processor /proc/cpuinfo'")
                row = conn.execute("SELECT n FROM transship_cores").fetchone()
        except (psycopg.Error, TransshipError) as exc:
            log.info("cannot read the cores of node %s: %s", node.name, exc)
            return None
        if not row or not row[0]:
            return None
        total += int(row[0])
    return total


def discover(
    given: Node,
    conn: psycopg.Connection,
    connect: Callable[[Node], psycopg.Connection],
    *,
    is_cluster: bool,
    endpoints: list[Node] | None = None,
    use_public_ip: bool = False,
    cores: bool = True,
) -> Cluster:
    """The nodes to load into: ``endpoints`` when given, else ``yb_servers()``'s primary nodes on a cluster, else
    ``given``. Nodes that cannot be reached are left out with a note (behind a load balancer ``yb_servers()``
    lists addresses the client may not reach: then only ``given`` is used). ``cores``: count the cluster's cores
    too (one more connection per node; only the default parallelism needs them)."""
    if endpoints:
        nodes, how = endpoints, "--target-endpoints"
    elif is_cluster:
        (nodes, known), how = listed_nodes(conn, use_public_ip), "yb_servers()"
        if nodes and not any(_same(given, n) for n in known):
            return Cluster(
                [given],
                "the given host",
                notes=[
                    f"{given.name} is not a node yb_servers() lists (a load balancer?): every connection goes through it"
                ],
            )
    else:
        return Cluster([given], "the given host")
    reachable, notes = [], []
    for node in nodes:
        try:
            connect(node).close()
            reachable.append(node)
        except (psycopg.Error, TransshipError) as exc:
            log.warning("node %s cannot be reached: %s", node.name, exc)
            notes.append(f"node {node.name} ({how}) cannot be reached from here; not used")
    if not reachable:
        if endpoints:
            raise ConfigError(
                f"none of the --target-endpoints can be reached ({', '.join(n.name for n in nodes)})",
                fix="check the addresses, or leave --target-endpoints out to use --target-db-host",
            )
        notes = [
            f"the nodes yb_servers() lists ({', '.join(n.name for n in nodes) or 'none'}) cannot be reached from here"
            f" (a load balancer in front?): loading through {given.name} only"
            + (" (try --use-public-ip)" if not use_public_ip else "")
        ]
        return Cluster([given], "the given host", notes=notes)
    return Cluster(reachable, how, count_cores(connect, reachable) if cores else None, notes)


def _same(a: Node, b: Node) -> bool:
    """The same endpoint: same port, and the host names resolve to a common address."""
    if a.port != b.port:
        return False
    return a.host == b.host or bool(_addresses(a.host) & _addresses(b.host))


def _addresses(host: str) -> set[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return set()


class NodeHealth:
    """Which nodes answer. A failed node is tried again after a backoff (1 s, doubling, at most
    :data:`MAX_BACKOFF`); it is up again once a connection to it succeeds. Thread-safe."""

    def __init__(self, nodes: list[Node], clock: Callable[[], float] = time.monotonic) -> None:
        self.nodes = list(nodes)
        self._clock = clock
        self._failures: dict[Node, int] = {}
        self._retry_at: dict[Node, float] = {}
        self._users: dict[Node, int] = dict.fromkeys(self.nodes, 0)
        self._lock = threading.Lock()

    def failed(self, node: Node) -> None:
        """A connection to ``node`` failed or broke. Failures reported while it waits count once: its wait
        grows only when a try after the wait fails too."""
        with self._lock:
            if self._clock() < self._retry_at.get(node, 0.0):
                return
            count = self._failures.get(node, 0) + 1
            self._failures[node] = count
            wait = min(MAX_BACKOFF, 2.0 ** (count - 1)) * random.uniform(0.8, 1.2)
            self._retry_at[node] = self._clock() + wait
        log.warning("node %s failed (%d time(s) in a row): tried again in %.1f s", node.name, count, wait)

    def answered(self, node: Node) -> None:
        with self._lock:
            if self._failures.pop(node, 0):
                log.warning("node %s answers again: back in use", node.name)
            self._retry_at.pop(node, None)

    def is_up(self, node: Node) -> bool:
        with self._lock:
            return node not in self._retry_at

    def may_try(self, node: Node) -> bool:
        """Up, or down long enough to be tried again."""
        with self._lock:
            return self._clock() >= self._retry_at.get(node, 0.0)

    def down(self) -> list[Node]:
        with self._lock:
            return [n for n in self.nodes if n in self._retry_at]

    def choose(self, home: Node) -> Node:
        """``home`` when it may be tried; else the up node with the fewest users; else the node that is due
        first (every node down: keep trying the one whose wait ends soonest)."""
        with self._lock:
            now = self._clock()
            if now >= self._retry_at.get(home, 0.0):
                return home
            up = [n for n in self.nodes if now >= self._retry_at.get(n, 0.0)]
            if up:
                return min(up, key=lambda n: (self._users[n], self.nodes.index(n)))
            return min(self.nodes, key=lambda n: self._retry_at.get(n, 0.0))

    def open(
        self, home: Node, connect: Callable[[Node], psycopg.Connection]
    ) -> tuple[psycopg.Connection, Node]:
        """A connection to ``home``, or to the node :meth:`choose` picks while it does not answer; the node
        is marked failed or answering by the outcome."""
        node = self.choose(home)
        try:
            conn = connect(node)
        except TransshipError:
            self.failed(node)
            raise
        self.answered(node)
        return conn, node

    def using(self, node: Node, delta: int) -> None:
        """A connection to ``node`` opened (+1) or closed (-1)."""
        with self._lock:
            self._users[node] = self._users.get(node, 0) + delta

    def users(self) -> dict[str, int]:
        with self._lock:
            return {n.name: self._users.get(n, 0) for n in self.nodes}
