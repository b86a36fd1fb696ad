"""``-c/--config-file``: yb-voyager's YAML (``source:``, ``target:``, per-command sections) drives the
commands, a CLI flag beats the file, the password environment variables beat the file, and bad files fail
with one line naming every offending key."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli


def write_config(path: Path, data: dict[str, Any]) -> Path:
    """The config file, readable by its owner only (one holding a password that others can read gets a warning)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def source_section(m, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"db-type": "postgresql", "db-host": m.server.host, "db-port": m.server.port, "db-user": m.server.user,
            "db-name": m.source_db, **extra}  # fmt: skip


def target_section(m, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "db-host": m.server.host,
        "db-port": m.server.port,
        "db-user": m.server.user,
        "db-name": m.target_db,
        **extra,
    }


def test_config_file_drives_the_workflow(migration, tmp_path: Path) -> None:
    m = migration
    cfg = write_config(tmp_path / "migration.yaml", {
        "export-dir": str(m.export_dir),
        "log-level": "warn",
        "source": source_section(m, **{"db-schema": ["shop", "public"]}),
        "target": target_section(m),
        "export-schema": {"comments-on-objects": False},
        "export-data": {"parallel-jobs": 1, "disable-pb": True},
        "import-data": {"batch-size": 50, "parallel-jobs": 2, "disable-pb": True},
    })  # fmt: skip
    c = str(cfg)
    m.run("export", "schema", "-c", c)
    assert (m.export_dir / "schema" / "tables" / "table.sql").is_file()
    assert not (m.export_dir / "schema" / "comments").exists(), (
        "export-schema: comments-on-objects: false was ignored"
    )
    exported = m.run("export", "data", "-c", c)
    assert "with 1 parallel job(s)" in exported.stdout
    m.run("import", "schema", "-c", c)
    imported = m.run("import", "data", "-c", c)
    assert "batch(es) of up to 50 rows on 2 connection(s)" in imported.stdout
    m.assert_target_matches_source()
    batches = m.ledger_batches()
    assert batches["shop.orders_data.sql"] == [50] * 24
    assert batches["shop.notes_data.sql"] == [50] * 5
    logs = m.export_dir / "logs"
    assert " INFO " not in (logs / "import-data.log").read_text(encoding="utf-8"), (
        "log-level: warn was ignored"
    )
    status = m.run("import", "data", "status", "-c", c, "--output-format", "json", "-l", "info")
    assert '"status": "DONE"' in status.stdout
    assert " INFO " in (logs / "import-data-status.log").read_text(encoding="utf-8"), (
        "-l info did not beat the file"
    )


def test_cli_flags_beat_the_config_file(migration, tmp_path: Path, one_line_error) -> None:
    m = migration
    cfg = write_config(tmp_path / "migration.yaml", {
        "export-dir": str(tmp_path / "not-this-one"),
        "source": source_section(m, **{"db-schema": "nosuch"}),
        "target": target_section(m),
        "export-schema": {"comments-on-objects": False},
        "import-data": {"batch-size": 0, "disable-pb": True},
    })  # fmt: skip
    base = ("-c", str(cfg), "-e", str(m.export_dir))
    # -e beats export-dir: (else "does not exist"); the file's db-schema applies (else no error)
    one_line_error(m.run("export", "schema", *base, check=False), "schema nosuch not found")
    m.run("export", "schema", *base, "--source-db-schema", "shop,public", "--comments-on-objects", "true")
    assert (m.export_dir / "schema" / "comments" / "comment.sql").is_file()
    m.run("export", "data", *base, "--source-db-schema", m.schemas, "--disable-pb")
    m.run("import", "schema", *base)
    one_line_error(m.run("import", "data", *base, check=False), "--batch-size must be at least 1 row (got 0)")
    m.run("import", "data", *base, "--batch-size", "400")
    m.assert_target_matches_source()
    assert m.ledger_batches()["shop.orders_data.sql"] == [400] * 3


