"""Data type issues: unsupported column types, and keys or indexes on types YugabyteDB cannot index.

Each voyager issue type is its own rule (``UNSUPPORTED_DATATYPE_XML``, ``PK_UK_ON_JSONB_DATATYPE``,
``INDEX_ON_INET_DATATYPE`` ...), generated from the tables below, so each can be selected, excluded and
version-filtered on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from transship.sdk import (
    AnalysedStatement,
    AnalysisContext,
    Category,
    Finding,
    Impact,
    Rule,
    constraint_object,
    range_var_name,
)
from transship_rules_yugabytedb.base import (
    BOTH,
    FIXED_PG15,
    YBRule,
    alter_cmds,
    column_defs,
    constraint_name,
    constraints,
    key_columns,
    scan_function_bodies,
    table_statement_parents,
)

# voyager type suffix -> the PostgreSQL type name(s) as pglast reports them
UNSUPPORTED_TYPES: dict[str, tuple[str, ...]] = {
    "XML": ("xml",), "XID": ("xid",), "GEOMETRY": ("geometry",), "GEOGRAPHY": ("geography",),
    "BOX2D": ("box2d",), "BOX3D": ("box3d",), "TOPOGEOMETRY": ("topogeometry",), "LARGE_OBJECT": ("lo",),
    "RASTER": ("raster",), "PG_LSN": ("pg_lsn",), "TXID_SNAPSHOT": ("txid_snapshot",),
}  # fmt: skip
MULTIRANGE_TYPES: dict[str, tuple[str, ...]] = {
    "INT8MULTIRANGE": ("int8multirange",), "INT4MULTIRANGE": ("int4multirange",), "DATEMULTIRANGE": ("datemultirange",),
    "NUMMULTIRANGE": ("nummultirange",), "TSMULTIRANGE": ("tsmultirange",), "TSTZMULTIRANGE": ("tstzmultirange",),
}  # fmt: skip
_SUGGESTIONS = {
    "XML": "Data ingestion is not supported for this type in YugabyteDB so handle this type in different way. Refer link for more details.",
    "XID": "Functions for this type e.g. txid_current are not supported in YugabyteDB yet.",
}
# types that cannot be in a primary/unique key or an (lsm) index; ARRAY and USER_DEFINED are special
INDEX_UNSUPPORTED: dict[str, tuple[str, ...]] = {
    "CITEXT": ("citext",), "TSVECTOR": ("tsvector",), "TSQUERY": ("tsquery",), "JSONB": ("jsonb",), "INET": ("inet",),
    "JSON": ("json",), "MACADDR": ("macaddr",), "MACADDR8": ("macaddr8",), "CIDR": ("cidr",), "BIT": ("bit",),
    "VARBIT": ("varbit",), "DATERANGE": ("daterange",), "TSRANGE": ("tsrange",), "TSTZRANGE": ("tstzrange",),
    "NUMRANGE": ("numrange",), "INT4RANGE": ("int4range",), "INT8RANGE": ("int8range",), "INTERVAL": ("interval",),
    "CIRCLE": ("circle",), "BOX": ("box",), "LINE": ("line",), "LSEG": ("lseg",), "POINT": ("point",),
    "PG_LSN": ("pg_lsn",), "PATH": ("path",), "POLYGON": ("polygon",), "TXID_SNAPSHOT": ("txid_snapshot",),
    "ARRAY": (), "USER_DEFINED": (),
}  # fmt: skip
_SKIP_INDEX_METHODS = ("gin", "gist", "brin", "spgist")


class _UnsupportedDatatype(YBRule):
    abstract = True
    groups = ("datatypes",)
    category = Category.UNSUPPORTED_DATATYPES
    impact = Impact.LEVEL_3
    type_label: ClassVar[str] = ""
    type_names: ClassVar[tuple[str, ...]] = ()

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        """One issue per column, as voyager ("Affected column: c")."""
        cols = [
            str(col.colname)
            for _table, col in column_defs(stmt)
            if ctx.model.resolve_type(col.typeName) in self.type_names
        ]
        cols += [  # ALTER TABLE ... ALTER COLUMN c TYPE xml
            str(cmd.name)
            for _node, cmd in alter_cmds(stmt, AlterTableType.AT_AlterColumnType)
            if isinstance(cmd.def_, ast.ColumnDef)
            and ctx.model.resolve_type(cmd.def_.typeName) in self.type_names
        ]
        for col in cols:
            yield Finding(
                f"{self.type_label} datatype is not yet supported in YugabyteDB. Affected column: {col}."
            )


def column_type(
    ctx: AnalysisContext, table_name: str, column: str, stmt: AnalysedStatement
) -> tuple[str, bool]:
    """``(base type, is array)`` of a column, from the schema model or the statement itself.

    Columns a table gets from its parent (``PARTITION OF``, ``INHERITS``, ``LIKE``) are looked up there.
    """
    seen: set[str] = set()
    todo = [table_name]
    while todo:
        name = todo.pop(0)
        table = ctx.model.table(name)
        if table is None or table.name.lower() in seen:
            continue
        seen.add(table.name.lower())
        info = table.column(column)
        if info is not None:
            return info.type, info.array
        todo += table_statement_parents(table.statement)
    for _t, col in column_defs(stmt):
        if col.colname == column:
            return ctx.model.resolve_type(col.typeName), ctx.model.is_array_type(col.typeName)
    return "", False


class _KeyOnType(YBRule):
    abstract = True
    type_label: ClassVar[str] = ""
    type_key: ClassVar[str] = ""
    type_names: ClassVar[tuple[str, ...]] = ()

    def matches(self, ctx: AnalysisContext, base: str, array: bool) -> bool:
        if self.type_key == "ARRAY":
            return array
        if array:
            return False
        if self.type_key == "USER_DEFINED":
            return ctx.model.is_composite(base)
        return base in self.type_names


class _PkUkOnType(_KeyOnType):
    abstract = True
    groups = ("datatypes", "constraints")

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for con, table, cols, _d in constraints(stmt):
            if con.contype not in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
                continue
            bad = [c for c in key_columns(con, cols) if self.matches(ctx, *column_type(ctx, table, c, stmt))]
            for col in bad:  # one issue per key column, as voyager
                yield Finding(
                    f"Primary key and Unique constraints on columns with {self.type_label} data type are not yet supported in YugabyteDB (column {col}).",
                    object_name=constraint_object(table, constraint_name(con, table, cols)),
                )


class _IndexOnType(_KeyOnType):
    abstract = True
    groups = ("datatypes", "indexes")

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if (
            not isinstance(node, ast.IndexStmt)
            or str(node.accessMethod or "btree").lower() in _SKIP_INDEX_METHODS
        ):
            return
        table = range_var_name(node.relation)
        bad = []
        for p in node.indexParams or ():
            if not isinstance(p, ast.IndexElem):
                continue
            if p.name and self.matches(ctx, *column_type(ctx, table, p.name, stmt)):
                bad.append(str(p.name))
            elif isinstance(p.expr, ast.TypeCast) and self.matches(
                ctx, ctx.model.resolve_type(p.expr.typeName), ctx.model.is_array_type(p.expr.typeName)
            ):  # an expression cast to the type: the key is of that type
                bad.append(f"({type_text(p.expr)})")
        for col in bad:  # one issue per index column, as voyager
            yield Finding(
                f"Indexes on columns with {self.type_label} data type are not yet supported in YugabyteDB (column {col})."
            )


def type_text(cast: ast.TypeCast) -> str:
    """``expr::type`` of an index expression, for the reason."""
    from pglast.stream import RawStream

    try:
        return str(RawStream()(cast))
    except Exception:  # noqa: BLE001 - the reason only names it
        return "expression"


def _label(key: str) -> str:
    return {"USER_DEFINED": "user_defined_type", "ARRAY": "array", "LARGE_OBJECT": "lo"}.get(key, key.lower())


def _make(base: type[Rule], code: str, doc: str, **attrs: Any) -> type[Rule]:
    return type(f"Rule_{code}", (base,), {"__doc__": doc, "code": code, "__module__": __name__, **attrs})


def _build() -> list[type[Rule]]:
    rules: list[type[Rule]] = []
    for key, names in UNSUPPORTED_TYPES.items():
        label = _label(key)
        rules.append(_make(_UnsupportedDatatype, f"UNSUPPORTED_DATATYPE_{key}", f"Unsupported datatype - {label}.",
                           type_label=label, type_names=names,
                           suggestion=_SUGGESTIONS.get(key, f"Change the {label} columns to a supported type (e.g. text or bytea) or drop them.")))  # fmt: skip
    for key, names in MULTIRANGE_TYPES.items():
        label = _label(key)
        rules.append(_make(_UnsupportedDatatype, f"UNSUPPORTED_DATATYPE_{key}", f"Unsupported datatype - {label}.",
                           type_label=label, type_names=names, minimum_versions_fixed_in=FIXED_PG15,
                           targets=BOTH, postgresql_since="14",  # PostgreSQL 14 added the multirange types
                           suggestion="Multirange data type is not yet supported in YugabyteDB; store the ranges in an array of ranges or a child table."))  # fmt: skip
    for key, names in INDEX_UNSUPPORTED.items():
        label = _label(key)
        rules.append(_make(_PkUkOnType, f"PK_UK_ON_{key}_DATATYPE", f"Primary/Unique key on column with {label} datatype.",
                           type_label=label, type_key=key, type_names=names,
                           suggestion="Refer to the docs link for the workaround: key on a hash/cast of the value, or on another column."))  # fmt: skip
        rules.append(_make(_IndexOnType, f"INDEX_ON_{key}_DATATYPE", f"Index on column with {label} datatype.",
                           type_label=label, type_key=key, type_names=names,
                           suggestion="Refer to the docs link for the workaround: index an expression (e.g. a cast to text) instead."))  # fmt: skip
    return rules


RULES = scan_function_bodies(_build())
