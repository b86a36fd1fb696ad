"""Small helpers over pglast's AST: walking, names, type names and the object a statement creates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import ObjectType

# pg_catalog internal names -> the names people write
_TYPE_ALIASES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
    "bool": "boolean", "bpchar": "char", "varbit": "varbit", "timestamptz": "timestamptz",
    "timetz": "timetz", "numeric": "numeric", "interval": "interval",
}  # fmt: skip


def walk(node: Any) -> Iterator[ast.Node]:
    """Every :class:`pglast.ast.Node` under ``node`` (itself included), depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            children = [getattr(item, slot, None) for slot in getattr(type(item), "__slots__", ())]
            stack.extend(reversed([c for c in children if isinstance(c, ast.Node | tuple | list)]))
        elif isinstance(item, tuple | list):
            stack.extend(reversed([c for c in item if isinstance(c, ast.Node | tuple | list)]))


def strings(items: Any) -> list[str]:
    """``(String('a'), String('b'))`` -> ``['a', 'b']`` (non-strings skipped)."""
    return [i.sval for i in items or () if isinstance(i, ast.String) and i.sval is not None]


def range_var_name(rv: ast.RangeVar | None) -> str:
    """``schema.name`` as written (no schema when none was written)."""
    if rv is None:
        return ""
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else str(rv.relname)


def type_name(tn: ast.TypeName | None) -> str:
    """The base type of a column in lower case, without modifiers, schema or array marks.

    ``pg_catalog.int4`` -> ``integer``; ``public.geometry(Point)`` -> ``geometry``.
    """
    if tn is None:
        return ""
    names = strings(tn.names)
    if not names:
        return ""
    base = names[-1].lower()
    return _TYPE_ALIASES.get(base, base)


def qualified_type_name(tn: ast.TypeName | None) -> str:
    """``schema.type`` when a schema was written (``pg_catalog`` dropped), else ``type``."""
    if tn is None:
        return ""
    names = [n.lower() for n in strings(tn.names)]
    if len(names) >= 2 and names[-2] != "pg_catalog":
        return f"{names[-2]}.{names[-1]}"
    return type_name(tn)


def type_signature(tn: ast.TypeName | None) -> str:
    """A column type in one comparable form: base name (no schema), modifiers and array marks.

    ``character varying(255)`` and ``varchar(255)`` -> ``varchar(255)``; ``int[]`` -> ``integer[]``.
    """
    base = type_name(tn)
    if tn is None or not base:
        return base
    mods = []
    for mod in tn.typmods or ():
        val = getattr(mod, "val", None)
        for attr in ("ival", "fval", "sval"):
            if val is not None and getattr(val, attr, None) is not None:
                mods.append(str(getattr(val, attr)))
                break
        else:
            mods.append("?")
    text = base + (f"({','.join(mods)})" if mods else "")
    return text + "[]" * len(tn.arrayBounds or ())


def parse_type_signature(text: str) -> str | None:
    """:func:`type_signature` of a type written as text (``"numeric(20,0)"``); ``None`` if it does not parse."""
    import pglast
    from pglast.parser import ParseError

    if not text.strip():
        return None
    try:
        raws = pglast.parse_sql(f"SELECT NULL::{text}")
    except ParseError:
        return None
    if len(raws) != 1 or not isinstance(raws[0].stmt, ast.SelectStmt):
        return None
    targets = raws[0].stmt.targetList or ()
    cast = targets[0].val if len(targets) == 1 else None
    return type_signature(cast.typeName) if isinstance(cast, ast.TypeCast) else None


def is_array(tn: ast.TypeName | None) -> bool:
    return bool(tn is not None and tn.arrayBounds)


def any_name(items: Any) -> str:
    """A dotted name from a list of ``String`` nodes (``('public', 'f')`` -> ``public.f``)."""
    return ".".join(strings(items))


