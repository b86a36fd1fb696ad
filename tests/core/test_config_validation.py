"""The pydantic models behind the config file (``transship.config.ConfigLayout``) and its ``type-mapping:``
section (``transship.typemap.TypeMappingSection``): typed connection values, every unknown key in one line,
and one line naming the rule and the field for a bad type-mapping rule. Real files in tmp_path."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from transship.config import ConfigFile
from transship.errors import ConfigError
from transship.typemap import RuleEntry, TypeRule, parse_rules


def config_file(tmp_path: Path, text: str, source_options: tuple[str, ...] = ()) -> ConfigFile:
    path = tmp_path / "migration.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return ConfigFile(path, source_options)


def config_error(tmp_path: Path, text: str, source_options: tuple[str, ...] = ()) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        config_file(tmp_path, text, source_options)
    return err.value


def rules_of(tmp_path: Path, text: str, adapter: str = "mysql") -> list[TypeRule]:
    """The rules of the ``type-mapping:`` section of a config file holding ``text``."""
    return parse_rules(config_file(tmp_path, text).data.get("type-mapping"), adapter)


def rule_error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        rules_of(tmp_path, text)
    return err.value


# --- connection values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source:\n  db-port: abc\n", "source.db-port must be an integer (got 'abc')"),
        ("target:\n  db-port: 5432.5\n", "target.db-port must be an integer (got 5432.5)"),
        ("target:\n  db-port: true\n", "target.db-port must be an integer (got True)"),
        ("source:\n  db-port: 0\n", "source.db-port must be an integer from 1 to 65535 (got 0)"),
        ("target:\n  db-port: 65536\n", "target.db-port must be an integer from 1 to 65535 (got 65536)"),
        ("source:\n  db-host: 10\n", "source.db-host must be a string (got 10)"),
        ("target:\n  ssl-mode: [require]\n", "target.ssl-mode must be a string (got ['require'])"),
        (
            "source:\n  db-schema: {a: 1}\n",
            "source.db-schema must be a string or a list of strings (got {'a': 1})",
        ),
    ],
)
def test_a_connection_value_of_the_wrong_type_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    err = config_error(tmp_path, text)
    assert err.message == f"config file {tmp_path / 'migration.yaml'}: {message}"
    assert err.fix and "config file" in err.fix
    assert "\n" not in err.one_line()


def test_every_wrong_value_is_named_in_the_one_line(tmp_path: Path) -> None:
    err = config_error(tmp_path, "source:\n  db-port: x\n  db-user: 7\ntarget:\n  db-name: [a]\n")
    assert err.message.endswith(
        ": source.db-port must be an integer (got 'x'); source.db-user must be a string (got 7);"
        " target.db-name must be a string (got ['a'])"
    ), err.message


def test_good_connection_values_are_kept_as_written(tmp_path: Path) -> None:
    cfg = config_file(
        tmp_path,
        "source:\n  db-type: mysql\n  db-host: db1\n  db-port: '3306'\n  db-schema: [shop, public]\n"
        "target:\n  db-port: 5433\n  db-host:\n  ssl-mode: require\n",
    )
    assert cfg.lookup("export-schema", "source-db-port") == "3306"  # click casts it to the int
    assert cfg.lookup("export-schema", "source-db-schema") == ["shop", "public"]
    assert cfg.lookup("import-data", "target-db-port") == 5433
    assert cfg.lookup("import-data", "target-db-host") is None
    assert cfg.lookup("import-data", "target-ssl-mode") == "require"


def test_a_password_written_as_a_number_is_its_text(tmp_path: Path) -> None:
    cfg = config_file(tmp_path, "source:\n  db-password: 1234\ntarget:\n  db-password: 12.5\n")
    assert cfg.data["source"]["db-password"] == "1234"
    assert cfg.lookup("", "source-db-password") == "1234"
    assert cfg.lookup("", "target-db-password") == "12.5"
    assert cfg.holds_password()


def test_a_password_of_the_wrong_type_is_refused_without_showing_it(tmp_path: Path) -> None:
    err = config_error(tmp_path, "target:\n  db-password: [s3cret-value]\n")
    assert "target.db-password must be a string (got a list)" in err.message
    assert "s3cret" not in err.one_line()


def test_wrong_values_in_the_cli_are_one_line(cli, export_dir: Path, tmp_path: Path, one_line_error) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "migration.yaml"
    cfg.write_text(
        f"export-dir: {export_dir}\nsource:\n  db-type: postgresql\n  db-port: abc\n", encoding="utf-8"
    )
    line = one_line_error(cli("export", "schema", "-c", str(cfg), check=False))
    assert f"config file {cfg}: source.db-port must be an integer (got 'abc')" in line, line
    assert not (export_dir / "metainfo").exists(), "a bad config file must not start the migration"


# --- unknown and misplaced keys ------------------------------------------------------------------------------


def test_unknown_nested_keys_are_all_listed_in_one_line(tmp_path: Path) -> None:
    err = config_error(
        tmp_path,
        "bogus: 1\nsource:\n  db-type: oracle\n  db-hots: x\n  oracle-db-sid: ORCL\n"
        "target:\n  oracle-db-sid: ORCL\n  db-port: abc\n"
        "import-data: 5\nexport-data: {}\nexport-data-from-source: {}\n",
        source_options=("oracle-db-sid",),
    )
    path = tmp_path / "migration.yaml"
    assert err.message == (
        f"config file {path} has unknown or invalid keys: bogus, export-data/export-data-from-source (use only"
        " one), import-data, source.db-hots, target.oracle-db-sid"
    )  # unknown keys first: the wrong db-port comes once they are fixed
    assert err.fix == "remove or rename them (see docs/configuration.md for the accepted keys)"


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("source: localhost\n", "source"),
        ("target: [a]\n", "target"),
        ("1: one\n", "1"),
        ("import-data: {}\nimport-data-to-target:\n", "import-data/import-data-to-target (use only one)"),
        ("source:\n  oracle-db-sid: ORCL\n", "source.oracle-db-sid"),  # no adapter declares it here
    ],
)
def test_misplaced_keys_are_listed(tmp_path: Path, text: str, listed: str) -> None:
    err = config_error(tmp_path, text)
    assert err.message.endswith(f"has unknown or invalid keys: {listed}"), err.message


def test_an_adapter_option_is_a_source_key(tmp_path: Path) -> None:
    cfg = config_file(
        tmp_path, "source:\n  db-type: oracle\n  oracle-db-sid: 42\n", source_options=("oracle-db-sid",)
    )
    assert cfg.lookup("export-schema", "oracle-db-sid") == 42  # the adapter's option type casts it


def test_empty_sections_and_globals_are_accepted(tmp_path: Path) -> None:
    cfg = config_file(
        tmp_path, "export-dir: /tmp/x\nlog-level: info\nsource:\ntarget:\nimport-data:\nexport-schema: {}\n"
    )
    assert cfg.lookup("import-data", "export-dir") == "/tmp/x"
    assert cfg.section("import-data") == {}


# --- type-mapping: -------------------------------------------------------------------------------------------

RULE_OK = "      source: int\n      target: bigint\n"


def test_rule_fields_match_type_rule() -> None:
    assert set(RuleEntry.model_fields) == {f.name for f in fields(TypeRule)} | {"adapter"}


def test_type_mapping_rules_are_parsed(tmp_path: Path) -> None:
    rules = rules_of(
        tmp_path,
        "type-mapping:\n  rules:\n"
        "    - source: [' TinyInt ', INT]\n      target: smallint\n      precision: 3\n      typemod: 1\n"
        "    - adapter: oracle\n" + RULE_OK + "    - column: orders.amount\n      target: numeric(12,2)\n"
        "      scale: [null, 2]\n      drop_default: true\n      name: amounts\n",
    )
    assert rules == [
        TypeRule("user.rule1", ("tinyint", "int"), "smallint", typemod="1", precision=(3, 3)),
        TypeRule(
            "amounts", ("*",), "numeric(12,2)", scale=(None, 2), column="orders.amount", drop_default=True
        ),
    ]  # the oracle rule (#2) is not for mysql
    assert [r.name for r in parse_rules(config_file(tmp_path, "").data.get("type-mapping"), "mysql")] == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("      precision: big\n", "type-mapping rule #2: 'precision' must be [min, max] (null for open)"),
        ("      scale: [1, 2, 3]\n", "type-mapping rule #2: 'scale' must be [min, max] (null for open)"),
        ("      precision: [1, x]\n", "type-mapping rule #2: 'precision' must be [min, max] (null for open)"),
        ("      precision: true\n", "type-mapping rule #2: 'precision' must be [min, max] (null for open)"),
        ("      default: '('\n", "type-mapping rule #2: 'default' is not a valid regular expression: "),
        ("      extra: '[a'\n", "type-mapping rule #2: 'extra' is not a valid regular expression: "),
        ("      drop_not_null: maybe\n", "type-mapping rule #2: 'drop_not_null' must be true or false"),
        ("      unsigned: 1\n", "type-mapping rule #2: 'unsigned' must be true or false"),
        ("      foo: 1\n      bar: 2\n", "type-mapping rule #2 has unknown keys: bar, foo"),
    ],
)
def test_a_bad_rule_is_named_by_number(tmp_path: Path, rule: str, message: str) -> None:
    err = rule_error(tmp_path, "type-mapping:\n  rules:\n    -\n" + RULE_OK + "    -\n" + RULE_OK + rule)
    assert err.message.startswith(message), err.message
    assert err.fix
    assert "\n" not in err.one_line()


def test_unknown_keys_come_before_other_problems_of_a_rule(tmp_path: Path) -> None:
    err = rule_error(
        tmp_path, "type-mapping:\n  rules:\n    - target: x\n      precision: big\n      colour: 1\n"
    )
    assert err.message == "type-mapping rule #1 has unknown keys: colour"
    assert err.fix and err.fix.startswith("use only: adapter, column, default, drop_default")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("  rules: [5]\n", "type-mapping rule #1 is not a mapping"),
        ("  rules:\n    - source: int\n", "type-mapping rule #1 has no 'target' type"),
        ("  rules:\n    - target: int\n", "type-mapping rule #1 needs 'source' (type names) or 'column'"),
        (
            "  rules:\n    - {source: [int, ''], target: x}\n",
            "type-mapping rule #1: 'source' must be a type name",
        ),
        ("  rules: {a: 1}\n", "type-mapping.rules must be a list of rules"),
        ("  rulez: []\n  rules: [5]\n", "type-mapping has unknown keys: rulez"),
        (
            "  plain-generated-columns: [nodot]\n",
            "type-mapping.plain-generated-columns entry 'nodot' is not a",
        ),
    ],
)
def test_a_bad_section_is_one_line(tmp_path: Path, section: str, message: str) -> None:
    err = rule_error(tmp_path, "type-mapping:\n" + section)
    assert err.message.startswith(message), err.message


def test_a_section_that_is_not_a_mapping(tmp_path: Path) -> None:
    err = rule_error(tmp_path, "type-mapping: [a]\n")
    assert err.message == "type-mapping must be a mapping with a 'rules:' list"
