"""The target-side ledger: one row per committed batch, written in the batch's own transaction."""

from __future__ import annotations

import psycopg
from psycopg import sql

LEDGER_TABLE = "import_batches"
STASH_TABLE = "stashed_rows"


def ensure_ledger(conn: psycopg.Connection, schema: str) -> None:
    """Create the ledger schema and tables if absent, and add the columns newer versions use
    (idempotent, safe to run concurrently)."""
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    ledger = sql.Identifier(schema, LEDGER_TABLE)
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " migration_uuid uuid NOT NULL, data_file text NOT NULL, batch_number integer NOT NULL,"
            " schema_name text NOT NULL, table_name text NOT NULL, rows_imported bigint NOT NULL,"
            " start_offset bigint NOT NULL, end_offset bigint NOT NULL,"
            " imported_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (migration_uuid, data_file, batch_number))"
        ).format(ledger)
    )
    # rows_imported: rows this transaction added to the table; batch_rows: rows of the file it covers
    # (stashed and skipped rows included); a bisected batch's halves have keys "<file>@<checksum>#<start>-<end>"
    for column in (
        "rows_stashed bigint NOT NULL DEFAULT 0",
        "rows_skipped bigint NOT NULL DEFAULT 0",
        "batch_rows bigint",
        "node text",  # the cluster node (host:port) that committed the batch
    ):
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS " + column).format(ledger))
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} ("
            " migration_uuid uuid NOT NULL, data_file text NOT NULL, start_offset bigint NOT NULL,"
            " end_offset bigint NOT NULL, line bigint NOT NULL, sqlstate text, message text, detail text,"
            " column_name text, stashed_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (migration_uuid, data_file, start_offset))"
        ).format(sql.Identifier(schema, STASH_TABLE))
    )


def committed_batches(
    conn: psycopg.Connection, schema: str, migration_uuid: str
) -> dict[str, dict[int, tuple[int, int, int]]]:
    """data file -> {batch number: (rows, start offset, end offset)} for every batch the target committed."""
    rows = conn.execute(
        sql.SQL(
            "SELECT data_file, batch_number, COALESCE(batch_rows, rows_imported), start_offset, end_offset FROM {}"
            " WHERE migration_uuid = %s AND strpos(data_file, '#') = 0"
        ).format(sql.Identifier(schema, LEDGER_TABLE)),
        (migration_uuid,),
    ).fetchall()
    out: dict[str, dict[int, tuple[int, int, int]]] = {}
    for data_file, number, count, start, end in rows:
        out.setdefault(data_file, {})[int(number)] = (int(count), int(start), int(end))
    return out


def outcomes_per_batch(
    conn: psycopg.Connection, schema: str, migration_uuid: str
) -> dict[str, dict[int, tuple[int, int]]]:
    """data file -> {batch number: (rows stashed, rows skipped)} for complete batches that stashed or skipped rows.

    A complete batch's own row holds what it stashed in all; the rows it skipped (primary-key conflicts
    ignored, rows replaced by upsert) are in its own row or, when it was bisected, in its halves' rows."""
    rows = conn.execute(
        sql.SQL(
            "SELECT split_part(data_file, '#', 1), batch_number,"
            " COALESCE(sum(rows_stashed) FILTER (WHERE strpos(data_file, '#') = 0), 0), sum(rows_skipped)"
            " FROM {} WHERE migration_uuid = %s GROUP BY 1, 2"
            " HAVING bool_or(strpos(data_file, '#') = 0)"
            " AND (sum(rows_stashed) FILTER (WHERE strpos(data_file, '#') = 0) > 0 OR sum(rows_skipped) > 0)"
        ).format(sql.Identifier(schema, LEDGER_TABLE)),
        (migration_uuid,),
    ).fetchall()
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for data_file, number, stashed, skipped in rows:
        out.setdefault(data_file, {})[int(number)] = (int(stashed), int(skipped))
    return out


def forget(conn: psycopg.Connection, schema: str, migration_uuid: str, data_files: list[str]) -> None:
    """Delete ledger rows and stashed rows of ``data_files`` (``import data --start-clean``)."""
    for table in (LEDGER_TABLE, STASH_TABLE):
        exists = conn.execute(
            "SELECT to_regclass(%s)", (sql.Identifier(schema, table).as_string(conn),)
        ).fetchone()
        if not exists or exists[0] is None:
            continue
        conn.execute(
            # ledger keys are "<file>@<checksum>[#<range>]": every export of these files is forgotten
            sql.SQL(
                "DELETE FROM {} WHERE migration_uuid = %s AND split_part(data_file, '@', 1) = ANY(%s)"
            ).format(sql.Identifier(schema, table)),
            (migration_uuid, data_files),
        )


def drop_ledger(conn: psycopg.Connection, schema: str, migration_uuid: str) -> bool:
    """Remove this migration's rows; drop the schema when no other migration uses it. True if dropped.

    Refuses while indexes dropped for the load are still waiting to be built (their definitions live here).
    """
    from transship.errors import ImportFailed
    from transship.importer.indexes import pending

    waiting = pending(conn, schema, migration_uuid)
    if waiting:
        raise ImportFailed(
            f"{len(waiting)} index(es) dropped for the load were never built again (e.g. {waiting[0][0]}.{waiting[0][1]})",
            fix="run 'transship import data' again to finish (it builds them), then end the migration",
        )
    # this migration's rows go; the schema goes only when no table in it holds rows of another migration
    # (another migration's recorded index definitions must never be dropped with it)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,),
        ).fetchall()
    ]
    others = 0
    for table in tables:
        ident = sql.Identifier(schema, table)
        has_uuid = conn.execute(
            "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'migration_uuid'",
            (ident.as_string(conn),),
        ).fetchone()
        if not has_uuid:
            others += 1  # not ours: keep the schema
            continue
        conn.execute(sql.SQL("DELETE FROM {} WHERE migration_uuid = %s").format(ident), (migration_uuid,))
        left = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()
        others += int(left[0]) if left else 0
    if others == 0:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        return True
    return False


def batches_per_node(conn: psycopg.Connection, schema: str, migration_uuid: str) -> dict[str, int]:
    """node (host:port) -> complete batches it committed for this migration (older rows: "unknown")."""
    rows = conn.execute(
        sql.SQL(
            "SELECT COALESCE(node, 'unknown'), count(*) FROM {} WHERE migration_uuid = %s"
            " AND strpos(data_file, '#') = 0 GROUP BY 1 ORDER BY 1"
        ).format(sql.Identifier(schema, LEDGER_TABLE)),
        (migration_uuid,),
    ).fetchall()
    return {str(node): int(n) for node, n in rows}
