"""Fixtures for tests/core: a small loaded source database, a migration helper around the CLI, a check for
one-line errors, and a private password-protected PostgreSQL cluster (the shared test server trusts
every login, so it cannot tell a wrong password)."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from transship.testing.databases import PgServer, unique_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SMALL = FIXTURES / "core_small"
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-postgres"

#: the tables of tests/fixtures/core_small and their row counts (data.sql builds exactly these)
SMALL_COUNTS = {"shop.customers": 300, "shop.orders": 1200, "shop.notes": 250, "public.settings": 3}
SMALL_SCHEMAS = "shop,public"


def load_sql(conninfo: str, *files: Path) -> None:
    """Run SQL scripts (plain SQL, no psql meta-commands) against a database."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for f in files:
            conn.execute(f.read_text(encoding="utf-8"))  # type: ignore[call-overload]  # a trusted fixture script


def table_digests(conninfo: str, tables: list[str]) -> dict[str, tuple[int, str]]:
    """``schema.table`` -> (row count, md5 over the rows' text sorted), computed by the server."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        for name in tables:
            schema, table = name.split(".", 1)
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM {} t"
            )
            count, digest = conn.execute(query.format(sql.Identifier(schema, table))).fetchone()  # type: ignore[misc]
            out[name] = (int(count), str(digest))
    return out


def assert_one_line_error(result: Any, *needles: str) -> str:
    """The CLI failed with exactly one non-empty stderr line ``ERROR: ... — fix: ...`` holding ``needles``."""
    assert result.returncode != 0, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}: {result!r}"
    line = lines[0]
    assert line.startswith("ERROR:"), result
    assert "fix:" in line, result
    for needle in needles:
        assert needle in line, f"{needle!r} not in the error line: {line}"
    return line


@dataclass
class Migration:
    """A source database, a target database and an export dir, driven through the CLI like a user would."""

    cli: Callable[..., Any]
    server: PgServer | ScramServer
    source_db: str
    target_db: str
    export_dir: Path
    schemas: str = SMALL_SCHEMAS
    tables: dict[str, int] = field(default_factory=lambda: dict(SMALL_COUNTS))

    def source_args(self, **overrides: str) -> list[str]:
        """``--source-db-*`` flags; ``overrides`` replace flags by suffix, e.g. ``port="1"``."""
        values = {"type": "postgresql", "host": self.server.host, "port": str(self.server.port),
                  "user": self.server.user, "name": self.source_db, "schema": self.schemas}  # fmt: skip
        values.update(overrides)
        return [arg for key, value in values.items() for arg in (f"--source-db-{key}", value)]

    def target_args(self, **overrides: str) -> list[str]:
        """``--target-db-*`` flags (same override rule as :meth:`source_args`)."""
        values = {
            "host": self.server.host,
            "port": str(self.server.port),
            "user": self.server.user,
            "name": self.target_db,
        }
        values.update(overrides)
        return [arg for key, value in values.items() for arg in (f"--target-db-{key}", value)]

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> Any:
        return self.cli(*args, check=check, env=env, timeout=120)

    def export_schema(self, *extra: str, check: bool = True, env: dict[str, str] | None = None) -> Any:
        return self.run(
            "export", "schema", "-e", str(self.export_dir), *self.source_args(), *extra, check=check, env=env
        )

    def export_data(self, *extra: str, check: bool = True) -> Any:
        return self.run(
            "export",
            "data",
            "-e",
            str(self.export_dir),
            *self.source_args(),
            "--disable-pb",
            *extra,
            check=check,
        )

    def import_schema(self, *extra: str, check: bool = True) -> Any:
        return self.run(
            "import", "schema", "-e", str(self.export_dir), *self.target_args(), *extra, check=check
        )

    def import_data(self, *extra: str, check: bool = True, env: dict[str, str] | None = None) -> Any:
        return self.run(
            "import",
            "data",
            "-e",
            str(self.export_dir),
            *self.target_args(),
            "--disable-pb",
            *extra,
            check=check,
            env=env,
        )

    def conninfo(self, side: str) -> str:
        return self.server.conninfo(self.source_db if side == "source" else self.target_db)

    def assert_target_matches_source(self) -> None:
        """Every fixture table has the source's exact row count and content on the target."""
        names = sorted(self.tables)
        source = table_digests(self.conninfo("source"), names)
        target = table_digests(self.conninfo("target"), names)
        assert {k: v[0] for k, v in source.items()} == self.tables
        assert target == source

    def ledger_batches(self) -> dict[str, list[int]]:
        """``data file -> rows per committed batch`` from the target's import ledger (empty before its first use)."""
        with psycopg.connect(self.conninfo("target")) as conn:
            if conn.execute("SELECT to_regclass('transship_metadata.import_batches')").fetchone() == (None,):
                return {}
            rows = conn.execute(
                "SELECT data_file, rows_imported FROM transship_metadata.import_batches ORDER BY data_file, batch_number"
            ).fetchall()
        out: dict[str, list[int]] = {}
        for data_file, count in rows:
            # the ledger knows a file as "<file>@<checksum>"
            out.setdefault(data_file.split("@", 1)[0], []).append(int(count))
        return out


