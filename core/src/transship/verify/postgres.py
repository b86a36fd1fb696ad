"""PostgreSQL's side of a content comparison: the target always, and PostgreSQL sources.

Every hash is computed by the server; only one (count, sum) per chunk is returned, and the rows of a chunk
only where it differs.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from transship.keyranges import INTEGER_LIMIT, ChunkPlan
from transship.verify import prepare_for_digests, relkind
from transship.verify.canonical import (
    PG_FLOAT_FUNCTION,
    PROBE_TEXT,
    ROW_HASHES,
    pg_hash,
    pg_json_function,
    pg_piece,
    row_expression,
)
from transship.verify.content import ColumnSpec, Digests, RowValues, TableSpec, unpaired_columns

DISPLAY_CHARS = 200

_KINDS = (
    (("smallint", "integer", "bigint"), "int"),
    (("numeric",), "numeric"),
    (("real", "double precision"), "pgfloat"),
    (("boolean",), "bool"),
    (("bit", "bit varying"), "bits"),
    (("date",), "date"),
    (("timestamp",), "timestamp"),
    (("interval",), "interval"),
    (("bytea",), "bytes"),
    (("jsonb",), "jsonb"),  # json keeps its text (duplicate keys too): compared as text
)


def kind_for_pg_type(pg_type: str) -> str:
    """The canonical kind of a PostgreSQL type (``format_type`` text); ``text`` for every other type."""
    t = pg_type.lower()
    if t.endswith("[]"):
        return "text"
    base = t.split("(")[0].strip()
    for names, kind in _KINDS:
        if base in names or (kind in ("timestamp", "interval") and base.startswith(kind)):
            return kind
    return "text"


def table_spec(conn: psycopg.Connection, schema: str, name: str) -> TableSpec | None:
    """A table's columns (in order, with kinds from their types) and primary key; None when it is absent."""
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
        "COALESCE(a.attnum = ANY(i.indkey), false) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, name),
    ).fetchall()
    if not rows and relkind(conn, schema, name) is None:
        return None
    columns = [ColumnSpec(str(r[0]), kind_for_pg_type(str(r[1])), str(r[1])) for r in rows]
    key_names = _primary_key(conn, schema, name)
    by_name = {c.name: i for i, c in enumerate(columns)}
    return TableSpec(schema, name, columns, [by_name[k] for k in key_names if k in by_name])


def _primary_key(conn: psycopg.Connection, schema: str, name: str) -> list[str]:
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE i.indisprimary AND n.nspname = %s AND c.relname = %s ORDER BY k.pos",
        (schema, name),
    ).fetchall()
    return [str(r[0]) for r in rows]


def prepare_session(conn: psycopg.Connection) -> None:
    """Settings that make canonical text identical on every run (:func:`transship.verify.prepare_for_digests`)."""
    prepare_for_digests(conn)
    if not conn.autocommit:
        conn.commit()


