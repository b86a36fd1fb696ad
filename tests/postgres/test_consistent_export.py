"""export data reads every table at one snapshot, even while the source is being written to.

A writer moves amounts between two tables in single transactions, so sum(a) + sum(b) is the same in every
consistent snapshot. Tables exported at different moments would (almost surely) break that sum.
"""

from __future__ import annotations

import threading
import time

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags

ROWS = 40000
TOTAL = ROWS * 2 * 100


def test_export_is_consistent_under_concurrent_writes(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            f"""
            CREATE TABLE acc_a (id int PRIMARY KEY, amount bigint NOT NULL, pad text);
            CREATE TABLE acc_b (id int PRIMARY KEY, amount bigint NOT NULL, pad text);
            CREATE TABLE moves (n bigserial PRIMARY KEY, id int NOT NULL);
            INSERT INTO acc_a SELECT g, 100, repeat('x', 200) FROM generate_series(1, {ROWS}) g;
            INSERT INTO acc_b SELECT g, 100, repeat('y', 200) FROM generate_series(1, {ROWS}) g;
            """
        )
    stop = threading.Event()
    moves = 0

    def writer() -> None:
        nonlocal moves
        with pg_server.connect(pg_db, autocommit=False) as conn:
            i = 0
            while not stop.is_set():
                i += 1
                k = 1 + (i * 7919) % ROWS
                conn.execute("UPDATE acc_a SET amount = amount - 1 WHERE id = %s", (k,))
                conn.execute("UPDATE acc_b SET amount = amount + 1 WHERE id = %s", (k,))
                conn.execute("INSERT INTO moves (id) VALUES (%s)", (k,))
                conn.commit()
                moves += 1

    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    run_cli("export", "schema", *e, *src)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        while moves < 50:  # the writer is busy before the export starts
            time.sleep(0.01)
        run_cli("export", "data", *e, *src, "--parallel-jobs", "3", "--disable-pb")
    finally:
        stop.set()
        thread.join()
    assert moves > 100
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    with pg_server.connect(pg_target_db) as conn:
        total = conn.execute(
            "SELECT (SELECT sum(amount) FROM acc_a) + (SELECT sum(amount) FROM acc_b)"
        ).fetchone()[0]
        moved = conn.execute("SELECT count(*) FROM moves").fetchone()[0]
        shifted = conn.execute("SELECT sum(100 - amount) FROM acc_a").fetchone()[0]
    assert total == TOTAL
    assert moved == shifted  # the log table was read at the same instant as the accounts
    assert 0 < moved < moves + 1
