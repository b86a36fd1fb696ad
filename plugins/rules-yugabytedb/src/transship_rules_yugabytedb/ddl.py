"""Parser-based DDL issues (voyager ``issues_ddl.go``): tables, constraints, indexes, partitions, triggers."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType, RoleSpecType

from transship.sdk import (
    AnalysedStatement,
    AnalysisContext,
    Category,
    Finding,
    Impact,
    TableInfo,
    constraint_object,
    defelem_value,
    range_var_name,
)
from transship_rules_yugabytedb.base import (
    BOTH,
    FIXED_ADD_PK_PARTITIONED,
    FIXED_PG15,
    FIXED_UNLOGGED,
    YBRule,
    alter_cmds,
    column_defs,
    constraint_name,
    constraints,
    scan_function_bodies,
)

TRIGGER_TYPE_ROW = 1
TRIGGER_TYPE_BEFORE = 2


class Rule_STORED_GENERATED_COLUMNS(YBRule):
    """Stored generated columns are not supported."""

    targets = BOTH
    postgresql_since = "12"
    groups = ("tables",)
    suggestion = "Using Triggers to update the generated columns is one way to work around this issue."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if not isinstance(stmt.node, ast.CreateStmt | ast.AlterTableStmt):
            return
        cols = [
            str(col.colname)
            for _t, col in column_defs(stmt)
            if any(
                isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_GENERATED
                for c in col.constraints or ()
            )
        ]
        if cols:
            yield Finding(
                f"Stored generated columns are not supported. Detected columns are ({', '.join(cols)})."
            )


class Rule_UNLOGGED_TABLES(YBRule):
    """UNLOGGED tables are not supported."""

    groups = ("tables",)
    suggestion = "Remove UNLOGGED keyword to make it work"
    minimum_versions_fixed_in = FIXED_UNLOGGED

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        rel = (
            node.relation
            if isinstance(node, ast.CreateStmt)
            else node.into.rel
            if isinstance(node, ast.CreateTableAsStmt) and node.into
            else None
        )
        if rel is not None and rel.relpersistence == "u":
            yield Finding("UNLOGGED tables are not yet supported in YugabyteDB.")


class _IndexMethod(YBRule):
    abstract = True
    groups = ("indexes",)
    method = ""
    suggestion = "Change the index access method to btree (lsm) or gin, or drop the index."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.IndexStmt) and str(stmt.node.accessMethod or "").lower() == self.method:
            yield Finding(
                f"The schema contains an index with an access method '{self.method}' which is not supported in YugabyteDB."
            )


class Rule_UNSUPPORTED_GIST_INDEX_METHOD(_IndexMethod):
    """Index with GIST access method."""

    method = "gist"


class Rule_UNSUPPORTED_BRIN_INDEX_METHOD(_IndexMethod):
    """Index with BRIN access method."""

    method = "brin"


class Rule_UNSUPPORTED_SPGIST_INDEX_METHOD(_IndexMethod):
    """Index with SPGIST access method."""

    method = "spgist"


class Rule_STORAGE_PARAMETERS(YBRule):
    """Storage parameters in tables, indexes or constraints."""

    groups = ("tables", "indexes")
    suggestion = "Remove the storage parameters from the DDL"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        params: list[str] = []
        if isinstance(node, ast.IndexStmt | ast.CreateStmt):
            params += [
                str(o.defname)
                for o in node.options or ()
                if isinstance(o, ast.DefElem) and o.defname != "oids"
            ]
        for con, _t, _c, _d in constraints(stmt):
            if con.contype == ConstrType.CONSTR_IDENTITY:
                continue  # (SEQUENCE NAME ...) options of an identity column are not storage parameters
            params += [str(o.defname) for o in con.options or () if isinstance(o, ast.DefElem)]
        if params:
            yield Finding(f"Storage parameters are not supported yet in YugabyteDB: {', '.join(params)}.")


class _AlterCmd(YBRule):
    abstract = True
    groups = ("alter",)
    subtype: AlterTableType = AlterTableType.AT_SetOptions
    objtypes: tuple[ObjectType, ...] = (
        ObjectType.OBJECT_TABLE,
        ObjectType.OBJECT_FOREIGN_TABLE,
        ObjectType.OBJECT_MATVIEW,
    )
    reason = ""

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for node, cmd in alter_cmds(stmt, self.subtype):
            if node.objtype in self.objtypes:
                yield Finding(self.reason.format(name=cmd.name or "", table=range_var_name(node.relation)))


class Rule_ALTER_TABLE_SET_COLUMN_ATTRIBUTE(_AlterCmd):
    """ALTER TABLE .. ALTER COLUMN .. SET ( attribute = value ) is not supported."""

    subtype = AlterTableType.AT_SetOptions
    reason = "ALTER TABLE .. ALTER COLUMN {name} SET ( attribute = value ) is not supported yet."
    suggestion = "Remove it from the exported schema"


class Rule_ALTER_TABLE_CLUSTER_ON(_AlterCmd):
    """ALTER TABLE CLUSTER ON is not supported."""

    subtype = AlterTableType.AT_ClusterOn
    reason = "ALTER TABLE {table} CLUSTER ON {name} is not supported yet."
    suggestion = "Remove it from the exported schema."


class Rule_ALTER_TABLE_DISABLE_RULE(_AlterCmd):
    """ALTER TABLE .. DISABLE RULE is not supported."""

    subtype = AlterTableType.AT_DisableRule
    reason = "ALTER TABLE {table} DISABLE RULE {name} is not supported yet."
    suggestion = "Remove this and the rule from the exported schema to be not enabled on the table."


class Rule_EXCLUSION_CONSTRAINTS(YBRule):
    """Exclusion constraints are not supported."""

    groups = ("constraints",)
    suggestion = "Refer to the docs link for the workaround (a trigger that checks for conflicting rows)."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for con, table, cols, _d in constraints(stmt):
            if con.contype == ConstrType.CONSTR_EXCLUSION:
                yield Finding(
                    "Exclusion constraints are not yet supported in YugabyteDB.",
                    object_name=constraint_object(table, constraint_name(con, table, cols)),
                )


class Rule_DEFERRABLE_CONSTRAINTS(YBRule):
    """Deferrable constraints (other than foreign keys) are not supported."""

    groups = ("constraints",)
    impact = Impact.LEVEL_3
    suggestion = "Remove these constraints from the exported schema and make the neccessary changes to the application to work on target seamlessly"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for con, table, cols, deferrable in constraints(stmt):
            if deferrable and con.contype != ConstrType.CONSTR_FOREIGN:
                yield Finding(
                    "DEFERRABLE constraints not supported yet.",
                    object_name=constraint_object(table, constraint_name(con, table, cols)),
                )


class Rule_MULTI_COLUMN_GIN_INDEX(YBRule):
    """GIN index on more than one column."""

    groups = ("indexes",)
    suggestion = (
        "Create one GIN index per column, or a single-column GIN index on an expression combining them."
    )
    gh = "https://github.com/yugabyte/yugabyte-db/issues/7850"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if (
            isinstance(node, ast.IndexStmt)
            and str(node.accessMethod).lower() == "gin"
            and len(node.indexParams or ()) > 1
        ):
            yield Finding("Schema contains gin index on multi column which is not supported.")


class Rule_ORDERED_GIN_INDEX(YBRule):
    """GIN index with ASC/DESC ordering."""

    groups = ("indexes",)
    suggestion = "Remove the ordering (ASC/DESC) from the GIN index."
    gh = "https://github.com/yugabyte/yugabyte-db/issues/7850"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if isinstance(node, ast.IndexStmt) and str(node.accessMethod).lower() == "gin":
            if any(
                isinstance(p, ast.IndexElem) and p.ordering is not None and int(p.ordering) != 0
                for p in node.indexParams or ()
            ):
                yield Finding(
                    "Schema contains an index with an access method 'GIN' with ASC/DESC/HASH clause which is not supported."
                )


class Rule_POLICY_WITH_ROLES(YBRule):
    """Policy that requires specific roles."""

    groups = ("policies",)
    suggestion = "Create the Users manually to make the policies work."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if isinstance(node, ast.CreatePolicyStmt):
            roles = [
                str(r.rolename)
                for r in node.roles or ()
                if isinstance(r, ast.RoleSpec) and r.roletype == RoleSpecType.ROLESPEC_CSTRING
            ]
            if roles:
                yield Finding(
                    f"Policies require specific roles ({', '.join(roles)}) to be created in the target database."
                )


class Rule_CONSTRAINT_TRIGGER(YBRule):
    """Constraint triggers are not supported."""

    groups = ("triggers",)
    suggestion = "Use a regular trigger instead, or move the check into the application."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CreateTrigStmt) and stmt.node.isconstraint:
            yield Finding("CONSTRAINT TRIGGER not supported yet.")


class Rule_REFERENCING_CLAUSE_IN_TRIGGER(YBRule):
    """Triggers with transition tables (REFERENCING OLD/NEW TABLE) are not supported."""

    groups = ("triggers",)
    suggestion = "Rewrite the trigger as a FOR EACH ROW trigger without transition tables."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CreateTrigStmt) and stmt.node.transitionRels:
            yield Finding("REFERENCING clause (transition tables) not supported yet.")


class Rule_BEFORE_ROW_TRIGGER_ON_PARTITIONED_TABLE(YBRule):
    """BEFORE ROW triggers on partitioned tables are not supported."""

    targets = BOTH
    postgresql_since = "13"
    groups = ("triggers", "partitions")
    suggestion = "Create the triggers on individual partitions."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if isinstance(node, ast.CreateTrigStmt) and node.row and int(node.timing or 0) & TRIGGER_TYPE_BEFORE:
            table = ctx.model.table(node.relation)
            if table is not None and table.partitioned:
                yield Finding(
                    f"Partitioned table {table.name} has a BEFORE ROW trigger, which is not supported."
                )


class Rule_ALTER_TABLE_ADD_PK_ON_PARTITIONED_TABLE(YBRule):
    """Adding a primary key to a partitioned table with ALTER TABLE."""

    groups = ("partitions", "constraints")
    category = Category.MIGRATION_CAVEATS
    suggestion = (
        "After export schema, the ALTER table should be merged with CREATE table for partitioned tables."
    )
    minimum_versions_fixed_in = FIXED_ADD_PK_PARTITIONED

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if not isinstance(stmt.node, ast.AlterTableStmt):
            return
        for con, table_name, _c, _d in constraints(stmt):
            table = ctx.model.table(table_name)
            if con.contype == ConstrType.CONSTR_PRIMARY and table is not None and table.partitioned:
                yield Finding(
                    "Adding primary key to a partitioned table is not supported yet.",
                    object_name=constraint_object(table_name, constraint_name(con, table_name, None)),
                )


class _PartitionedTable(YBRule):
    abstract = True
    groups = ("partitions",)

    def tables(
        self, stmt: AnalysedStatement, ctx: AnalysisContext
    ) -> Iterable[tuple[ast.CreateStmt, TableInfo]]:
        node = stmt.node
        if isinstance(node, ast.CreateStmt) and node.partspec is not None:
            table = ctx.model.table(node.relation)
            if table is not None:
                yield node, table


class Rule_EXPRESSION_PARTITION_WITH_PK_UK(_PartitionedTable):
    """Partitioning by an expression on a table with a primary or unique key."""

    targets = BOTH
    suggestion = "Remove the Constriant from the table definition"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for _node, table in self.tables(stmt, ctx):
            if None in table.partition_columns and table.keys:
                yield Finding(
                    "Issue with Partition using Expression on a table which cannot contain Primary Key / Unique Key on any column"
                )


class Rule_MULTI_COLUMN_LIST_PARTITION(_PartitionedTable):
    """LIST partitioning on more than one column."""

    targets = BOTH
    suggestion = "Make it a single column partition by list or choose other supported Partitioning methods"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for _node, table in self.tables(stmt, ctx):
            if table.partition_strategy == "list" and len(table.partition_columns) > 1:
                yield Finding('cannot use "list" partition strategy with more than one column')


class Rule_INSUFFICIENT_COLUMNS_IN_PK_FOR_PARTITION(_PartitionedTable):
    """Primary key of a partitioned table lacks partition key columns."""

    targets = BOTH
    suggestion = "Add all Partition columns to Primary Key"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for _node, table in self.tables(stmt, ctx):
            pk = table.primary_key
            if pk is None or None in table.partition_columns:
                continue
            missing = [c for c in table.partition_columns if c is not None and c not in pk.columns]
            if missing:
                yield Finding(
                    f"Partition key columns({', '.join(missing)}) are not part of Primary Key columns({', '.join(pk.columns)}) which is not supported."
                )


class Rule_FOREIGN_KEY_REFERENCED_PARTITIONED_TABLE(YBRule):
    """Foreign key referencing a partitioned table."""

    targets = BOTH
    postgresql_since = "12"
    groups = ("constraints", "partitions")
    suggestion = "No workaround available; drop the foreign key or reference a non-partitioned table."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        for con, table, cols, _d in constraints(stmt):
            if con.contype == ConstrType.CONSTR_FOREIGN:
                ref = ctx.model.table(con.pktable)
                if ref is not None and ref.partitioned:
                    yield Finding(
                        f"Foreign key constraint references partitioned table {ref.name}, which is not yet supported.",
                        object_name=constraint_object(table, constraint_name(con, table, cols)),
                    )


class Rule_FOREIGN_TABLE(YBRule):
    """Foreign tables need their SERVER and USER MAPPING created by hand."""

    targets = BOTH
    groups = ("tables",)
    category = Category.MIGRATION_CAVEATS
    suggestion = (
        "SERVER and USER MAPPING should be created manually on the target to create and use the foreign table"
    )

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CreateForeignTableStmt):
            server = stmt.node.servername
            yield Finding(
                "Foreign tables require manual intervention: SERVER and USER MAPPING objects are not exported.",
                suggestion=f"SERVER '{server}', and USER MAPPING should be created manually on the target to create and use the foreign table",
            )


class Rule_INHERITANCE(YBRule):
    """Table inheritance is not supported."""

    groups = ("tables",)
    impact = Impact.LEVEL_3
    suggestion = "Use declarative partitioning or separate tables instead of INHERITS."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if (
            isinstance(node, ast.CreateStmt)
            and not isinstance(node, ast.CreateForeignTableStmt)
            and node.inhRelations
            and node.partbound is None
        ):
            parents = ", ".join(range_var_name(r) for r in node.inhRelations if isinstance(r, ast.RangeVar))
            yield Finding(f"Table inheritance is not yet supported in YugabyteDB (inherits {parents}).")


class Rule_SECURITY_INVOKER_VIEWS(YBRule):
    """Views with security_invoker are not supported."""

    targets = BOTH
    postgresql_since = "15"
    groups = ("views",)
    suggestion = "Remove the security_invoker option; grant privileges so the view works with definer rights."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        node = stmt.node
        if isinstance(node, ast.ViewStmt):
            for opt in node.options or ():
                if (
                    isinstance(opt, ast.DefElem)
                    and opt.defname == "security_invoker"
                    and str(defelem_value(opt)).lower() in ("true", "on", "1", "none", "yes")
                ):
                    yield Finding("Security Invoker Views are not yet supported in YugabyteDB.")


def _collation_option(node: ast.Node, name: str) -> object:
    if isinstance(node, ast.DefineStmt) and node.kind == ObjectType.OBJECT_COLLATION:
        for opt in node.definition or ():
            if isinstance(opt, ast.DefElem) and opt.defname == name:
                value = defelem_value(opt)
                return str(value).lower() if value is not None else "true"
    return None


class Rule_DETERMINISTIC_OPTION_WITH_COLLATION(YBRule):
    """The deterministic option of CREATE COLLATION is not supported."""

    targets = BOTH
    postgresql_since = "12"
    groups = ("collations",)
    suggestion = "Remove the deterministic = true option; collations are deterministic by default."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if stmt.node is not None and _collation_option(stmt.node, "deterministic") in (
            "true",
            "on",
            "yes",
            "1",
        ):
            yield Finding("Deterministic attribute in collation is not supported yet.")


class Rule_NON_DETERMINISTIC_COLLATION(YBRule):
    """Non-deterministic collations are not supported."""

    targets = BOTH
    postgresql_since = "12"
    groups = ("collations",)
    suggestion = (
        "Use a deterministic collation and compare with lower()/citext where case-insensitivity is needed."
    )

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if stmt.node is not None and _collation_option(stmt.node, "deterministic") in (
            "false",
            "off",
            "no",
            "0",
        ):
            yield Finding("Non-deterministic collations are not yet supported in YugabyteDB.")


class Rule_SQL_BODY_IN_FUNCTION(YBRule):
    """SQL-standard function bodies (BEGIN ATOMIC / RETURN expr) are not supported."""

    targets = BOTH
    postgresql_since = "14"
    groups = ("functions",)
    suggestion = "Write the body as a string: AS $$ ... $$."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CreateFunctionStmt) and stmt.node.sql_body is not None:
            yield Finding("SQL Body for sql languages in function statement is not supported yet.")


class Rule_UNIQUE_NULLS_NOT_DISTINCT(YBRule):
    """UNIQUE NULLS NOT DISTINCT is not supported."""

    targets = BOTH
    postgresql_since = "15"
    groups = ("constraints", "indexes")
    suggestion = (
        "Remove NULLS NOT DISTINCT; enforce it with a partial unique index on the non-null rows plus a check."
    )
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.IndexStmt) and stmt.node.nulls_not_distinct:
            yield Finding("Unique index with NULLS NOT DISTINCT is not supported yet.")
        for con, table, cols, _d in constraints(stmt):
            if con.nulls_not_distinct:
                yield Finding(
                    "Unique constraint with NULLS NOT DISTINCT is not supported yet.",
                    object_name=constraint_object(table, constraint_name(con, table, cols)),
                )


class Rule_COMPRESSION_CLAUSE_IN_TABLE(YBRule):
    """Column COMPRESSION clause (TOAST is not used in YugabyteDB)."""

    groups = ("tables",)
    suggestion = "Remove the clause from the DDL."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        cols = [str(c.colname) for _t, c in column_defs(stmt) if c.compression]
        cols += [str(cmd.name) for _n, cmd in alter_cmds(stmt, AlterTableType.AT_SetCompression)]
        if cols:
            yield Finding(
                f"TOASTing is disabled internally in YugabyteDB and hence this clause is not relevant (columns: {', '.join(cols)})."
            )


_PG15_DB_OPTIONS = ("icu_locale", "locale_provider", "locale", "strategy", "collation_version", "oid")
_PG17_DB_OPTIONS = ("builtin_locale", "icu_rules")


class Rule_DATABASE_OPTIONS_PG15(YBRule):
    """CREATE DATABASE options added in PostgreSQL 15."""

    targets = BOTH
    postgresql_since = "15"
    groups = ("database",)
    impact = Impact.LEVEL_2
    suggestion = "Remove the options from CREATE DATABASE."
    minimum_versions_fixed_in = FIXED_PG15

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CreatedbStmt):
            opts = [
                str(o.defname)
                for o in stmt.node.options or ()
                if isinstance(o, ast.DefElem) and str(o.defname).lower() in _PG15_DB_OPTIONS
            ]
            if opts:
                yield Finding(f"Database options ({', '.join(opts)}) are not supported yet.")


class Rule_DATABASE_OPTIONS_PG17(YBRule):
    """CREATE DATABASE options added in PostgreSQL 17."""

    targets = BOTH
    postgresql_since = "17"
    groups = ("database",)
    impact = Impact.LEVEL_2
    suggestion = "Remove the options from CREATE DATABASE."

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if isinstance(stmt.node, ast.CreatedbStmt):
            opts = [
                str(o.defname)
                for o in stmt.node.options or ()
                if isinstance(o, ast.DefElem) and str(o.defname).lower() in _PG17_DB_OPTIONS
            ]
            if opts:
                yield Finding(f"Database options ({', '.join(opts)}) are not supported yet.")


SUPPORTED_EXTENSIONS = frozenset(
    """
