"""The neutral catalog: what a source adapter reads from its database, independent of the source type.

Adapters fill these records from their system catalogs; :mod:`transship.ddl` renders PostgreSQL DDL
from them and the data exporter uses :class:`Table` and :class:`Column` to dump rows. PostgreSQL
sources keep ``pg_dump``'s own DDL instead (it is exact), but still describe their tables here for
data export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Column:
    """A table column.

    ``source_type`` is the type as the source names it (e.g. ``int(10) unsigned``); ``target_type`` is the
    PostgreSQL type chosen by type mapping (``None`` until mapped). ``mapping_note`` explains a lossy or
    guessed mapping and names the rule that fired; the analysis report lists every such note.
    """

    name: str
    source_type: str
    nullable: bool = True
    default: str | None = None
    target_type: str | None = None
    target_default: str | None = None
    identity: str | None = None  # None | "always" | "by default"
    auto_increment: bool = False
    generated: str | None = None  # expression of a generated column
    generated_stored: bool = True
    charset: str | None = None
    collation: str | None = None
    comment: str | None = None
    ordinal: int = 0
    mapping_rule: str | None = None
    mapping_note: str | None = None
    # Value conversion the dumper applies for this column (e.g. "zero_date_to_null", "bool_from_int").
    transform: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Constraint:
    """PRIMARY KEY / UNIQUE / FOREIGN KEY / CHECK / EXCLUDE constraint."""

    name: str
    kind: str  # "primary" | "unique" | "foreign" | "check" | "exclude"
    columns: list[str] = field(default_factory=list)
    ref_schema: str | None = None
    ref_table: str | None = None
    ref_columns: list[str] = field(default_factory=list)
    on_delete: str | None = None
    on_update: str | None = None
    expression: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    not_valid: bool = False


@dataclass
class Index:
    """A secondary index (unique indexes that back constraints are constraints, not indexes)."""

    name: str
    table: str
    columns: list[str]  # column names or expressions (already in target syntax)
    unique: bool = False
    method: str = "btree"
    where: str | None = None
    descending: list[bool] = field(default_factory=list)
    prefix_lengths: list[int | None] = field(default_factory=list)
    source_kind: str | None = None  # e.g. "FULLTEXT", "SPATIAL", "BITMAP", "FUNCTION-BASED NORMAL"
    note: str | None = None


@dataclass
class Partitioning:
    """How a table is partitioned; ``partitions`` hold (name, bound clause in PostgreSQL syntax)."""

    method: str  # "range" | "list" | "hash"
    key: list[str]
    partitions: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None


@dataclass
class Table:
    """A table with everything needed to create it and dump its rows."""

    schema: str
    name: str
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    partitioning: Partitioning | None = None
    comment: str | None = None
    row_estimate: int | None = None
    # Set for leaf partitions whose rows are loaded through their root table.
    parent: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints if c.kind == "primary"), None)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass
class Sequence:
    """A sequence, with the value the target must continue from once data is loaded."""

    schema: str
    name: str
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cycle: bool = False
    data_type: str = "bigint"
    owned_by: tuple[str, str] | None = None  # (table, column)
    last_value: int | None = None
    is_called: bool = True


@dataclass
class View:
    """A view or materialized view; ``definition`` is the SELECT in target syntax when converted."""

    schema: str
    name: str
    definition: str
    materialized: bool = False
    source_definition: str | None = None
    converted: bool = True
    note: str | None = None
    check_option: str | None = None
    #: the view's own column names (``CREATE VIEW v (a, b) AS ...``); empty: the query's
    columns: list[str] = field(default_factory=list)


@dataclass
class Routine:
    """A function, procedure, trigger or package body. ``target_sql`` is the converted DDL when conversion
    succeeded, else ``None`` and ``source_sql`` is kept commented in the exported file and reported."""

    schema: str
    name: str
    kind: str  # "function" | "procedure" | "trigger" | "package" | "type"
    source_sql: str
    target_sql: str | None = None
    table: str | None = None  # for triggers
    notes: list[str] = field(default_factory=list)


@dataclass
class EnumType:
    """A user-defined enumerated type (MySQL ENUM columns become one of these)."""

    schema: str
    name: str
    labels: list[str]


@dataclass
class Catalog:
    """Everything an adapter read from one source database."""

    source_type: str
    database: str
    schemas: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    views: list[View] = field(default_factory=list)
    routines: list[Routine] = field(default_factory=list)
    enums: list[EnumType] = field(default_factory=list)
    version: str | None = None
    notes: list[str] = field(default_factory=list)

    def table(self, schema: str, name: str) -> Table:
        for t in self.tables:
            if t.schema == schema and t.name == name:
                return t
        raise KeyError(f"{schema}.{name}")


def add_identity(catalog: Catalog, table: str, column: Column, schema: str | None = None) -> Sequence:
    """Make ``column`` of ``table`` an identity (``GENERATED BY DEFAULT``) owned by a new sequence of the catalog,
    named ``<table>_<column>_seq`` unless a table or sequence has that name already (then ``_seq1``, ...)."""
    taken = {t.name.lower() for t in catalog.tables} | {s.name.lower() for s in catalog.sequences}
    name, n = f"{table}_{column.name}_seq", 0
    while name.lower() in taken:
        n += 1
        name = f"{table}_{column.name}_seq{n}"
    seq = Sequence(
        schema if schema is not None else (catalog.schemas or [""])[0], name, owned_by=(table, column.name)
    )
    catalog.sequences.append(seq)
    column.identity, column.extra["identity_sequence"] = "by default", name
    return seq