@pytest.fixture
def one_line_error() -> Callable[..., str]:
    """:func:`assert_one_line_error` (helpers in a conftest are reached through fixtures)."""
    return assert_one_line_error


@pytest.fixture
def small_source(pg_server: PgServer, pg_db: str) -> str:
    """A fresh source database loaded with tests/fixtures/core_small."""
    load_sql(pg_server.conninfo(pg_db), SMALL / "schema.sql", SMALL / "data.sql")
    return pg_db


@pytest.fixture
def sample_source(pg_server: PgServer, pg_db: str) -> str:
    """A fresh source database loaded with the project's sample (examples/sample-postgres)."""
    load_sql(pg_server.conninfo(pg_db), SAMPLE / "schema.sql", SAMPLE / "data.sql")
    return pg_db


@pytest.fixture
def migration(cli, pg_server: PgServer, small_source: str, pg_target_db: str, export_dir: Path) -> Migration:  # type: ignore[no-untyped-def]
    """The small source, an empty target and an empty export dir; nothing run yet."""
    return Migration(cli, pg_server, small_source, pg_target_db, export_dir)


@pytest.fixture
def exported(migration: Migration) -> Migration:
    """``export schema`` and ``export data`` done."""
    migration.export_schema()
    migration.export_data()
    return migration


@pytest.fixture
def schema_imported(exported: Migration) -> Migration:
    """``export schema``, ``export data`` and ``import schema`` done."""
    exported.import_schema()
    return exported


# ------------------------------------------------------------------ a private password-protected cluster
@dataclass(frozen=True)
class ScramServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 that checks passwords (scram-sha-256)."""

    host: str
    port: int
    user: str
    password: str

    def conninfo(self, dbname: str = "postgres", password: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host, port=self.port, user=self.user, dbname=dbname, password=password or self.password
        )

    def create_database(self, prefix: str, *scripts: Path) -> str:
        """A new database, optionally loaded with ``scripts``; it goes away with the cluster."""
        name = unique_name(prefix)
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if scripts:
            load_sql(self.conninfo(name), *scripts)
        return name


def _pg_bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True
    )
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def scram_server() -> Iterator[ScramServer]:
    """Start a private cluster with ``--auth=scram-sha-256``; stopped and removed at the end of the session."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(
            "initdb is not installed (needs the postgresql server package) — cannot start a password-checking server"
        )
    as_postgres: list[str] = []
    owner = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a 'postgres' OS user to run initdb as")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser to run initdb as the postgres user")
        as_postgres = [runuser, "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="transship-scram-"))
    password = "pw-" + secrets.token_hex(12)
    (root / "pwfile").write_text(password + "\n", encoding="utf-8")
    if owner is not None:
        for path in (root, root / "pwfile"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    port = _free_port()
    try:
        subprocess.run(
            [*as_postgres, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
             f"--pwfile={root / 'pwfile'}", "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c max_connections=40 -c shared_buffers=16MB"
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "-o", options, "start"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start the private PostgreSQL cluster: {exc.stderr}\n{log}") from exc
    try:
        yield ScramServer("127.0.0.1", port, "postgres", password)
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def scram_migration(cli, scram_server: ScramServer, export_dir: Path) -> Migration:  # type: ignore[no-untyped-def]
    """Like :func:`migration`, on the password-checking cluster; pass passwords yourself (flags, env, config)."""
    source = scram_server.create_database("ts_src", SMALL / "schema.sql", SMALL / "data.sql")
    target = scram_server.create_database("ts_tgt")
    return Migration(cli, scram_server, source, target, export_dir)
