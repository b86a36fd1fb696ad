"""SQL constructs YugabyteDB lacks, found in views, materialized views and function bodies (voyager ``issues_dml.go``).

These rules set ``scan_bodies``: the engine also feeds them every SQL statement inside PL/pgSQL and SQL
function bodies, and issues found there get the ``unsupported_plpgsql_objects`` category.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from pglast import ast
from pglast.enums import CTEMaterialize, LimitOption, TransactionStmtKind
from pglast.parser import scan

from transship.sdk import (
    AnalysedStatement,
    AnalysisContext,
    Finding,
    Impact,
    Rule,
    func_name,
    range_var_name,
    strings,
    type_name,
)
from transship_rules_yugabytedb.base import BOTH, FIXED_PG15, YBRule, scan_function_bodies


class _Dml(YBRule):
    abstract = True
    groups = ("dml",)
    impact = Impact.LEVEL_2
    scan_bodies = True


class _Functions(_Dml):
    """Calls of any function in ``functions``."""

    abstract = True
    functions: ClassVar[frozenset[str]] = frozenset()
    label: ClassVar[str] = ""

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        used = sorted({func_name(c) for c in stmt.find(ast.FuncCall) if func_name(c) in self.functions})
        if isinstance(stmt.node, ast.CreateTrigStmt):  # EXECUTE FUNCTION lo_manage(...)
            used += [n for n in strings(stmt.node.funcname)[-1:] if n.lower() in self.functions]
        if used:
            yield Finding(f"{self.label} are not yet supported in YugabyteDB: {', '.join(used)}.")


class _Nodes(_Dml):
    """Any node of the types in ``nodes``."""

    abstract = True
    nodes: ClassVar[tuple[type[Any], ...]] = ()
    reason: ClassVar[str] = ""

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if any(True for _ in stmt.find(*self.nodes)):
            yield Finding(self.reason)


class Rule_ADVISORY_LOCKS(_Functions):
    """Advisory locks are not supported."""

    label = "Advisory locks"
    suggestion = "Use SELECT ... FOR UPDATE on a lock table, or a lock service in the application."
    minimum_versions_fixed_in = FIXED_PG15
    functions = frozenset(
        f"pg_{t}advisory_{x}{s}"
        for t in ("", "try_") for x in ("lock", "xact_lock", "unlock") for s in ("", "_shared")
    ) | {"pg_advisory_unlock_all"}  # fmt: skip


class _SystemColumn(_Dml):
    abstract = True
    column: ClassVar[str] = ""
    suggestion = "Use a primary key or a version column instead of the system column."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for ref in stmt.find(ast.ColumnRef):
            names = strings(ref.fields)
            if names and names[-1].lower() == self.column:
                yield Finding(f"System column '{self.column}' is not yet supported in YugabyteDB.")
                return


def _system_column_rules() -> list[type[Rule]]:
    return [
        type(f"Rule_SYSTEM_COLUMN_{c.upper()}", (_SystemColumn,),
             {"__doc__": f"System column {c} is not supported.", "code": f"SYSTEM_COLUMN_{c.upper()}", "column": c, "__module__": __name__})
        for c in ("xmin", "xmax", "cmin", "cmax", "ctid")
    ]  # fmt: skip


XML_FUNCTIONS = frozenset(
    """