def test_target_password_env_beats_config_file(scram_migration, tmp_path: Path, one_line_error) -> None:
    m = scram_migration
    right, wrong = m.server.password, "wrong-" + secrets.token_hex(8)
    cfg = write_config(tmp_path / "migration.yaml", {
        "export-dir": str(m.export_dir),
        "source": source_section(m, **{"db-schema": m.schemas, "db-password": right}),
        "target": target_section(m, **{"db-password": wrong}),
        "export-data": {"disable-pb": True},
        "import-data": {"disable-pb": True},
    })  # fmt: skip
    c = str(cfg)
    runs = [m.run("export", "schema", "-c", c)]  # source password from the file
    runs.append(m.run("export", "data", "-c", c, check=False, env={"SOURCE_DB_PASSWORD": wrong}))
    one_line_error(runs[-1], "source database login failed")  # SOURCE_DB_PASSWORD beats the file
    runs.append(m.run("export", "data", "-c", c))
    # without TARGET_DB_PASSWORD the file's (wrong) password is used
    runs.append(m.run("import", "schema", "-c", c, check=False))
    one_line_error(runs[-1], "target database login failed", "TARGET_DB_PASSWORD")
    runs.append(m.run("import", "schema", "-c", c, env={"TARGET_DB_PASSWORD": right}))
    # the flag beats the environment variable
    runs.append(
        m.run("import", "data", "-c", c, "--target-db-password", right, env={"TARGET_DB_PASSWORD": wrong})
    )
    m.assert_target_matches_source()
    for result in runs:
        for secret in (right, wrong):
            assert secret not in result.stdout + result.stderr, result
    for path in m.export_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert right.encode() not in content and wrong.encode() not in content, (
                f"a password is written into {path}"
            )


BAD_KEYS_CONFIG = {
    "bogus-key": 1,
    "source": {"db-type": "postgresql", "db-hots": "127.0.0.1"},
    "target": {"db-name": "x", "oracle-db-sid": "ORCL"},
}


def test_unknown_config_keys_are_listed_then_fixed(migration, tmp_path: Path, one_line_error) -> None:
    m = migration
    data = {"export-dir": str(m.export_dir), **BAD_KEYS_CONFIG}
    data["source"] = {**source_section(m, **{"db-schema": m.schemas}), "db-hots": "127.0.0.1"}
    cfg = write_config(tmp_path / "migration.yaml", data)
    line = one_line_error(m.run("export", "schema", "-c", str(cfg), check=False))
    assert (
        f"config file {cfg} has unknown or invalid keys: bogus-key, source.db-hots, target.oracle-db-sid"
        in line
    )
    assert not (m.export_dir / "metainfo").exists(), "a bad config file must not start the migration"
    del data["bogus-key"], data["source"]["db-hots"], data["target"]["oracle-db-sid"]
    write_config(cfg, data)
    m.run("export", "schema", "-c", str(cfg))
    assert (m.export_dir / "schema" / "tables" / "table.sql").is_file()


def test_unknown_keys_in_command_sections_are_listed(
    cli, export_dir: Path, tmp_path: Path, one_line_error
) -> None:
    cfg = write_config(
        tmp_path / "bad.yaml",
        {
            "export-dir": str(export_dir),
            "import-data": {"batch-sise": 5},
            "export-schema": {"start-clen": True},
        },
    )
    line = one_line_error(
        cli(
            "export",
            "schema",
            "-c",
            str(cfg),
            "--source-db-type",
            "postgresql",
            "--source-db-port",
            "1",
            check=False,
        )
    )
    assert "import-data.batch-sise" in line and "export-schema.start-clen" in line, line


