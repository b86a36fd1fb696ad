"""Build the neutral catalog from a MySQL database, convert it, and write the PostgreSQL schema files.

The conversion is split by object kind into the mixins of :mod:`transship_mysql.convert`;
:class:`CatalogConverter` combines them and runs them in order.
"""

from __future__ import annotations

from typing import Any

from transship.sdk import (
    SchemaExportOptions,
    SchemaExportResult,
    SchemaWriter,
    Table,
    TypeMapper,
    write_catalog,
)
from transship_mysql.convert.base import Conversion
from transship_mysql.convert.constraints import ConstraintConversion
from transship_mysql.convert.indexes import IndexConversion
from transship_mysql.convert.partitions import PartitionConversion
from transship_mysql.convert.routines import RoutineConversion
from transship_mysql.convert.tables import TableConversion
from transship_mysql.convert.views import ViewConversion
from transship_mysql.generated import GeneratedChoice
from transship_mysql.source_catalog import read_source_catalog

__all__ = ["ALL_TYPES", "CatalogConverter", "Conversion", "export_schema"]


class CatalogConverter(
    TableConversion,
    ConstraintConversion,
    IndexConversion,
    PartitionConversion,
    ViewConversion,
    RoutineConversion,
):
    """Turns a :class:`SourceCatalog` into a converted :class:`Catalog`.

    ``generated`` says which generated columns become plain columns (config ``plain-generated-columns``).
    """

    def run(self) -> Conversion:
        for t in self.src.tables:
            if t["table_type"] == "SEQUENCE":
                self.conv.finding(
                    "unconverted_object", "SEQUENCE", t["table_name"], "MariaDB SEQUENCE objects are not converted",
                    "create the sequence on the target by hand (CREATE SEQUENCE ...) and set its value",
                )  # fmt: skip
        tables = [t for t in self.src.tables if t["table_type"] == "BASE TABLE"]
        for t in tables:
            self.conv.catalog.tables.append(self.table(t))
        self.generated.check_matched()
        self._nul_note(self.conv.catalog.tables)
        for table, src in zip(self.conv.catalog.tables, tables, strict=True):
            self.finish_table(table, src)
        for table in self.conv.catalog.tables:
            pk = table.primary_key
            if pk:
                self.pks[table.name] = pk.columns
        self.align_foreign_keys()
        for table in self.conv.catalog.tables:
            self._unsigned_checks(table)
        for v in self.src.views:
            self.conv.catalog.views.append(self.view(v))
        for r in self.src.routines:
            self.conv.catalog.routines.append(self.routine(r))
        for trig in self.src.triggers:
            self.conv.catalog.routines.append(self.trigger(trig))
        by_name = {t.name: t for t in self.conv.catalog.tables}
        for tname, cols in self.on_update.items():
            stored = [c for c in by_name[tname].columns if not c.generated] if tname in by_name else []
            self.conv.catalog.routines.append(self.on_update_trigger(tname, cols, stored))
        return self.conv

    def finish_table(self, table: Table, src: dict[str, Any]) -> None:
        """Constraints, indexes and partitioning of ``table`` (once every table has its columns)."""
        sname = src["table_name"]
        unique_names = self._constraints(table, sname)
        self._indexes(table, sname, unique_names)
        self._partitions(table, sname)


def export_schema(
    conn: Any,
    database: str,
    writer: SchemaWriter,
    options: SchemaExportOptions,
    mapper: TypeMapper,
    generated: GeneratedChoice | None = None,
) -> SchemaExportResult:
    """Read, convert and write the schema of ``database`` (``generated``: which generated columns become plain)."""
    src = read_source_catalog(conn, database)
    conv = CatalogConverter(src, mapper, generated).run()
    wanted = options.wanted(ALL_TYPES)
    write_catalog(conv.catalog, writer, qualify=False, object_types=wanted)
    for otype, text in conv.comment_blocks:
        if otype in wanted:
            writer.add_comment_block(otype, text)
    result = SchemaExportResult(counts=dict(writer.counts), findings=conv.findings)
    for table in conv.catalog.tables:
        if table.partitioning and table.partitioning.note:
            result.notes.append(f"{table.name}: {table.partitioning.note}")
    engines = sorted(
        {
            str(t.extra.get("engine"))
            for t in conv.catalog.tables
            if str(t.extra.get("engine") or "InnoDB").lower() != "innodb"
        }
    )
    if engines:
        result.notes.append(
            f"non-transactional storage engines in use ({', '.join(engines)}): their tables are not covered by the export snapshot"
        )
    return result


ALL_TYPES = {
    "TYPE",
    "SEQUENCE",
    "TABLE",
    "PARTITION",
    "INDEX",
    "VIEW",
    "MVIEW",
    "TRIGGER",
    "FUNCTION",
    "PROCEDURE",
    "COMMENT",
}
