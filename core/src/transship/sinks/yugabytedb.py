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

    @classmethod
    def detect(cls, conn: psycopg.Connection) -> bool:
        row = conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'yb_servers'").fetchone()
        return bool(row and row[0])

    def is_cluster(self, conn: psycopg.Connection) -> bool:
        return self.detect(conn)
