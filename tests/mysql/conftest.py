"""Fixtures of the MySQL adapter tests."""

from __future__ import annotations

import pytest
from mysql_helpers import load_mysql

from transship.testing.databases import MySQLServer


@pytest.fixture
def load(mysql_server: MySQLServer, mysql_db: str):  # type: ignore[no-untyped-def]
    """``load(script)`` runs a script in the test's MariaDB database."""
    return lambda script: load_mysql(mysql_server, mysql_db, script)
