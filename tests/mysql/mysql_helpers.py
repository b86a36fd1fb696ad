"""Helpers for the MySQL adapter tests (imported by the test modules): load SQL into MariaDB, apply exported DDL and copy data to PostgreSQL."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from transship.adapters.base import DataExportOptions, SchemaExportOptions
from transship.dbconfig import DBConfig
from transship.importer.schema import SchemaImporter
from transship.schema_files import SchemaWriter, read_schema_files
from transship.testing.databases import MySQLServer, PgServer
from transship_mysql.adapter import MySQLAdapter


def load_mysql(server: MySQLServer, database: str, script: str) -> None:
    """Run ``script`` with the mariadb client (DELIMITER and all) in ``database``."""
    cmd = [
        "mariadb",
        "-h",
        server.host,
        "-P",
        str(server.port),
        "-u",
        server.user,
        "--default-character-set=utf8mb4",
        database,
    ]
    if server.password:
        cmd.insert(1, f"-p{server.password}")
    proc = subprocess.run(cmd, input=script, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def adapter_for(server: MySQLServer, database: str, type_mapping: dict | None = None) -> MySQLAdapter:
    cfg = DBConfig(
        db_type="mysql",
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        name=database,
    )
    return MySQLAdapter(cfg, type_mapping)


def export_and_apply(
    adapter: MySQLAdapter, tmp: Path, pg: PgServer, target_db: str, schema: str = "public"
) -> tuple[Path, list]:
    """export_schema into ``tmp/schema`` and apply every statement to the target; returns (dir, failures)."""
    schema_dir = tmp / "schema"
    writer = SchemaWriter(schema_dir)
    result = adapter.export_schema(writer, SchemaExportOptions())
    writer.write()
    with pg.connect(target_db) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        search_path = sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)).as_string(conn)
        # core's schema importer: dependency retries in rounds, failures collected instead of raised
        importer = SchemaImporter(
            conn, ignore_exist=False, continue_on_error=True, schema_dir=schema_dir, search_path=search_path
        )
        applied = importer.run(read_schema_files(schema_dir))
        failed = [(st.sql, message) for st, message in applied.failed]
    return schema_dir, (result, failed)


def copy_data(adapter: MySQLAdapter, pg: PgServer, target_db: str, schema: str = "public") -> dict[str, int]:
    """Export every table through TableReader and COPY it into the target; then set the sequences."""
    counts: dict[str, int] = {}
    with adapter.begin_data_export(DataExportOptions(parallel_jobs=2)) as snap, pg.connect(target_db) as conn:
        conn.execute("SET session_replication_role = replica")
        reader = snap.open_reader()
        for table in snap.tables:
            buf = io.BytesIO()
            reader.copy_table(table, buf.write)
            data = buf.getvalue()
            counts[table.target_name] = data.count(b"\n")
            cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
            with conn.cursor().copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(schema, table.target_name), cols)
            ) as cp:
                cp.write(data)
        for s in snap.sequences:
            conn.execute(
                "SELECT setval(%s::regclass, %s, %s)",
                (sql.Identifier(schema, s.name).as_string(conn), s.last_value, s.is_called),
            )
    return counts


def pg_rows(pg: PgServer, target_db: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(pg.conninfo(target_db)) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET search_path TO public")
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]
