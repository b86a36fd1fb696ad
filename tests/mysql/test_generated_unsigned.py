"""Generated columns whose stored values MySQL clipped, the plain-column opt-out, and UNSIGNED on the target.

MySQL in non-strict mode stores (or, for VIRTUAL columns, returns) a generated value cut to fit the column
(``999.99`` for ``5000`` in ``DECIMAL(5,2)``); PostgreSQL computes the expression afresh. ``export data``
compares the two inside MySQL and stops; ``type-mapping: plain-generated-columns`` loads MySQL's values.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from mysql_helpers import adapter_for

from tests.conftest import run_cli
from tests.mysql.mysql_flow import migrate
from transship.errors import ConfigError
from transship.typemap import parse_rules

GENERATED = """
SET SESSION sql_mode = '';
CREATE TABLE price (id INT PRIMARY KEY, a INT, total DECIMAL(5,2) AS (a * 1000) STORED);
INSERT INTO price (id, a) VALUES (1, NULL), (2, 5), (3, 0), (4, 7);
CREATE TABLE vprice (id INT PRIMARY KEY, a INT, total DECIMAL(5,2) AS (a * 1000) VIRTUAL);
INSERT INTO vprice (id, a) VALUES (1, 1), (2, 0);
CREATE TABLE calc (
  id INT PRIMARY KEY, a INT, name VARCHAR(20),
  twice DECIMAL(10,2) AS (a * 2) STORED,
  third DECIMAL(6,2) AS (a / 3) STORED,
  tenth FLOAT AS (a * 0.1) VIRTUAL,
  shout VARCHAR(20) AS (UPPER(name)) STORED,
  u INT UNSIGNED, bu BIGINT UNSIGNED, du DECIMAL(5,2) UNSIGNED, fu DOUBLE UNSIGNED, z SMALLINT(4) UNSIGNED ZEROFILL,
  ut INT UNSIGNED
);
INSERT INTO calc (id, a, name, u, bu, du, fu, z, ut) VALUES
  (1, 1, 'ab', 0, 18446744073709551615, 999.99, 1.5, 7, 3), (2, 200, 'Ünï', 4294967295, 0, 0, 0, 0, 0),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE a_table_name_of_sixty_characters_xxxxxxxxxxxxxxxxxxxxxxxxxxxx (
  id INT PRIMARY KEY, quantity_in_stock INT UNSIGNED
);
INSERT INTO a_table_name_of_sixty_characters_xxxxxxxxxxxxxxxxxxxxxxxxxxxx VALUES (1, 5);
"""

PLAIN = """
type-mapping:
  plain-generated-columns: [price.total, "vprice.*"]
  rules:
    - {column: calc.ut, target: text}
