"""MySQL export data in chunks (primary-key ranges; TRANSSHIP_EXPORT_CHUNK_ROWS makes the tables big enough):
every chunk is read on the one consistent snapshot while a writer moves amounts between two tables — one
chunked by its integer key, one by the first column of a composite key — and logs each move."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

from tests.conftest import run_cli
from tests.mysql.test_consistent_export import NUMBERS

ROWS = 5000


def test_chunks_are_read_on_one_snapshot_under_concurrent_writes(
    mysql_server, mysql_db, pg_server, pg_target_db, export_dir
):
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        for stmt in (
            "CREATE TABLE acc_key (id INT PRIMARY KEY, amount BIGINT NOT NULL, pad VARCHAR(200)) ENGINE=InnoDB",
            "CREATE TABLE acc_pair (grp INT UNSIGNED, id INT, amount BIGINT NOT NULL, pad VARCHAR(200),"
            " PRIMARY KEY (grp, id)) ENGINE=InnoDB",
            "CREATE TABLE moves (n BIGINT AUTO_INCREMENT PRIMARY KEY, id INT NOT NULL) ENGINE=InnoDB",
            f"INSERT INTO acc_key SELECT n, 100, REPEAT('x', 200) FROM ({NUMBERS}) s WHERE n <= {ROWS}",  # noqa: S608
            f"INSERT INTO acc_pair SELECT n, n, 100, REPEAT('y', 200) FROM ({NUMBERS}) s WHERE n <= {ROWS}",  # noqa: S608
            f"INSERT INTO moves (id) SELECT 0 FROM ({NUMBERS}) s WHERE n <= 2000",  # noqa: S608
            "ANALYZE TABLE acc_key, acc_pair, moves",
        ):
            cur.execute(stmt)
            cur.fetchall()
    conn.commit()
    conn.close()
    stop = threading.Event()
    moves = 0
    errors: list[BaseException] = []

    def writer() -> None:
        nonlocal moves
        wconn = mysql_server.connect(mysql_db)
        try:
            with wconn.cursor() as cur:
                cur.execute("SET SESSION autocommit = 0")
                i = 0
                while not stop.is_set():
                    i += 1
                    k = 1 + (i * 7919) % ROWS
                    cur.execute("UPDATE acc_key SET amount = amount - 1 WHERE id = %s", (k,))
                    cur.execute("UPDATE acc_pair SET amount = amount + 1 WHERE grp = %s AND id = %s", (k, k))
                    cur.execute("INSERT INTO moves (id) VALUES (%s)", (k,))
                    wconn.commit()
                    moves += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            wconn.close()

    e = ["-e", str(export_dir)]
    src = ["--source-db-type", "mysql", "--source-db-host", mysql_server.host, "--source-db-port", str(mysql_server.port),
           "--source-db-user", mysql_server.user, "--source-db-name", mysql_db]  # fmt: skip
    env = {"SOURCE_DB_PASSWORD": mysql_server.password} if mysql_server.password else {}
    run_cli("export", "schema", *e, *src, "--yes", env=env)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while moves < 50 and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
        out = run_cli("export", "data", *e, *src, "--parallel-jobs", "3", "--disable-pb", "true", "--yes",
                      env={**env, "TRANSSHIP_EXPORT_CHUNK_ROWS": "500"})  # fmt: skip
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert "one consistent snapshot" in out.stdout + out.stderr, out
    with sqlite3.connect(export_dir / "metainfo" / "meta.db") as db:
        chunks: dict[str, set[str]] = {}
        for name, chunk in db.execute("SELECT source_name, chunk FROM export_tables"):
            chunks.setdefault(name, set()).add(json.loads(chunk)["column"] if chunk else "")
    assert chunks == {"acc_key": {"id"}, "acc_pair": {"grp"}, "moves": {"n"}}
    assert len(list((export_dir / "data").glob("acc_pair+*_data.sql"))) > 3
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user",
           pg_server.user, "--target-db-name", pg_target_db, "--target-db-schema", "public"]  # fmt: skip
    run_cli("import", "schema", *e, *tgt, "--yes")
    run_cli("import", "data", *e, *tgt, "--disable-pb", "true", "--yes")
    with pg_server.connect(pg_target_db) as pg:
        total, shifted, moved, pairs = pg.execute(
            "SELECT (SELECT sum(amount) FROM acc_key) + (SELECT sum(amount) FROM acc_pair),"
            " (SELECT sum(100 - amount) FROM acc_key), (SELECT count(*) FROM moves WHERE id > 0),"
            " (SELECT count(*) FROM acc_pair)"
        ).fetchone()
    assert pairs == ROWS
    assert total == ROWS * 2 * 100
    assert moved == shifted  # the log was read at the same instant as the accounts
    assert 0 < moved <= moves
