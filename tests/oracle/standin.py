"""A DB-API stand-in for python-oracledb, replaying recorded Oracle dictionary result sets.

No Oracle server can run on this machine, so this is the one place where a database is replaced by a
stand-in: ``fixtures/hr_dictionary.json`` holds result sets shaped exactly like Oracle 19c's ``ALL_*``
views for the HR sample schema (plus one extra table, ``EMP_AUDIT``, for identity, partition, bitmap
and function-based index paths). Table data is given as the Python values python-oracledb returns
(``Decimal``, ``datetime``, ``timedelta``, ``bytes``, ``float`` and LOB objects read in chunks).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from transship_oracle.dictionary import QUERIES

FIXTURES = Path(__file__).parent / "fixtures"
_BY_SQL = {sql: name for name, sql in QUERIES.items()}


class OraErrorInfo:
    """Shaped like ``oracledb._Error`` (what ``exc.args[0]`` holds)."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.full_code = f"ORA-{code:05d}"
        self.message = f"{self.full_code}: {message}"

    def __str__(self) -> str:
        return self.message


class OraError(Exception):
    """Shaped like ``oracledb.DatabaseError``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(OraErrorInfo(code, message))


class FakeLob:
    """A CLOB/BLOB read in chunks with 1-based offsets, like ``oracledb.LOB``."""

    def __init__(self, value: str | bytes) -> None:
        self.value = value
        self.reads = 0
        self.type = type(
            "DbType", (), {"name": "DB_TYPE_CLOB" if isinstance(value, str) else "DB_TYPE_BLOB"}
        )()

    def size(self) -> int:
        return len(self.value)

    def read(self, offset: int = 1, amount: int | None = None) -> str | bytes:
        self.reads += 1
        start = offset - 1
        return self.value[start : start + (amount or len(self.value))]


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self.rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[str, ...]] = []
        self.arraysize = 100
        self.prefetchrows = 2

    def execute(self, sql: str, params: dict[str, Any] | None = None, **kwargs: Any) -> None:
        params = {**(params or {}), **kwargs}
        self.conn.executed.append((sql, params))
        if self.conn.fail_on and self.conn.fail_on[0] in sql:
            raise OraError(*self.conn.fail_on[1])
        name = _BY_SQL.get(sql)
        if name is not None:
            if params.get("owner") != self.conn.owner:
                rows: list[dict[str, Any]] = []
            else:
                rows = self.conn.dictionary.get(name, [])
            cols = list(rows[0]) if rows else ["X"]
            self.description = [(c,) for c in cols]
            self.rows = [tuple(r[c] for c in cols) for r in rows]
            return
        if "nls_database_parameters" in sql:
            self.description, self.rows = [("VALUE",)], [(self.conn.charset,)]
            return
        if "current_scn" in sql:
            self.description, self.rows = [("CURRENT_SCN",)], [(self.conn.scn,)]
            return
        if sql.startswith(("ALTER SESSION", "SET TRANSACTION")):
            self.rows = []
            return
        if "FROM all_sequences" in sql:
            last = [
                r["LAST_NUMBER"]
                for r in self.conn.dictionary["sequences"]
                if r["SEQUENCE_NAME"] == params["name"]
            ]
            self.description, self.rows = [("LAST_NUMBER",)], [(last[0],)] if last else []
            return
        if (
            sql.startswith("SELECT") and self.conn.run_selects
        ):  # verify's digest queries, run on the recorded rows
            from tests.oracle.oracle_sql import run

            names, rows = run(
                sql,
                params,
                {t: {"columns": d["columns"], "rows": d["rows"]} for t, d in self.conn.data.items()},
            )
            self.description, self.rows = [(n,) for n in names], rows
            return
        m = re.match(r'SELECT (.*) FROM "(\w+)"\."(\w+)"( AS OF SCN :scn)?$', sql)
        if m:
            table = m.group(3)
            wanted = [re.sub(r'^.*"(\w+)".*$', r"\1", e.strip()) for e in _split_select(m.group(1))]
            data = self.conn.data.get(table, {"columns": wanted, "rows": []})
            index = [data["columns"].index(c) for c in wanted]
            self.description = [(c,) for c in wanted]
            self.rows = [tuple(row[k] for k in index) for row in data["rows"]]
            self.conn.scn_used.append(params.get("scn"))
            return
        raise AssertionError(f"stand-in does not know this query: {sql}")

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows.pop(0) if self.rows else None

    def fetchmany(self) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows[: self.arraysize], self.rows[self.arraysize :]
        return rows

    def close(self) -> None:
        pass


def _split_select(text: str) -> list[str]:
    parts, depth, buf = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
    parts.append(buf)
    return parts


class FakeConnection:
    version = "19.21.0.0.0"

    def __init__(self, driver: FakeDriver) -> None:
        self.dictionary = driver.dictionary
        self.data = driver.data
        self.owner = driver.owner
        self.scn = driver.scn
        self.fail_on = driver.fail_on
        self.executed = driver.executed
        self.scn_used = driver.scn_used
        self.outputtypehandler = None
        self.run_selects = driver.run_selects
        self.charset = driver.charset
        self.closed = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True


class FakeDriver:
    """Stands in for the ``oracledb`` module: ``connect(**params)`` returns a FakeConnection."""

    def __init__(self, data: dict[str, Any] | None = None, owner: str = "HR", login_error: tuple[int, str] | None = None,
                 fail_on: tuple[str, tuple[int, str]] | None = None) -> None:  # fmt: skip
        self.dictionary = json.loads((FIXTURES / "hr_dictionary.json").read_text(encoding="utf-8"))
        self.data = data or {}
        self.owner = owner
        self.scn = 48211763
        self.login_error = login_error
        self.fail_on = fail_on
        self.connects: list[dict[str, Any]] = []
        self.executed: list[tuple[str, dict[str, Any]]] = []
        self.scn_used: list[Any] = []
        self.run_selects = False  # True: SELECTs no fixture answers are run by tests/oracle/oracle_sql.py
        self.charset = "AL32UTF8"  # NLS_CHARACTERSET

    def connect(self, **params: Any) -> FakeConnection:
        self.connects.append(params)
        if self.login_error:
            raise OraError(*self.login_error)
        return FakeConnection(self)
