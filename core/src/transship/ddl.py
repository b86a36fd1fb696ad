"""PostgreSQL DDL rendered from the neutral catalog (:mod:`transship.catalog`).

Used by the MySQL and Oracle adapters (PostgreSQL sources keep ``pg_dump``'s DDL). Everything here
expects the catalog to be converted already: ``column.target_type`` and ``column.target_default`` are
PostgreSQL text, generated-column expressions, CHECK expressions, index expressions and partition
bounds are in PostgreSQL syntax. Names are quoted with :func:`transship.identifiers.quote_ident`.

With ``qualify=False`` (MySQL, Oracle) objects are written unqualified: ``import schema`` creates
``--target-db-schema`` and sets ``search_path`` to it.

Conventions an adapter can use through ``extra`` dicts:

- ``column.extra["identity_sequence"]``: name of the identity column's sequence (rendered as
  ``SEQUENCE NAME``, so the data import can ``setval()`` it by a known name);
  ``column.extra["identity_start"]``: its START value.
- ``Partitioning.partitions`` hold ``(name, bound)`` where ``bound`` is ``FOR VALUES ...`` or ``DEFAULT``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from transship.catalog import Catalog, Column, Constraint, EnumType, Index, Routine, Sequence, Table, View
from transship.identifiers import qualified, quote_ident
from transship.schema_files import SchemaWriter


def literal(text: str) -> str:
    """A PostgreSQL string literal (standard_conforming_strings on). Text with control characters (LF, CR,
    TAB, ...) becomes an ``E'...'`` literal with backslash escapes, so the DDL file holds none of them raw: a
    CR read back with newline translation would otherwise become a LF."""
    if not any(c < " " for c in text):
        return "'" + text.replace("'", "''") + "'"
    out = []
    for c in text:
        if c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("''")
        elif c < " ":
            out.append(_CONTROL_ESCAPES.get(c) or f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return "E'" + "".join(out) + "'"


_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _name(schema: str | None, name: str, qualify: bool) -> str:
    return qualified(schema, name) if qualify and schema else quote_ident(name)


def _cols(names: Iterable[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)


def table_name(table: Table, qualify: bool = False) -> str:
    """The table's (optionally qualified) quoted name."""
    return _name(table.schema, table.name, qualify)


def render_column(column: Column) -> str:
    """One column definition line (type, identity or generation, default, NOT NULL)."""
    parts = [quote_ident(column.name), column.target_type or column.source_type]
    if column.identity:
        opts = []
        seq = column.extra.get("identity_sequence")
        if seq:
            opts.append(f"SEQUENCE NAME {quote_ident(str(seq))}")
        start = column.extra.get("identity_start")
        if start is not None:
            opts.append(f"START WITH {int(start)}")
        kind = "ALWAYS" if column.identity == "always" else "BY DEFAULT"
        parts.append(f"GENERATED {kind} AS IDENTITY" + (f" ({' '.join(opts)})" if opts else ""))
    elif column.generated:
        parts.append(f"GENERATED ALWAYS AS ({column.generated}) STORED")
    elif column.target_default is not None:
        parts.append(f"DEFAULT {column.target_default}")
    if not column.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def render_constraint(con: Constraint, qualify: bool = False, ref_schema_default: str | None = None) -> str:
    """``CONSTRAINT name ...`` as it appears inside CREATE TABLE or after ADD."""
    head = f"CONSTRAINT {quote_ident(con.name)} " if con.name else ""
    if con.kind == "primary":
        body = f"PRIMARY KEY ({_cols(con.columns)})"
    elif con.kind == "unique":
        body = f"UNIQUE ({_cols(con.columns)})"
    elif con.kind == "check":
        body = f"CHECK ({con.expression})"
    elif con.kind == "exclude":
        body = f"EXCLUDE {con.expression}"
    elif con.kind == "foreign":
        ref = _name(con.ref_schema or ref_schema_default, con.ref_table or "", qualify)
        body = f"FOREIGN KEY ({_cols(con.columns)}) REFERENCES {ref} ({_cols(con.ref_columns)})"
        if con.on_delete and con.on_delete.upper() != "NO ACTION":
            body += f" ON DELETE {con.on_delete.upper()}"
        if con.on_update and con.on_update.upper() != "NO ACTION":
            body += f" ON UPDATE {con.on_update.upper()}"
    else:
        raise ValueError(f"unknown constraint kind {con.kind!r}")
    if con.deferrable:
        body += " DEFERRABLE" + (" INITIALLY DEFERRED" if con.initially_deferred else "")
    return head + body


