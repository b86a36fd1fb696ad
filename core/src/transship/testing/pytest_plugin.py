"""pytest plugin shipped with transship (entry point ``pytest11``): database fixtures for adapter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from transship.testing.databases import MySQLServer, PgServer, temp_mysql_database, temp_pg_database


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    """The PostgreSQL server tests use."""
    return PgServer()


@pytest.fixture(scope="session")
def mysql_server() -> MySQLServer:
    """The MariaDB/MySQL server tests use."""
    return MySQLServer()


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[str]:
    """Name of a fresh PostgreSQL database, dropped after the test."""
    with temp_pg_database(pg_server, "ts_src") as name:
        yield name


@pytest.fixture
def pg_target_db(pg_server: PgServer) -> Iterator[str]:
    """Name of a second fresh PostgreSQL database (a migration target), dropped after the test."""
    with temp_pg_database(pg_server, "ts_tgt") as name:
        yield name


@pytest.fixture
def mysql_db(mysql_server: MySQLServer) -> Iterator[str]:
    """Name of a fresh MariaDB database, dropped after the test."""
    with temp_mysql_database(mysql_server, "ts_src") as name:
        yield name
