"""The source-adapter contract, runnable by any adapter's test suite (third-party ones included).

:func:`check_adapter_contract` drives an adapter the way core does — schema export into a temporary
``schema/``, the schema applied to a real PostgreSQL database with core's :class:`SchemaImporter`, a data
export on one snapshot with two readers, every table's COPY text loaded into that database — and checks what
core relies on: valid object types and finding kinds, a table list with columns, COPY text with one line per
row that PostgreSQL accepts, and exact row counts. A snapshot that plans chunks (asked for chunks of about a
third of each table) must give back, over its chunks, exactly the lines of the whole table.

Example (in an adapter's tests, with the fixtures of :mod:`transship.testing.pytest_plugin`)::

    def test_contract(pg_server, pg_target_db, tmp_path, my_loaded_source):
        report = check_adapter_contract(MyAdapter(my_loaded_source), pg_server, pg_target_db, tmp_path)
        assert report.rows
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from transship.adapters.base import (
    FINDING_KINDS,
    ChunkTarget,
    DataExportOptions,
    SchemaExportOptions,
    SourceAdapter,
)
from transship.importer.schema import SchemaImporter
from transship.schema_files import OBJECT_FILES, SchemaWriter, read_schema_files
from transship.testing.databases import PgServer


@dataclass
class ContractReport:
    """What the contract run saw: rows per target table and the schema import outcome."""

    version: str
    rows: dict[str, int] = field(default_factory=dict)
    schema_failures: list[str] = field(default_factory=list)
    chunked: list[str] = field(default_factory=list)  # tables the snapshot planned in chunks


def check_adapter_contract(
    adapter: SourceAdapter, pg: PgServer, target_db: str, workdir: Path, target_schema: str = "public"
) -> ContractReport:
    """Run the contract; raises AssertionError naming the first broken promise."""
    adapter.validate_config()
    version = adapter.check_connection()
    assert isinstance(version, str) and version, "check_connection() must return the server version"
    report = ContractReport(version)

    schema_dir = workdir / "schema"
    writer = SchemaWriter(schema_dir)
    result = adapter.export_schema(writer, SchemaExportOptions())
    writer.write()
    assert set(result.counts) <= set(OBJECT_FILES), (
        f"unknown object types: {set(result.counts) - set(OBJECT_FILES)}"
    )
    bad = [f for f in result.findings if f.get("kind") not in FINDING_KINDS]
    assert not bad, f"findings of unknown kinds are never reported: {bad[:3]}"

    qualify = adapter.schema_arity == "many"
    with pg.connect(target_db) as conn:
        search_path = None
        if not qualify:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target_schema)))
            search_path = (
                sql.SQL("SET search_path TO {}, public").format(sql.Identifier(target_schema)).as_string(conn)
            )
        importer = SchemaImporter(
            conn, ignore_exist=False, continue_on_error=True, schema_dir=schema_dir, search_path=search_path
        )
        applied = importer.run(read_schema_files(schema_dir))
        report.schema_failures = [f"{st.path.name}:{st.line}: {msg}" for st, msg in applied.failed]

    with adapter.begin_data_export(DataExportOptions(parallel_jobs=2)) as snapshot:
        assert snapshot.tables, "begin_data_export() listed no tables"
        for t in snapshot.tables:
            assert t.columns, f"{t.schema}.{t.name} has no columns"
        readers = [snapshot.open_reader(), snapshot.open_reader()]
        errors: list[BaseException] = []
        copied: dict[tuple[str, str], bytes] = {}

        def copy(reader, tables) -> None:
            try:
                with psycopg.connect(pg.conninfo(target_db)) as conn:
                    conn.execute(
                        "SET session_replication_role = replica"
                    )  # tables load in any order, as in core
                    for t in tables:
                        chunks: list[bytes] = []
                        reader.copy_table(t, lambda b, out=chunks: out.append(bytes(b)))
                        data = b"".join(chunks)
                        copied[(t.schema, t.name)] = data
                        assert not data or data.endswith(b"\n"), (
                            f"{t.name}: COPY text must end with a newline"
                        )
                        schema = t.target_schema if qualify else target_schema
                        target = sql.Identifier(schema or target_schema, t.target_name)
                        cols = sql.SQL(", ").join(sql.Identifier(c) for c in t.columns)
                        with (
                            conn.cursor() as cur,
                            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, cols)) as cp,
                        ):
                            cp.write(data)
                        key = f"{schema}.{t.target_name}"
                        report.rows[key] = report.rows.get(key, 0) + data.count(b"\n")
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                errors.append(exc)

        halves = [snapshot.tables[0::2], snapshot.tables[1::2]]
        threads = [threading.Thread(target=copy, args=(r, h)) for r, h in zip(readers, halves, strict=True)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if errors:
            raise errors[0]
        for t in snapshot.tables:  # chunks, where the snapshot plans them, hold the table's lines exactly
            lines = sorted(copied[(t.schema, t.name)].splitlines())
            planned = snapshot.plan_chunks(t, ChunkTarget(rows=max(1, len(lines) // 3)))
            if not planned:
                continue
            assert [c.number for c in planned] == list(range(len(planned))), f"{t.name}: chunks out of order"
            assert {c.count for c in planned} == {len(planned)}, f"{t.name}: chunk counts disagree"
            parts: list[bytes] = []

            def keep(b: bytes | bytearray | memoryview, out: list[bytes] = parts) -> None:
                out.append(bytes(b))

            for c in planned:
                readers[0].copy_chunk(t, c, keep)
            assert sorted(b"".join(parts).splitlines()) == lines, (
                f"{t.name}: its {len(planned)} chunks do not hold exactly the table's rows"
            )
            report.chunked.append(t.name)

    with pg.connect(target_db) as conn:
        for key, expected in report.rows.items():
            schema, name = key.split(".", 1)
            got = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
            ).fetchone()[0]  # type: ignore[index]
            assert got == expected, f"{key}: {got} rows on the target, {expected} lines exported"
    return report
