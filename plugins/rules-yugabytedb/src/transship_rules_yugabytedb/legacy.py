"""voyager's older checks (``analyzeSchema.go``: checkViews/checkSql/checkDDL/checkForeign/...).

voyager matches these with regular expressions; here most read the parse tree, so comments and string
literals never trigger them. The few that concern text PostgreSQL cannot parse (``WITH OIDS``, Oracle's
``COMPOUND TRIGGER``, MySQL's ``DROP TEMPORARY TABLE``) look at the text of statements that did not
parse (and at function bodies), and keep the generic syntax issue from being reported twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from pglast import ast
from pglast.enums import (
    AlterTableType,
    ConstrType,
    FetchDirection,
    ObjectType,
    TableLikeOption,
    ViewCheckOption,
)

from transship.sdk import (
    AnalysedStatement,
    AnalysisContext,
    Finding,
    Impact,
    Rule,
    defelem_value,
    object_type_name,
    strings,
    type_name,
)
from transship.sdk import range_var_name as rv_name
from transship_rules_yugabytedb.base import (
    BOTH,
    DOCS_MYSQL,
    DOCS_ORACLE,
    YBRule,
    alter_cmds,
    column_defs,
    constraints,
    scan_function_bodies,
)


class _Legacy(YBRule):
    abstract = True
    groups: ClassVar[tuple[str, ...]] = ("legacy",)


class Rule_VIEW_WITH_CHECK_OPTION(_Legacy):
    """Views WITH CHECK OPTION are not supported."""

    groups = ("legacy", "views")
    suggestion = "Use Trigger with INSTEAD OF clause on INSERT/UPDATE on view to get this functionality"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if (
            isinstance(stmt.node, ast.ViewStmt)
            and stmt.node.withCheckOption != ViewCheckOption.NO_CHECK_OPTION
        ):
            yield Finding("Schema containing VIEW WITH CHECK OPTION is not supported yet.")


_RANGE = 0x2
_OFFSETS = 0x800 | 0x1000 | 0x2000 | 0x4000


class Rule_RANGE_WITH_OFFSET(_Legacy):
    """Window frames in RANGE mode with an offset PRECEDING/FOLLOWING."""

    scan_bodies = True
    impact = Impact.LEVEL_2
    suggestion = "Use ROWS mode, or compute the window with a self-join on the value range."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for win in stmt.find(ast.WindowDef):
            opts = int(win.frameOptions or 0)
            if opts & _RANGE and opts & _OFFSETS:
                yield Finding(
                    "RANGE with offset PRECEDING/FOLLOWING is not supported for column type numeric and offset type double precision/float4/float8."
                )
                return


class Rule_CURSOR_FETCH_DIRECTION(_Legacy):
    """FETCH or MOVE with a direction other than NEXT/FORWARD (PRIOR, FIRST, LAST, ABSOLUTE, RELATIVE, BACKWARD).

    Top-level and SQL-body ``FETCH`` statements, and the ``FETCH``/``MOVE`` statements of PL/pgSQL bodies
    (PL/pgSQL statements, which the body reader turns into SQL ``FETCH``/``MOVE``). voyager's regular expression
    also flags ``FETCH NEXT``/``FETCH FORWARD``, which YugabyteDB's forward-only cursors run.
    """

    scan_bodies = True
    impact = Impact.LEVEL_2
    suggestion = "Only FETCH NEXT/FORWARD works on YugabyteDB cursors; verify the statement on your YugabyteDB version."
    gh = "https://github.com/yugabyte/yugabyte-db/issues/6514"
    body_object_type = "CURSOR"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        found = isinstance(node, ast.FetchStmt) and (
            node.direction != FetchDirection.FETCH_FORWARD or int(node.howMany or 0) < 0
        )
        if found:
            name = (
                str(node.portalname or "") if isinstance(node, ast.FetchStmt) and not stmt.in_body else None
            )
            yield Finding(
                "This FETCH clause might not be supported yet (only FETCH NEXT/FORWARD is).",
                object_type="CURSOR",
                object_name=name,
            )


def _target_type(node: ast.Node | None) -> ObjectType | None:
    if isinstance(node, ast.AlterObjectSchemaStmt | ast.AlterOwnerStmt):
        return node.objectType
    if isinstance(node, ast.RenameStmt):
        return node.renameType
    return None


class Rule_ALTER_AGGREGATE(_Legacy):
    """ALTER AGGREGATE is not supported."""

    suggestion = "Drop and re-create the aggregate with the new definition."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if _target_type(stmt.node) == ObjectType.OBJECT_AGGREGATE:
            yield Finding("ALTER AGGREGATE not supported yet.")


_MULTI_DROP_TYPES = (ObjectType.OBJECT_COLLATION, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_VIEW,
                     ObjectType.OBJECT_SEQUENCE, ObjectType.OBJECT_FOREIGN_TABLE)  # fmt: skip


class Rule_DROP_MULTIPLE_OBJECTS(_Legacy):
    """DROP of several collations, indexes, views, sequences or foreign tables in one statement."""

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if (
            isinstance(node, ast.DropStmt)
            and node.removeType in _MULTI_DROP_TYPES
            and node.objects
            and len(node.objects) > 1
        ):
            kind = object_type_name(node.removeType)
            names = [
                ".".join(strings(o)) if isinstance(o, tuple | list) else str(getattr(o, "sval", o))
                for o in node.objects
            ]
            yield Finding(
                f"DROP multiple objects not supported yet ({kind}).",
                suggestion=" ".join(f"DROP {kind} {n};" for n in names),
            )


class Rule_DROP_INDEX_CONCURRENTLY(_Legacy):
    """DROP INDEX CONCURRENTLY is not supported."""

    suggestion = "Remove CONCURRENTLY from the statement."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if (
            isinstance(stmt.node, ast.DropStmt)
            and stmt.node.removeType == ObjectType.OBJECT_INDEX
            and stmt.node.concurrent
        ):
            yield Finding("DROP INDEX CONCURRENTLY not supported yet.")


class Rule_WHERE_CURRENT_OF(_Legacy):
    """WHERE CURRENT OF cursor is not supported."""

    scan_bodies = True
    impact = Impact.LEVEL_2
    suggestion = "Use the primary key of the fetched row in the WHERE clause."
    gh = "https://github.com/yugabyte/yugabyte-db/issues/737"
    body_object_type = "CURSOR"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for expr in stmt.find(ast.CurrentOfExpr):
            yield Finding(
                "WHERE CURRENT OF not supported yet.", object_type="CURSOR", object_name=expr.cursor_name
            )
            return


class _Text(_Legacy):
    """Matches ``pattern`` in statements that did not parse, and in function bodies."""

    abstract = True
    parsed_only = False
    pattern: ClassVar[re.Pattern[str]] = re.compile("$^")
    reason: ClassVar[str] = ""
    parsed_nodes: ClassVar[tuple[type[ast.Node], ...]] = ()
    """Also search parsed statements of these types (e.g. CREATE FUNCTION with a PL/pgSQL body)."""

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if stmt.node is None or isinstance(stmt.node, self.parsed_nodes):
            text = _without_comments(stmt.sql)
            if self.pattern.search(text):
                otype, name = unparsed_subject(text) if stmt.node is None else (None, None)
                yield Finding(self.reason, object_type=otype, object_name=name)


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S)


_UNPARSED_SUBJECT = re.compile(
    r"^\s*(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+)?"
    r"(?P<mods>(?:(?:TEMPORARY|TEMP|UNLOGGED|GLOBAL|LOCAL|MATERIALIZED|UNIQUE|CONSTRAINT|FOREIGN|EDITIONABLE|NONEDITIONABLE)\s+)*)"
    r"(?P<kind>TABLE|VIEW|INDEX|FUNCTION|PROCEDURE|TRIGGER|SEQUENCE|TYPE|PACKAGE(?:\s+BODY)?)\s+"
    r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:ONLY\s+)?(?P<name>[\w.\"$]+)",
    re.I,
)


def unparsed_subject(sql: str) -> tuple[str | None, str | None]:
    """``(object type, name)`` of a statement PostgreSQL cannot parse, from its first words.

    ``CREATE TABLE public.t (...) WITH OIDS`` -> ``("TABLE", "public.t")``; ``(None, None)`` (the file's
    object type, no name) when the statement does not start like that.
    """
    m = _UNPARSED_SUBJECT.match(sql)
    if m is None:
        return None, None
    kind = " ".join(m.group("kind").upper().split())
    mods = m.group("mods").upper().split()
    if kind == "VIEW" and "MATERIALIZED" in mods:
        kind = "MVIEW"
    elif kind == "TABLE" and "FOREIGN" in mods:
        kind = "FOREIGN TABLE"
    return kind, m.group("name")


class Rule_BULK_COLLECT(_Text):
    """Oracle BULK COLLECT left in converted code."""

    targets = BOTH
    pattern = re.compile(r"\bBULK\s+COLLECT\b", re.I)
    reason = "BULK COLLECT keyword of oracle is not converted into PostgreSQL compatible syntax"
    suggestion = "Rewrite the loop with SELECT ... INTO an array (array_agg) or a FOR loop."
    docs_link = DOCS_ORACLE
    parsed_nodes = (ast.CreateFunctionStmt, ast.DoStmt)


class Rule_WITH_OIDS(_Text):
    """CREATE TABLE ... WITH OIDS is not supported."""

    targets = BOTH
    pattern = re.compile(r"(?<!SET\s)\bWITH\s+OIDS\b", re.I)
    reason = "OIDs are not supported for user tables."
    suggestion = "Remove WITH OIDS; add an identity column if the application needs a row id."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if re.search(r"\bSET\s+WITH\s+OIDS\b", stmt.sql, re.I):
            return
        yield from super().check(stmt, ctx)
        if isinstance(stmt.node, ast.CreateStmt):
            for opt in stmt.node.options or ():
                if (
                    isinstance(opt, ast.DefElem)
                    and opt.defname == "oids"
                    and str(defelem_value(opt)).lower() in ("true", "1", "on", "none")
                ):
                    yield Finding(self.reason)


class Rule_SET_WITH_OIDS(_Text):
    """ALTER TABLE ... SET WITH OIDS is not supported."""

    targets = BOTH
    pattern = re.compile(r"\bSET\s+WITH\s+OIDS\b", re.I)
    reason = "ALTER TABLE ... SET WITH OIDS is not supported."
    suggestion = "Remove it from the exported schema."


class Rule_DROP_TEMPORARY_TABLE(_Text):
    """MySQL's DROP TEMPORARY TABLE left in converted code."""

    targets = BOTH
    pattern = re.compile(r"\bDROP\s+TEMPORARY\s+TABLE\b", re.I)
    reason = "temporary table is not a supported clause for drop"
    suggestion = 'remove "temporary" and change it to "drop table"'
    docs_link = DOCS_MYSQL
    parsed_nodes = (ast.CreateFunctionStmt, ast.DoStmt)


