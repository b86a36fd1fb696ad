"""SQLite source (``--source-db-name`` is the file), read with Python's sqlite3, on ``transship.sdk`` alone."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from itertools import groupby
from pathlib import Path
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp

from transship import sdk

# declared type (upper case) -> PostgreSQL type, first match wins (SQLite's affinity order, refined)
TYPES = [(r"BOOL", "boolean"), (r"INT", "bigint"), (r"CHAR|CLOB|TEXT|^TIME$", "text"), (r"BLOB", "bytea"),
         (r"REAL|FLOA|DOUB", "double precision"), (r"^DATE$", "date"), (r"DATE|TIME", "timestamp"),
         (r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", r"numeric(\1,\2)"), (r"^$", "text"), (r".", "numeric")]  # fmt: skip
PLAIN = re.compile(r"[-+]?\d+(\.\d+)?|'(?:[^']|'')*'|NULL|TRUE|FALSE|CURRENT_(TIMESTAMP|DATE|TIME)", re.I)
TRIGGER = "a SQLite trigger: rewrite it in PL/pgSQL"


def q(name: str) -> str:
    """A quoted SQLite identifier (every name in this module's SQL goes through it)."""
    return '"' + name.replace('"', '""') + '"'


def pg_type(declared: str) -> str:
    return next(m.expand(t) for p, t in TYPES if (m := re.search(p, declared.upper().strip())))


class Schema:
    """The database's objects converted to PostgreSQL; what needs the user's hands goes into ``findings``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.findings, self.cat = conn, list[dict[str, str]](), sdk.Catalog("sqlite", "main")
        master = conn.execute("SELECT * FROM sqlite_master").fetchall()
        objects = [o for o in master if not o[1].startswith("sqlite_")]
        self.sql = {o[1]: o[4] for o in master}
        # AUTOINCREMENT never reuses an id: sqlite_sequence may be ahead of the highest one left
        seqs = "SELECT name, seq FROM sqlite_sequence"
        self.auto = dict(conn.execute(seqs)) if "sqlite_sequence" in self.sql else {}
        # SQLite names are case-insensitive, quoted PostgreSQL ones are not: each is written as declared
        names = [n for o in objects for n in [o[1], *(r[1] for r in self.pragma("table_info", o[1]))]]
        self.names = {n.lower(): n for n in names}
        for kind, name, table, _page, sql in objects:
            if kind == "table" and not sql.upper().startswith("CREATE VIRTUAL"):
                self.cat.tables.append(self.table(name, sql))
            elif kind == "view":
                self.cat.views.append(self.view(name, sql))
            elif kind == "trigger":
                self.cat.routines.append(sdk.Routine("main", name, "trigger", sql, None, table, [TRIGGER]))
                self.note("unconverted_object", "TRIGGER", name, TRIGGER)
            elif kind == "table":
                self.note("unconverted_object", "TABLE", name, "a virtual table")

    def note(self, kind: str, object_type: str, name: str, why: str) -> None:
        self.findings.append(sdk.conversion_finding(kind, object_type, name, why))

    def pragma(self, what: str, name: str) -> list[Any]:
        return self.conn.execute(f"PRAGMA {what}({q(name)})").fetchall()

    def pk(self, table: str) -> list[str]:
        return [r[1] for r in sorted(self.pragma("table_info", table), key=lambda r: r[5]) if r[5]]

    def pg(self, node: exp.Expression) -> str:
        """A SQLite expression or query as PostgreSQL SQL, every name quoted as declared."""
        for ident in node.find_all(exp.Identifier):
            ident.set("this", self.names.get(ident.name.lower(), ident.name))
            ident.set("quoted", True)
        return node.sql(dialect="postgres")

    def table(self, name: str, sql: str) -> sdk.Table:
        table, pk = sdk.Table("main", name), self.pk(name)
        for _cid, cname, declared, notnull, default, pk_pos in self.pragma("table_info", name):
            col = sdk.Column(cname, declared, not notnull and not pk_pos, target_type=pg_type(declared))
            if default is not None and PLAIN.fullmatch(default):  # '1' is a boolean, 1 is not
                col.target_default = f"'{default}'" if col.target_type == "boolean" else default
            elif default is not None:
                self.note("lossy_conversion", "TABLE", f"{name}.{cname}", f"default {default} dropped")
            if pk == [cname] and declared.upper() == "INTEGER":  # the rowid: an identity on the target
                seq = sdk.Sequence("main", f"{name}_{cname}_seq", owned_by=(name, cname))
                col.identity, col.extra["identity_sequence"] = "by default", seq.name
                self.cat.sequences.append(seq)
            table.columns.append(col)
        table.constraints += [sdk.Constraint("", "primary", pk)] if pk else []
        for check in sqlglot.parse_one(sql, read="sqlite").find_all(exp.CheckColumnConstraint):
            table.constraints.append(sdk.Constraint("", "check", expression=self.pg(check.this)))
        for _id, group in groupby(self.pragma("foreign_key_list", name), key=lambda r: r[0]):
            p = list(group)
            to = [r[4] for r in p] if p[0][4] else self.pk(p[0][2])
            cols = [r[3] for r in p]
            table.constraints.append(sdk.Constraint("", "foreign", cols, None, p[0][2], to, p[0][6], p[0][5]))
        for _seq, iname, unique, origin, _partial in self.pragma("index_list", name):
            keys = [r for r in self.pragma("index_xinfo", iname) if r[5]]
            if any(r[2] is None for r in keys):
                self.note("unconverted_object", "INDEX", iname, "an index on expressions")
            elif origin == "u":
                table.constraints.append(sdk.Constraint("", "unique", [r[2] for r in keys]))
            elif origin == "c":
                index = sdk.Index(iname, name, [r[2] for r in keys], bool(unique))
                index.descending = [bool(r[3]) for r in keys]
                where = sqlglot.parse_one(self.sql[iname], read="sqlite").find(exp.Where)  # a partial index
                index.where = self.pg(where.this) if where else None
                table.indexes.append(index)
        return table

    def view(self, name: str, sql: str) -> sdk.View:
        try:
            return sdk.View("main", name, self.pg(sqlglot.parse_one(sql, read="sqlite").expression))
        except (sqlglot.errors.SqlglotError, AttributeError) as exc:
            self.note("unconverted_object", "VIEW", name, f"sqlglot: {exc}")
            return sdk.View("main", name, sql, source_definition=sql, converted=False, note=str(exc))


class SqliteAdapter(sdk.SourceAdapter):
    """``--source-db-type sqlite --source-db-name PATH``."""

    name = "sqlite"
    schema_arity = "none"
    object_types: ClassVar[tuple[str, ...]] = ("TABLE", "INDEX", "VIEW", "TRIGGER")

    def connect(self) -> sqlite3.Connection:
        """A read-only connection, usable from the export's threads (they take turns)."""
        path = Path(self.config.name or "")
        if not self.config.name or not path.is_file():
            raise sdk.ConnectionFailed(
                f"SQLite file {path} not found", fix="pass its path as --source-db-name"
            )
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master")
        except sqlite3.DatabaseError as exc:
            raise sdk.ConnectionFailed(f"{path} is not SQLite: {exc}", fix="check the path") from None
        return conn

    def check_connection(self) -> str:
        self.connect().close()
        return f"SQLite {sqlite3.sqlite_version}"

    def export_schema(self, writer: sdk.SchemaWriter, options: sdk.SchemaExportOptions) -> Any:
        with closing(self.connect()) as conn:
            schema = Schema(conn)
        sdk.write_catalog(schema.cat, writer, object_types=options.wanted(self.object_types))
        return sdk.SchemaExportResult(counts=dict(writer.counts), findings=schema.findings)

    def begin_data_export(self, options: sdk.DataExportOptions) -> sdk.DataSnapshot:
        conn, lock = self.connect(), threading.Lock()
        conn.execute("BEGIN")  # one read transaction: every table as of this moment
        schema = Schema(conn)  # (booleans stay 0/1: PostgreSQL reads those as false/true)

        def rows(table: sdk.ExportTable) -> Iterator[Any]:
            with lock:  # the readers share the connection: one table at a time, streamed
                yield from conn.execute(f"SELECT {', '.join(map(q, table.columns))} FROM {q(table.name)}")

        def top(table: str, column: str) -> int:
            highest = conn.execute(f"SELECT max({q(column)}) FROM {q(table)}").fetchone()[0]
            return max(highest or 0, schema.auto.get(table, 0))

        tables = sdk.listed_tables(schema.cat, options.include, lambda t: count(conn, t.name))
        values, reader = sdk.identity_values(schema.cat, top), sdk.RowsReader(rows)
        return sdk.ListedSnapshot(tables, values, lambda: reader, "one read transaction", conn.close)

    def count_rows(self, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        with closing(self.connect()) as conn:
            return {(s, n): count(conn, n) for s, n in tables}

    def content_source(self) -> sdk.PythonContentSource:
        return sdk.PythonContentSource.over_connection(self.connect(), q)


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0])