adminpack amcheck autoinc bloom btree_gin btree_gist citext cube dblink dict_int dict_xsyn earthdistance file_fdw
fuzzystrmatch hll hstore hypopg insert_username intagg intarray isn lo ltree moddatetime orafce pageinspect
pg_buffercache pg_cron pg_freespacemap pg_hint_plan pg_prewarm pg_stat_monitor pg_stat_statements pg_trgm
pg_visibility pgaudit pgcrypto pgrowlocks pgstattuple plpgsql postgres_fdw refint seg sslinfo tablefunc tcn
timetravel tsm_system_rows tsm_system_time unaccent uuid-ossp yb_pg_metrics yb_test_extension
""".split()
)


class Rule_UNSUPPORTED_EXTENSION(YBRule):
    """Extension that YugabyteDB does not ship."""

    groups = ("extensions",)
    impact = Impact.LEVEL_3
    suggestion = "Remove the extension and what uses it, or find a supported alternative."
    docs_link = "https://docs.yugabyte.com/preview/explore/ysql-language-features/pg-extensions/"

    def check(self, stmt: AnalysedStatement, ctx: AnalysisContext) -> Iterable[Finding]:
        if (
            isinstance(stmt.node, ast.CreateExtensionStmt)
            and str(stmt.node.extname).lower() not in SUPPORTED_EXTENSIONS
        ):
            yield Finding(f"This extension is not supported in YugabyteDB: {stmt.node.extname}.")


RULES = scan_function_bodies([
    Rule_STORED_GENERATED_COLUMNS, Rule_UNLOGGED_TABLES, Rule_UNSUPPORTED_GIST_INDEX_METHOD,
    Rule_UNSUPPORTED_BRIN_INDEX_METHOD, Rule_UNSUPPORTED_SPGIST_INDEX_METHOD, Rule_STORAGE_PARAMETERS,
    Rule_ALTER_TABLE_SET_COLUMN_ATTRIBUTE, Rule_ALTER_TABLE_CLUSTER_ON, Rule_ALTER_TABLE_DISABLE_RULE,
    Rule_EXCLUSION_CONSTRAINTS, Rule_DEFERRABLE_CONSTRAINTS, Rule_MULTI_COLUMN_GIN_INDEX, Rule_ORDERED_GIN_INDEX,
    Rule_POLICY_WITH_ROLES, Rule_CONSTRAINT_TRIGGER, Rule_REFERENCING_CLAUSE_IN_TRIGGER,
    Rule_BEFORE_ROW_TRIGGER_ON_PARTITIONED_TABLE, Rule_ALTER_TABLE_ADD_PK_ON_PARTITIONED_TABLE,
    Rule_EXPRESSION_PARTITION_WITH_PK_UK, Rule_MULTI_COLUMN_LIST_PARTITION, Rule_INSUFFICIENT_COLUMNS_IN_PK_FOR_PARTITION,
    Rule_FOREIGN_KEY_REFERENCED_PARTITIONED_TABLE, Rule_FOREIGN_TABLE, Rule_INHERITANCE, Rule_SECURITY_INVOKER_VIEWS,
    Rule_DETERMINISTIC_OPTION_WITH_COLLATION, Rule_NON_DETERMINISTIC_COLLATION, Rule_SQL_BODY_IN_FUNCTION,
    Rule_UNIQUE_NULLS_NOT_DISTINCT, Rule_COMPRESSION_CLAUSE_IN_TABLE, Rule_DATABASE_OPTIONS_PG15,
    Rule_DATABASE_OPTIONS_PG17, Rule_UNSUPPORTED_EXTENSION,
])  # fmt: skip
