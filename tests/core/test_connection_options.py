"""Source adapters declare their own connection settings (flags, config keys, env vars): core has none."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.core.test_plugins import make_distribution, with_pythonpath
from transship.dbconfig import DBConfig
from transship.state import MetaDB

DEMO_PLUGIN = """
from transship.sdk import AdapterRecord, ConfigError, ConnectionOption, SourceAdapter, hookimpl


class DemoAdapter(SourceAdapter):
    name = "demo"

    def validate_config(self):  # shows what reached the adapter, as one line
        raise ConfigError(f"demo got demo-file={self.config.option('demo_file')}", fix="none")

    def check_connection(self): ...
    def export_schema(self, writer, options): ...
    def begin_data_export(self, options): ...


@hookimpl
def transship_source_adapters():
    return [AdapterRecord("demo", "ts_demo_plugin:DemoAdapter", "demo",
                          (ConnectionOption("demo-file", "The demo file.", env="DEMO_FILE"),))]
"""


def test_without_adapters_help_works_and_has_no_adapter_flags(cli) -> None:
    env = {"TRANSSHIP_DISABLE_PLUGIN_AUTOLOAD": "1"}
    assert "export" in cli("--help", env=env).stdout
    helped = cli("export", "schema", "--help", env=env).stdout
    assert "--source-db-host" in helped and "--oracle-db-sid" not in helped
    assert "none is installed" in " ".join(helped.split())


def test_installed_adapters_add_their_flags_and_hide_voyager_leftovers(cli) -> None:
    helped = " ".join(cli("export", "data", "--help").stdout.split())
    assert (
        "--oracle-db-sid TEXT Oracle SID (instead of --source-db-name service name). (oracle only)" in helped
    )
    assert "--oracle-tns-alias" in helped and "--oracle-home" in helped
    assert "--oracle-cdb-name" not in helped and "--read-replica-endpoints" not in helped  # hidden
    assert "The source adapter: mysql | oracle | postgresql | sqlite." in helped
    assert "--oracle-db-sid" not in cli("import", "data", "--help").stdout  # a target-only command


def test_another_adapters_setting_is_refused(cli, export_dir: Path, one_line_error) -> None:
    bad = cli("export", "schema", "-e", str(export_dir), "--source-db-type", "postgresql",
              "--oracle-db-sid", "ORCL", check=False)  # fmt: skip
    one_line_error(
        bad, "--oracle-db-sid applies to --source-db-type oracle, not postgresql", "drop --oracle-db-sid"
    )


def test_a_third_party_option_arrives_from_flag_env_or_config_file(
    cli, tmp_path: Path, export_dir: Path, one_line_error
) -> None:
    site = tmp_path / "site"
    make_distribution(site, "transship-demo", "ts_demo_plugin", DEMO_PLUGIN, entry_point="demo")
    env = with_pythonpath(site)
    base = ["export", "schema", "-e", str(export_dir), "--source-db-type", "demo"]
    assert "--demo-file TEXT The demo file. (demo only)" in " ".join(
        cli(*base[:2], "--help", env=env).stdout.split()
    )
    one_line_error(cli(*base, "--demo-file", "a.db", env=env, check=False), "demo got demo-file=a.db")
    one_line_error(cli(*base, env={**env, "DEMO_FILE": "b.db"}, check=False), "demo got demo-file=b.db")
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"source": {"db-type": "demo", "demo-file": "c.db"}}), encoding="utf-8")
    with_file = ["export", "schema", "-e", str(export_dir), "-c", str(config)]
    one_line_error(cli(*with_file, env=env, check=False), "demo got demo-file=c.db")
    one_line_error(cli(*with_file, env={**env, "DEMO_FILE": "b.db"}, check=False), "demo got demo-file=b.db")
    one_line_error(cli(*with_file, "--demo-file", "a.db", env=env, check=False), "demo got demo-file=a.db")
    # the variable set for the demo source does not disturb a migration from another one
    other = cli("export", "schema", "-e", str(export_dir), "--source-db-type", "sqlite", "--source-db-name",
                str(tmp_path / "none.db"), env={**env, "DEMO_FILE": "b.db"}, check=False)  # fmt: skip
    one_line_error(other, "no SQLite file", "none.db")
    # without the plugin the key is unknown, like any typo
    one_line_error(cli(*with_file, check=False), "unknown or invalid keys: source.demo-file")


def test_oracle_settings_are_stored_and_reused(cli, tmp_path: Path, export_dir: Path) -> None:
    ddl = tmp_path / "hr.sql"
    ddl.write_text(
        "CREATE TABLE regions (region_id NUMBER PRIMARY KEY, name VARCHAR2(25));\n", encoding="utf-8"
    )
    cli("export", "schema", "-e", str(export_dir), "--source-db-type", "oracle", "--source-db-schema", "HR",
        "--source-ddl-file", str(ddl), "--oracle-db-sid", "ORCL")  # fmt: skip
    meta = MetaDB(export_dir / "metainfo" / "meta.db")
    try:
        conf = meta.status()["source_conf"]
    finally:
        meta.close()
    assert conf["options"] == {"oracle_db_sid": "ORCL"} and "oracle_db_sid" not in conf


def test_export_dirs_of_older_versions_keep_their_oracle_settings() -> None:
    cfg = DBConfig(db_type="oracle", options={"oracle_home": "/opt/o"})
    cfg.complete_from({"host": "ora", "oracle_db_sid": "ORCL", "oracle_home": "/old", "oracle_tns_alias": None,
                       "options": {"oracle_cdb_name": "CDB"}})  # fmt: skip
    assert cfg.host == "ora"
    assert cfg.options == {"oracle_home": "/opt/o", "oracle_db_sid": "ORCL", "oracle_cdb_name": "CDB"}
    assert cfg.option("oracle_tns_alias") is None and cfg.option("oracle_db_sid") == "ORCL"
