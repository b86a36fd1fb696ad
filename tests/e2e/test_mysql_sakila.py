"""MariaDB Sakila (../shared/datasets/mysql-sakila) → PostgreSQL through the CLI: schema with zero failures,
equal rows in every table, equal view results, working functions and triggers, procedures reported."""

from __future__ import annotations

import re
from decimal import Decimal

import psycopg
import pytest

from tests.conftest import shared_path
from tests.mysql.mysql_flow import compare_tables, migrate, mysql_rows, pg_rows
from tests.mysql.mysql_helpers import load_mysql

pytestmark = [pytest.mark.e2e, pytest.mark.shared]
VIEWS = [
    "actor_info",
    "customer_list",
    "film_list",
    "nicer_but_slower_film_list",
    "sales_by_film_category",
    "sales_by_store",
    "staff_list",
]


def _load_sakila(mysql_server, db: str) -> None:
    folder = shared_path("datasets", "mysql-sakila")
    schema = (folder / "sakila-schema.sql").read_text(encoding="utf-8")
    schema = re.sub(r"\bsakila\b", db, schema)  # CREATE SCHEMA/USE and the qualifiers inside actor_info
    data = (folder / "sakila-data.sql").read_text(encoding="utf-8").replace("USE sakila;", f"USE {db};")
    for script in (schema, data):
        load_mysql(mysql_server, db, script)


def _sorted_view(rows: list[tuple]) -> list[tuple]:
    """GROUP_CONCAT without ORDER BY has no defined order on either side: compare its items as a set."""
    out = []
    for row in rows:
        out.append(
            tuple(", ".join(sorted(v.split(", "))) if isinstance(v, str) and ", " in v else v for v in row)
        )
    return sorted(out, key=repr)


def test_sakila_migrates(mysql_server, mysql_db, pg_server, pg_target_db, export_dir):
    _load_sakila(mysql_server, mysql_db)
    out = migrate(export_dir, mysql_server, mysql_db, pg_server, pg_target_db, "sakila")
    assert "failed" not in out["import schema"].stdout, out["import schema"]
    assert "all 16 table(s) match, content proven for every table" in out["verify"].stdout, out["verify"]
    counts = compare_tables(mysql_server, mysql_db, pg_server, pg_target_db, "sakila")
    assert counts["rental"] == 16044 and counts["payment"] == 16049 and len(counts) == 16
    for view in VIEWS:
        src = mysql_rows(mysql_server, mysql_db, f"SELECT * FROM `{view}`")  # noqa: S608 - fixed names
        tgt = pg_rows(pg_server, pg_target_db, "sakila", f"SELECT * FROM {view}")  # noqa: S608 - fixed names
        assert _sorted_view(src) == _sorted_view(tgt), view
    # converted functions return what MySQL returns
    for cid in (1, 42, 599):
        q = f"get_customer_balance({cid}, '2005-08-01 00:00:00')"
        assert pg_rows(pg_server, pg_target_db, "sakila", f"SELECT {q}") == mysql_rows(
            mysql_server, mysql_db, f"SELECT {q}"
        )
    for inv in (1, 9, 4581):
        (src_row,) = mysql_rows(
            mysql_server, mysql_db, f"SELECT inventory_in_stock({inv}), inventory_held_by_customer({inv})"
        )
        (tgt_row,) = pg_rows(
            pg_server,
            pg_target_db,
            "sakila",
            f"SELECT inventory_in_stock({inv}), inventory_held_by_customer({inv})",
        )
        assert tgt_row == src_row
    # triggers work: a new film gets its film_text row, its id continues after the source's ids
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        conn.execute("SET search_path TO sakila")
        (film_id,) = conn.execute(
            "INSERT INTO film (title, language_id) VALUES ('NEW FILM', 1) RETURNING film_id"
        ).fetchone()  # type: ignore[misc]
        assert film_id == 1001
        assert conn.execute("SELECT title FROM film_text WHERE film_id = 1001").fetchone() == ("NEW FILM",)
        conn.execute("UPDATE film SET title = 'RENAMED' WHERE film_id = 1001")
        assert conn.execute("SELECT title FROM film_text WHERE film_id = 1001").fetchone() == ("RENAMED",)
        assert conn.execute("SELECT rental_rate FROM film WHERE film_id = 1001").fetchone() == (
            Decimal("4.99"),
        )
        # del_film removes the film_text row of a deleted film
        conn.execute("DELETE FROM film WHERE film_id = 1001")
        assert conn.execute("SELECT count(*) FROM film_text WHERE film_id = 1001").fetchone() == (0,)
        # customer_create_date, rental_date and payment_date overwrite the given date with NOW() (the
        # transaction's start, as LOCALTIMESTAMP: the columns are timestamp without time zone)
        old = "'2001-01-01 00:00:00'"
        (customer_id,) = conn.execute(
            "INSERT INTO customer (store_id, first_name, last_name, address_id, active, create_date)"
            f" VALUES (1, 'ANN', 'NEW', 1, true, {old}) RETURNING customer_id"
        ).fetchone()  # type: ignore[misc]
        (rental_id,) = conn.execute(
            "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)"
            f" VALUES ({old}, 1, %s, 1) RETURNING rental_id",
            (customer_id,),
        ).fetchone()  # type: ignore[misc]
        (payment_id,) = conn.execute(
            "INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)"
            f" VALUES (%s, 1, %s, 2.99, {old}) RETURNING payment_id",
            (customer_id, rental_id),
        ).fetchone()  # type: ignore[misc]
        assert (customer_id, rental_id, payment_id) == (600, 16050, 16050)
        assert conn.execute(
            "SELECT (SELECT create_date FROM customer WHERE customer_id = %s) = LOCALTIMESTAMP,"
            " (SELECT rental_date FROM rental WHERE rental_id = %s) = LOCALTIMESTAMP,"
            " (SELECT payment_date FROM payment WHERE payment_id = %s) = LOCALTIMESTAMP",
            (customer_id, rental_id, payment_id),
        ).fetchone() == (True, True, True)
    # procedures returning result sets are in the analysis report, with their original text kept
    report = (export_dir / "reports" / "schema_analysis_report.txt").read_text(encoding="utf-8")
    for proc in ("film_in_stock", "film_not_in_stock", "rewards_report"):
        assert proc in report
        assert proc in (export_dir / "schema" / "procedures" / "procedure.sql").read_text(encoding="utf-8")
