"""The offline workflow MySQL/MariaDB → PostgreSQL through the CLI, and a value-by-value comparison."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tests.conftest import CliResult, run_cli
from transship.testing.databases import MySQLServer, PgServer


def migrate(
    export_dir: Path,
    mysql: MySQLServer,
    source_db: str,
    pg: PgServer,
    target_db: str,
    schema: str,
    config: Path | None = None,
) -> dict[str, CliResult]:
    """export schema → analyze-schema → import schema → export data → import data; every step must succeed.

    ``config`` is a ``-c`` config file given to both exports (they must apply the same type mapping).
    """
    src = ["--source-db-type", "mysql", "--source-db-host", mysql.host, "--source-db-port", str(mysql.port),
           "--source-db-user", mysql.user, "--source-db-name", source_db]  # fmt: skip
    tgt = ["--target-db-host", pg.host, "--target-db-port", str(pg.port), "--target-db-user", pg.user,
           "--target-db-name", target_db, "--target-db-schema", schema]  # fmt: skip
    env = {"SOURCE_DB_PASSWORD": mysql.password} if mysql.password else None
    e = ["-e", str(export_dir)]
    c = ["-c", str(config)] if config else []
    out = {
        "export schema": run_cli("export", "schema", *e, *c, *src, "--yes", env=env),
        "analyze": run_cli("analyze-schema", *e, "--output-format", "txt", "--yes"),
        "import schema": run_cli("import", "schema", *e, *tgt, "--yes"),
        "export data": run_cli("export", "data", *e, *c, *src, "--disable-pb", "true", "--yes", env=env),
        "import data": run_cli("import", "data", *e, *tgt, "--disable-pb", "true", "--yes"),
    }
    # verify counts the MySQL source again and compares every stage with the target
    out["verify"] = run_cli("verify", *e, *tgt, env=env)
    assert "table(s) match" in out["verify"].stdout, out["verify"]
    return out


def norm(value: Any) -> Any:
    """One comparable form for a value read from either side (after the documented type mapping)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (set, frozenset, list)):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def mysql_rows(mysql: MySQLServer, db: str, query: str) -> list[tuple]:
    conn = mysql.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            cur.execute("SET SESSION group_concat_max_len = 1000000")
            cur.execute(query)
            return [tuple(norm(v) for v in row) for row in cur.fetchall()]
    finally:
        conn.close()


def pg_rows(pg: PgServer, db: str, schema: str, query: str | sql.Composed) -> list[tuple]:
    with psycopg.connect(pg.conninfo(db)) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        return [tuple(norm(v) for v in row) for row in conn.execute(query).fetchall()]  # type: ignore[arg-type]


def compare_tables(
    mysql: MySQLServer, source_db: str, pg: PgServer, target_db: str, schema: str
) -> dict[str, int]:
    """Every base table: same rows, compared column by column in primary-key order; returns row counts."""
    conn = mysql.connect(source_db)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (source_db,),
        )
        tables = [r[0] for r in cur.fetchall()]
        cols: dict[str, list[str]] = {}
        keys: dict[str, list[int]] = {}
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s AND data_type = 'bit'",
            (source_db,),
        )
        bit_cols = {(r[0], r[1]): True for r in cur.fetchall()}
        for t in tables:
            cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                (source_db, t),
            )
            rows = cur.fetchall()
            cols[t] = [r[0] for r in rows]
            cur.execute(
                "SELECT column_name FROM information_schema.statistics WHERE table_schema = %s AND table_name = %s AND index_name = 'PRIMARY' ORDER BY seq_in_index",
                (source_db, t),
            )
            pk = [r[0] for r in cur.fetchall()]
            keys[t] = [cols[t].index(c) + 1 for c in pk] or [
                i + 1 for i, r in enumerate(rows) if r[1] not in ("longtext", "json", "blob", "longblob")
            ]
    conn.close()
    counts = {}
    for t in tables:
        order = ", ".join(str(i) for i in keys[t])
        mcols = ", ".join(f"`{c}`" for c in cols[t])
        src = mysql_rows(mysql, source_db, f"SELECT {mcols} FROM `{t}` ORDER BY {order}")  # noqa: S608 - test names
        bits = [i for i, c in enumerate(cols[t]) if bit_cols.get((t, c))]
        src = [
            tuple(int.from_bytes(v, "big") if i in bits and v is not None else v for i, v in enumerate(row))
            for row in src
        ]
        pcols = sql.SQL(", ").join(_pg_select(pg, target_db, schema, t.lower(), c.lower()) for c in cols[t])
        tgt = pg_rows(
            pg,
            target_db,
            schema,
            sql.SQL("SELECT {} FROM {} ORDER BY {}").format(pcols, sql.Identifier(t.lower()), sql.SQL(order)),
        )
        assert len(src) == len(tgt), t
        for a, b in zip(src, tgt, strict=True):
            assert a == b, (t, a, b)
        counts[t] = len(src)
    return counts


def _pg_select(pg: PgServer, db: str, schema: str, table: str, column: str) -> sql.Composable:
    """The column as comparable with the MySQL value: arrays (SET) joined with commas, json as its text."""
    with psycopg.connect(pg.conninfo(db)) as conn:
        row = conn.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            (schema, table, column),
        ).fetchone()
    ident = sql.Identifier(column)
    if row and row[0] == "ARRAY":
        return sql.SQL("array_to_string({}, ',')").format(ident)
    if row and row[0] in ("json", "jsonb"):
        return sql.SQL("{}::text").format(ident)
    return ident