class Rule_JSON_ARRAYAGG(_Text):
    """MySQL's JSON_ARRAYAGG() in a statement that does not parse."""

    targets = BOTH
    pattern = re.compile(r"\bJSON_ARRAYAGG\s*\(", re.I)
    reason = "JSON_ARRAYAGG() function is not available in PostgreSQL"
    suggestion = "Rename the function to JSON_AGG()"
    docs_link = DOCS_MYSQL


class Rule_COMPOUND_TRIGGER(_Text):
    """Oracle COMPOUND TRIGGER is not supported."""

    targets = BOTH
    pattern = re.compile(r"\bCOMPOUND\s+TRIGGER\b", re.I)
    reason = "COMPOUND TRIGGER not supported in YugabyteDB."
    suggestion = "Split it into separate BEFORE/AFTER statement and row triggers."
    docs_link = DOCS_ORACLE


class _Node(_Legacy):
    """A statement of one of ``nodes`` (optionally narrowed by ``accept``)."""

    abstract = True
    nodes: ClassVar[tuple[type[ast.Node], ...]] = ()
    reason: ClassVar[str] = ""

    def accept(self, node: ast.Node) -> bool:
        return True

    def subject(self, node: ast.Node) -> tuple[str | None, str | None]:
        """``(object type, name)`` of the issue when the statement's own subject is not the right one."""
        return None, None

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, self.nodes) and self.accept(stmt.node):
            otype, name = self.subject(stmt.node)
            yield Finding(self.reason, object_type=otype, object_name=name)


