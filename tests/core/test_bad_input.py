"""Bad input (issue 2 acceptance): each case fails with a one-line ``ERROR: ... — fix: ...`` and a non-zero
exit, and the same command works once the cause is fixed. Everything runs against real servers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import psycopg
import pytest

from transship.exportdir import ExportDir
from transship.sinks.postgresql import PostgresSink


def _all_export_dir_bytes(export_dir: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(export_dir.rglob("*")) if p.is_file()]


def _assert_secret_absent(secret: str, export_dir: Path, *results) -> None:  # type: ignore[no-untyped-def]
    for result in results:
        assert secret not in result.stdout and secret not in result.stderr, result
    logs = sorted((export_dir / "logs").glob("*.log"))
    assert logs, "the commands wrote no log files"
    for path, content in _all_export_dir_bytes(export_dir):
        assert secret.encode() not in content, f"the password is written into {path}"


# ------------------------------------------------------------------------------------------ wrong password
def test_wrong_source_password_flag_then_right_one(scram_migration, one_line_error) -> None:
    m = scram_migration
    wrong = "wrong-" + secrets.token_hex(8)
    bad = m.export_schema("--source-db-password", wrong, check=False)
    one_line_error(
        bad,
        "login failed",
        "user postgres",
        f"127.0.0.1:{m.server.port}",
        "--source-db-password",
        "SOURCE_DB_PASSWORD",
    )
    bad_eq = m.export_schema(f"--source-db-password={wrong}", check=False)
    one_line_error(bad_eq, "login failed")
    good = m.export_schema("--source-db-password", m.server.password)
    assert "Exported schema" in good.stdout
    assert (m.export_dir / "schema" / "tables" / "table.sql").is_file()
    _assert_secret_absent(wrong, m.export_dir, bad, bad_eq, good)
    _assert_secret_absent(m.server.password, m.export_dir, bad, bad_eq, good)


def test_wrong_password_from_env_for_source_and_target(scram_migration, one_line_error) -> None:
    m = scram_migration
    wrong = "wrong-" + secrets.token_hex(8)
    bad = m.export_schema(check=False, env={"SOURCE_DB_PASSWORD": wrong})
    one_line_error(bad, "source database login failed")
    runs = [bad, m.export_schema(env={"SOURCE_DB_PASSWORD": m.server.password})]
    runs.append(
        m.run(
            "export",
            "data",
            "-e",
            str(m.export_dir),
            *m.source_args(),
            "--disable-pb",
            env={"SOURCE_DB_PASSWORD": m.server.password},
        )
    )
    target_cmd = ("import", "schema", "-e", str(m.export_dir), *m.target_args())
    bad_target = m.run(*target_cmd, check=False, env={"TARGET_DB_PASSWORD": wrong})
    one_line_error(bad_target, "target database login failed", "--target-db-password", "TARGET_DB_PASSWORD")
    runs += [bad_target, m.run(*target_cmd, env={"TARGET_DB_PASSWORD": m.server.password})]
    runs.append(
        m.run(
            "import",
            "data",
            "-e",
            str(m.export_dir),
            *m.target_args(),
            "--disable-pb",
            env={"TARGET_DB_PASSWORD": m.server.password},
        )
    )
    m.assert_target_matches_source()
    _assert_secret_absent(wrong, m.export_dir, *runs)
    _assert_secret_absent(m.server.password, m.export_dir, *runs)


# ------------------------------------------------------------------------------------------ unreachable host
def test_unreachable_source_then_reachable(migration, one_line_error) -> None:
    cmd = ("export", "schema", "-e", str(migration.export_dir))
    bad = migration.run(*cmd, *migration.source_args(port="1"), check=False)
    one_line_error(
        bad, "cannot reach the source database server at 127.0.0.1:1", "--source-db-host/--source-db-port"
    )
    good = migration.run(*cmd, *migration.source_args())
    assert "Exported schema" in good.stdout


def test_unreachable_target_then_reachable(exported, one_line_error) -> None:
    cmd = ("import", "schema", "-e", str(exported.export_dir))
    bad = exported.run(*cmd, *exported.target_args(port="1"), check=False)
    one_line_error(
        bad, "cannot reach the target database server at 127.0.0.1:1", "--target-db-host/--target-db-port"
    )
    exported.run(*cmd, *exported.target_args())
    exported.import_data()
    exported.assert_target_matches_source()


# ------------------------------------------------------------------------------------------ missing schema
def test_missing_schema_lists_existing_ones(migration, one_line_error) -> None:
    cmd = ("export", "schema", "-e", str(migration.export_dir))
    bad = migration.run(*cmd, *migration.source_args(schema="nosuch"), check=False)
    line = one_line_error(bad, "schema nosuch not found", migration.source_db, "--source-db-schema")
    listed = line.split("schemas there:", 1)[1]
    assert "shop" in listed and "public" in listed, line
    bad_two = migration.run(*cmd, *migration.source_args(schema="shop,nosuch"), check=False)
    one_line_error(bad_two, "schema nosuch not found")
    migration.run(*cmd, *migration.source_args())
    bad_data = migration.run(
        "export",
        "data",
        "-e",
        str(migration.export_dir),
        *migration.source_args(schema="nosuch"),
        "--disable-pb",
        check=False,
    )
    one_line_error(bad_data, "schema nosuch not found")
    migration.export_data()
    assert (migration.export_dir / "data" / "shop.customers_data.sql").is_file()


# ------------------------------------------------------------------------------------------ export dir
def test_export_dir_in_use_then_released(migration, one_line_error) -> None:
    migration.export_schema()
    with ExportDir(migration.export_dir).lock("test"):
        bad = migration.export_data(check=False)
        one_line_error(
            bad,
            f"export directory {migration.export_dir} is in use by 'transship test' (pid {os.getpid()})",
            "different --export-dir",
        )
        # status commands only read: they work while another command holds the lock
        status = migration.run("export", "data", "status", "-e", str(migration.export_dir))
        assert "not started" in status.stdout
    migration.export_data()
    assert (migration.export_dir / "data" / "shop.orders_data.sql").is_file()


def test_export_dir_missing_then_created(migration, one_line_error) -> None:
    missing = migration.export_dir / "not" / "there"
    cmd = ("export", "schema", "-e", str(missing), *migration.source_args())
    bad = migration.run(*cmd, check=False)
    one_line_error(
        bad, f"export directory {missing} does not exist", f"fix: create it first (mkdir -p {missing})"
    )
    assert not missing.exists(), "a failed command must not create the export dir"
    missing.mkdir(parents=True)
    migration.run(*cmd)
    assert (missing / "schema" / "tables" / "table.sql").is_file()


# ------------------------------------------------------------------------------------------ target lacks a table
def _drop_notes(migration) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(migration.conninfo("target"), autocommit=True) as conn:
        conn.execute("DROP TABLE shop.notes")


def test_target_lacking_table_then_created_by_hand(schema_imported, one_line_error) -> None:
    m = schema_imported
    _drop_notes(m)
    bad = m.import_data(check=False)
    one_line_error(bad, "the target lacks table(s): shop.notes", "import schema", "--exclude-table-list")
    assert m.ledger_batches() == {}, "nothing may be loaded when a table is missing"
    with psycopg.connect(m.conninfo("target"), autocommit=True) as conn:
        conn.execute("CREATE TABLE shop.notes (id integer PRIMARY KEY, body text)")
    m.import_data()
    m.assert_target_matches_source()


def test_target_lacking_table_then_import_schema_ignore_exist(schema_imported, one_line_error) -> None:
    m = schema_imported
    _drop_notes(m)
    one_line_error(m.import_data(check=False), "shop.notes")
    m.import_schema("--ignore-exist", "true")
    m.import_data()
    m.assert_target_matches_source()


# ------------------------------------------------------------------------------------------ data files
def _flip_one_byte(data: bytes) -> bytes:
    pos = len(data) // 2
    while data[pos : pos + 1] in (b"\n", b"\t", b"\\"):
        pos += 1
    flipped = bytes([data[pos] ^ 0x01])
    assert flipped not in (b"\n", b"\t", b"\\")
    return data[:pos] + flipped + data[pos + 1 :]


@pytest.mark.parametrize(
    ("damage", "needles"),
    [
        ("truncate", ["is truncated"]),
        ("corrupt", ["is corrupt", "checksum"]),
        ("missing", ["is missing"]),
    ],
)
def test_damaged_data_file_then_restored(
    schema_imported, one_line_error, damage: str, needles: list[str]
) -> None:
    m = schema_imported
    path = m.export_dir / "data" / "shop.orders_data.sql"
    original = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(original[: len(original) // 2])
    elif damage == "corrupt":
        changed = _flip_one_byte(original)
        assert len(changed) == len(original) and changed != original
        path.write_bytes(changed)
    else:
        path.unlink()
    bad = m.import_data(check=False)
    one_line_error(bad, f"data file {path}", *needles, "export data --start-clean true")
    assert "shop.orders_data.sql" not in m.ledger_batches()
    path.write_bytes(original)
    m.import_data()
    m.assert_target_matches_source()


@pytest.mark.skipif(
    os.geteuid() == 0, reason="runs as root: root reads a chmod 000 file, so it cannot be made unreadable"
)
def test_unreadable_data_file_then_readable(schema_imported, one_line_error) -> None:
    m = schema_imported
    path = m.export_dir / "data" / "shop.notes_data.sql"
    path.chmod(0)
    try:
        bad = m.import_data(check=False)
        one_line_error(bad, f"data file {path} is not readable", "chmod u+r")
    finally:
        path.chmod(0o644)
    m.import_data()
    m.assert_target_matches_source()


def test_data_file_that_cannot_be_read_then_restored(schema_imported, one_line_error, tmp_path) -> None:
    """Runs as root too: a directory in place of the data file cannot be read by anyone."""
    m = schema_imported
    path = m.export_dir / "data" / "shop.notes_data.sql"
    saved = tmp_path / "notes_data.sql"
    path.rename(saved)
    path.mkdir()
    try:
        bad = m.import_data(check=False)
        one_line_error(bad, f"data file {path} cannot be read", "re-export it")
    finally:
        path.rmdir()
        saved.rename(path)
    m.import_data()
    m.assert_target_matches_source()


# ------------------------------------------------------------------------------------------ --batch-size
def test_bad_batch_size_then_good_one(schema_imported, one_line_error) -> None:
    m = schema_imported
    for value in ("0", "-5"):
        one_line_error(
            m.import_data("--batch-size", value, check=False),
            f"--batch-size must be at least 1 row (got {value})",
            "fix: pass a positive number",
        )
    too_big = PostgresSink.max_batch_size + 1
    bad = m.import_data("--batch-size", str(too_big), check=False)
    one_line_error(
        bad, f"--batch-size {too_big:,} is larger than postgresql's maximum {PostgresSink.max_batch_size:,}"
    )
    assert m.ledger_batches() == {}, "a rejected --batch-size must not load anything"
    m.import_data("--batch-size", "100")
    m.assert_target_matches_source()
    batches = m.ledger_batches()
    assert batches["shop.orders_data.sql"] == [100] * 12
    assert batches["shop.customers_data.sql"] == [100] * 3
    assert batches["shop.notes_data.sql"] == [100, 100, 50]
    assert batches["settings_data.sql"] == [3]


def test_batch_size_not_a_number(cli, export_dir: Path) -> None:
    bad = cli("import", "data", "-e", str(export_dir), "--batch-size", "lots", check=False)
    assert bad.returncode == 2, bad
    assert "--batch-size" in bad.stderr and "'lots' is not a valid integer" in bad.stderr
