"""Type rules from a config file (``-c``, section ``type-mapping:``) drive both the exported DDL and the data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from mysql_helpers import load_mysql

from tests.conftest import run_cli

SOURCE = """
CREATE TABLE small_ids (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, qty TINYINT(1), label VARCHAR(5));
CREATE TABLE big_ids (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, note VARCHAR(10));
INSERT INTO small_ids (qty, label) VALUES (5, 'a'), (0, 'b'), (NULL, NULL);
INSERT INTO big_ids VALUES (18446744073709551615, 'top');
"""

CONFIG = """
type-mapping:
  rules:
    - name: ids.as.numeric
      source: bigint
      unsigned: true
      target: numeric(20)
    - name: qty.numbers
      source: tinyint
      typemod: "1"
      target: smallint
"""


def _flags(server, db: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--source-db-type", "mysql", "--source-db-host", server.host, "--source-db-port", str(server.port),
            "--source-db-user", server.user, "--source-db-name", db]  # fmt: skip


def test_config_rules_shape_ddl_and_data(
    mysql_server, mysql_db, pg_server, pg_target_db, export_dir, tmp_path
):
    load_mysql(mysql_server, mysql_db, SOURCE)
    config = tmp_path / "migration.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    e = ["-e", str(export_dir), "-c", str(config)]
    env = {"SOURCE_DB_PASSWORD": mysql_server.password} if mysql_server.password else None
    run_cli("export", "schema", *e, *_flags(mysql_server, mysql_db), "--yes", env=env)
    ddl = (export_dir / "schema" / "tables" / "table.sql").read_text(encoding="utf-8")
    # a numeric auto_increment column cannot be an identity: owned sequence + DEFAULT nextval
    assert "id numeric(20) DEFAULT nextval('small_ids_id_seq'::regclass) NOT NULL" in ddl
    assert "qty smallint" in ddl and "IDENTITY" not in ddl
    assert "CREATE SEQUENCE small_ids_id_seq" in (
        export_dir / "schema" / "sequences" / "sequence.sql"
    ).read_text(encoding="utf-8")
    run_cli("analyze-schema", *e, "--output-format", "txt", "--yes")
    report = (export_dir / "reports" / "schema_analysis_report.txt").read_text(encoding="utf-8")
    assert "small_ids.id" in report and "ids.as.numeric" in report
    run_cli("export", "data", *e, *_flags(mysql_server, mysql_db), "--disable-pb", "true", "--yes", env=env)
    tgt = ["--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user",
           pg_server.user, "--target-db-name", pg_target_db]  # fmt: skip
    run_cli("import", "schema", "-e", str(export_dir), *tgt, "--yes")
    run_cli("import", "data", "-e", str(export_dir), *tgt, "--disable-pb", "true", "--yes")
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        # the data follows the rules: numbers stay numbers (not booleans), ids beyond bigint arrive exactly
        assert conn.execute("SELECT id, qty, label FROM small_ids ORDER BY id").fetchall() == [
            (Decimal(1), 5, "a"),
            (Decimal(2), 0, "b"),
            (Decimal(3), None, None),
        ]
        assert conn.execute("SELECT id FROM big_ids").fetchall() == [(Decimal(18446744073709551615),)]
        # the sequence continues after the source's ids
        assert conn.execute("INSERT INTO small_ids (label) VALUES ('new') RETURNING id").fetchall() == [
            (Decimal(4),)
        ]
        # ids beyond a sequence's range: the sequence is at its maximum, so a new row fails instead of
        # getting an id that is already taken
        with pytest.raises(psycopg.errors.SequenceGeneratorLimitExceeded):
            conn.execute("INSERT INTO big_ids (note) VALUES ('next')")


def test_rule_making_auto_increment_unusable_is_refused(mysql_server, mysql_db, export_dir, tmp_path: Path):
    load_mysql(mysql_server, mysql_db, "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY);")
    config = tmp_path / "migration.yaml"
    config.write_text(
        "type-mapping:\n  rules:\n    - {name: ids.as.text, column: t.id, target: text}\n", encoding="utf-8"
    )
    out = run_cli("export", "schema", "-e", str(export_dir), "-c", str(config), *_flags(mysql_server, mysql_db),
                  "--yes", check=False)  # fmt: skip
    text = out.stdout + out.stderr
    assert out.returncode != 0, out
    assert "type rule ids.as.text maps auto_increment column t.id to text" in text, text
    assert "map the column to bigint" in text and "Traceback" not in text