class Rule_CREATE_ACCESS_METHOD(_Node):
    """CREATE ACCESS METHOD is not supported."""

    nodes = (ast.CreateAmStmt,)
    reason = "CREATE ACCESS METHOD is not supported."
    suggestion = "Remove it and the objects that use the access method."


class Rule_REINDEX(_Legacy):
    """REINDEX is not supported."""

    reason = "REINDEX is not supported."
    suggestion = "Remove it from the exported schema (indexes are built fresh on import)."
    gh = "https://github.com/yugabyte/yugabyte-db/issues/10267"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if isinstance(node, ast.ReindexStmt):
            kind = str(node.kind.name).removeprefix("REINDEX_OBJECT_") if node.kind is not None else ""
            name = rv_name(node.relation) if node.relation is not None else str(node.name or "")
            yield Finding(self.reason, object_type=kind or None, object_name=name)


class Rule_CREATE_TABLE_LIKE_INCLUDING_ALL(_Legacy):
    """CREATE TABLE ... (LIKE other INCLUDING ALL)."""

    suggestion = "Write the columns and constraints out in the CREATE TABLE."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for like in stmt.find(ast.TableLikeClause):
            if (
                int(like.options or 0) & TableLikeOption.CREATE_TABLE_LIKE_ALL
                == TableLikeOption.CREATE_TABLE_LIKE_ALL
            ):
                yield Finding(f"LIKE {rv_name(like.relation)} INCLUDING ALL is not supported yet.")