class PgContentReader:
    """A :class:`~transship.verify.content.ContentReader` over one PostgreSQL connection."""

    def __init__(self, conn: psycopg.Connection, owned: bool = False) -> None:
        self.conn = conn
        self.owned = owned
        self._functions: set[str] = set()
        self._kinds: dict[tuple[str, str], str | None] = {}
        # the server's encoding (not the client's): md5() and octet_length() see the stored bytes
        row = conn.execute("SHOW server_encoding").fetchone()
        self.utf8 = row is not None and str(row[0]).upper() in ("UTF8", "UTF-8")
        self.row_hash = "md5"
        self._probes: dict[str, int | None] = {}
        prepare_session(conn)

    def close(self) -> None:
        if self.owned:
            self.conn.close()

    # SQL pieces
    def _from(self, table: TableSpec) -> sql.Composable:
        # ONLY: inheritance children are compared with the child; a partitioned table is read whole
        where = (table.schema or "public", table.name)
        if where not in self._kinds:  # one catalog query per table, not one per digest or chunk query
            self._kinds[where] = relkind(self.conn, *where)
        kind = self._kinds[where]
        ident = sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)
        return sql.SQL("ONLY {}" if kind == "r" else "{}").format(ident)

    def _pieces(self, table: TableSpec, only: list[int] | None = None) -> list[sql.Composable]:
        idx = range(len(table.columns)) if only is None else only
        for kind, definition in (
            ("json", pg_json_function()),
            ("float", PG_FLOAT_FUNCTION),
            ("point", PG_FLOAT_FUNCTION),
        ):
            # session-local (pg_temp), created only where another engine's values are compared
            if definition not in self._functions and any(table.columns[i].kind == kind for i in idx):
                self.conn.execute(definition)
                if not self.conn.autocommit:
                    self.conn.commit()
                self._functions.add(definition)
        return [
            pg_piece(
                table.columns[i].kind,
                sql.Identifier(table.columns[i].name),
                table.columns[i].type_name,
                self.utf8,
                self.row_hash,
            )
            for i in idx
        ]

    def _row_hash(self, table: TableSpec) -> sql.Composable:
        return pg_hash(row_expression(self._pieces(table)), self.utf8, self.row_hash)

    def row_hash_probe(self, algorithm: str) -> int | None:
        """This server's hash of :data:`PROBE_TEXT` with ``algorithm``, or None where it has no such hash."""
        if algorithm not in self._probes:
            value: int | None = None
            # hashtextextended hashes the stored bytes: only UTF-8 databases agree with each other
            if algorithm in ROW_HASHES and (algorithm != "pg-hashtextextended" or self.utf8):
                try:
                    value = int(
                        self._one(
                            sql.SQL("SELECT {}").format(
                                pg_hash(sql.Literal(PROBE_TEXT), self.utf8, algorithm)
                            )
                        )[0]
                    )
                except (psycopg.errors.UndefinedFunction, psycopg.DataError, UnicodeEncodeError):
                    value = None  # an engine without it, or an encoding that cannot hold the probe: md5
            self._probes[algorithm] = value
        return self._probes[algorithm]

    def use_row_hash(self, algorithm: str) -> None:
        """Hash rows with ``algorithm`` (one both sides agreed on) from now on."""
        self.row_hash = algorithm

    def _key_text(self, table: TableSpec) -> sql.Composable:
        if not table.key:
            return sql.SQL("({})::text").format(self._row_hash(table))
        return row_expression(self._pieces(table, table.key))

    def _bucket(self, table: TableSpec, plan: ChunkPlan) -> sql.Composable:
        if plan.mode == "range":
            col = table.columns[table.key[0]]
            k = sql.Identifier(col.name)
            if plan.integer_safe() and col.type_name in ("smallint", "integer", "bigint"):
                # integer arithmetic (a numeric floor costs half a second per million rows) where it cannot
                # overflow; other keys (rows the target has and the source had not) take the exact floor
                return sql.SQL(
                    "CASE WHEN {k} >= {lo} AND {k} < {limit} THEN ({k}::bigint - {lo}) / {w} "
                    "ELSE floor(({k}::numeric - {lo}) / {w})::bigint END"
                ).format(
                    k=k, lo=sql.Literal(plan.lo), w=sql.Literal(plan.width), limit=sql.Literal(INTEGER_LIMIT)
                )
            return sql.SQL("floor(({}::numeric - {}) / {})::bigint").format(
                k, sql.Literal(plan.lo), sql.Literal(plan.width)
            )
        if plan.mode == "hash" and self.row_hash != "md5":
            return sql.SQL("({} % {})").format(
                pg_hash(self._key_text(table), self.utf8, self.row_hash), sql.Literal(plan.count)
            )
        if plan.mode == "hash":
            key = self._key_text(table)
            data = key if self.utf8 else sql.SQL("convert_to({}, 'UTF8')").format(key)
            return sql.SQL("(('x' || substr(md5({}), 1, 8))::bit(32)::bigint % {})").format(
                data, sql.Literal(plan.count)
            )
        return sql.SQL("({} % {})").format(self._row_hash(table), sql.Literal(plan.count))

    def _chunk_filter(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> sql.Composable:
        if plan.mode == "range":
            r = plan.range_of(chunk)
            k = sql.Identifier(table.columns[table.key[0]].name)
            return sql.SQL("{k} >= {lo} AND {k} < {hi}").format(
                k=k, lo=sql.Literal(r.lo), hi=sql.Literal(r.hi)
            )
        return sql.SQL("{} = {}").format(self._bucket(table, plan), sql.Literal(chunk))

    def _spans(self, table: TableSpec, plan: ChunkPlan, chunks: list[int]) -> sql.Composable:
        k = sql.Identifier(table.columns[table.key[0]].name)
        parts = []
        for lo, hi in plan.spans(chunks):
            bounds = [sql.SQL("{} >= {}").format(k, sql.Literal(lo))] if lo is not None else []
            bounds += [sql.SQL("{} < {}").format(k, sql.Literal(hi))] if hi is not None else []
            if not bounds:
                return sql.SQL("")
            parts.append(sql.SQL("({})").format(sql.SQL(" AND ").join(bounds)))
        return sql.SQL(" WHERE ") + sql.SQL(" OR ").join(parts)

    # ContentReader
    def key_bounds(self, table: TableSpec) -> tuple[int | None, int | None, int]:
        if table.single_int_key():
            k = sql.Identifier(table.columns[table.key[0]].name)
            row = self._one(
                sql.SQL("SELECT min({k}), max({k}), count(*) FROM {t}").format(k=k, t=self._from(table))
            )
            return (
                None if row[0] is None else int(row[0]),
                None if row[1] is None else int(row[1]),
                int(row[2]),
            )
        row = self._one(sql.SQL("SELECT NULL, NULL, count(*) FROM {}").format(self._from(table)))
        return None, None, int(row[2])

    def digests(self, table: TableSpec, plan: ChunkPlan, chunks: list[int] | None = None) -> Digests:
        where: sql.Composable = sql.SQL("")
        if chunks is not None:
            where = (
                self._spans(table, plan, chunks)
                if plan.mode == "range"
                else sql.SQL(" WHERE {} = ANY({})").format(self._bucket(table, plan), sql.Literal(chunks))
            )
        query = sql.SQL("SELECT {b} AS b, count(*), coalesce(sum({h}), 0) FROM {t}{w} GROUP BY 1").format(
            b=self._bucket(table, plan), h=self._row_hash(table), t=self._from(table), w=where
        )
        return {int(r[0]) if r[0] is not None else -1: (int(r[1]), int(r[2])) for r in self._all(query)}

    def chunk_rows(self, table: TableSpec, plan: ChunkPlan, chunk: int) -> list[tuple[str, int]]:
        query = sql.SQL("SELECT {k}, {h} FROM {t} WHERE {w}").format(
            k=self._key_text(table),
            h=self._row_hash(table),
            t=self._from(table),
            w=self._chunk_filter(table, plan, chunk),
        )
        return [(str(r[0]), int(r[1])) for r in self._all(query)]

    def rows(self, table: TableSpec, plan: ChunkPlan, chunk: int, keys: list[str]) -> dict[str, RowValues]:
        if not keys:
            return {}
        shown = [self._display(c) for c in table.columns]
        query = sql.SQL("SELECT {k}, {p}, {v} FROM {t} WHERE {w} AND {k} = ANY({keys})").format(
            k=self._key_text(table),
            p=sql.SQL(", ").join(self._pieces(table)),
            v=sql.SQL(", ").join(shown),
            t=self._from(table),
            w=self._chunk_filter(table, plan, chunk),
            keys=sql.Literal(keys),
        )
        n = len(table.columns)
        out: dict[str, RowValues] = {}
        for r in self._all(query):
            out.setdefault(str(r[0]), RowValues([str(v) for v in r[1 : 1 + n]], list(r[1 + n :])))
        return out

    @staticmethod
    def _display(col: ColumnSpec) -> sql.Composable:
        c = sql.Identifier(col.name)
        if col.type_name == "bytea":
            return sql.SQL(
                "'\\x' || encode(substr({}, 1, 32), 'hex') || CASE WHEN length({}) > 32 THEN '...' ELSE '' END"
            ).format(c, c)
        return sql.SQL("left({}::text, {})").format(c, sql.Literal(DISPLAY_CHARS))

    def _one(self, query: sql.Composable) -> Any:
        return self._all(query)[0]

    def _all(self, query: sql.Composable) -> list[Any]:
        try:
            rows = self.conn.execute(query).fetchall()  # type: ignore[call-overload]
        finally:
            if not self.conn.autocommit:
                self.conn.rollback()
        return rows


class PgContentSource:
    """A PostgreSQL source's side: the same table, columns paired by name, kinds the target's."""

    def __init__(self, connect: Any) -> None:
        self._connect = connect
        self._conn: psycopg.Connection | None = None

    def _catalog(self) -> psycopg.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def table_spec(self, source_schema: str | None, source_name: str, target: TableSpec) -> TableSpec | str:
        spec = table_spec(self._catalog(), source_schema or "public", source_name)
        if spec is None:
            return "missing on the source"
        by_name = {c.name: c for c in spec.columns}
        reason = unpaired_columns(target, list(by_name))
        if reason:
            return reason
        columns = [ColumnSpec(c.name, c.kind, by_name[c.name].type_name) for c in target.columns]
        return TableSpec(spec.schema, spec.name, columns, list(target.key))

    def reader(self) -> PgContentReader:
        return PgContentReader(self._connect(), owned=True)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