def render_create_table(table: Table, qualify: bool = False) -> str:
    """``CREATE TABLE`` with columns, PRIMARY KEY / UNIQUE / CHECK inline, and PARTITION BY when partitioned."""
    lines = [render_column(c) for c in table.columns]
    for con in table.constraints:
        if con.kind in ("primary", "unique", "check", "exclude"):
            line = render_constraint(con, qualify)
            if con.not_valid and con.kind == "check":
                continue  # NOT VALID checks are added after the data (render_foreign_keys)
            lines.append(line)
    body = ",\n    ".join(lines)
    sql = f"CREATE TABLE {table_name(table, qualify)} (\n    {body}\n)"
    if table.partitioning:
        p = table.partitioning
        key = ", ".join(quote_ident(k) if _is_plain_column(table, k) else f"({k})" for k in p.key)
        sql += f" PARTITION BY {p.method.upper()} ({key})"
    return sql + ";"


def _is_plain_column(table: Table, text: str) -> bool:
    return any(c.name == text for c in table.columns)


def render_foreign_keys(table: Table, qualify: bool = False) -> list[str]:
    """``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`` (and NOT VALID checks), NOT VALID where marked."""
    out = []
    for con in table.constraints:
        if con.kind == "foreign" or (con.kind == "check" and con.not_valid):
            sql = f"ALTER TABLE {table_name(table, qualify)} ADD {render_constraint(con, qualify, table.schema)}"
            if con.not_valid:
                sql += " NOT VALID"
            out.append(sql + ";")
    return out


def render_index(table: Table, index: Index, qualify: bool = False) -> str:
    """One ``CREATE INDEX``; entries naming a column are quoted, others are expressions."""
    items = []
    for i, col in enumerate(index.columns):
        text = quote_ident(col) if _is_plain_column(table, col) else f"({col})"
        if i < len(index.descending) and index.descending[i]:
            text += " DESC"
        items.append(text)
    unique = "UNIQUE " if index.unique else ""
    method = f" USING {index.method}" if index.method and index.method.lower() != "btree" else ""
    sql = f"CREATE {unique}INDEX {quote_ident(index.name)} ON {table_name(table, qualify)}{method} ({', '.join(items)})"
    if index.where:
        sql += f" WHERE {index.where}"
    return sql + ";"


def render_indexes(table: Table, qualify: bool = False) -> list[str]:
    """Every secondary index of ``table``."""
    return [render_index(table, ix, qualify) for ix in table.indexes]


def render_sequence(seq: Sequence, qualify: bool = False) -> str:
    """``CREATE SEQUENCE`` (ownership is a separate statement: :func:`render_sequence_ownership`)."""
    parts = [f"CREATE SEQUENCE {_name(seq.schema, seq.name, qualify)}"]
    if seq.data_type and seq.data_type != "bigint":
        parts.append(f"AS {seq.data_type}")
    parts.append(f"INCREMENT BY {seq.increment}")
    parts.append(f"MINVALUE {seq.min_value}" if seq.min_value is not None else "NO MINVALUE")
    parts.append(f"MAXVALUE {seq.max_value}" if seq.max_value is not None else "NO MAXVALUE")
    parts.append(f"START WITH {seq.start}")
    parts.append("CYCLE" if seq.cycle else "NO CYCLE")
    return " ".join(parts) + ";"


def render_sequence_ownership(seq: Sequence, qualify: bool = False) -> str | None:
    """``ALTER SEQUENCE ... OWNED BY table.column`` for owned sequences, else None."""
    if not seq.owned_by:
        return None
    tbl, col = seq.owned_by
    return f"ALTER SEQUENCE {_name(seq.schema, seq.name, qualify)} OWNED BY {_name(seq.schema, tbl, qualify)}.{quote_ident(col)};"


def render_enum(enum: EnumType, qualify: bool = False) -> str:
    """``CREATE TYPE ... AS ENUM (...)``."""
    labels = ", ".join(literal(label) for label in enum.labels)
    return f"CREATE TYPE {_name(enum.schema, enum.name, qualify)} AS ENUM ({labels});"