class Rule_LIKE_CLAUSE(_Legacy):
    """CREATE TABLE ... (LIKE other) without INCLUDING ALL."""

    suggestion = "Write the columns and constraints out in the CREATE TABLE."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for like in stmt.find(ast.TableLikeClause):
            if (
                int(like.options or 0) & TableLikeOption.CREATE_TABLE_LIKE_ALL
                != TableLikeOption.CREATE_TABLE_LIKE_ALL
            ):
                yield Finding(f"LIKE clause ({rv_name(like.relation)}) not supported yet.")


class _Alter(_Legacy):
    """ALTER TABLE commands of one subtype on the given object kinds."""

    abstract = True
    subtypes: ClassVar[tuple[AlterTableType, ...]] = ()
    objtypes: ClassVar[tuple[ObjectType, ...]] = (
        ObjectType.OBJECT_TABLE,
        ObjectType.OBJECT_FOREIGN_TABLE,
        ObjectType.OBJECT_MATVIEW,
    )
    reason: ClassVar[str] = ""
    suggestion = "Remove it from the exported schema."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for node, _cmd in alter_cmds(stmt, *self.subtypes):
            if node.objtype in self.objtypes:
                yield Finding(self.reason)
                return


def _alter(
    code: str,
    doc: str,
    subtypes: tuple[AlterTableType, ...],
    reason: str,
    objtypes: tuple[ObjectType, ...] | None = None,
) -> type[Rule]:
    attrs: dict[str, object] = {
        "__doc__": doc,
        "code": code,
        "subtypes": subtypes,
        "reason": reason,
        "__module__": __name__,
    }
    if objtypes is not None:
        attrs["objtypes"] = objtypes
    return type(f"Rule_{code}", (_Alter,), attrs)


