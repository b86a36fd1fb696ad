"""The Oracle adapter passes the adapter compliance suite (transship.testing.compliance) in script mode.

No Oracle server runs here: the sources are DDL and INSERT scripts, so only the cases scripts can have apply
(``content``: verify against the independent script reference; ``filters``). Counting, sequences and snapshots
under concurrent writes need a live database; the live paths are tested against recorded result sets
(tests/oracle/test_live*.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from transship.dbconfig import DBConfig
from transship.testing.compliance import *  # noqa: F403 - the suite's tests
from transship.testing.compliance import Source, TypeCase


class OracleScriptHarness:
    db_type = "oracle"
    capabilities = frozenset({"content", "filters"})
    key_type = "NUMBER(10) PRIMARY KEY"
    auto_key_type = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def quote(self, name: str) -> str:
        return name  # the suite's names are plain: Oracle folds them to upper case, the target to lower

    def type_cases(self) -> list[TypeCase]:
        return [
            TypeCase("NUMBER(10)", ["NULL", "-9999999999", "9999999999"]),
            TypeCase("NUMBER(12,2)", ["NULL", "-9999999999.99", "0.1"]),
            TypeCase("NUMBER", ["123456789012345678901234567890123456", "0.000001"]),
            TypeCase("BINARY_DOUBLE", ["0.30000000000000004", "1e308", "NULL"]),
            TypeCase("VARCHAR2(100 CHAR)", ["NULL", "'Zoë ß 東京'", "'it''s'", "'tab' || CHR(9) || 'x'"]),
            TypeCase("CHAR(5)", ["'ab'"]),
            TypeCase("CLOB", ["'long ' || 'text'", "NULL"]),
            TypeCase("DATE", ["TO_DATE('2020-02-29 13:14:15', 'YYYY-MM-DD HH24:MI:SS')", "DATE '0001-01-01'", "NULL"]),
            TypeCase("TIMESTAMP(6)", ["TIMESTAMP '2024-01-01 10:00:00.123456'", "NULL"]),
            TypeCase("RAW(16)", ["HEXTORAW('000102030405060708090A0B0C0D0EFF')", "NULL"]),  # a uuid
            TypeCase("RAW(8)", ["HEXTORAW('00FF10')", "NULL"]),
        ]  # fmt: skip

    def create_source(self, statements: list[str]) -> Source:
        n = len(list(self.folder.glob("ddl*.sql")))
        ddl, data = self.folder / f"ddl{n}.sql", self.folder / f"data{n}.sql"
        ddl.write_text("".join(f"{s};\n" for s in statements if s.startswith("CREATE")), encoding="utf-8")
        inserts = [s for s in statements if not s.startswith("CREATE")]
        data.write_text("".join(f"{s};\n" for s in inserts) + "COMMIT;\n", encoding="utf-8")
        return Source(DBConfig(db_type="oracle", schema="TS"), [str(ddl)], [str(data)])

    def execute(self, source: Source, statement: str) -> None:
        raise NotImplementedError("scripts cannot be written to while they are read")


@pytest.fixture
def compliance_harness(tmp_path: Path) -> OracleScriptHarness:
    return OracleScriptHarness(tmp_path)
