"""What rules can look up about the whole schema: tables, columns, keys, indexes, types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from transship.analysis.comments import Comment, find_comments
from transship.analysis.nodes import (
    created_object,
    is_array,
    range_var_name,
    strings,
    type_name,
    type_signature,
)
from transship.analysis.statement import AnalysedStatement
from transship.analysis.version import TargetVersion, target_label, target_type_of
from transship.sqlsplit import strip_leading_comments


@dataclass
class ColumnInfo:
    name: str
    type: str
    """Base type in lower case (domains resolved when the domain is in the schema)."""
    array: bool = False
    declared: str = ""
    """The type as written, in :func:`~transship.analysis.nodes.type_signature` form (``varchar(255)``)."""
    has_default: bool = False
    generated: bool = False
    """A ``GENERATED ALWAYS AS (...)`` column."""
    statement: AnalysedStatement | None = None
    """The statement that defines (or last altered) the column."""
    location: int = -1
    """Offset of the column definition in ``statement.parsed_sql`` (-1 when unknown)."""


@dataclass
class KeyInfo:
    """A primary key or unique constraint."""

    kind: str  # "PRIMARY" or "UNIQUE"
    name: str | None
    columns: list[str]
    statement: AnalysedStatement


@dataclass
class ForeignKeyInfo:
    name: str | None
    table: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    statement: AnalysedStatement


@dataclass
class IndexInfo:
    name: str | None
    table: str
    columns: list[str | None]
    """Key columns in order; ``None`` for an expression."""
    method: str
    statement: AnalysedStatement


@dataclass
class TableInfo:
    name: str
    statement: AnalysedStatement
    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    partition_strategy: str | None = None
    partition_columns: list[str | None] = field(default_factory=list)
    keys: list[KeyInfo] = field(default_factory=list)
    constraint_names: set[str] = field(default_factory=set)
    """Lower-case names of every named constraint (keys, checks, foreign keys ...)."""

    def column(self, name: str) -> ColumnInfo | None:
        """A column by name (case-insensitive)."""
        found = self.columns.get(name)
        if found is not None:
            return found
        return next((c for c in self.columns.values() if c.name.lower() == name.lower()), None)

    @property
    def primary_key(self) -> KeyInfo | None:
        return next((k for k in self.keys if k.kind == "PRIMARY"), None)

    @property
    def partitioned(self) -> bool:
        return self.partition_strategy is not None


def _key(name: str) -> str:
    return name.lower()


class SchemaModel:
    """Tables, keys, foreign keys, indexes and user types found in the parsed statements."""

    def __init__(self, statements: Iterable[AnalysedStatement]) -> None:
        self.tables: dict[str, TableInfo] = {}
        self.foreign_keys: list[ForeignKeyInfo] = []
        self.indexes: list[IndexInfo] = []
        self.composite_types: set[str] = set()
        self.enum_types: set[str] = set()
        self.domains: dict[str, str] = {}
        self.array_domains: set[str] = set()
        """Domains over an array type (``CREATE DOMAIN d AS int[]``)."""
        stmts = [s for s in statements if s.node is not None and s.parent is None]
        for s in stmts:  # types first, so columns resolve domains
            self._add_type(s)
        for s in stmts:
            if isinstance(s.node, ast.CreateStmt) and not isinstance(s.node, ast.CreateForeignTableStmt):
                self._add_table(s, s.node)
        for s in stmts:
            if isinstance(s.node, ast.IndexStmt):
                self._add_index(s, s.node)
        for s in stmts:
            if isinstance(s.node, ast.AlterTableStmt):
                self._add_alter(s, s.node)
            elif isinstance(s.node, ast.RenameStmt) and s.node.renameType == ObjectType.OBJECT_COLUMN:
                self._rename_column(s.node)

    # -- lookups ---------------------------------------------------------------------------------------
    def table(self, name: str | ast.RangeVar | None) -> TableInfo | None:
        """A table by ``schema.name`` or bare name (when the bare name is unambiguous)."""
        if isinstance(name, ast.RangeVar):
            name = range_var_name(name)
        if not name:
            return None
        found = self.tables.get(_key(name))
        if found is not None:
            return found
        bare = _key(name).rsplit(".", 1)[-1]
        matches = [t for k, t in self.tables.items() if k.rsplit(".", 1)[-1] == bare]
        if len(matches) == 1:
            return matches[0]
        if "." not in name:
            return self.tables.get(f"public.{bare}")
        return None

    def resolve_type(self, tn: ast.TypeName | None) -> str:
        """A column type with domains resolved to their base type."""
        base = type_name(tn)
        seen = 0
        while base in self.domains and seen < 10:
            base = self.domains[base]
            seen += 1
        return base

    def is_array_type(self, tn: ast.TypeName | None) -> bool:
        """An array column, written as one (``int[]``) or through a domain over an array."""
        if is_array(tn):
            return True
        base, seen = type_name(tn), 0
        while seen < 10:
            if base in self.array_domains:
                return True
            if base not in self.domains:
                return False
            base, seen = self.domains[base], seen + 1
        return False

    def is_composite(self, base: str) -> bool:
        return base in self.composite_types

    # -- building --------------------------------------------------------------------------------------
    def _add_type(self, s: AnalysedStatement) -> None:
        node = s.node
        if isinstance(node, ast.CompositeTypeStmt) and node.typevar is not None:
            self.composite_types.add(str(node.typevar.relname).lower())
        elif isinstance(node, ast.CreateEnumStmt):
            self.enum_types.add(strings(node.typeName)[-1].lower())
        elif isinstance(node, ast.CreateDomainStmt):
            name = strings(node.domainname)[-1].lower()
            self.domains[name] = type_name(node.typeName)
            if is_array(node.typeName):
                self.array_domains.add(name)

    def _add_table(self, s: AnalysedStatement, node: ast.CreateStmt) -> None:
        info = TableInfo(range_var_name(node.relation), s)
        for elt in node.tableElts or ():
            if isinstance(elt, ast.ColumnDef):
                col = self._column(s, elt)
                info.columns[col.name] = col
                for con in elt.constraints or ():
                    self._add_constraint(s, info, con, [col.name])
            elif isinstance(elt, ast.Constraint):
                self._add_constraint(s, info, elt, None)
        if node.partspec is not None:
            strategy = node.partspec.strategy
            info.partition_strategy = strategy.name.rsplit("_", 1)[-1].lower() if strategy is not None else ""
            info.partition_columns = [p.name if p.name else None for p in node.partspec.partParams or ()]
        self.tables[_key(info.name)] = info

    def _column(self, s: AnalysedStatement, elt: ast.ColumnDef) -> ColumnInfo:
        cons = [c for c in elt.constraints or () if isinstance(c, ast.Constraint)]
        return ColumnInfo(
            str(elt.colname),
            self.resolve_type(elt.typeName),
            self.is_array_type(elt.typeName),
            declared=type_signature(elt.typeName),
            has_default=any(c.contype == ConstrType.CONSTR_DEFAULT for c in cons),
            generated=any(c.contype == ConstrType.CONSTR_GENERATED for c in cons),
            statement=s,
            location=elt.location if isinstance(elt.location, int) else -1,
        )

    def _add_constraint(
        self, s: AnalysedStatement, table: TableInfo, con: Any, columns: list[str] | None
    ) -> None:
        if not isinstance(con, ast.Constraint):
            return
        if con.conname:
            table.constraint_names.add(str(con.conname).lower())
        cols = columns if columns is not None else strings(con.keys)
        if con.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
            kind = "PRIMARY" if con.contype == ConstrType.CONSTR_PRIMARY else "UNIQUE"
            if con.indexname:  # ADD PRIMARY KEY USING INDEX
                idx = next((i for i in self.indexes if i.name == con.indexname), None)
                cols = [c for c in (idx.columns if idx else []) if c]
            table.keys.append(KeyInfo(kind, con.conname, cols, s))
        elif con.contype == ConstrType.CONSTR_FOREIGN:
            fk_cols = columns if columns is not None else strings(con.fk_attrs)
            self.foreign_keys.append(
                ForeignKeyInfo(
                    con.conname, table.name, fk_cols, range_var_name(con.pktable), strings(con.pk_attrs), s
                )
            )

    def _add_alter(self, s: AnalysedStatement, node: ast.AlterTableStmt) -> None:
        table = self.table(node.relation)
        for cmd in node.cmds or ():
            if not isinstance(cmd, ast.AlterTableCmd):
                continue
            if table is None:
                continue
            if cmd.subtype == AlterTableType.AT_AddConstraint:
                self._add_constraint(s, table, cmd.def_, None)
            elif cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                table.columns[str(cmd.def_.colname)] = self._column(s, cmd.def_)
                for con in cmd.def_.constraints or ():
                    self._add_constraint(s, table, con, [str(cmd.def_.colname)])
            elif cmd.name and (col := table.column(str(cmd.name))) is not None:
                self._alter_column(s, table, col, cmd)

    def _alter_column(
        self, s: AnalysedStatement, table: TableInfo, col: ColumnInfo, cmd: ast.AlterTableCmd
    ) -> None:
        """``ALTER COLUMN ... TYPE / SET DEFAULT / DROP DEFAULT / DROP EXPRESSION``, ``DROP COLUMN``."""
        if cmd.subtype == AlterTableType.AT_DropColumn:
            del table.columns[col.name]
        elif cmd.subtype == AlterTableType.AT_AlterColumnType and isinstance(cmd.def_, ast.ColumnDef):
            tn = cmd.def_.typeName
            col.type, col.array, col.declared = (
                self.resolve_type(tn),
                self.is_array_type(tn),
                type_signature(tn),
            )
            col.statement, col.location = s, -1
        elif cmd.subtype == AlterTableType.AT_ColumnDefault:
            col.has_default = cmd.def_ is not None
        elif cmd.subtype == AlterTableType.AT_DropExpression:
            col.generated = False

    def _rename_column(self, node: ast.RenameStmt) -> None:
        table = self.table(node.relation)
        col = table.column(str(node.subname)) if table is not None and node.subname else None
        if table is not None and col is not None and node.newname:
            del table.columns[col.name]
            col.name = str(node.newname)
            table.columns[col.name] = col

    def _add_index(self, s: AnalysedStatement, node: ast.IndexStmt) -> None:
        cols: list[str | None] = [
            p.name if isinstance(p, ast.IndexElem) and p.name else None for p in node.indexParams or ()
        ]
        self.indexes.append(
            IndexInfo(
                node.idxname,
                range_var_name(node.relation),
                cols,
                str(node.accessMethod or "btree").lower(),
                s,
            )
        )


@dataclass
class AnalysisContext:
    """Handed to every rule: the whole schema, the target (``target_version`` is a ``YBVersion`` for a
    YugabyteDB target, a ``PGVersion`` for a PostgreSQL one; ``target_type`` names it) and what adapters
    reported at export.

    :ivar export_findings: notes the source adapter recorded during ``export schema``
        (``metainfo/schema_export_findings.json``): dicts with ``kind`` (one of
        :data:`transship.adapters.base.FINDING_KINDS`), ``object_type``, ``object_name``, ``rule``,
        ``reason``, ``suggestion``, ``source_type``, ``target_type``. They describe the files as exported;
        rules check them against the current statements, which the user may have edited since.
    :ivar schema_dir: the ``schema/`` folder analysed (``None`` for a script).
    :ivar sources: the text of every analysed file (path -> text), for what is not a statement: the
        comments in which adapters keep unconverted objects (see :meth:`comments`).
    """

    statements: list[AnalysedStatement]
    model: SchemaModel
    target_version: TargetVersion
    source_db_type: str | None = None
    export_findings: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[Path, str] = field(default_factory=dict)
    schema_dir: Path | None = None
    """The export dir's ``schema/`` folder when the files come from one."""

    @property
    def target_type(self) -> str:
        """``postgresql`` or ``yugabytedb``: what ``target_version`` is a version of."""
        return target_type_of(self.target_version)

    @property
    def target_label(self) -> str:
        """The target in a sentence: ``PostgreSQL 15``, ``YugabyteDB 2024.2.0.0``."""
        return target_label(self.target_version)

    @cached_property
    def comments(self) -> list[tuple[Path, Comment]]:
        """Every comment of every analysed file, with its file."""
        return [(path, c) for path, text in self.sources.items() for c in find_comments(text)]

    def created(self) -> Iterable[tuple[str, str, AnalysedStatement]]:
        """``(object type, name, statement)`` of every object a top-level statement creates."""
        for s in self.statements:
            if s.node is None or s.parent is not None:
                continue
            made = created_object(s.node)
            if made is not None and made[1]:
                yield made[0], made[1], s

    @staticmethod
    def line_at(stmt: AnalysedStatement, location: int) -> int:
        """The file line of offset ``location`` in ``stmt.parsed_sql`` (the statement's line when unknown)."""
        text = stmt.parsed_sql
        if location < 0 or location > len(text) or stmt.parsed_text is not None:
            return stmt.line
        first = len(text) - len(strip_leading_comments(text))  # stmt.line is the line of the first token
        return stmt.line + text.count("\n", first, location) if location >= first else stmt.line

    def locate(self, object_type: str | None, object_name: str | None) -> AnalysedStatement | None:
        """The statement that creates ``object_name`` (schema optional), to point a finding at it."""
        if not object_name:
            return None
        wanted = object_name.lower()
        bare = wanted.rsplit(".", 1)[-1]
        best = None
        for s in self.statements:
            if s.node is None or s.parent is not None:
                continue
            stype, sname = s.subject
            name = sname.lower()
            if object_type and stype and stype != object_type.upper():
                continue
            if name == wanted:
                return s
            if best is None and name.rsplit(".", 1)[-1].split(" on ")[0] == bare:
                best = s
        return best