T = AlterTableType
ALTER_RULES = [
    _alter("ALTER_TABLE_OF", "ALTER TABLE ... OF type / NOT OF is not supported.", (T.AT_AddOf, T.AT_DropOf), "ALTER TABLE OF not supported yet."),
    _alter("ALTER_COLUMN_SET_STATISTICS", "ALTER TABLE ... ALTER COLUMN ... SET STATISTICS is not supported.", (T.AT_SetStatistics,), "ALTER TABLE ALTER column SET STATISTICS not supported yet."),
    _alter("ALTER_COLUMN_SET_STORAGE", "ALTER TABLE ... ALTER COLUMN ... SET STORAGE is not supported.", (T.AT_SetStorage,), "ALTER TABLE ALTER column SET STORAGE not supported yet."),
    _alter("ALTER_COLUMN_RESET_ATTRIBUTE", "ALTER TABLE ... ALTER COLUMN ... RESET (attribute) is not supported.", (T.AT_ResetOptions,), "ALTER TABLE ALTER column RESET (attribute) not supported yet."),
    _alter("ALTER_CONSTRAINT", "ALTER TABLE ... ALTER CONSTRAINT is not supported.", (T.AT_AlterConstraint,), "ALTER TABLE ALTER CONSTRAINT not supported yet."),
    _alter("SET_WITHOUT_CLUSTER", "ALTER TABLE ... SET WITHOUT CLUSTER is not supported.", (T.AT_DropCluster,), "ALTER TABLE SET WITHOUT CLUSTER not supported yet."),
    _alter("ALTER_TABLE_SET", "ALTER TABLE ... SET (storage parameter) is not supported.", (T.AT_SetRelOptions,), "ALTER TABLE SET (storage parameters) not supported yet."),
    _alter("ALTER_INDEX_SET", "ALTER INDEX ... SET (storage parameter) is not supported.", (T.AT_SetRelOptions,), "ALTER INDEX SET not supported yet.", (ObjectType.OBJECT_INDEX,)),
    _alter("ALTER_TABLE_RESET", "ALTER TABLE ... RESET (storage parameter) is not supported.", (T.AT_ResetRelOptions,), "ALTER TABLE RESET not supported yet."),
    _alter("ALTER_TABLE_OPTIONS", "ALTER TABLE ... OPTIONS (foreign table options) is not supported.", (T.AT_GenericOptions,), "ALTER TABLE OPTIONS not supported yet."),
    _alter("ALTER_TYPE_DROP_ATTRIBUTE", "ALTER TYPE ... DROP ATTRIBUTE is not supported.", (T.AT_DropColumn,), "ALTER TYPE DROP ATTRIBUTE not supported yet.", (ObjectType.OBJECT_TYPE,)),
    _alter("ALTER_TABLE_INHERIT", "ALTER TABLE ... INHERIT is not supported.", (T.AT_AddInherit, T.AT_DropInherit), "ALTER TABLE INHERIT not supported yet."),
    _alter("ALTER_TABLE_VALIDATE_CONSTRAINT", "ALTER TABLE ... VALIDATE CONSTRAINT is not supported.", (T.AT_ValidateConstraint,), "ALTER TABLE VALIDATE CONSTRAINT not supported yet."),
    _alter("ALTER_VIEW", "ALTER VIEW ... (column defaults, options) is not supported.", tuple(T), "ALTER VIEW not supported yet.", (ObjectType.OBJECT_VIEW,)),
]  # fmt: skip