"""


def _src(server, db: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--source-db-type", "mysql", "--source-db-host", server.host, "--source-db-port", str(server.port),
            "--source-db-user", server.user, "--source-db-name", db]  # fmt: skip


def _tgt(pg, db: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--target-db-host", pg.host, "--target-db-port", str(pg.port), "--target-db-user", pg.user,
            "--target-db-name", db, "--target-db-schema", "public"]  # fmt: skip


def test_clipped_generated_values_stop_export_data(
    mysql_server, mysql_db, pg_server, pg_target_db, export_dir, load
):
    load(GENERATED)
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *_src(mysql_server, mysql_db), "--yes")
    ddl = (export_dir / "schema" / "tables" / "table.sql").read_text(encoding="utf-8")
    assert "total numeric(5,2) GENERATED ALWAYS AS (a * 1000) STORED" in ddl
    run_cli("analyze-schema", *e, "--output-format", "txt", "--yes")
    report = (export_dir / "reports" / "schema_analysis_report.txt").read_text(encoding="utf-8")
    # the user learns of the check before export data: one note per kept column whose type can clip
    assert "price.total" in report and "vprice.total" in report and "calc.shout" in report
    assert "export data compares" in report
    # every kept column is noted (the target computes a converted expression); a signed FLOAT cannot be clipped
    tenth = report[report.index("calc.tenth") :].split("Issue in Object")[0]
    assert "PostgreSQL computes" in tenth and "export data compares" not in tenth
    run_cli("import", "schema", *e, *_tgt(pg_server, pg_target_db), "--yes")

    out = run_cli("export", "data", *e, *_src(mysql_server, mysql_db), "--disable-pb", "true", "--yes",
                  check=False)  # fmt: skip
    text = out.stdout + out.stderr
    assert out.returncode != 0, out
    assert "Traceback" not in text, text
    line = next(ln for ln in text.splitlines() if "price.total" in ln)
    assert "2 row(s)" in line and "id=2" in line and "id=4" in line and "id=1" not in line, line
    assert "vprice.total" in line and "plain-generated-columns" in line and "correct" in line, line
    assert "calc." not in line  # rounding to the column's scale and FLOAT precision are no difference

    # nothing was exported as done, so nothing can be imported as a success
    imp = run_cli("import", "data", *e, *_tgt(pg_server, pg_target_db), "--disable-pb", "true", "--yes",
                  check=False)  # fmt: skip
    assert imp.returncode != 0 and "export data has not finished" in imp.stdout + imp.stderr, imp
    with psycopg.connect(pg_server.conninfo(pg_target_db)) as conn:
        assert conn.execute("SELECT count(*) FROM price").fetchone() == (0,)


def test_plain_generated_columns_keep_mysql_values_and_unsigned_is_checked(
    mysql_server, mysql_db, pg_server, pg_target_db, export_dir, load, tmp_path: Path
):
    load(GENERATED)
    config = tmp_path / "migration.yaml"
    config.write_text(PLAIN, encoding="utf-8")
    out = migrate(export_dir, mysql_server, mysql_db, pg_server, pg_target_db, "public", config=config)
    assert "failed" not in out["import schema"].stdout
    ddl = (export_dir / "schema" / "tables" / "table.sql").read_text(encoding="utf-8")
    assert "    total numeric(5,2),\n" in ddl and "(a * 1000)" not in ddl  # plain: no GENERATED
    assert "twice numeric(10,2) GENERATED ALWAYS AS (a * 2) STORED" in ddl
    assert "CONSTRAINT calc_u_unsigned CHECK (u >= 0)" in ddl
    assert "CONSTRAINT calc_bu_unsigned CHECK (bu >= 0 AND bu <= 18446744073709551615)" in ddl
    report = (export_dir / "reports" / "schema_analysis_report.txt").read_text(encoding="utf-8")
    assert "plain column" in report and "calc.ut" in report

    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        # the plain columns hold MySQL's stored (clipped) values exactly
        assert conn.execute("SELECT id, total FROM price ORDER BY id").fetchall() == [
            (1, None), (2, Decimal("999.99")), (3, Decimal("0.00")), (4, Decimal("999.99")),
        ]  # fmt: skip
        assert conn.execute("SELECT id, total FROM vprice ORDER BY id").fetchall() == [
            (1, Decimal("999.99")), (2, Decimal("0.00")),
        ]  # fmt: skip
        # unclipped generated columns migrated, and the target computes them
        assert conn.execute("SELECT id, twice, third, shout FROM calc ORDER BY id").fetchall() == [
            (1, Decimal("2.00"), Decimal("0.33"), "AB"), (2, Decimal("400.00"), Decimal("66.67"), "ÜNÏ"),
            (3, None, None, None),
        ]  # fmt: skip
        conn.execute("INSERT INTO calc (id, a, name) VALUES (4, 30, 'x')")
        assert conn.execute("SELECT twice, third, shout FROM calc WHERE id = 4").fetchone() == (
            Decimal("60.00"), Decimal("10.00"), "X",
        )  # fmt: skip
        # unsigned: the values arrived, and negatives (or values above 2^64-1) are refused
        assert conn.execute("SELECT u, bu, du, fu, z FROM calc WHERE id <= 2 ORDER BY id").fetchall() == [
            (0, Decimal(18446744073709551615), Decimal("999.99"), 1.5, 7), (4294967295, Decimal(0), Decimal("0.00"), 0.0, 0),
        ]  # fmt: skip
        for column, value in (("u", "-1"), ("bu", "-1"), ("bu", "18446744073709551616"), ("du", "-0.01"),
                              ("fu", "-1e-9"), ("z", "-1")):  # fmt: skip
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(f"INSERT INTO calc (id, {column}) VALUES (9, {value})")  # noqa: S608 - test values
        long_table = "a_table_name_of_sixty_characters_xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            conn.execute(f"INSERT INTO {long_table} VALUES (2, -1)")  # noqa: S608 - test names
        assert len(refused.value.diag.constraint_name or "x" * 64) <= 63


def test_plain_generated_columns_config_is_validated(mysql_server, mysql_db, load):
    load("CREATE TABLE t (id INT PRIMARY KEY, g INT AS (id + 1) STORED);")
    # a name without glob characters that names no generated column is a typo: refused, named
    adapter = adapter_for(mysql_server, mysql_db, {"plain-generated-columns": ["t.id"]})
    with pytest.raises(ConfigError, match=r"plain-generated-columns entry 't\.id' names no generated column"):
        adapter.convert_catalog()
    # a glob may match nothing
    adapter = adapter_for(mysql_server, mysql_db, {"plain-generated-columns": ["other.*", "T.G"]})
    table = adapter.convert_catalog().catalog.tables[0]
    assert table.column("g").generated is None  # matched case-insensitively: plain
    for bad in ("t.g", [1], ["nodot"]):
        with pytest.raises(ConfigError, match="plain-generated-columns"):
            parse_rules({"plain-generated-columns": bad}, "mysql")
    with pytest.raises(ConfigError, match="unknown keys: rule") as unknown:
        parse_rules({"rule": []}, "mysql")
    assert "plain-generated-columns" in str(unknown.value.fix)  # the fix lists the accepted keys


def test_unsigned_check_names_stay_unique(mysql_server, mysql_db, load):
    load(
        "CREATE TABLE t (id INT PRIMARY KEY, u INT UNSIGNED, f TINYINT(1) UNSIGNED, "
        "CONSTRAINT t_u_unsigned CHECK (u < 100));"
    )
    table = adapter_for(mysql_server, mysql_db).convert_catalog().catalog.tables[0]
    checks = {c.name: c.expression for c in table.constraints if c.kind == "check"}
    # the source's own check keeps its name; ours is numbered; a boolean cannot be negative: no check
    assert checks == {"t_u_unsigned": "u < 100", "t_u_unsigned_2": "u >= 0"}