def func_name(call: ast.FuncCall) -> str:
    """The unqualified, lower-case name of a function call."""
    names = strings(call.funcname)
    return names[-1].lower() if names else ""


def defelem_value(elem: ast.DefElem) -> Any:
    """The Python value of a ``DefElem`` argument (``None`` when it has none)."""
    arg = elem.arg
    if arg is None:
        return None
    if isinstance(arg, ast.String):
        return arg.sval
    if isinstance(arg, ast.Integer):
        return arg.ival
    if isinstance(arg, ast.Boolean):
        return arg.boolval
    if isinstance(arg, ast.Float):
        return arg.fval
    if isinstance(arg, ast.TypeName):
        return type_name(arg)
    return arg


_OBJECT_TYPES: dict[ObjectType, str] = {
    ObjectType.OBJECT_TABLE: "TABLE", ObjectType.OBJECT_INDEX: "INDEX", ObjectType.OBJECT_VIEW: "VIEW",
    ObjectType.OBJECT_MATVIEW: "MVIEW", ObjectType.OBJECT_SEQUENCE: "SEQUENCE", ObjectType.OBJECT_TYPE: "TYPE",
    ObjectType.OBJECT_FUNCTION: "FUNCTION", ObjectType.OBJECT_PROCEDURE: "PROCEDURE",
    ObjectType.OBJECT_AGGREGATE: "AGGREGATE", ObjectType.OBJECT_DOMAIN: "DOMAIN",
    ObjectType.OBJECT_COLLATION: "COLLATION", ObjectType.OBJECT_CONVERSION: "CONVERSION",
    ObjectType.OBJECT_FOREIGN_TABLE: "FOREIGN TABLE", ObjectType.OBJECT_SCHEMA: "SCHEMA",
    ObjectType.OBJECT_EXTENSION: "EXTENSION", ObjectType.OBJECT_TRIGGER: "TRIGGER",
    ObjectType.OBJECT_POLICY: "POLICY", ObjectType.OBJECT_RULE: "RULE", ObjectType.OBJECT_OPERATOR: "OPERATOR",
    ObjectType.OBJECT_TABLESPACE: "TABLESPACE",
}  # fmt: skip


def object_type_name(objtype: Any) -> str:
    """A pglast ``ObjectType`` as the report's object type (``OBJECT_MATVIEW`` -> ``MVIEW``)."""
    try:
        return _OBJECT_TYPES.get(ObjectType(objtype), str(ObjectType(objtype).name).removeprefix("OBJECT_"))
    except ValueError:
        return ""


def _object_list_name(obj: Any) -> str:
    if isinstance(obj, ast.String):
        return obj.sval or ""
    if isinstance(obj, tuple | list):
        return ".".join(strings(obj))
    if isinstance(obj, ast.ObjectWithArgs):
        return any_name(obj.objname)
    if isinstance(obj, ast.TypeName):
        return ".".join(strings(obj.names))
    return ""


NAMEDATALEN = 64


