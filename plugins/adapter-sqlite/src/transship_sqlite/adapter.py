# SQLite source (--source-db-name is the file), read with Python's sqlite3, on transship.sdk alone

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
TYPES = [(r"BOOL", "boolean"), (r"INT", "bigint"), (r"CHAR|CLOB|TEXT|JSON|UUID|^TIME$", "text"), (r"BLOB", "bytea"),
         (r"REAL|FLOA|DOUB", "double precision"), (r"^DATE$", "date"), (r"DATE|TIME", "timestamp"),
         (r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", r"numeric(\1,\2)"), (r"^$", "text"), (r".", "numeric")]  # fmt: skip
SHADOW = r"_(data|idx|content|docsize|config|node|parent|rowid)$"  # the tables behind FTS and R-tree tables
TRIGGER = "a SQLite trigger: rewrite it in PL/pgSQL"


def q(name: str) -> str:  # a quoted SQLite identifier: every name in this module's SQL goes through it
    return '"' + name.replace('"', '""') + '"'


def pg_type(declared: str) -> str:
    return next(m.expand(t) for p, t in TYPES if (m := re.search(p, declared.upper().strip())))


class Schema:
    # the database's objects converted to PostgreSQL; what needs the user's hands goes into ``findings``
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.findings = conn, list[dict[str, str]]()
        self.cat = sdk.Catalog("sqlite", "main", ["main"])
        master = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        self.sql = {o[1]: o[3] or "" for o in master}
        virtual = [n for n, sql in self.sql.items() if sql.upper().startswith("CREATE VIRTUAL")]
        shadow = {n for n in self.sql for v in virtual if n.startswith(v + "_") and re.search(SHADOW, n)}
        objects = [o for o in master if not o[1].startswith("sqlite_") and o[1] not in shadow]
        tables = [o[1] for o in objects if o[0] == "table" and o[1] not in virtual]
        # SQLite names are case-insensitive, quoted PostgreSQL ones are not: each is written as declared
        self.columns = {t: [r[1] for r in self.pragma("table_xinfo", t)] for t in tables}
        seqs = "SELECT name, seq FROM sqlite_sequence"  # AUTOINCREMENT never reuses an id: it may be ahead
        self.auto = dict(conn.execute(seqs)) if "sqlite_sequence" in self.sql else {}
        for kind, name, table, sql in objects:
            if name in tables:
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
        return [r[1] for r in sorted(self.pragma("table_xinfo", table), key=lambda r: r[5]) if r[5]]

    def pg(self, node: Any, table: str | None = None) -> str:
        # a SQLite expression or query as PostgreSQL SQL, each name as declared (``table``: the one it is on)
        return sdk.as_declared(node, self.columns, table)

    def parse(self, sql: str, object_type: str, name: str) -> Any:
        try:
            return sqlglot.parse_one(sql, read="sqlite")
        except sqlglot.errors.SqlglotError as exc:  # a table is still made, without its CHECKs
            kind = "lossy_conversion" if object_type == "TABLE" else "unconverted_object"
            self.note(kind, object_type, name, str(exc))
            return None

    def table(self, name: str, sql: str) -> sdk.Table:
        table, pk = sdk.Table("main", name), self.pk(name)
        for _cid, cname, declared, notnull, default, pk_pos, hidden in self.pragma("table_xinfo", name):
            col = sdk.Column(cname, declared, not notnull and not pk_pos, target_type=pg_type(declared))
            col.target_default = sdk.plain_default(default, col.target_type or "")
            if default is not None and col.target_default is None:
                self.note("lossy_conversion", "TABLE", f"{name}.{cname}", f"default {default} dropped")
            if hidden in (2, 3):
                self.note("lossy_conversion", "TABLE", f"{name}.{cname}", "generated: copied as values")
            if pk == [cname] and declared.upper() == "INTEGER":  # the rowid: an identity on the target
                sdk.add_identity(self.cat, name, col)
            table.columns.append(col)
        table.constraints += [sdk.Constraint("", "primary", pk)] if pk else []
        for check in sdk.check_expressions(sql):
            if (tree := self.parse(check, "TABLE", name)) is not None:
                table.constraints.append(sdk.Constraint("", "check", expression=self.pg(tree, name)))
        for _id, group in groupby(self.pragma("foreign_key_list", name), key=lambda r: r[0]):
            p = list(group)
            ref = {t.lower(): t for t in self.columns}.get(p[0][2].lower(), p[0][2])
            ref_columns = {c.lower(): c for c in self.columns.get(ref, [])}
            to = [ref_columns.get(r[4].lower(), r[4]) for r in p] if p[0][4] else self.pk(ref)
            fk = sdk.Constraint("", "foreign", [r[3] for r in p], None, ref, to, p[0][6], p[0][5])
            table.constraints.append(fk)
        for _seq, iname, unique, origin, partial in self.pragma("index_list", name):
            keys = [r for r in self.pragma("index_xinfo", iname) if r[5]]
            cols, desc = [r[2] for r in keys], [bool(r[3]) for r in keys]
            if any(c is None for c in cols):
                self.note("unconverted_object", "INDEX", iname, "an index on expressions")
            elif origin == "u" or (unique and not partial and not any(desc)):  # a constraint: FKs may need it
                table.constraints.append(sdk.Constraint("" if origin == "u" else iname, "unique", cols))
            elif origin == "c" and (not partial or (tree := self.parse(self.sql[iname], "INDEX", iname))):
                where = tree.find(exp.Where) if partial and tree else None
                w = self.pg(where.this, name) if where else None
                table.indexes.append(sdk.Index(iname, name, cols, bool(unique), where=w, descending=desc))
        return table

    def view(self, name: str, sql: str) -> sdk.View:
        if (tree := self.parse(sql, "VIEW", name)) is None:
            return sdk.View("main", name, sql, source_definition=sql, converted=False, note="not read")
        columns = [c.name for c in tree.this.expressions] if isinstance(tree.this, exp.Schema) else []
        return sdk.View("main", name, self.pg(tree.expression), columns=columns)


class SqliteAdapter(sdk.SourceAdapter):  # --source-db-type sqlite --source-db-name PATH
    name = "sqlite"
    schema_arity = "none"
    object_types: ClassVar[tuple[str, ...]] = ("TABLE", "INDEX", "VIEW", "TRIGGER")

    def connect(self) -> sqlite3.Connection:  # read-only, usable from the export's threads (taking turns)
        path = Path(self.config.name or "")
        if not self.config.name or not path.is_file():
            raise sdk.ConnectionFailed(f"no SQLite file {path}", fix="pass its path as --source-db-name")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master")
        except sqlite3.DatabaseError as exc:
            fix = "check that it is a SQLite database and that no program holds it locked (retry then)"
            raise sdk.ConnectionFailed(f"cannot read SQLite file {path}: {exc}", fix=fix) from None
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

        tables = sdk.listed_tables(schema.cat, options.include, lambda t: self.count(conn, t.name))
        values, reader = sdk.identity_values(schema.cat, top), sdk.RowsReader(rows)
        return sdk.ListedSnapshot(tables, values, lambda: reader, "one read transaction", conn.close)

    @staticmethod
    def count(conn: sqlite3.Connection, table: str) -> int:
        return int(conn.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0])

    def count_rows(self, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        with closing(self.connect()) as conn:
            return {(s, n): self.count(conn, n) for s, n in tables}

    def content_source(self) -> sdk.PythonContentSource:
        # SQLite keeps values as given: NULs and digits beyond a declared scale are differences on the target
        return sdk.PythonContentSource.over_connection(self.connect(), q, strip_nul=False, scale_rounds=False)
