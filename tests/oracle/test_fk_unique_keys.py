"""Oracle foreign keys reference a primary key or a unique constraint, never a bare unique index (Oracle refuses
that, ORA-02270), so the converted schema always has the key with the table: a unique constraint enforced by
an index created before it (USING INDEX) becomes one UNIQUE constraint in CREATE TABLE, and import schema
applies every foreign key in one round, before the indexes (issue 14; script mode, no Oracle server)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.conftest import run_cli

SCHEMA = """
CREATE TABLE codes (id NUMBER(9) PRIMARY KEY, code VARCHAR2(10) NOT NULL, grp NUMBER(9), label VARCHAR2(20));
CREATE UNIQUE INDEX codes_code_ux ON codes (code);
ALTER TABLE codes ADD CONSTRAINT codes_code_uk UNIQUE (code) USING INDEX codes_code_ux;
CREATE UNIQUE INDEX codes_label_ux ON codes (UPPER(label));
CREATE INDEX codes_grp_ix ON codes (grp);
CREATE TABLE uses (
  id NUMBER(9) PRIMARY KEY,
  code VARCHAR2(10) CONSTRAINT uses_code_fk REFERENCES codes (code),
  code_id NUMBER(9),
  CONSTRAINT uses_code_id_fk FOREIGN KEY (code_id) REFERENCES codes
);
"""
DATA = """
INSERT INTO codes VALUES (1, 'A', 1, 'one');
INSERT INTO codes VALUES (2, 'B', 1, 'two');
INSERT INTO uses VALUES (10, 'B', 1);
INSERT INTO uses VALUES (11, NULL, 2);
"""


def test_oracle_fks_on_a_unique_constraint_and_a_primary_key(
    export_dir: Path, pg_server, pg_target_db, tmp_path
):  # type: ignore[no-untyped-def]
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "data.sql").write_text(DATA, encoding="utf-8")
    e = ["-e", str(export_dir)]
    src = [
        "--source-db-type",
        "oracle",
        "--source-db-schema",
        "shop",
        "--source-ddl-file",
        str(tmp_path / "schema.sql"),
    ]
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user", pg_server.user,
           "--target-db-name", pg_target_db, "--target-db-schema", "shop"]  # fmt: skip
    run_cli("export", "schema", *e, *src)
    tables = (export_dir / "schema" / "tables" / "table.sql").read_text(encoding="utf-8")
    assert (
        "    CONSTRAINT codes_code_uk UNIQUE (code)\n);" in tables
    )  # in CREATE TABLE, before every foreign key
    indexes = (export_dir / "schema" / "tables" / "INDEXES_table.sql").read_text(encoding="utf-8")
    assert "codes_code_ux" not in indexes  # the constraint's own index, not a second one
    run_cli(
        "export", "data", *e, *src, "--source-data-file", str(tmp_path / "data.sql"), "--disable-pb", "true"
    )
    run_cli("import", "schema", *e, *tgt)
    log = (export_dir / "logs" / "import-schema.log").read_text(encoding="utf-8")
    assert "retrying" not in log and "go before the foreign key" not in log, log
    run_cli("import", "data", *e, *tgt, "--disable-pb", "true")
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        conn.execute("SET search_path TO shop")
        assert conn.execute(
            "SELECT conname, conindid::regclass::text FROM pg_constraint WHERE contype = 'f' ORDER BY 1"
        ).fetchall() == [("uses_code_fk", "codes_code_uk"), ("uses_code_id_fk", "codes_pkey")]
        assert conn.execute("SELECT u.id, c.id FROM uses u JOIN codes c USING (code)").fetchall() == [(10, 2)]
