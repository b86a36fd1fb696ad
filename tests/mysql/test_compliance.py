"""The MySQL/MariaDB adapter passes the adapter compliance suite (transship.testing.compliance)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from transship.dbconfig import DBConfig
from transship.testing.compliance import *  # noqa: F403 - the suite's tests
from transship.testing.compliance import Source, TypeCase
from transship.testing.databases import MySQLServer, temp_mysql_database


class MySQLHarness:
    db_type = "mysql"
    capabilities = frozenset({"content", "count_rows", "filters", "sequences", "concurrent_snapshot"})
    key_type = "INT PRIMARY KEY"
    auto_key_type = "INT AUTO_INCREMENT PRIMARY KEY"

    def __init__(self, server: MySQLServer, stack: ExitStack) -> None:
        self.server, self.stack = server, stack

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def type_cases(self) -> list[TypeCase]:
        return [
            TypeCase("TINYINT", ["NULL", "-128", "127"]),
            TypeCase("BIGINT UNSIGNED", ["0", "18446744073709551615"]),
            TypeCase("INT ZEROFILL", ["7"]),
            TypeCase("DECIMAL(12,2)", ["NULL", "-9999999999.99", "0.10"]),
            TypeCase("DECIMAL(65,30)", ["12345678901234567890123456789012345.123456789012345678901234567890"]),
            TypeCase("FLOAT", ["0.1", "-3.4e38", "NULL"]),
            TypeCase("DOUBLE", ["0.30000000000000004", "1e308", "-0.0"]),
            TypeCase("TINYINT(1)", ["NULL", "0", "1"]),
            TypeCase("BIT(5)", ["b'10101'", "b'00000'"]),
            TypeCase("CHAR(5)", ["'ab'", "''"]),
            TypeCase("VARCHAR(20)", ["NULL", "'Zoë ß 東京 🚀'", "'a\\0b'", "'tab\\there\\nline \\\\'"]),
            TypeCase("LONGTEXT", ["REPEAT('x', 300000)", "''"]),
            TypeCase("LONGBLOB", ["NULL", "X''", "X'00FF10'", "REPEAT(X'00FF', 200000)"]),
            TypeCase("DATE", ["NULL", "'1000-01-01'", "'9999-12-31'"]),
            TypeCase("DATETIME(6)", ["'2024-02-29 23:59:59.999999'", "'1000-01-01 00:00:00'"]),
            TypeCase("TIMESTAMP(3) NULL", ["'1970-01-01 00:00:01.000'", "'2038-01-19 03:14:07.999'", "NULL"]),
            TypeCase("TIME(6)", ["'-838:59:59.000000'", "'838:59:59'", "'00:00:00.000001'"]),
            TypeCase("YEAR", ["1901", "2155", "NULL"]),
            TypeCase("JSON", ["'{\"b\": 1, \"a\": [1, 2.50, \"ü\"]}'", "'[]'", "NULL"]),
            TypeCase("ENUM('red','green')", ["'red'", "NULL"]),
            TypeCase("SET('x','y','z')", ["'x,z'", "''"]),
        ]  # fmt: skip

    def create_source(self, statements: list[str]) -> Source:
        name = self.stack.enter_context(temp_mysql_database(self.server, "ts_cmp"))
        conn = self.server.connect(name)
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
        finally:
            conn.close()
        where = {"host": self.server.host, "port": self.server.port, "user": self.server.user}
        return Source(DBConfig(db_type="mysql", name=name, password=self.server.password or None, **where))  # type: ignore[arg-type]

    def execute(self, source: Source, statement: str) -> None:
        conn = self.server.connect(source.config.name)
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()


@pytest.fixture
def compliance_harness(mysql_server: MySQLServer) -> Iterator[MySQLHarness]:
    with ExitStack() as stack:
        yield MySQLHarness(mysql_server, stack)
