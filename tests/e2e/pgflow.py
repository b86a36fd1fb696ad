"""The seed's offline workflow, PostgreSQL → PostgreSQL, through the CLI (shared by the e2e tests)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import CliResult, run_cli
from transship.testing.compare import compare_pg_databases, schema_dump, sequence_values
from transship.testing.databases import PgServer


def load_sql(server: PgServer, dbname: str, *files: Path) -> None:
    """Load SQL files with psql (stops at the first error)."""
    args = [
        "psql",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        server.host,
        "-p",
        str(server.port),
        "-U",
        server.user,
        "-d",
        dbname,
    ]
    for f in files:
        args += ["-f", str(f)]
    subprocess.run(args, check=True, capture_output=True)


def source_flags(server: PgServer, dbname: str, schemas: str) -> list[str]:
    return ["--source-db-type", "postgresql", "--source-db-host", server.host, "--source-db-port", str(server.port),
            "--source-db-user", server.user, "--source-db-name", dbname, "--source-db-schema", schemas]  # fmt: skip


def target_flags(server: PgServer, dbname: str) -> list[str]:
    return [
        "--target-db-host",
        server.host,
        "--target-db-port",
        str(server.port),
        "--target-db-user",
        server.user,
        "--target-db-name",
        dbname,
    ]


def migrate(
    server: PgServer, src: str, tgt: str, schemas: str, export_dir: Path, **kw: str
) -> dict[str, CliResult]:
    """Run every step in the seed's order; returns each step's result."""
    e = ["-e", str(export_dir)]
    s = source_flags(server, src, schemas)
    t = target_flags(server, tgt)
    out = {}
    out["export schema"] = run_cli("export", "schema", *e, *s)
    out["analyze-schema"] = run_cli("analyze-schema", *e, "--output-format", "json")
    out["export data"] = run_cli(
        "export", "data", *e, *s, "--parallel-jobs", kw.get("export_jobs", "2"), "--disable-pb"
    )
    out["import schema"] = run_cli("import", "schema", *e, *t)
    out["import data"] = run_cli(
        "import",
        "data",
        *e,
        *t,
        "--parallel-jobs",
        kw.get("import_jobs", "2"),
        "--batch-size",
        kw.get("batch_size", "500"),
        "--disable-pb",
    )
    out["post-snapshot"] = run_cli(
        "import", "schema", *e, *t, "--post-snapshot-import", "true", "--refresh-mviews", "true"
    )
    return out


def assert_identical(server: PgServer, src: str, tgt: str, schemas: list[str]) -> None:
    """Same tables/partitions/views/mviews/functions/procedures/triggers/indexes/constraints (schema dumps),
    same rows in every table (count + md5 in key order), same sequence positions (same next values)."""
    assert schema_dump(src, schemas, server.host, server.port, server.user) == schema_dump(
        tgt, schemas, server.host, server.port, server.user
    )
    rows, ok = compare_pg_databases(server.conninfo(src), server.conninfo(tgt), schemas)
    assert ok, [r for r in rows if not r[3]]
    assert rows, "no tables compared"
    assert sequence_values(server.conninfo(src), schemas) == sequence_values(server.conninfo(tgt), schemas)


def import_status(export_dir: Path) -> dict[str, dict]:
    res = run_cli("import", "data", "status", "-e", str(export_dir), "--output-format", "json")
    return {d["table_name"]: d for d in json.loads(res.stdout)}
