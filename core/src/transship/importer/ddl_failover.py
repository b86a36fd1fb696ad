"""Schema statements on a cluster: when the node running them fails, go on on another node, and tell whether
the statement that was running took effect.

``import schema`` and ``finalize-schema-post-data-import`` run their statements one by one, in autocommit, on
one node (the given host). When that node fails while a statement runs, the client cannot tell whether the
statement committed. On a YugabyteDB cluster (:meth:`~transship.sinks.base.ImportSink.is_cluster`) the
importer then connects to another node (:func:`~transship.sinks.cluster.discover` finds them when the step
starts, while the given node answers), sets the session up again and runs that statement once more: an
"already exists"-class error for the very object it creates (:func:`already_applied`) shows the first try took
effect, and it counts as applied. The statements before it had committed and are not run again. A plain PostgreSQL target has no
other node: a lost connection stops the step as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import psycopg

from transship.errors import ConnectionFailed, TransshipError
from transship.sinks.base import ImportSink
from transship.sinks.cluster import Node, NodeHealth, discover

log = logging.getLogger(__name__)

#: the SQLSTATEs of "it is there already": duplicate table/relation, object, schema, function, column; a second
#: primary key (42P16, "multiple primary keys"); a table already a partition (42809) or an identity column
#: already one (55000). Each only with the words of :data:`_APPLIED_TEXT`.
APPLIED_STATES = frozenset({"42P07", "42710", "42P06", "42723", "42701", "42P16", "42809", "55000"})
_APPLIED_TEXT = re.compile(
    r"already exists|multiple primary keys|is already a partition|already an identity column|is already attached",
    re.I,
)
_QUOTED = re.compile(r'"((?:[^"]|"")+)"')


def already_applied(code: str, message: str, sql: str) -> bool:
    """Whether running ``sql`` again failed only because its first run took effect: an "already exists"-class
    error naming objects that ``sql`` itself names (not some other object in the way)."""
    if code not in APPLIED_STATES or not _APPLIED_TEXT.search(message):
        return False
    text = sql.lower()
    for name in (m.group(1).lower() for m in _QUOTED.finditer(message)):
        if name not in text and name.replace('"', '""') not in text:
            return False
    return True


def connection_lost(conn: psycopg.Connection) -> bool:
    """The connection broke (reset, closed by the server, node gone): the statement on it may or may not
    have committed."""
    return conn.broken or conn.closed


class DdlFailover:
    """The nodes a schema step may move to, which answer (:class:`~transship.sinks.cluster.NodeHealth`), and
    what happened (:attr:`events`, for the summary)."""

    def __init__(
        self,
        nodes: list[Node],
        current: Node,
        connect: Callable[[Node], psycopg.Connection],
        command: str,
    ) -> None:
        self.nodes = nodes
        self.current = current
        self.connect = connect
        self.command = command
        self.health = NodeHealth(nodes)
        self.events: list[str] = []

    @classmethod
    def for_target(cls, sink: ImportSink, conn: psycopg.Connection, command: str) -> DdlFailover | None:
        """The failover of a cluster target (None for a single server: nothing to move to). The nodes are
        :func:`~transship.sinks.cluster.discover`'s, as ``import data`` finds them (behind a load balancer: the
        given address only, which is then tried again)."""
        if not sink.is_cluster(conn):
            return None
        given = sink.given_node()

        def connect(node: Node) -> psycopg.Connection:
            return sink.connect(autocommit=True, node=node)

        try:
            cluster = discover(given, conn, connect, is_cluster=True, cores=False)
            nodes = list(cluster.nodes)
            for note in cluster.notes:
                log.warning("%s", note)
        except (psycopg.Error, TransshipError) as exc:
            log.warning("cannot find the nodes of the cluster: %s; DDL stays on %s", exc, given.name)
            nodes = []
        # the given node as listed (with its uuid); else the given address first (it is tried again last)
        given = next((n for n in nodes if n.name == given.name), given)
        if given not in nodes:
            nodes = [given, *nodes]
        log.info("schema statements go to node %s; other nodes: %s", given.name,
                 ", ".join(n.name for n in nodes if n != given) or "none")  # fmt: skip
        return cls(nodes, given, connect, command)

    def _candidates(self, failed: Node) -> list[Node]:
        """The other nodes, those that answer first (in the cluster's order after ``failed``), then the failed
        node itself (it may be back: a restart, a network blip, a load balancer's address)."""
        i = self.nodes.index(failed) if failed in self.nodes else -1
        others = [n for n in self.nodes[i + 1 :] + self.nodes[: max(i, 0)] if n != failed]
        return (
            [n for n in others if self.health.is_up(n)]
            + [n for n in others if not self.health.is_up(n)]
            + [failed]
        )

    def reconnect(
        self,
        lost: BaseException,
        what: str,
        setup: Callable[[psycopg.Connection], None],
        losses: int = 1,
    ) -> psycopg.Connection:
        """A connection to another node, set up with ``setup`` (the session's settings), after the current
        node's connection was lost (``lost``) during ``what``; ``losses``: how often in a row for this
        statement. Raises one line naming the nodes tried when none answers."""
        failed = self.current
        first = str(lost).strip().splitlines()[0] if str(lost).strip() else type(lost).__name__
        log.warning("the connection to node %s was lost during %s: %s", failed.name, what, first)
        self.health.failed(failed)
        if losses > len(self.nodes) + 1:
            raise ConnectionFailed(
                f"the connection to the target was lost {losses} times in a row during {what}"
                f" (last on node {failed.name}: {first})",
                fix=f"check that the cluster's nodes are up and stay up, then re-run 'transship {self.command}'"
                " with --ignore-exist true (what committed is kept)",
            )
        tried: list[str] = []
        for node in self._candidates(failed):
            tried.append(node.name)
            try:
                conn = self.connect(node)
                try:
                    setup(conn)
                except BaseException:
                    conn.close()
                    raise
            except (psycopg.Error, TransshipError) as exc:
                log.warning("node %s does not answer: %s", node.name, str(exc).strip().splitlines()[0])
                self.health.failed(node)
                continue
            self.health.answered(node)
            self.current = node
            event = f"node {failed.name} failed during {what}; continued on node {node.name}"
            self.events.append(event)
            log.warning("%s (the statement runs again there, to see whether it took effect)", event)
            return conn
        raise ConnectionFailed(
            f"node {failed.name} failed during {what} ({first}) and no node of the cluster answers"
            f" (tried {', '.join(tried)})",
            fix=f"bring a node of the cluster back up, then re-run 'transship {self.command}' with --ignore-exist"
            " true (the statements that committed are kept)",
        )