def test_voyager_keys_transship_lacks_warn_once_each_and_env_keys_apply(migration, tmp_path: Path) -> None:
    """A voyager user's config runs: keys for features transship does not have give one warning line each; the
    keys that stand for an environment variable set it (here: adaptive parallelism's frequency, which a bad value
    would refuse); a typo next to them is still an error."""
    m = migration
    m.export_schema()
    m.export_data()
    m.import_schema()
    data = {
        "export-dir": str(m.export_dir),
        "target": {
            "db-host": m.server.host,
            "db-port": m.server.port,
            "db-user": m.server.user,
            "db-name": m.target_db,
        },
        "import-data": {"skip-replication-checks": True, "metrics-port": 9000, "max-batch-size-bytes": 4096},
    }
    cfg = write_config(tmp_path / "voyager.yaml", data)
    res = m.run("import", "data", "-c", str(cfg), "--disable-pb")
    warnings = [line for line in res.stderr.splitlines() if line.startswith("WARNING:")]
    assert warnings == [
        f"WARNING: config file {cfg}: import-data.skip-replication-checks is not supported by transship; ignored",
        f"WARNING: config file {cfg}: import-data.metrics-port is not supported by transship; ignored",
    ], res.stderr
    # MAX_BATCH_SIZE_BYTES=4096 from the file: batches of a few rows each
    assert len(m.ledger_batches()["shop.orders_data.sql"]) > 10, m.ledger_batches()
    data["import-data"]["skip-replication-check"] = True  # a typo stays an error
    write_config(cfg, data)
    bad = m.run("import", "data", "-c", str(cfg), "--disable-pb", check=False)
    assert bad.returncode != 0 and "import-data.skip-replication-check" in bad.stderr


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("source: [unclosed\n", "is not valid YAML at line 2"),
        ("- just\n- a list\n", "must hold a mapping of keys"),
        ("import-data:\n  batch-size: lots\n", "import-data.batch-size: 'lots' is not a valid integer"),
        (
            "export-schema:\n  start-clean: maybe\n",
            "export-schema.start-clean: 'maybe' is not a valid boolean",
        ),
    ],
)
def test_malformed_config_file(
    cli, export_dir: Path, tmp_path: Path, one_line_error, text: str, needle: str
) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text, encoding="utf-8")
    command = "import" if "import-data" in text else "export"
    line = one_line_error(
        cli(
            command,
            "data" if command == "import" else "schema",
            "-c",
            str(cfg),
            "-e",
            str(export_dir),
            check=False,
        )
    )
    assert f"config file {cfg}" in line and needle in line, line


def test_missing_config_file(cli, export_dir: Path, tmp_path: Path, one_line_error) -> None:
    missing = tmp_path / "nope.yaml"
    line = one_line_error(cli("export", "schema", "-c", str(missing), "-e", str(export_dir), check=False))
    assert f"config file {missing} not found" in line and "--config-file" in line


def test_voyager_globals_sections_and_hidden_flags_transship_lacks_warn_once_each(tmp_path: Path) -> None:
    """voyager's global keys, sections of commands transship does not have, and import data's hidden flags: one
    warning line each naming the key; a typo in a section transship has, or a misspelt section, stays an error."""
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    data = {
        "export-dir": str(export_dir),
        "profile": True,
        "java-home": "/usr/lib/jvm",
        "assess-migration": {"iops-capture-interval": 0},
        "import-data-file": {"format": "csv"},
        "import-data": {"skip-node-health-checks": True, "disable-transactional-writes": False},
    }
    cfg = write_config(tmp_path / "voyager.yaml", data)
    res = run_cli("export", "data", "status", "-c", str(cfg), check=False)
    warnings = sorted(line for line in res.stderr.splitlines() if line.startswith("WARNING:"))
    assert warnings == sorted(
        f"WARNING: config file {cfg}: {key} is not supported by transship; ignored"
        for key in ("profile", "java-home", "assess-migration.iops-capture-interval", "import-data-file.format",
                    "import-data.skip-node-health-checks", "import-data.disable-transactional-writes")
    ), res.stderr  # fmt: skip
    for typo in ({"assess-migraton": {"x": 1}}, {"import-data": {"skip-node-health-check": True}}):
        write_config(cfg, {"export-dir": str(export_dir), **typo})
        bad = run_cli("export", "data", "status", "-c", str(cfg), check=False)
        assert bad.returncode != 0 and next(iter(typo)) in bad.stderr, bad
