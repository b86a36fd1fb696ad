"""Destructive options run only after the checks (issue 9): a ``--start-clean`` that cannot go on — source or
target unreachable, a table list that matches nothing, an unreadable schema file, a target user who may not
drop the schemas — stops before it deletes anything, and the migration goes on as if it had not been run."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from transship.testing.databases import unique_name


def _files(export_dir: Path) -> dict[Path, bytes]:
    """What an export left: every file under data/ and schema/, and the data-file descriptor."""
    paths = [*export_dir.joinpath("data").rglob("*"), *export_dir.joinpath("schema").rglob("*")]
    paths.append(export_dir / "metainfo" / "dataFileDescriptor.json")
    return {p: p.read_bytes() for p in sorted(paths) if p.is_file()}


def _export_status(m) -> str:  # type: ignore[no-untyped-def]
    return m.run("export", "data", "status", "-e", str(m.export_dir), "--output-format", "json").stdout


def test_export_start_clean_that_cannot_go_on_deletes_nothing(exported, one_line_error) -> None:  # type: ignore[no-untyped-def]
    files, status = _files(exported.export_dir), _export_status(exported)
    assert any(p.name.endswith("_data.sql") for p in files)
    clean = ("--start-clean", "true", "--yes")
    cmd = ("export", "data", "-e", str(exported.export_dir), "--disable-pb", *clean)
    wrong_port = exported.run(*cmd, *exported.source_args(port="1"), check=False)
    one_line_error(wrong_port, "cannot reach the source database server at 127.0.0.1:1")
    no_match = exported.run(*cmd, *exported.source_args(), "--table-list", "nosuch", check=False)
    one_line_error(no_match, "--table-list names tables not found in the source: nosuch")
    schema = ("export", "schema", "-e", str(exported.export_dir), *clean)
    one_line_error(
        exported.run(*schema, *exported.source_args(port="1"), check=False), "cannot reach the source"
    )
    assert _files(exported.export_dir) == files
    assert _export_status(exported) == status
    exported.import_schema()
    exported.import_data()
    exported.assert_target_matches_source()


def _target_has_orders(m) -> bool:  # type: ignore[no-untyped-def]
    with psycopg.connect(m.conninfo("target")) as conn:
        return conn.execute("SELECT to_regclass('shop.orders')").fetchone() != (None,)


def test_import_schema_start_clean_checks_before_dropping(schema_imported, one_line_error) -> None:  # type: ignore[no-untyped-def]
    m = schema_imported
    clean = ("import", "schema", "-e", str(m.export_dir), "--start-clean", "true", "--yes")
    unreachable = m.run(*clean, *m.target_args(port="1"), check=False)
    one_line_error(unreachable, "cannot reach the target database server at 127.0.0.1:1")
    # a schema file that cannot be read: found before anything is dropped
    indexes = m.export_dir / "schema" / "tables" / "INDEXES_table.sql"
    text = indexes.read_bytes()
    indexes.write_bytes(text + b"\n-- \xff\n")
    one_line_error(m.run(*clean, *m.target_args(), check=False), f"schema file {indexes} is not UTF-8")
    indexes.write_bytes(text)
    assert _target_has_orders(m)
    # a target user who does not own the schemas may not drop them: refused before the first DROP
    role = unique_name("ts_role")
    with psycopg.connect(m.conninfo("target"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(m.target_db), sql.Identifier(role)
            )
        )
    try:
        not_owner = m.run(*clean, *m.target_args(user=role), check=False)
        one_line_error(
            not_owner, f"target user {role} may not drop schema(s) public, shop", "nothing was dropped"
        )
    finally:
        with psycopg.connect(m.conninfo("target"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    assert _target_has_orders(m)
    m.run(*clean, *m.target_args())
    m.import_data()
    m.assert_target_matches_source()
