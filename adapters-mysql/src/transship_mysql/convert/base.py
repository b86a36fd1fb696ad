"""The conversion result and the state every part of the conversion shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from transship.sdk import (
    Catalog,
    Column,
    Table,
    TypeMapper,
    conversion_finding,
    unconverted_block,
)
from transship_mysql.expressions import Converter
from transship_mysql.generated import GeneratedChoice
from transship_mysql.names import NameRegistry, table_names
from transship_mysql.source_catalog import SourceCatalog

JSON_CHECK = re.compile(r"^json_valid\(`((?:[^`]|``)+)`\)$", re.I)


@dataclass
class Conversion:
    """The converted catalog plus everything to report and the extra statements to write."""

    catalog: Catalog
    findings: list[dict[str, str]] = field(default_factory=list)
    comment_blocks: list[tuple[str, str]] = field(default_factory=list)  # (object type, text)
    table_map: dict[str, str] = field(default_factory=dict)  # source table -> target table

    def finding(
        self,
        kind: str,
        object_type: str,
        name: str,
        reason: str,
        suggestion: str = "",
        rule: str = "",
        source_type: str = "",
        target_type: str = "",
    ) -> None:
        self.findings.append(
            conversion_finding(kind, object_type, name, reason, suggestion, rule, source_type, target_type)
        )


class ConverterBase:
    """State shared by the conversion mixins: the source catalog, the type mapper, the names taken.

    ``generated`` says which generated columns become plain columns (config ``plain-generated-columns``).
    """

    def __init__(
        self, src: SourceCatalog, mapper: TypeMapper, generated: GeneratedChoice | None = None
    ) -> None:
        self.src = src
        self.mapper = mapper
        self.generated = generated or GeneratedChoice()
        self.db = src.database
        base_tables = [t["table_name"] for t in src.tables if t["table_type"] == "BASE TABLE"]
        view_names = [v["table_name"] for v in src.views]
        self.names = table_names(base_tables + view_names)
        self.registry = NameRegistry(set(self.names.values()))
        self.conv = Conversion(
            Catalog(source_type="mysql", database=self.db, schemas=[self.db], version=src.version),
            table_map=self.names,
        )
        self.pks: dict[str, list[str]] = {}
        self.on_update: dict[str, list[Column]] = {}

    def table_name(self, source: str) -> str:
        return self.names.get(source) or self.names.get(
            next((k for k in self.names if k.lower() == source.lower()), ""), source.lower()
        )

    @property
    def converter(self) -> Converter:
        return Converter(self.db, self.table_name, self.pks, self.boolean_columns())

    def boolean_columns(self) -> set[str]:
        """Column names that are boolean on the target in every table that has them."""
        kinds: dict[str, set[bool]] = {}
        for t in self.conv.catalog.tables:
            for c in t.columns:
                kinds.setdefault(c.name, set()).add(c.target_type == "boolean")
        return {name for name, k in kinds.items() if k == {True}}

    def _unconverted(self, object_type: str, name: str, source: str, reason: str) -> None:
        self.conv.comment_blocks.append(
            (object_type, unconverted_block(object_type.lower(), name, source, [reason]))
        )
        self.conv.finding(
            "unconverted_object",
            object_type,
            name,
            reason,
            "convert it by hand; the original is kept as a comment in the schema file",
        )


def is_col(table: Table, name: str) -> bool:
    return any(c.name == name for c in table.columns)
