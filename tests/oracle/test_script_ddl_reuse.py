"""export data in script mode without --source-ddl-file reads the DDL scripts export schema read, so the data
files match the schema files (a RAW(16) is written as the uuid its column became, not as bytea)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_export_data_reuses_the_ddl_scripts_of_export_schema(tmp_path: Path, export_dir: Path) -> None:
    ddl, data = tmp_path / "ddl.sql", tmp_path / "data.sql"
    ddl.write_text(
        "CREATE TABLE tokens (id NUMBER(10) PRIMARY KEY, guid RAW(16), born DATE);\n", encoding="utf-8"
    )
    data.write_text(
        "INSERT INTO tokens VALUES (1, HEXTORAW('000102030405060708090A0B0C0D0EFF'), DATE '2020-02-29');\nCOMMIT;\n",
        encoding="utf-8",
    )
    src = ["--source-db-type", "oracle", "--source-db-schema", "TS"]
    run_cli("export", "schema", "-e", str(export_dir), *src, "--source-ddl-file", str(ddl))
    out = run_cli(
        "export", "data", "-e", str(export_dir), *src, "--source-data-file", str(data), "--disable-pb"
    )
    assert "Reading the DDL scripts export schema read: ddl.sql" in out.stdout
    (line,) = (export_dir / "data" / "tokens_data.sql").read_text().splitlines()
    assert line.split("\t")[1] == "00010203-0405-0607-0809-0a0b0c0d0eff", line


def test_comments_come_only_with_the_tables_they_describe(tmp_path: Path, export_dir: Path) -> None:
    ddl = tmp_path / "ddl.sql"
    ddl.write_text(
        "CREATE TABLE t (id NUMBER(10) PRIMARY KEY);\nCOMMENT ON TABLE t IS 'a table';\n"
        "CREATE VIEW v AS SELECT id FROM t;\n",
        encoding="utf-8",
    )
    src = [
        "-e",
        str(export_dir),
        "--source-db-type",
        "oracle",
        "--source-db-schema",
        "TS",
        "--source-ddl-file",
        str(ddl),
    ]
    run_cli("export", "schema", *src, "--object-type-list", "VIEW", "--comments-on-objects", "true")
    assert not (export_dir / "schema" / "comments").exists()  # COMMENT ON TABLE t without t fails at import
    run_cli("export", "schema", *src, "--comments-on-objects", "true", "--start-clean", "true", "--yes")
    assert "a table" in (export_dir / "schema" / "comments" / "comment.sql").read_text()
