"""A MySQL login that sent no password and was refused for it (1045 "using password: NO") asks the installed
password source once, retries once, and keeps the answer for the next connections."""

from __future__ import annotations

import secrets

import pytest

from transship import credentials
from transship.dbconfig import DBConfig
from transship.errors import ConfigError, ConnectionFailed
from transship_mysql.connection import connect


def test_a_missing_password_is_asked_once_and_remembered(mysql_server, mysql_db):  # type: ignore[no-untyped-def]
    user, password = f"p_{mysql_db[-8:]}", "pw-" + secrets.token_hex(6)
    asked: list[tuple[str, str, str]] = []
    answers = iter(["wrong-" + secrets.token_hex(4), password])

    def ask(side: str, name: str, host: str) -> str:
        asked.append((side, name, host))
        return next(answers)

    root = mysql_server.connect()
    previous = credentials.set_password_source(ask)
    try:
        with root.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
            cur.execute(f"GRANT SELECT ON `{mysql_db}`.* TO '{user}'@'%'")
        where = f"{mysql_server.host}:{mysql_server.port}"
        # a wrong answer: tried once more, then the one-line login error (no second question)
        wrong = DBConfig(host=mysql_server.host, port=mysql_server.port, user=user, name=mysql_db)
        with pytest.raises(ConnectionFailed, match="access denied"):
            connect(wrong)
        assert asked == [("source", user, where)]
        # the right answer is kept in the config: the second connection does not ask
        cfg = DBConfig(host=mysql_server.host, port=mysql_server.port, user=user, name=mysql_db)
        for _ in range(2):
            conn = connect(cfg)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT CURRENT_USER()")
                    assert cur.fetchone()[0].startswith(user + "@")
            finally:
                conn.close()
        assert asked == [("source", user, where)] * 2 and cfg.password == password
        # no source installed: the login error at once
        credentials.set_password_source(None)
        with pytest.raises(ConnectionFailed, match="access denied"):
            connect(DBConfig(host=mysql_server.host, port=mysql_server.port, user=user, name=mysql_db))
    finally:
        credentials.set_password_source(previous)
        with root.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        root.close()


def test_no_question_without_a_user() -> None:
    cfg = DBConfig(host="127.0.0.1", port=3306)
    with pytest.raises(ConfigError, match="no source database user is given"):
        credentials.supply(cfg, "source", "127.0.0.1:3306")
