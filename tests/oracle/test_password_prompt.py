"""An Oracle login without a password (ORA-01005, DPY-4001 in thin mode, or ORA-01017) asks the installed
password source once and retries once; a wrong answer is the usual one-line ORA-01017 error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.oracle.standin import OraError
from transship import credentials
from transship.dbconfig import DBConfig
from transship.errors import ConnectionFailed
from transship_oracle.connect import connect


class PasswordDriver:
    """Stands in for ``oracledb``: refuses an empty password with ``code``, a wrong one with ORA-01017."""

    def __init__(self, password: str, code: int = 1005) -> None:
        self.password = password
        self.code = code
        self.tries: list[str] = []

    def connect(self, **params: Any) -> str:
        self.tries.append(params["password"])
        if not params["password"]:
            raise OraError(self.code, "null password given; logon denied")
        if params["password"] != self.password:
            raise OraError(1017, "invalid username/password; logon denied")
        return "connection"


def _config() -> DBConfig:
    return DBConfig(db_type="oracle", host="ora.example", port=1521, user="hr", name="ORCLPDB1")


@pytest.mark.parametrize("code", [1005, 1017])
def test_a_missing_password_is_asked_once(code: int) -> None:
    asked: list[tuple[str, str, str]] = []
    driver = PasswordDriver("tiger", code)
    previous = credentials.set_password_source(lambda *key: asked.append(key) or "tiger")
    try:
        cfg = _config()
        assert connect(cfg, driver) == "connection"
        assert connect(cfg, driver) == "connection"  # remembered: no second question
    finally:
        credentials.set_password_source(previous)
    assert asked == [("source", "hr", "ora.example:1521")]
    assert driver.tries == ["", "tiger", "tiger"]


def test_a_wrong_answer_or_no_source_is_one_line() -> None:
    driver = PasswordDriver("tiger")
    previous = credentials.set_password_source(lambda *key: "lion")
    try:
        with pytest.raises(ConnectionFailed, match="ORA-01017"):
            connect(_config(), driver)
        assert driver.tries == ["", "lion"]  # one retry, no loop
        credentials.set_password_source(None)
        with pytest.raises(ConnectionFailed) as err:
            connect(_config(), driver)
        assert "no password was given (ORA-01005)" in err.value.one_line()
        assert "SOURCE_DB_PASSWORD" in err.value.one_line()
    finally:
        credentials.set_password_source(previous)
