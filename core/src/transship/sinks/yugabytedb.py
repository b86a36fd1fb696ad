"""The ``yugabytedb`` import sink (YSQL speaks the PostgreSQL protocol; detected by ``yb_servers()``)."""

from __future__ import annotations

from typing import ClassVar

import psycopg

from transship.sinks.base import ImportSink


class YugabyteSink(ImportSink):
    """YugabyteDB YSQL. Smaller batches than PostgreSQL (voyager's default 20,000 rows) keep RPCs small."""

    name: ClassVar[str] = "yugabytedb"
    default_port: ClassVar[int] = 5433
    default_batch_size: ClassVar[int] = 20_000
    max_batch_size: ClassVar[int] = 20_000
    # YugabyteDB builds an index on existing rows with an online backfill that is slower than maintaining it
    # during the load (voyager's advice too), so indexes stay in place
    defer_indexes: ClassVar[bool] = False
    # REPLICA IDENTITY is for PostgreSQL's logical replication; YugabyteDB's CDC has its own settings
    replica_identity: ClassVar[bool] = False

    @classmethod
    def detect(cls, conn: psycopg.Connection) -> bool:
        row = conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'yb_servers'").fetchone()
        return bool(row and row[0])

    def server_version(self, conn: psycopg.Connection) -> str | None:
        """The YugabyteDB release (``2.20.1.0``) from ``version()``: ``PostgreSQL 11.2-YB-2.20.1.0-b0 on ...``."""
        import re

        row = conn.execute("SELECT version()").fetchone()
        m = re.search(r"-YB-(\d+(?:\.\d+){1,3})", str(row[0]) if row else "")
        return m.group(1) if m else None

    def is_cluster(self, conn: psycopg.Connection) -> bool:
        return self.detect(conn)