class Rule_ALTER_TYPE(_Alter):
    """ALTER TYPE ... ADD/ALTER ATTRIBUTE (composite types) and ALTER TYPE ... SET (base types) are not supported.

    voyager's regular expression flags every ``ALTER TYPE``; ``ADD VALUE``/``RENAME VALUE`` of enums,
    ``RENAME TO``, ``OWNER TO`` and ``SET SCHEMA`` work on YugabyteDB and are not reported. ``DROP ATTRIBUTE``
    and ``RENAME ATTRIBUTE`` have their own rules.
    """

    subtypes = (T.AT_AddColumn, T.AT_AlterColumnType)
    objtypes = (ObjectType.OBJECT_TYPE,)
    reason = "ALTER TYPE not supported yet."
    gh = "https://github.com/yugabyte/yugabyte-db/issues/1893"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if isinstance(node, ast.AlterTypeStmt):
            yield Finding(self.reason, object_type="TYPE", object_name=".".join(strings(node.typeName)))
            return
        yield from super().check(stmt, ctx)


class Rule_ALTER_TABLE_SET_SCHEMA(_Node):
    """ALTER TABLE ... SET SCHEMA is not supported."""

    nodes = (ast.AlterObjectSchemaStmt,)
    reason = "ALTER TABLE SET SCHEMA not supported yet."
    suggestion = "Create the table in the right schema in the exported DDL."

    def accept(self, node: ast.Node) -> bool:
        return isinstance(node, ast.AlterObjectSchemaStmt) and node.objectType == ObjectType.OBJECT_TABLE


class Rule_CREATE_SCHEMA_WITH_ELEMENTS(_Node):
    """CREATE SCHEMA with schema elements (CREATE SCHEMA s CREATE TABLE ...)."""

    nodes = (ast.CreateSchemaStmt,)
    reason = "CREATE SCHEMA with elements not supported yet."
    suggestion = "Create the schema first, then its objects in separate statements."

    def accept(self, node: ast.Node) -> bool:
        return bool(isinstance(node, ast.CreateSchemaStmt) and node.schemaElts)


class Rule_ALTER_TYPE_RENAME_ATTRIBUTE(_Node):
    """ALTER TYPE ... RENAME ATTRIBUTE is not supported."""

    nodes = (ast.RenameStmt,)
    reason = "ALTER TYPE RENAME ATTRIBUTE not supported yet."
    suggestion = "Create the type with the new attribute name in the exported DDL."

    def accept(self, node: ast.Node) -> bool:
        return isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_ATTRIBUTE

    def subject(self, node: ast.Node) -> tuple[str | None, str | None]:
        return "TYPE", None


class Rule_ALTER_TABLESPACE(_Node):
    """ALTER TABLESPACE is not supported."""

    nodes = (ast.AlterTableSpaceOptionsStmt, ast.RenameStmt, ast.AlterOwnerStmt)
    reason = "ALTER TABLESPACE not supported yet."
    suggestion = "Remove it from the exported schema; tablespaces are set up on the target by hand."

    def accept(self, node: ast.Node) -> bool:
        return (
            isinstance(node, ast.AlterTableSpaceOptionsStmt)
            or _target_type(node) == ObjectType.OBJECT_TABLESPACE
        )

    def subject(self, node: ast.Node) -> tuple[str | None, str | None]:
        if isinstance(node, ast.AlterTableSpaceOptionsStmt):
            return "TABLESPACE", str(node.tablespacename)
        if isinstance(node, ast.RenameStmt):
            return "TABLESPACE", str(node.subname or "")
        return "TABLESPACE", None


class Rule_LANGUAGE_C_FUNCTION(_Node):
    """Functions in LANGUAGE C need their shared library on the target."""

    targets = BOTH
    nodes = (ast.CreateFunctionStmt,)
    reason = "LANGUAGE C not supported yet."
    suggestion = "Install the library on every target node, or rewrite the function in PL/pgSQL."

    def accept(self, node: ast.Node) -> bool:
        return isinstance(node, ast.CreateFunctionStmt) and any(
            isinstance(o, ast.DefElem) and o.defname == "language" and str(defelem_value(o)).lower() == "c"
            for o in node.options or ()
        )


