"""transship-sqlite passes the adapter compliance suite (transship.testing.compliance)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from transship.dbconfig import DBConfig
from transship.testing.compliance import *  # noqa: F403 - the suite's tests
from transship.testing.compliance import Source, TypeCase


class SqliteHarness:
    db_type = "sqlite"
    capabilities = frozenset({"content", "count_rows", "filters", "sequences", "concurrent_snapshot"})
    key_type = "INTEGER PRIMARY KEY"
    auto_key_type = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def type_cases(self) -> list[TypeCase]:
        return [
            TypeCase("INTEGER", ["NULL", "0", "-9223372036854775808", "9223372036854775807"]),
            TypeCase("BIGINT", ["NULL", "42"]),
            TypeCase("REAL", ["NULL", "0.1", "-0.0", "1e308", "-2.2250738585072014e-308", "9e999"]),
            TypeCase("DOUBLE PRECISION", ["3.141592653589793", "1e-300"]),
            TypeCase("DECIMAL(12,2)", ["NULL", "0", "-9999999999.99", "1.5"]),
            TypeCase("NUMERIC", ["NULL", "12345678901234", "0.5"]),
            TypeCase("TEXT", ["NULL", "''", "'Zoë ß 東京 🚀'", "'tab\there' || char(10) || 'line'", "'\\\\ back'", "'" + "x" * 5000 + "'"]),
            TypeCase("VARCHAR(10)", ["'short'", "'longer than ten chars'"]),
            TypeCase("BLOB", ["NULL", "X''", "X'00FF10'", "randomblob(70000)"]),
            TypeCase("BOOLEAN", ["NULL", "0", "1"]),
            TypeCase("DATE", ["NULL", "'2020-02-29'", "'0001-01-01'", "'9999-12-31'"]),
            TypeCase("DATETIME", ["NULL", "'2024-01-01 10:00:00'", "'2024-01-01 10:00:00.123456'", "'1970-01-01T00:00:01'"]),
            TypeCase("", ["NULL", "'anything'"]),  # no declared type
        ]  # fmt: skip

    def create_source(self, statements: list[str]) -> Source:
        path = self.folder / f"src{len(list(self.folder.glob('src*.db')))}.db"
        with closing(sqlite3.connect(path)) as db:
            db.execute("PRAGMA journal_mode = WAL")  # readers and a writer at once, as applications run it
            for statement in statements:
                db.execute(statement)
            db.commit()
        return Source(DBConfig(db_type="sqlite", name=str(path)))

    def execute(self, source: Source, statement: str) -> None:
        with closing(sqlite3.connect(source.config.name or "")) as db:
            db.execute(statement)
            db.commit()


@pytest.fixture
def compliance_harness(tmp_path: Path) -> SqliteHarness:
    return SqliteHarness(tmp_path)