def render_partitions(table: Table, qualify: bool = False) -> list[str]:
    """``CREATE TABLE <part> PARTITION OF <table> <bound>`` for each partition."""
    if not table.partitioning:
        return []
    parent = table_name(table, qualify)
    return [
        f"CREATE TABLE {_name(table.schema, name, qualify)} PARTITION OF {parent} {bound};"
        for name, bound in table.partitioning.partitions
    ]


def render_view(view: View, qualify: bool = False) -> str:
    """``CREATE OR REPLACE VIEW`` (or MATERIALIZED VIEW) from a converted definition."""
    body = view.definition.strip().rstrip(";")
    kind = "MATERIALIZED VIEW" if view.materialized else "OR REPLACE VIEW"
    columns = f" ({_cols(view.columns)})" if view.columns else ""
    sql = f"CREATE {kind} {_name(view.schema, view.name, qualify)}{columns} AS\n{body}"
    if view.check_option and not view.materialized:
        sql += f"\nWITH {view.check_option.upper()} CHECK OPTION"
    return sql + ";"


def render_comments(table: Table, qualify: bool = False) -> list[str]:
    """``COMMENT ON TABLE/COLUMN`` for the table and its columns."""
    out = []
    name = table_name(table, qualify)
    if table.comment:
        out.append(f"COMMENT ON TABLE {name} IS {literal(table.comment)};")
    for col in table.columns:
        if col.comment:
            out.append(f"COMMENT ON COLUMN {name}.{quote_ident(col.name)} IS {literal(col.comment)};")
    return out


def unconverted_block(kind: str, name: str, source_sql: str, notes: list[str]) -> str:
    """The text kept in a schema file for an object that was not converted (written as a comment)."""
    why = "\n".join(f"- {n}" for n in notes) or "- not converted"
    return f"{kind} {name} was NOT converted; convert it by hand (see the analysis report).\n{why}\n\nOriginal source:\n{source_sql.strip()}"


_ROUTINE_TYPES = {
    "function": "FUNCTION",
    "procedure": "PROCEDURE",
    "trigger": "TRIGGER",
    "package": "PACKAGE",
    "type": "TYPE",
}


def _write_routine(writer: SchemaWriter, routine: Routine) -> None:
    otype = _ROUTINE_TYPES.get(routine.kind, "UNCATEGORIZED")
    if routine.target_sql:
        note = ""
        if routine.notes:
            note = "".join(f"-- review: {n}\n" for n in routine.notes)
        writer.add(otype, note + routine.target_sql)
    else:
        writer.add_comment_block(
            otype, unconverted_block(routine.kind, routine.name, routine.source_sql, routine.notes)
        )


def write_catalog(
    catalog: Catalog, writer: SchemaWriter, qualify: bool = False, object_types: set[str] | None = None
) -> None:
    """Put every object of ``catalog`` under its object type in ``writer``.

    TABLE holds CREATE TABLE statements, then sequence ownership, then foreign keys (so a file is
    applicable on its own); PARTITION, INDEX, SEQUENCE, TYPE, VIEW, TRIGGER, FUNCTION, PROCEDURE and
    COMMENT get their own files. ``object_types`` limits what is written (None = everything).
    """

    def want(otype: str) -> bool:
        return object_types is None or otype in object_types

    identity_seqs = {
        (s.owned_by[0], s.owned_by[1])
        for s in catalog.sequences
        if s.owned_by
        and any(
            t.name == s.owned_by[0] and any(c.name == s.owned_by[1] and c.identity for c in t.columns)
            for t in catalog.tables
        )
    }
    if want("TYPE"):
        for enum in catalog.enums:
            writer.add("TYPE", render_enum(enum, qualify))
    if want("SEQUENCE"):
        for seq in catalog.sequences:
            if seq.owned_by and tuple(seq.owned_by) in identity_seqs:
                continue
            writer.add("SEQUENCE", render_sequence(seq, qualify))
    if want("TABLE"):
        for table in catalog.tables:
            if table.parent is None:
                writer.add("TABLE", render_create_table(table, qualify))
        for seq in catalog.sequences:
            if seq.owned_by and tuple(seq.owned_by) not in identity_seqs:
                own = render_sequence_ownership(seq, qualify)
                if own:
                    writer.add("TABLE", own, count=False)
        for table in catalog.tables:
            for fk in render_foreign_keys(table, qualify):
                writer.add("TABLE", fk, count=False)
    if want("PARTITION"):
        for table in catalog.tables:
            for part in render_partitions(table, qualify):
                writer.add("PARTITION", part)
    if want("INDEX"):
        for table in catalog.tables:
            for ix in table.indexes:
                writer.add("INDEX", render_index(table, ix, qualify))
    if want("VIEW"):
        for view in catalog.views:
            if view.converted and not view.materialized:
                writer.add("VIEW", render_view(view, qualify))
            elif view.converted:
                writer.add("MVIEW", render_view(view, qualify))
            else:
                writer.add_comment_block(
                    "VIEW",
                    unconverted_block(
                        "view",
                        view.name,
                        view.source_definition or view.definition,
                        [view.note or "not converted"],
                    ),
                )
    for routine in catalog.routines:
        otype = _ROUTINE_TYPES.get(routine.kind, "UNCATEGORIZED")
        if want(otype):
            _write_routine(writer, routine)
    if want("COMMENT"):
        for table in catalog.tables:
            for comment in render_comments(table, qualify):
                writer.add("COMMENT", comment)