_ORACLE_TYPES = ("anydata", "anydataset", "anytype", "uritype")


class Rule_ORACLE_UNSUPPORTED_DATATYPE(_Legacy):
    """Oracle AnyData, AnyDataSet, AnyType or URIType columns."""

    targets = BOTH
    docs_link = DOCS_ORACLE
    impact = Impact.LEVEL_3
    suggestion = "Remove the column or change it to a supported type (e.g. text or jsonb)."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        cols = [f"{t}.{c.colname}" for t, c in column_defs(stmt) if type_name(c.typeName) in _ORACLE_TYPES]
        if cols:
            yield Finding(f"Unsupported datatype for Oracle: {', '.join(cols)}.")


class Rule_FOREIGN_TABLE_WITH_KEYS(_Legacy):
    """Foreign table with PRIMARY KEY or REFERENCES constraints (CREATE or ALTER FOREIGN TABLE)."""

    targets = BOTH
    suggestion = "Remove the PRIMARY KEY/REFERENCES constraints from the foreign table."
    gh = "https://github.com/yugabyte/yugabyte-db/issues/10698"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if not (
            isinstance(node, ast.CreateForeignTableStmt)
            or (isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_FOREIGN_TABLE)
        ):
            return
        kinds = {c.contype for c, _t, _cols, _d in constraints(stmt)}
        what = [
            label
            for kind, label in (
                (ConstrType.CONSTR_PRIMARY, "Primary key"),
                (ConstrType.CONSTR_FOREIGN, "Foreign key"),
            )
            if kind in kinds
        ]
        if what:
            yield Finding(f"{' and '.join(what)} constraints are not supported on foreign tables.")


class Rule_CREATE_CONVERSION(_Node):
    """CREATE CONVERSION is not supported."""

    nodes = (ast.CreateConversionStmt,)
    impact = Impact.LEVEL_3
    reason = "CREATE CONVERSION is not supported yet"
    suggestion = "Remove it from the exported schema"


class Rule_ALTER_CONVERSION(_Node):
    """ALTER CONVERSION is not supported."""

    nodes = (ast.AlterObjectSchemaStmt, ast.RenameStmt, ast.AlterOwnerStmt)
    reason = "ALTER CONVERSION is not supported yet"
    suggestion = "Remove it from the exported schema"

    def accept(self, node: ast.Node) -> bool:
        return _target_type(node) == ObjectType.OBJECT_CONVERSION


RULES: list[type[Rule]] = scan_function_bodies([
    Rule_VIEW_WITH_CHECK_OPTION, Rule_RANGE_WITH_OFFSET, Rule_CURSOR_FETCH_DIRECTION, Rule_ALTER_AGGREGATE,
    Rule_DROP_MULTIPLE_OBJECTS, Rule_DROP_INDEX_CONCURRENTLY, Rule_WHERE_CURRENT_OF, Rule_BULK_COLLECT, Rule_WITH_OIDS,
    Rule_SET_WITH_OIDS, Rule_DROP_TEMPORARY_TABLE, Rule_JSON_ARRAYAGG, Rule_COMPOUND_TRIGGER, Rule_CREATE_ACCESS_METHOD,
    Rule_REINDEX, Rule_CREATE_TABLE_LIKE_INCLUDING_ALL, Rule_LIKE_CLAUSE, *ALTER_RULES, Rule_ALTER_TYPE, Rule_ALTER_TABLE_SET_SCHEMA,
    Rule_CREATE_SCHEMA_WITH_ELEMENTS, Rule_ALTER_TYPE_RENAME_ATTRIBUTE, Rule_ALTER_TABLESPACE, Rule_LANGUAGE_C_FUNCTION,
    Rule_ORACLE_UNSUPPORTED_DATATYPE, Rule_FOREIGN_TABLE_WITH_KEYS, Rule_CREATE_CONVERSION, Rule_ALTER_CONVERSION,
])  # fmt: skip
