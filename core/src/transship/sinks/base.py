"""The import sink contract: how data and schema reach a PostgreSQL-compatible target."""

from __future__ import annotations

import dataclasses
from abc import ABC
from typing import ClassVar

import psycopg

from transship.dbconfig import DBConfig
from transship.pgconn import connect
from transship.sinks.cluster import Node


class ImportSink(ABC):
    """Base class of import targets (registered through the ``transship_import_sinks`` hook).

    :cvar name: ``--target-db-type`` value.
    :cvar default_port: used when ``--target-db-port`` is not given.
    :cvar default_batch_size: rows per batch when ``--batch-size`` is 0.
    :cvar max_batch_size: largest ``--batch-size`` accepted.
    :cvar defer_indexes: default of ``--defer-index-creation``.
    """

    name: ClassVar[str]
    default_port: ClassVar[int] = 5432
    default_batch_size: ClassVar[int] = 100_000
    max_batch_size: ClassVar[int] = 1_000_000
    ledger_schema: ClassVar[str] = "transship_metadata"
    # drop plain secondary indexes for the load and build them after it (--defer-index-creation)
    defer_indexes: ClassVar[bool] = True
    # applies ALTER TABLE ... REPLICA IDENTITY (import schema skips those statements, and says so, where not)
    replica_identity: ClassVar[bool] = True

    def __init__(self, config: DBConfig) -> None:
        self.config = config
        if not config.port:
            config.port = self.default_port

    @classmethod
    def detect(cls, conn: psycopg.Connection) -> bool:
        """True when ``conn`` is a server this sink is made for (used when --target-db-type is not given)."""
        return False

    def server_version(self, conn: psycopg.Connection) -> str | None:
        """The target's version as ``analyze-schema --target-db-version`` takes it (PostgreSQL: ``15.4``);
        recorded by the import commands so the analysis defaults to it. None when unknown."""
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split(" ", 1)[0] if row and row[0] else None

    def connect(self, autocommit: bool = True, node: Node | None = None) -> psycopg.Connection:
        """A new connection to the target (to ``node`` of a cluster when given)."""
        cfg = (
            self.config if node is None else dataclasses.replace(self.config, host=node.host, port=node.port)
        )
        return connect(cfg, "target", autocommit=autocommit)

    def given_node(self) -> Node:
        """The node ``--target-db-host``/``--target-db-port`` name."""
        return Node(self.config.host or "127.0.0.1", int(self.config.port or self.default_port))

    def is_cluster(self, conn: psycopg.Connection) -> bool:
        """True when the target spreads over nodes that each take connections (``yb_servers()`` lists them)."""
        return False

    def session_settings(self) -> list[str]:
        """``SET`` statements run on every data-import connection (each is tried; failures are reported)."""
        return ["SET client_encoding TO 'UTF8'", "SET session_replication_role TO replica"]

    def default_parallel_jobs(self, conn: psycopg.Connection) -> int:
        """Connections for ``import data`` when ``--parallel-jobs`` is not given."""
        import os

        return max(1, min(4, os.cpu_count() or 2))
