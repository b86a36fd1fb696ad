"""Choosing and connecting to the target (sink) for the import commands."""

from __future__ import annotations

import psycopg

from transship.errors import ConfigError
from transship.pgconn import connect
from transship.plugins import get_host
from transship.sinks.base import ImportSink
from transship.steps.common import merged_config
from transship.steps.context import StepContext


def open_target(ctx: StepContext) -> tuple[ImportSink, psycopg.Connection]:
    """The sink for ``--target-db-type`` (detected from the server when not given) and an autocommit connection."""
    cfg = merged_config(ctx, "target")
    if not cfg.name:
        raise ConfigError(
            "--target-db-name is required", fix="pass --target-db-name (the target database must exist)"
        )
    if not cfg.user:
        raise ConfigError("--target-db-user is required", fix="pass --target-db-user")
    sinks = get_host().import_sinks()
    explicit = bool(cfg.db_type)
    if cfg.db_type:
        cls = sinks.get(cfg.db_type.lower())
        if cls is None:
            raise ConfigError(
                f"unknown --target-db-type {cfg.db_type}", fix=f"use one of: {', '.join(sorted(sinks))}"
            )
        sink = cls(cfg)
        conn = sink.connect()
    else:
        conn = connect(cfg, "target")
        cls = next(
            (c for name, c in sorted(sinks.items()) if name != "postgresql" and c.detect(conn)),
            sinks["postgresql"],
        )
        sink = cls(cfg)
        cfg.db_type = sink.name
    status = ctx.meta.status()
    arity = status.get("source_schema_arity", "many")
    if cfg.schema and arity == "many":
        conn.close()
        raise ConfigError(
            "--target-db-schema is only for MySQL and Oracle sources",
            fix="drop it: PostgreSQL schemas keep their source names",
        )
    conf = cfg.public_dict()
    if not explicit:  # detected: detect again next time rather than pinning it
        conf["db_type"] = None
    try:
        version = sink.server_version(conn)
    except psycopg.Error:
        version = None  # analyze-schema then analyses for the newest version
    # analyze-schema takes the target's type and version from here (unless its options say otherwise)
    ctx.meta.update_status(target_conf=conf, target_db_type=sink.name, target_db_version=version)
    return sink, conn


def target_schema_for(ctx: StepContext) -> str | None:
    """The schema MySQL/Oracle objects go to (``--target-db-schema``, default public); None for PostgreSQL sources."""
    status = ctx.meta.status()
    if status.get("source_schema_arity", "many") == "many":
        return None
    stored = (status.get("target_conf") or {}).get("schema")
    return ctx.target.schema or stored or "public"
