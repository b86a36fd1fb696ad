"""MySQL export data reads every table at one point in time, even while the source is being written to.

A writer moves amounts between two InnoDB tables in single transactions and logs each move, so in every
consistent snapshot sum(a) + sum(b) is constant and the log holds exactly the moves applied to the accounts.
Tables read at different moments (by the 3 parallel readers) would almost surely break both.
"""

from __future__ import annotations

import threading
import time

from tests.conftest import run_cli

ROWS = 40000
TOTAL = ROWS * 2 * 100
DIGITS = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
NUMBERS = (
    f"SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n "
    f"FROM {DIGITS} a, {DIGITS} b, {DIGITS} c, {DIGITS} e, {DIGITS} f"
)


def test_export_is_consistent_under_concurrent_writes(
    mysql_server, mysql_db, pg_server, pg_target_db, export_dir
):
    conn = mysql_server.connect(mysql_db)
    with conn.cursor() as cur:
        for stmt in (
            "CREATE TABLE acc_a (id INT PRIMARY KEY, amount BIGINT NOT NULL, pad VARCHAR(200)) ENGINE=InnoDB",
            "CREATE TABLE acc_b (id INT PRIMARY KEY, amount BIGINT NOT NULL, pad VARCHAR(200)) ENGINE=InnoDB",
            "CREATE TABLE moves (n BIGINT AUTO_INCREMENT PRIMARY KEY, id INT NOT NULL) ENGINE=InnoDB",
            f"INSERT INTO acc_a SELECT n, 100, REPEAT('x', 200) FROM ({NUMBERS}) s WHERE n <= {ROWS}",  # noqa: S608
            f"INSERT INTO acc_b SELECT n, 100, REPEAT('y', 200) FROM ({NUMBERS}) s WHERE n <= {ROWS}",  # noqa: S608
        ):
            cur.execute(stmt)
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
                    cur.execute("UPDATE acc_a SET amount = amount - 1 WHERE id = %s", (k,))
                    cur.execute("UPDATE acc_b SET amount = amount + 1 WHERE id = %s", (k,))
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
    env = {"SOURCE_DB_PASSWORD": mysql_server.password} if mysql_server.password else None
    run_cli("export", "schema", *e, *src, "--yes", env=env)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while moves < 50 and not errors and time.monotonic() < deadline:  # the writer is busy first
            time.sleep(0.01)
        out = run_cli(
            "export", "data", *e, *src, "--parallel-jobs", "3", "--disable-pb", "true", "--yes", env=env
        )
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert moves > 100
    assert "one consistent snapshot" in out.stdout + out.stderr, out
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user",
           pg_server.user, "--target-db-name", pg_target_db, "--target-db-schema", "public"]  # fmt: skip
    run_cli("import", "schema", *e, *tgt, "--yes")
    run_cli("import", "data", *e, *tgt, "--disable-pb", "true", "--yes")
    with pg_server.connect(pg_target_db) as pg:
        total = pg.execute(
            "SELECT (SELECT sum(amount) FROM acc_a) + (SELECT sum(amount) FROM acc_b)"
        ).fetchone()
        moved = pg.execute("SELECT count(*) FROM moves").fetchone()
        shifted = pg.execute("SELECT sum(100 - amount) FROM acc_a").fetchone()
        rows = pg.execute("SELECT (SELECT count(*) FROM acc_a), (SELECT count(*) FROM acc_b)").fetchone()
    assert rows == (ROWS, ROWS)
    assert total == (TOTAL,)
    assert moved == shifted  # the log table was read at the same instant as the accounts
    assert 0 < moved[0] <= moves  # type: ignore[index]
