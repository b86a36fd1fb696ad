"""MySQL foreign keys that reference a UNIQUE KEY rather than the primary key arrive with their key (issue 14).

A plain UNIQUE KEY becomes a unique constraint, created with its table. One PostgreSQL cannot take as a
constraint (here: a descending column) becomes a CREATE UNIQUE INDEX in INDEXES_table.sql, applied after the
foreign keys of tables/table.sql: import schema moves it in front of the foreign key that references it.
"""

from __future__ import annotations

import psycopg

from tests.mysql.mysql_flow import migrate

SOURCE = """
CREATE TABLE parent (
  id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, rank_no INT NOT NULL, grp INT,
  UNIQUE KEY uk_code (code), UNIQUE KEY uk_rank (rank_no DESC), KEY ix_grp (grp)
) ENGINE=InnoDB;
CREATE TABLE child (
  id INT PRIMARY KEY, pcode VARCHAR(20), prank INT,
  CONSTRAINT fk_code FOREIGN KEY (pcode) REFERENCES parent (code),
  CONSTRAINT fk_rank FOREIGN KEY (prank) REFERENCES parent (rank_no)
) ENGINE=InnoDB;
INSERT INTO parent VALUES (1, 'a', 30, 1), (2, 'b', 20, 1), (3, 'c', 10, 2);
INSERT INTO child VALUES (1, 'a', 10), (2, 'c', 30), (3, NULL, 20), (4, 'b', NULL);
"""


def test_fks_on_a_unique_key_and_on_a_unique_index_through_the_mysql_workflow(
    mysql_server, mysql_db, pg_server, pg_target_db, load, export_dir
):
    load(SOURCE)
    out = migrate(export_dir, mysql_server, mysql_db, pg_server, pg_target_db, "shop")
    indexes = (export_dir / "schema" / "tables" / "INDEXES_table.sql").read_text(encoding="utf-8")
    assert "CREATE UNIQUE INDEX parent_uk_rank ON parent (rank_no DESC);" in indexes  # not a constraint
    log = (export_dir / "logs" / "import-schema.log").read_text(encoding="utf-8")
    assert "1 unique index(es) go before the foreign key(s) referencing their columns" in log
    assert "retrying" not in log
    # deferred as before: ix_grp, child's indexes on its foreign key columns and child's primary key; parent's keys
    # (all referenced) stay
    assert "4 index(es) are dropped for the load" in out["import data"].stdout, out["import data"]
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        conn.execute("SET search_path TO shop")
        fks = conn.execute(
            "SELECT conname, conindid::regclass::text FROM pg_constraint WHERE contype = 'f' ORDER BY 1"
        ).fetchall()
        assert fks == [("fk_code", "parent_uk_code"), ("fk_rank", "parent_uk_rank")]
        assert conn.execute(
            "SELECT c.id, p.id FROM child c LEFT JOIN parent p ON p.rank_no = c.prank ORDER BY 1"
        ).fetchall() == [(1, 3), (2, 1), (3, 2), (4, None)]