_PLAIN_DEFAULT = re.compile(
    r"[-+]?\d+(\.\d+)?|'(?:[^']|'')*'|NULL|TRUE|FALSE|CURRENT_(TIMESTAMP|DATE|TIME)", re.I
)


def plain_default(text: str | None, target_type: str) -> str | None:
    """A source column default that means the same in PostgreSQL (a number, a string, NULL, TRUE/FALSE,
    ``CURRENT_TIMESTAMP``/``DATE``/``TIME``), as target SQL; 0/1 for a boolean column as ``'0'``/``'1'``.
    None when ``text`` is None or not such a default (the adapter reports what it dropped)."""
    if text is None or not _PLAIN_DEFAULT.fullmatch(text.strip()):
        return None
    text = text.strip()
    return f"'{text}'" if target_type == "boolean" and text in ("0", "1") else text


def as_declared(
    node: Any, columns: dict[str, list[str]], table: str | None = None, dialect: str = "postgres"
) -> str:
    """A sqlglot tree (a query, an expression) as ``dialect`` SQL with every name quoted as the source declared
    it, for sources whose names are case-insensitive (SQLite, MySQL), where a query may write ``customer`` for
    ``"Customer"``. ``columns``: each table's declared column names; a column is looked up in the table its
    qualifier (name or alias) points to, else in the query's tables (``table`` for an expression of one table)."""
    from sqlglot import exp

    tables = {t.lower(): t for t in columns}
    aliases: dict[str, str] = {}
    for t in node.find_all(exp.Table):
        aliases[t.alias_or_name.lower()] = aliases[t.name.lower()] = tables.get(t.name.lower(), t.name)
    used = [table] if table else list(dict.fromkeys(aliases.values()))
    for col in node.find_all(exp.Column):
        owners = [aliases[col.table.lower()]] if col.table and col.table.lower() in aliases else used
        for owner in owners:
            found = {c.lower(): c for c in columns.get(owner, [])}.get(col.name.lower())
            if found:
                col.this.set("this", found)
                break
    for t in node.find_all(exp.Table):
        t.this.set("this", tables.get(t.name.lower(), t.name))
    for ident in node.find_all(exp.Identifier):
        ident.set("quoted", True)
    return str(node.sql(dialect=dialect))


_SQL_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/|\w+|\S", re.S
)


def check_expressions(create_table: str) -> list[str]:
    """The expressions of the ``CHECK (...)`` clauses of a ``CREATE TABLE`` statement, found by balanced
    parentheses outside quotes and comments: a source whose catalog does not list CHECKs (SQLite) gets them
    even where a parser cannot read the whole statement (SQLite's free-form type names, ``ON CONFLICT``)."""
    tokens = [m for m in _SQL_TOKEN.finditer(create_table) if not m.group().startswith(("--", "/*"))]
    out, i = [], 0
    while i < len(tokens) - 1:
        if tokens[i].group().upper() == "CHECK" and tokens[i + 1].group() == "(":
            depth, j = 0, i + 1
            for j in range(i + 1, len(tokens)):
                depth += {"(": 1, ")": -1}.get(tokens[j].group(), 0)
                if depth == 0:
                    break
            out.append(create_table[tokens[i + 1].end() : tokens[j].start()].strip())
            i = j
        i += 1
    return out
