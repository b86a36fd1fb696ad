"""Awkward names migrate and stay queryable; bad input gives one clear line."""

from __future__ import annotations

import pymysql
import pytest
from mysql_helpers import adapter_for, copy_data, export_and_apply, pg_rows

from transship.dbconfig import DBConfig
from transship.errors import ConfigError, ConnectionFailed
from transship_mysql.adapter import MySQLAdapter
from transship_mysql.connection import translate_error

NAMES = """
CREATE TABLE `Select` (`Order` INT NOT NULL AUTO_INCREMENT PRIMARY KEY, `Mixed Case` VARCHAR(10), `with-dash` INT, `user` TEXT,
  KEY `Idx Mixed` (`Mixed Case`));
CREATE TABLE `my table` (`from` INT NOT NULL, `Select_Order` INT NOT NULL, CONSTRAINT `fk sel` FOREIGN KEY (`Select_Order`) REFERENCES `Select` (`Order`));
INSERT INTO `Select` (`Mixed Case`, `with-dash`, `user`) VALUES ('a', 1, 'x'), ('b', 2, NULL);
INSERT INTO `my table` VALUES (7, 2);
CREATE VIEW `Odd View` AS SELECT s.`Order` AS `The Order`, t.`from` FROM `Select` s JOIN `my table` t ON t.`Select_Order` = s.`Order`;
"""


def test_reserved_mixed_case_and_spaces(mysql_server, mysql_db, pg_server, pg_target_db, load, tmp_path):
    load(NAMES)
    adapter = adapter_for(mysql_server, mysql_db)
    schema_dir, (result, failed) = export_and_apply(adapter, tmp_path, pg_server, pg_target_db)
    assert failed == []
    copy_data(adapter, pg_server, pg_target_db)
    # names are folded to lower case (MySQL compares column names case-insensitively), so unquoted SQL works
    assert pg_rows(
        pg_server, pg_target_db, 'SELECT "order", "mixed case", "with-dash", "user" FROM "select" ORDER BY 1'
    ) == [(1, "a", 1, "x"), (2, "b", 2, None)]
    assert pg_rows(pg_server, pg_target_db, 'SELECT * FROM "odd view"') == [(2, 7)]
    assert pg_rows(
        pg_server, pg_target_db, "SELECT indexname FROM pg_indexes WHERE tablename = 'select' ORDER BY 1"
    ) == [("select_idx mixed",), ("select_pkey",)]
    # the auto_increment resume value was set after the data
    assert pg_rows(
        pg_server, pg_target_db, 'INSERT INTO "select" ("mixed case") VALUES (\'c\') RETURNING "order"'
    ) == [(3,)]
    # a table without a primary key is migrated, and analyze-schema's hygiene pack reports it
    from transship.analysis.engine import Analyzer
    from transship.analysis.version import YBVersion
    from transship.plugins import PluginHost

    rules = [
        cls
        for cls, _dist in PluginHost().analysis_rules().values()
        if cls.code == "TABLE_WITHOUT_PRIMARY_KEY"
    ]
    report = Analyzer(rules, YBVersion.parse("2024.2.0.0")).analyse_dir(schema_dir)
    assert [i.object_name for i in report.issues] == ["my table"]


def test_missing_select_privilege_is_named(mysql_server, mysql_db, load):
    load("CREATE TABLE open_t (id INT PRIMARY KEY); CREATE TABLE secret_t (id INT PRIMARY KEY);")
    user = f"u_{mysql_db[-8:]}"
    root = mysql_server.connect()
    try:
        with root.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'")
            cur.execute(f"GRANT SELECT ON `{mysql_db}`.`open_t` TO '{user}'@'%'")
            cur.execute(f"GRANT INSERT ON `{mysql_db}`.`secret_t` TO '{user}'@'%'")
        cfg = DBConfig(
            db_type="mysql",
            host=mysql_server.host,
            port=mysql_server.port,
            user=user,
            password="pw",
            name=mysql_db,
        )
        adapter = MySQLAdapter(cfg)
        from transship.adapters.base import DataExportOptions

        with pytest.raises(ConfigError) as err:
            adapter.begin_data_export(DataExportOptions())
        assert (
            "lacks SELECT on secret_t" in err.value.one_line()
            and "--exclude-table-list secret_t" in err.value.one_line()
        )
        # leaving the table out lets the export continue, with the no-RELOAD fallback stated
        snap = adapter.begin_data_export(DataExportOptions(include=lambda s, t: t != "secret_t"))
        with snap:
            assert [t.name for t in snap.tables] == ["open_t"]
            assert "NOT one point in time" in snap.consistency
        bad = MySQLAdapter(
            DBConfig(
                db_type="mysql",
                host=mysql_server.host,
                port=mysql_server.port,
                user=user,
                password="wrong",
                name=mysql_db,
            )
        )
        with pytest.raises(ConnectionFailed, match="access denied"):
            bad.check_connection()
    finally:
        with root.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        root.close()


def test_source_db_schema_is_rejected_for_mysql():
    adapter = MySQLAdapter(
        DBConfig(db_type="mysql", host="127.0.0.1", user="root", name="x", schema="public")
    )
    with pytest.raises(ConfigError, match="--source-db-schema is not applicable for mysql"):
        adapter.validate_config()


def test_caching_sha2_without_cryptography_explains_the_fix():
    # the exact error pymysql raises when an account uses caching_sha2_password and 'cryptography' is absent
    exc = RuntimeError(
        "'cryptography' package is required for sha256_password or caching_sha2_password auth methods"
    )
    err = translate_error(exc, DBConfig(host="h", user="u", name="d"))
    assert "caching_sha2_password" in err.one_line() and "pip install cryptography" in err.one_line()
    err = translate_error(
        pymysql.err.OperationalError(1049, "Unknown database 'd'"), DBConfig(host="h", user="u", name="d")
    )
    assert "unknown database 'd'" in err.one_line()