xmlcomment xmltext xmlagg xml_is_well_formed xml_is_well_formed_document xml_is_well_formed_content xpath xpath_exists
xmlconcat2 table_to_xml table_to_xmlschema table_to_xml_and_xmlschema query_to_xml query_to_xmlschema
query_to_xml_and_xmlschema cursor_to_xml cursor_to_xmlschema schema_to_xml schema_to_xmlschema schema_to_xml_and_xmlschema
database_to_xml database_to_xmlschema database_to_xml_and_xmlschema texttoxml xmlvalidate
""".split()
)


class Rule_XML_FUNCTIONS(_Dml):
    """XML functions are not supported."""

    suggestion = "Move XML processing into the application, or store the documents as text."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        calls = {func_name(c) for c in stmt.find(ast.FuncCall) if func_name(c) in XML_FUNCTIONS}
        calls |= {"xml expression" for _ in stmt.find(ast.XmlExpr, ast.XmlSerialize)}
        calls |= {"xmltable" for _ in stmt.find(ast.RangeTableFunc)}
        if calls:
            yield Finding(f"XML functions are not yet supported in YugabyteDB: {', '.join(sorted(calls))}.")


class Rule_REGEX_FUNCTIONS(_Functions):
    """regexp_count, regexp_instr and regexp_like are not supported."""

    targets = BOTH
    postgresql_since = "15"
    label = "Regex functions"
    functions = frozenset({"regexp_count", "regexp_instr", "regexp_like"})
    suggestion = "Rewrite with regexp_matches/regexp_replace or ~ operators."
    minimum_versions_fixed_in = FIXED_PG15


class Rule_ANY_VALUE_AGGREGATE_FUNCTION(_Functions):
    """The any_value aggregate is not supported."""

    targets = BOTH
    postgresql_since = "16"
    label = "Aggregate function any_value"
    functions = frozenset({"any_value"})
    suggestion = "Use min() or max() instead of any_value()."


class Rule_RANGE_AGGREGATE_FUNCTION(_Functions):
    """range_agg and range_intersect_agg are not supported."""

    targets = BOTH
    postgresql_since = "14"
    label = "Range aggregate functions"
    functions = frozenset({"range_agg", "range_intersect_agg"})
    suggestion = "Aggregate the ranges in application code or a PL/pgSQL function."
    minimum_versions_fixed_in = FIXED_PG15


class Rule_JSON_CONSTRUCTOR_FUNCTION(_Nodes):
    """SQL/JSON constructors (JSON_OBJECT, JSON_ARRAY, JSON_OBJECTAGG, JSON_ARRAYAGG ...) are not supported."""

    targets = BOTH
    postgresql_since = "16"
    nodes = (ast.JsonObjectConstructor, ast.JsonArrayConstructor, ast.JsonArrayQueryConstructor, ast.JsonObjectAgg,
             ast.JsonArrayAgg, ast.JsonParseExpr, ast.JsonScalarExpr, ast.JsonSerializeExpr)  # fmt: skip
    reason = "JSON constructor functions (JSON_OBJECT, JSON_ARRAY, JSON_OBJECTAGG, JSON_ARRAYAGG, JSON, JSON_SCALAR, JSON_SERIALIZE) are not yet supported in YugabyteDB."
    suggestion = "Use json_build_object/json_build_array/json_agg/json_object_agg instead."


class Rule_JSON_QUERY_FUNCTION(_Nodes):
    """SQL/JSON query functions (JSON_QUERY, JSON_VALUE, JSON_EXISTS, JSON_TABLE) are not supported."""

    targets = BOTH
    postgresql_since = "17"
    nodes = (ast.JsonFuncExpr, ast.JsonTable)
    reason = "JSON query functions (JSON_QUERY, JSON_VALUE, JSON_EXISTS, JSON_TABLE) are not yet supported in YugabyteDB."
    suggestion = "Use jsonb operators (->, ->>, @?, jsonb_path_query) instead."


class Rule_LARGE_OBJECT_FUNCTIONS(_Functions):
    """Large object functions are not supported."""

    label = "Large Object functions"
    functions = frozenset(
        "lo_create lo_creat lo_import lo_export lo_unlink lo_open lo_close lo_put lo_get lo_from_bytea lo_truncate "
        "lo_truncate64 lo_lseek lo_lseek64 lo_tell lo_tell64 loread lowrite lo_manage lo_oid".split()
    )
    suggestion = "Store the data in bytea columns instead of large objects."


_JSONB_FUNCS = re.compile(r"^(to_jsonb|jsonb_.*)$")


class Rule_JSONB_SUBSCRIPTING(_Dml):
    """jsonb subscripting (col['key']) is not supported."""

    targets = BOTH
    postgresql_since = "14"
    suggestion = "Use Arrow operators (-> / ->>) to get the required json data"
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        jsonb_cols = self._jsonb_columns(stmt, ctx)
        for ind in stmt.find(ast.A_Indirection):
            if any(isinstance(i, ast.A_Indices) for i in ind.indirection or ()) and self._is_jsonb(
                ind.arg, jsonb_cols
            ):
                yield Finding("Jsonb subscripting is not yet supported in YugabyteDB.")
                return
        for target in stmt.find(ast.ResTarget):
            if target.name in jsonb_cols and any(
                isinstance(i, ast.A_Indices) for i in target.indirection or ()
            ):
                yield Finding("Jsonb subscripting is not yet supported in YugabyteDB.")
                return

    @staticmethod
    def _jsonb_columns(stmt: AnalysedStatement, ctx: AnalysisContext) -> set[str]:
        """Names that hold a jsonb value: columns of the tables the statement reads; in a function body
        also every jsonb column of the schema (``NEW.doc``, as voyager) and the jsonb parameters and
        variables of the function."""
        cols: set[str] = set()
        for rv in stmt.find(ast.RangeVar):
            table = ctx.model.table(range_var_name(rv))
            if table is not None:
                cols |= {c.name for c in table.columns.values() if c.type == "jsonb" and not c.array}
        parent = stmt.parent
        if parent is not None:
            cols |= {
                c.name
                for t in ctx.model.tables.values()
                for c in t.columns.values()
                if c.type == "jsonb" and not c.array
            }
            if isinstance(parent.node, ast.CreateFunctionStmt):
                cols |= {
                    str(p.name)
                    for p in parent.node.parameters or ()
                    if isinstance(p, ast.FunctionParameter)
                    and p.name
                    and ctx.model.resolve_type(p.argType) == "jsonb"
                    and not ctx.model.is_array_type(p.argType)
                }
            cols |= _plpgsql_jsonb_variables(parent.plpgsql)
        return cols

    @staticmethod
    def _is_jsonb(arg: Any, jsonb_cols: set[str]) -> bool:
        if isinstance(arg, ast.ColumnRef):
            names = strings(arg.fields)
            return bool(names) and names[-1] in jsonb_cols
        if isinstance(arg, ast.TypeCast):
            return type_name(arg.typeName) == "jsonb"
        if isinstance(arg, ast.FuncCall):
            return bool(_JSONB_FUNCS.match(func_name(arg)))
        return False


def _plpgsql_jsonb_variables(tree: Any) -> set[str]:
    """The PL/pgSQL variables declared ``jsonb``."""
    out: set[str] = set()
    for function in tree if isinstance(tree, list) else [tree] if tree else []:
        body = function.get("PLpgSQL_function", {}) if isinstance(function, dict) else {}
        for datum in body.get("datums") or ():
            var = datum.get("PLpgSQL_var") if isinstance(datum, dict) else None
            typname = ((var or {}).get("datatype") or {}).get("PLpgSQL_type", {}).get("typname", "")
            if var and str(typname).lower().rsplit(".", 1)[-1] in ("jsonb", "pg_catalog.jsonb"):
                out.add(str(var.get("refname")))
    return out


class Rule_JSON_TYPE_PREDICATE(_Nodes):
    """IS JSON predicates are not supported."""

    targets = BOTH
    postgresql_since = "16"
    nodes = (ast.JsonIsPredicate,)
    reason = "IS JSON predicate expressions are not yet supported in YugabyteDB."
    suggestion = "Validate with a cast inside a PL/pgSQL function, or in the application."


class Rule_COPY_FROM_WHERE(_Dml):
    """COPY FROM ... WHERE is not supported."""

    targets = BOTH
    postgresql_since = "12"
    suggestion = "Load into a staging table and INSERT ... SELECT ... WHERE."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CopyStmt) and stmt.node.is_from and stmt.node.whereClause is not None:
            yield Finding("COPY FROM ... WHERE is not yet supported in YugabyteDB.")


class Rule_COPY_ON_ERROR(_Dml):
    """COPY ... ON_ERROR is not supported."""

    targets = BOTH
    postgresql_since = "17"
    suggestion = "Clean the input first, or load into a staging table with text columns."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CopyStmt) and any(
            isinstance(o, ast.DefElem) and o.defname == "on_error" for o in stmt.node.options or ()
        ):
            yield Finding("COPY ... ON_ERROR is not yet supported in YugabyteDB.")


class Rule_FETCH_WITH_TIES(_Dml):
    """FETCH FIRST ... WITH TIES is not supported."""

    targets = BOTH
    postgresql_since = "13"
    suggestion = "Use rank() in a subquery and filter on it."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if any(s.limitOption == LimitOption.LIMIT_OPTION_WITH_TIES for s in stmt.find(ast.SelectStmt)):
            yield Finding("FETCH .. WITH TIES clause is not yet supported in YugabyteDB.")


class Rule_CTE_WITH_MATERIALIZED_CLAUSE(_Dml):
    """WITH ... AS [NOT] MATERIALIZED is not supported."""

    targets = BOTH
    postgresql_since = "12"
    suggestion = "Remove the [NOT] MATERIALIZED keywords from the CTE."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if any(
            c.ctematerialized != CTEMaterialize.CTEMaterializeDefault for c in stmt.find(ast.CommonTableExpr)
        ):
            yield Finding("Modifying the materialization of CTE is not supported yet in YugabyteDB.")


class Rule_MERGE_STATEMENT(_Nodes):
    """MERGE statements are not supported."""

    targets = BOTH
    postgresql_since = "15"
    nodes = (ast.MergeStmt,)
    reason = "MERGE statement is not yet supported in YugabyteDB."
    suggestion = "Use PL/pgSQL to write the logic to get this functionality"


class Rule_LISTEN_NOTIFY(_Dml):
    """LISTEN / NOTIFY are not supported."""

    suggestion = "Use a queue table polled by the listeners."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.ListenStmt | ast.NotifyStmt | ast.UnlistenStmt) or any(
            func_name(c) == "pg_notify" for c in stmt.find(ast.FuncCall)
        ):
            yield Finding("LISTEN / NOTIFY is not supported yet in YugabyteDB.")


_NON_DECIMAL = re.compile(r"0[xXoObB][0-9a-fA-F_]+$")


class Rule_NON_DECIMAL_INTEGER_LITERAL(_Dml):
    """Hexadecimal, octal and binary integer literals (0x1F, 0o17, 0b101) are not supported."""

    targets = BOTH
    postgresql_since = "16"
    suggestion = "Write the literal in decimal."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        text = stmt.parsed_sql
        try:
            tokens = scan(text)
        except Exception:  # noqa: BLE001 - text the scanner rejects holds no literal to check
            return
        for tok in tokens:
            if tok.name in ("ICONST", "FCONST") and _NON_DECIMAL.match(text[tok.start : tok.end + 1]):
                yield Finding(
                    f"Non-decimal integer literal {text[tok.start : tok.end + 1]} is not supported in YugabyteDB."
                )
                return


class Rule_TWO_PHASE_COMMIT(_Dml):
    """Two-phase commit (PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED) is not supported."""

    impact = Impact.LEVEL_3
    suggestion = "Coordinate the transactions in the application."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        kinds = (
            TransactionStmtKind.TRANS_STMT_PREPARE,
            TransactionStmtKind.TRANS_STMT_COMMIT_PREPARED,
            TransactionStmtKind.TRANS_STMT_ROLLBACK_PREPARED,
        )
        if isinstance(stmt.node, ast.TransactionStmt) and stmt.node.kind in kinds:
            yield Finding("Two-Phase Commit is not supported yet in YugabyteDB.")


RULES: list[type[Rule]] = scan_function_bodies([
    Rule_ADVISORY_LOCKS, *_system_column_rules(), Rule_XML_FUNCTIONS, Rule_REGEX_FUNCTIONS,
    Rule_ANY_VALUE_AGGREGATE_FUNCTION, Rule_RANGE_AGGREGATE_FUNCTION, Rule_JSON_CONSTRUCTOR_FUNCTION,
    Rule_JSON_QUERY_FUNCTION, Rule_LARGE_OBJECT_FUNCTIONS, Rule_JSONB_SUBSCRIPTING, Rule_JSON_TYPE_PREDICATE,
    Rule_COPY_FROM_WHERE, Rule_COPY_ON_ERROR, Rule_FETCH_WITH_TIES, Rule_CTE_WITH_MATERIALIZED_CLAUSE,
    Rule_MERGE_STATEMENT, Rule_LISTEN_NOTIFY, Rule_NON_DECIMAL_INTEGER_LITERAL, Rule_TWO_PHASE_COMMIT,
])  # fmt: skip
