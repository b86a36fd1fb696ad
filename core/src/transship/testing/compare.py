"""Table-by-table comparison of two PostgreSQL databases (row counts and content hashes).

Used by the demo and the end-to-end tests: for every table (partitioned tables through their root) the
md5 of all rows, ordered by primary key (or by the whole row when there is none), is computed on each
side by the servers themselves.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

_TABLES = """
SELECT n.nspname, c.relname,
       ARRAY(SELECT quote_ident(a.attname) FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY k(attnum, o) ON true
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.o)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition AND n.nspname = ANY(%s)
ORDER BY 1, 2
"""


def table_digests(conninfo: str, schemas: list[str]) -> dict[str, tuple[int, str]]:
    """``schema.table`` -> (row count, md5 of the rows in key order)."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET extra_float_digits = 3")
        for schema, name, key in conn.execute(_TABLES, (schemas,)).fetchall():
            table = sql.Identifier(schema, name)
            order = sql.SQL(", ").join(sql.SQL(k) for k in key) if key else sql.SQL("t::text")
            query = sql.SQL("SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY {})), '') FROM {} t").format(order, table)
            count, digest = conn.execute(query).fetchone()  # type: ignore[misc]
            out[f"{schema}.{name}"] = (int(count), str(digest))
    return out


def compare_pg_databases(source: str, target: str, schemas: list[str]) -> tuple[list[tuple[str, int, int, bool]], bool]:
    """Rows of (table, source count, target count, same content) and whether everything matched."""
    a = table_digests(source, schemas)
    b = table_digests(target, schemas)
    rows = []
    for name in sorted(set(a) | set(b)):
        ca, da = a.get(name, (-1, "missing"))
        cb, db = b.get(name, (-1, "missing"))
        rows.append((name, ca, cb, ca == cb and da == db))
    return rows, all(r[3] for r in rows)
