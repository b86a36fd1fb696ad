"""Schema export: run ``pg_dump --schema-only`` and split its output into voyager's per-object-type files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from transship.sdk import (
    ConfigError,
    SchemaExportOptions,
    SchemaExportResult,
    SchemaWriter,
    TransshipError,
    split_sql,
)
from transship.sdk import pg_connect as connect
from transship.sdk import pg_conninfo_kwargs as conninfo_kwargs
from transship.sdk import pg_libpq_env as libpq_env

if TYPE_CHECKING:
    from transship_postgres.adapter import PostgresAdapter

_HEADER = re.compile(
    r"^-- Name: (?P<name>.*); Type: (?P<type>[^;]+); Schema: (?P<schema>[^;]*); Owner: ?(?P<owner>.*)$"
)
_DUMP_TYPE_TO_OBJECT = {
    "SCHEMA": "SCHEMA", "EXTENSION": "EXTENSION", "TYPE": "TYPE", "DOMAIN": "DOMAIN", "COLLATION": "COLLATION",
    "SEQUENCE": "SEQUENCE", "SEQUENCE OWNED BY": "SEQUENCE", "TABLE": "TABLE", "DEFAULT": "TABLE",
    "CONSTRAINT": "TABLE", "FK CONSTRAINT": "TABLE", "CHECK CONSTRAINT": "TABLE", "ROW SECURITY": "TABLE",
    "TABLE ATTACH": "PARTITION", "INDEX": "INDEX", "INDEX ATTACH": "INDEX", "FUNCTION": "FUNCTION",
    "AGGREGATE": "AGGREGATE", "PROCEDURE": "PROCEDURE", "VIEW": "VIEW", "MATERIALIZED VIEW": "MVIEW",
    "TRIGGER": "TRIGGER", "EVENT TRIGGER": "TRIGGER", "RULE": "RULE", "COMMENT": "COMMENT", "POLICY": "POLICY",
    "CONVERSION": "CONVERSION", "FOREIGN TABLE": "FOREIGN TABLE", "OPERATOR": "OPERATOR",
    "OPERATOR FAMILY": "OPERATOR", "OPERATOR CLASS": "OPERATOR",
}  # fmt: skip
# Session settings from pg_dump's preamble that older or non-PostgreSQL targets reject.
_SKIP_PREAMBLE = re.compile(r"^SET (default_table_access_method|transaction_timeout)\b", re.I)
# The object types a requested type brings (voyager: TABLE implies TYPE, DOMAIN, SEQUENCE, INDEX, RULE ...), and
# those always written, as pg_dump dumps them with any selection (SchemaExportOptions.wanted() combines them).
_IMPLIED = {"TABLE": ("TYPE", "DOMAIN", "SEQUENCE", "INDEX", "RULE", "PARTITION"), "VIEW": ("RULE",)}
_ALWAYS = ("SCHEMA", "COLLATION", "EXTENSION")


def pg_dump_path(server_major: int) -> str:
    """A ``pg_dump`` at least as new as the server (old ones refuse newer servers)."""
    candidates = [shutil.which("pg_dump")] + sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_dump")), reverse=True
    )
    best: tuple[int, str] | None = None
    for cand in filter(None, candidates):
        try:
            out = subprocess.run([cand, "--version"], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        m = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)\.\d+", out)
        major = int(m.group(1)) if m else 0
        if major >= server_major and (best is None or major > best[0]):
            best = (major, cand)
    if best is None:
        raise ConfigError(
            f"no pg_dump of version {server_major} or newer found (the source server is PostgreSQL {server_major})",
            fix=f"install the PostgreSQL {server_major} client tools (e.g. apt-get install postgresql-client-{server_major})",
        )
    return best[1]


def export_schema(
    adapter: PostgresAdapter, writer: SchemaWriter, options: SchemaExportOptions
) -> SchemaExportResult:
    """Dump the schema with pg_dump and sort each TOC entry into its object-type file."""
    cfg = adapter.config
    with connect(cfg, "source") as conn:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
        partitions = {
            (r[0], r[1])
            for r in conn.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relispartition"
            ).fetchall()
        }
    dump = _run_pg_dump(adapter, major, options)
    types = options.wanted(adapter.object_types, _IMPLIED, _ALWAYS)
    result = SchemaExportResult()
    preamble, blocks = parse_dump(dump)
    writer.preamble = preamble
    # ATTACH PARTITION goes after the partitions' own constraints (voyager does the same): a partition that
    # already has its primary key gets it attached to the parent's instead of a second one being created.
    blocks = [b for b in blocks if b[0] != "TABLE ATTACH"] + [b for b in blocks if b[0] == "TABLE ATTACH"]
    for dump_type, name, schema, body in blocks:
        otype = _DUMP_TYPE_TO_OBJECT.get(dump_type, "UNCATEGORIZED")
        if otype == "TABLE" and dump_type == "TABLE" and (schema, name) in partitions:
            otype = "PARTITION"
        if otype == "TABLE" and dump_type in ("CONSTRAINT", "CHECK CONSTRAINT", "DEFAULT"):
            table = name.split(" ", 1)[0]
            if (schema, table) in partitions:
                otype = "PARTITION"
        if otype == "UNCATEGORIZED":
            result.notes.append(
                f"{dump_type} {name} is in schema/uncategorized.sql: review it and import it by hand"
            )
        if otype not in types and otype != "UNCATEGORIZED":
            continue
        if dump_type == "SCHEMA" and name == "public":
            continue
        counted = dump_type in ("SCHEMA", "EXTENSION", "TYPE", "DOMAIN", "SEQUENCE", "TABLE", "FUNCTION", "AGGREGATE",
                                "PROCEDURE", "VIEW", "MATERIALIZED VIEW", "TRIGGER", "RULE", "INDEX", "POLICY",
                                "COMMENT", "COLLATION", "CONVERSION", "FOREIGN TABLE", "OPERATOR")  # fmt: skip
        for i, stmt in enumerate(split_sql(body)):
            writer.add(otype, stmt.body, count=counted and i == 0)
    result.counts = dict(writer.counts)
    return result


def _run_pg_dump(adapter: PostgresAdapter, major: int, options: SchemaExportOptions) -> str:
    cfg = adapter.config
    binary = pg_dump_path(major)
    kw = conninfo_kwargs(cfg)
    kw.pop("password", None)
    conninfo = " ".join(
        f"{k}='{v.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'" for k, v in kw.items()
    )
    args = [
        binary,
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        "--no-tablespaces",
        "--no-password",  # never a prompt of its own: connect() above already got the password
        "--dbname",
        conninfo,
    ]
    if not options.comments_on_objects:
        args.append("--no-comments")
    for schema in adapter.schemas():
        # pg_dump's -n takes a pattern: quote the name so it matches exactly
        args += ["--schema", '"' + schema.replace('"', '""') + '"']
    if major >= 14:
        args += ["--extension", "*"]
    env = dict(os.environ)
    env.update(libpq_env(cfg))
    proc = subprocess.run(args, capture_output=True, env=env)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise TransshipError(
            f"pg_dump failed: {err[-1] if err else 'exit code ' + str(proc.returncode)}",
            fix="check the source connection flags and the user's privileges (see logs/export-schema.log)",
        )
    return proc.stdout.decode("utf-8")


def parse_dump(dump: str) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """Split a plain-format schema dump into (preamble statements, [(type, name, schema, sql)])."""
    preamble: list[str] = []
    blocks: list[tuple[str, str, str, str]] = []
    current: tuple[str, str, str] | None = None
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        if current is None:
            for stmt in split_sql(body):
                text = stmt.body.strip()
                if text and not _SKIP_PREAMBLE.match(text):
                    preamble.append(text)
        elif body:
            blocks.append((current[0], current[1], current[2], body))

    for line in dump.splitlines():
        if line.startswith("-- PostgreSQL database dump complete"):
            break
        m = _HEADER.match(line)
        if m:
            close()
            current = (m.group("type").strip(), m.group("name").strip(), m.group("schema").strip())
            lines = []
            continue
        if line.startswith("\\"):
            continue
        lines.append(line)
    close()
    return preamble, blocks