def pg_object_name(name1: str, name2: str | None, label: str) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1_name2_label`` with name1/name2 cut to fit in 63 bytes.

    The name PostgreSQL gives an unnamed index (``t_a_b_idx``) or constraint (``t_pkey``, ``t_a_key``).
    """
    overhead = len(label) + 1 + (1 if name2 else 0)
    avail = NAMEDATALEN - 1 - overhead
    n1, n2 = len(name1), len(name2 or "")
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return name1[:n1] + (f"_{(name2 or '')[:n2]}" if name2 else "") + f"_{label}"


def index_name(node: ast.IndexStmt) -> str:
    """The index's name, or the one PostgreSQL gives an unnamed index: ``<table>_<columns>_idx``
    (``expr`` for an expression)."""
    if node.idxname:
        return str(node.idxname)
    table = str(node.relation.relname) if node.relation is not None else ""
    cols = [
        str(p.name) if isinstance(p, ast.IndexElem) and p.name else "expr" for p in node.indexParams or ()
    ]
    return pg_object_name(table, "_".join(cols) or None, "idx")


def created_object(node: ast.Node) -> tuple[str, str] | None:
    """``(object type, name)`` of what a statement creates, or ``None`` (ALTER, SET, COMMENT ...).

    Index names follow voyager: ``"<index> ON <table>"`` (an unnamed index gets PostgreSQL's name).
    """
    match node:
        case ast.CreateForeignTableStmt():
            return "FOREIGN TABLE", range_var_name(node.base.relation) if node.base is not None else ""
        case ast.CreateStmt():
            kind = "PARTITION" if node.partbound is not None else "TABLE"
            return kind, range_var_name(node.relation)
        case ast.IndexStmt():
            return "INDEX", f"{index_name(node)} ON {range_var_name(node.relation)}"
        case ast.ViewStmt():
            return "VIEW", range_var_name(node.view)
        case ast.CreateTableAsStmt():
            kind = "MVIEW" if node.objtype == ObjectType.OBJECT_MATVIEW else "TABLE"
            return kind, range_var_name(node.into.rel) if node.into else ""
        case ast.CreateSeqStmt():
            return "SEQUENCE", range_var_name(node.sequence)
        case ast.CreateFunctionStmt():
            return ("PROCEDURE" if node.is_procedure else "FUNCTION"), any_name(node.funcname)
        case ast.CreateTrigStmt():
            return "TRIGGER", f"{node.trigname} ON {range_var_name(node.relation)}"
        case ast.CreateSchemaStmt():
            return "SCHEMA", str(node.schemaname or "")
        case ast.CreateExtensionStmt():
            return "EXTENSION", str(node.extname)
        case ast.CreateEnumStmt() | ast.CreateRangeStmt():
            return "TYPE", any_name(node.typeName)
        case ast.CompositeTypeStmt():
            return "TYPE", range_var_name(node.typevar)
        case ast.CreateDomainStmt():
            return "DOMAIN", any_name(node.domainname)
        case ast.DefineStmt():
            return object_type_name(node.kind) or "TYPE", any_name(node.defnames)
        case ast.CreatePolicyStmt():
            return "POLICY", f"{node.policy_name} ON {range_var_name(node.table)}"
        case ast.RuleStmt():
            return "RULE", f"{node.rulename} ON {range_var_name(node.relation)}"
        case ast.CreateConversionStmt():
            return "CONVERSION", any_name(node.conversion_name)
        case ast.CreateAmStmt():
            return "ACCESS METHOD", str(node.amname)
        case ast.CreatedbStmt():
            return "DATABASE", str(node.dbname)
    return None


def subject_of(node: ast.Node) -> tuple[str, str]:
    """``(object type, name)`` a statement is about, for ALTER/DROP/COMMENT too (``("", "")`` if unknown)."""
    made = created_object(node)
    if made is not None:
        return made
    match node:
        case ast.AlterTableStmt():
            return object_type_name(node.objtype) or "TABLE", range_var_name(node.relation)
        case ast.AlterObjectSchemaStmt() | ast.RenameStmt() | ast.AlterOwnerStmt():
            otype = object_type_name(getattr(node, "objectType", None) or getattr(node, "renameType", None))
            rel = getattr(node, "relation", None)
            if rel is not None:
                return otype, range_var_name(rel)
            return otype, _object_list_name(getattr(node, "object", None))
        case ast.DropStmt():
            return object_type_name(node.removeType), ", ".join(
                _object_list_name(o) for o in node.objects or ()
            )
        case ast.CommentStmt():
            return object_type_name(node.objtype), _object_list_name(node.object)
        case ast.AlterSeqStmt():
            return "SEQUENCE", range_var_name(node.sequence)
        case ast.AlterEnumStmt():
            return "TYPE", any_name(node.typeName)
        case ast.GrantStmt():
            return object_type_name(node.objtype), ", ".join(_object_list_name(o) for o in node.objects or ())
    return "", ""
