"""CLI flags with yb-voyager's names and forms: booleans (bare ``--flag`` or ``--flag true|false|yes|no|1|0``),
number ranges, and the flag set of each offline-workflow command."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

COMMENTS_FILE = Path("schema") / "comments" / "comment.sql"

# (flag tokens, the boolean they mean)
BOOL_FORMS: list[tuple[list[str], bool]] = [
    (["--comments-on-objects"], True),
    (["--comments-on-objects", "false"], False),
    (["--comments-on-objects", "true"], True),
    (["--comments-on-objects", "no"], False),
    (["--comments-on-objects", "yes"], True),
    (["--comments-on-objects", "0"], False),
    (["--comments-on-objects", "1"], True),
    (["--comments-on-objects=FALSE"], False),
    (["--comments-on-objects", "Yes"], True),
]


def test_boolean_flag_forms_are_voyagers(migration) -> None:
    """Every accepted spelling reaches the command with its meaning (seen in what export schema writes)."""
    migration.export_schema()
    comments = migration.export_dir / COMMENTS_FILE
    assert "COMMENT ON TABLE shop.customers" in comments.read_text(encoding="utf-8")
    start_clean_forms = [
        ["--start-clean"],
        ["--start-clean", "true"],
        ["--start-clean", "yes"],
        ["--start-clean", "1"],
    ]
    for i, (tokens, expected) in enumerate(BOOL_FORMS):
        # a bare --start-clean followed by another flag must not swallow that flag
        result = migration.export_schema(*start_clean_forms[i % len(start_clean_forms)], *tokens, "--yes")
        assert "Exported schema" in result.stdout, (tokens, result)
        assert comments.is_file() is expected, (tokens, result)
    assert BOOL_FORMS[-1][1] is True and comments.is_file()
    before = sorted(p.relative_to(migration.export_dir) for p in (migration.export_dir / "schema").rglob("*"))
    result = migration.export_schema("--start-clean", "no", "--comments-on-objects", "false")
    assert "Schema is already exported" in result.stdout, result
    assert (
        sorted(p.relative_to(migration.export_dir) for p in (migration.export_dir / "schema").rglob("*"))
        == before
    )


def _target_state(m) -> tuple[bool, list[tuple[str, bool]]]:  # type: ignore[no-untyped-def]
    with psycopg.connect(m.conninfo("target")) as conn:
        populated = conn.execute(
            "SELECT relispopulated FROM pg_class WHERE oid = 'shop.customer_totals'::regclass"
        ).fetchone()[0]  # type: ignore[index]
        checks = conn.execute(
            "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'shop.orders'::regclass AND contype = 'c' ORDER BY 1"
        ).fetchall()
    return bool(populated), [(str(n), bool(v)) for n, v in checks]


def _mview_rows(conninfo: str) -> list[tuple[object, ...]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT * FROM shop.customer_totals ORDER BY id").fetchall()


def test_post_snapshot_import_and_refresh_mviews_take_values(schema_imported, one_line_error) -> None:
    m = schema_imported
    bad = m.import_schema("--refresh-mviews", "yes", check=False)
    one_line_error(bad, "--refresh-mviews needs --post-snapshot-import true")
    m.import_data()
    assert _target_state(m) == (False, [("orders_total_check", True)]), (
        "NOT VALID constraint and mview refresh wait for finalize"
    )
    again = m.import_schema("--post-snapshot-import", "no", "--refresh-mviews", "0", "--ignore-exist", "yes")
    assert "already existed" in again.stdout, again
    assert _target_state(m)[0] is False
    m.import_schema("--post-snapshot-import", "true", "--refresh-mviews", "true")
    assert _target_state(m) == (True, [("orders_total_cap", False), ("orders_total_check", True)])
    assert _mview_rows(m.conninfo("target")) == _mview_rows(m.conninfo("source"))


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["import", "schema"], "--post-snapshot-import"),
        (["import", "schema"], "--refresh-mviews"),
        (["export", "data"], "--disable-pb"),
        (["import", "data"], "--truncate-tables"),
        (["end", "migration"], "--backup-data-files"),
        (["finalize-schema-post-data-import"], "--refresh-mviews"),
    ],
)
def test_boolean_flag_rejects_maybe(cli, export_dir: Path, command: list[str], flag: str) -> None:
    result = cli(*command, "-e", str(export_dir), flag, "maybe", check=False)
    assert result.returncode == 2, result
    assert f"Invalid value for '{flag}'" in result.stderr, result
    assert "'maybe' is not a valid boolean" in result.stderr, result
    assert "Traceback" not in result.stderr
    assert not (export_dir / "metainfo").exists(), "a rejected flag must not touch the export dir"


@pytest.mark.parametrize(
    ("command", "flag"), [(["export", "data"], "--parallel-jobs"), (["import", "data"], "--parallel-jobs")]
)
@pytest.mark.parametrize("value", ["0", "-1"])
def test_parallel_jobs_must_be_positive(
    cli, export_dir: Path, command: list[str], flag: str, value: str
) -> None:
    result = cli(*command, "-e", str(export_dir), flag, value, check=False)
    assert result.returncode == 2, result
    assert (
        f"Invalid value for '{flag}'" in result.stderr
        and f"{value} is not in the range x>=1" in result.stderr
    ), result


GLOBAL_FLAGS = ["--export-dir", "-e", "--config-file", "-c", "--log-level", "-l", "--yes"]
SOURCE_FLAGS = ["--source-db-type", "--source-db-host", "--source-db-port", "--source-db-user", "--source-db-password",
                "--source-db-name", "--source-db-schema", "--source-ssl-mode", "--source-ssl-cert", "--source-ssl-key",
                "--source-ssl-root-cert", "--source-ssl-crl"]  # fmt: skip
TARGET_FLAGS = ["--target-db-host", "--target-db-port", "--target-db-user", "--target-db-password", "--target-db-name",
                "--target-db-schema", "--target-ssl-mode", "--target-ssl-cert", "--target-ssl-key", "--target-ssl-root-cert",
                "--target-ssl-crl"]  # fmt: skip

# issue 2, deliverable 4: the voyager flags each command must take
COMMAND_FLAGS: list[tuple[list[str], list[str]]] = [
    (["export", "schema"], GLOBAL_FLAGS + SOURCE_FLAGS + ["--start-clean", "--object-type-list", "--exclude-object-type-list"]),
    (["export", "data"], GLOBAL_FLAGS + SOURCE_FLAGS + ["--parallel-jobs", "--table-list", "--exclude-table-list", "--start-clean", "--disable-pb"]),
    (["export", "data", "status"], GLOBAL_FLAGS + ["--output-format"]),
    (["import", "schema"], GLOBAL_FLAGS + TARGET_FLAGS + ["--ignore-exist", "--continue-on-error", "--object-type-list",
                                                          "--exclude-object-type-list", "--start-clean", "--post-snapshot-import", "--refresh-mviews"]),
    (["finalize-schema-post-data-import"], GLOBAL_FLAGS + TARGET_FLAGS + ["--refresh-mviews"]),
    (["import", "data"], GLOBAL_FLAGS + TARGET_FLAGS + ["--parallel-jobs", "--batch-size", "--table-list", "--exclude-table-list",
                                                        "--start-clean", "--truncate-tables", "--disable-pb"]),
    (["import", "data", "status"], GLOBAL_FLAGS + ["--output-format"]),
    (["analyze-schema"], GLOBAL_FLAGS + ["--output-format", "--target-db-version", "--target-db-type"]),
    (["end", "migration"], GLOBAL_FLAGS + TARGET_FLAGS + ["--backup-schema-files", "--backup-data-files", "--save-migration-reports",
                                                          "--backup-log-files", "--backup-dir"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("command", "flags"), COMMAND_FLAGS, ids=lambda v: " ".join(v) if v and not v[0].startswith("-") else None
)
def test_command_takes_voyagers_flags(cli, command: list[str], flags: list[str]) -> None:
    result = cli(*command, "--help")
    options = {
        tok.rstrip(",") for line in result.stdout.splitlines() for tok in line.split() if tok.startswith("-")
    }
    missing = [f for f in flags if f not in options]
    assert not missing, f"transship {' '.join(command)} lacks {missing}"


@pytest.mark.parametrize("status", [["export", "data", "status"], ["import", "data", "status"]])
def test_status_output_format_choices(cli, export_dir: Path, status: list[str]) -> None:
    result = cli(*status, "-e", str(export_dir), "--output-format", "xml", check=False)
    assert result.returncode == 2 and "'xml' is not one of 'table', 'json'" in result.stderr, result


def test_top_level_help_lists_every_command_whole_at_80_columns() -> None:
    """No summary is cut with "...", verify is in the workflow line and in the list."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "transship", "--help"], capture_output=True, text=True, env=env,
                         check=True).stdout  # fmt: skip
    assert "..." not in out.split("Commands:")[1], out
    assert "→ verify → end migration" in " ".join(out.split()), out
    listed = {
        line.split()[0]
        for line in out.split("Commands:")[1].splitlines()
        if line.startswith("  ") and line[2] != " "
    }
    assert {
        "analyze-schema",
        "end",
        "export",
        "finalize-schema-post-data-import",
        "import",
        "plugins",
        "verify",
    } <= listed
