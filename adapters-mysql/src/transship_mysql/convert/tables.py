"""Tables and their columns: types through the type mapper, enums, generated and auto_increment columns."""

from __future__ import annotations

import re
from typing import Any

from transship.sdk import (
    Column,
    ConfigError,
    Constraint,
    EnumType,
    Sequence,
    SourceType,
    Table,
    literal,
    quote_ident,
)
from transship_mysql.convert.base import JSON_CHECK
from transship_mysql.convert.defaults import DefaultConversion
from transship_mysql.data_export import nul_stripped
from transship_mysql.expressions import NotConvertible
from transship_mysql.generated import clip_reason, generated_note
from transship_mysql.names import fit
from transship_mysql.types import ENUM_ARRAY_TARGET, ENUM_TARGET, enum_labels, parse_type

_ON_UPDATE = re.compile(r"on update (current_timestamp|now)", re.I)
_IDENTITY_TYPES = ("smallint", "integer", "bigint", "int", "int2", "int4", "int8")


class TableConversion(DefaultConversion):
    """Tables and columns (defaults from :class:`DefaultConversion`)."""

    def table(self, t: dict[str, Any]) -> Table:
        sname = t["table_name"]
        name = self.table_name(sname)
        table = Table(
            schema=self.db,
            name=name,
            comment=t.get("table_comment") or None,
            row_estimate=int(t.get("table_rows") or 0),
        )
        table.extra.update(source_name=sname, engine=t.get("engine"), auto_increment=t.get("auto_increment"))
        json_cols = set()
        for chk in self.src.checks.get(sname, []):
            m = JSON_CHECK.match(str(chk["check_clause"]).strip())
            if m:
                json_cols.add(m.group(1).replace("``", "`").lower())
        for c in self.src.columns.get(sname, []):
            table.columns.append(self.column(table, c, json_cols))
        return table

    def _nul_note(self, tables: list[Table]) -> None:
        """One finding for the whole database: export data removes NUL characters from text values.

        A precise check would scan every text value, so it is stated once, naming the tables it concerns
        (one note per table would bury the report's real issues on every database).
        """
        affected = [
            f"{t.name} ({', '.join(c.name for c in t.columns if nul_stripped(c))})"
            for t in tables
            if any(nul_stripped(c) for c in t.columns)
        ]
        if not affected:
            return
        shown = "; ".join(affected[:10]) + (
            f"; and {len(affected) - 10} more tables" if len(affected) > 10 else ""
        )
        self.conv.finding(
            "lossy_conversion", "TABLE", "(text columns)",
            f"NUL (0x00) characters in text values are removed: PostgreSQL text cannot hold them "
            f"in {len(affected)} table(s): {shown}",
            "if a column holds NUL characters that matter, map it to bytea with a type-mapping rule "
            '(column: "<table>.<column>", target: bytea)',
        )  # fmt: skip

    def column(self, table: Table, c: dict[str, Any], json_cols: set[str]) -> Column:
        sname = str(c["column_name"])
        extra = str(c.get("extra") or "")
        col = Column(
            name=sname.lower(), source_type=str(c["column_type"]), nullable=c["is_nullable"] == "YES",
            default=self._source_default(c), charset=c.get("character_set_name"), collation=c.get("collation_name"),
            comment=c.get("column_comment") or None, ordinal=int(c["ordinal_position"]),
            auto_increment="auto_increment" in extra.lower(),
        )  # fmt: skip
        col.extra.update(source_extra=extra, source_name=sname)
        stype = parse_type(str(c["column_type"]), c.get("datetime_precision"))
        if col.name in json_cols or str(c["data_type"]).lower() == "json":
            stype = SourceType(raw="json", base="json")
        col.extra["stype"] = stype
        result = self.mapper.map(table, col, stype)
        obj = f"{table.name}.{col.name}"
        if result.target_type in (ENUM_TARGET, ENUM_ARRAY_TARGET):
            self._enum_column(table, col, stype, result.target_type == ENUM_ARRAY_TARGET)
        if col.mapping_note:
            kind = "guessed_type_mapping" if col.mapping_note.startswith("guessed") else "lossy_type_mapping"
            self.conv.finding(kind, "TABLE", obj, col.mapping_note, "add a type-mapping rule in the config file to choose another type",
                              col.mapping_rule or "", col.source_type, col.target_type or "")  # fmt: skip
        if result.drop_not_null:
            col.nullable = True
        gen = str(c.get("generation_expression") or "")
        if (
            "GENERATED" in extra.upper()
            and gen
            and gen.upper() != "NULL"
            and "DEFAULT_GENERATED" not in extra.upper()
        ):
            self._generated(table, col, stype, gen, "STORED" in extra.upper())
        if col.auto_increment:
            self._auto_increment(table, col)
        elif not col.generated and not result.drop_default:
            col.target_default = self._target_default(table, col, stype)
        if _ON_UPDATE.search(extra):
            self.on_update.setdefault(table.name, []).append(col)
        return col

    def _generated(self, table: Table, col: Column, stype: SourceType, gen: str, stored: bool) -> None:
        """A generated column: kept (the target computes it; export data checks the source's values) or, when
        the config lists it or its expression does not convert, a plain column receiving MySQL's values."""
        obj = f"{table.name}.{col.name}"
        plain = self.generated.plain(table.name, col.name)
        try:
            expr = self.converter.expression(gen)
        except NotConvertible as exc:
            self.conv.finding(
                "unconverted_object", "TABLE", obj, f"generated column expression not converted ({exc}): {gen}",
                "the computed values are copied as plain data; add the expression by hand",
            )  # fmt: skip
            return
        if plain:
            self.conv.finding(
                "lossy_conversion", "TABLE", obj,
                f"generated column made a plain column (type-mapping: plain-generated-columns): it receives MySQL's "
                f"values, and the target does not compute ({expr}) for new or updated rows",
                "once the source values equal the expression, remove the column from plain-generated-columns to keep "
                "it generated, or keep it up to date with a trigger",
                col.mapping_rule or "", col.source_type, col.target_type or "",
            )  # fmt: skip
            return
        col.generated = expr
        col.generated_stored = stored
        col.extra["source_generation"] = gen
        text, fix = generated_note(table, col, gen, clip_reason(stype))
        self.conv.finding("guessed_conversion", "TABLE", obj, text, fix)

    def _auto_increment(self, table: Table, col: Column) -> None:
        """An identity with a named sequence; for a numeric target (a type rule's choice) an owned sequence
        and ``DEFAULT nextval(...)``, since PostgreSQL identities must be integers."""
        target = col.target_type or ""
        base = target.split("(")[0].strip().lower()
        obj = f"{table.name}.{col.name}"
        if base not in _IDENTITY_TYPES and base not in ("numeric", "decimal"):
            raise ConfigError(
                f"type rule {col.mapping_rule} maps auto_increment column {obj} to {target}, which cannot take generated ids",
                fix="map the column to bigint (or numeric) in the type-mapping section, or drop AUTO_INCREMENT from it on the source",
            )
        seq = Sequence(
            schema=self.db,
            name=self.registry.claim(f"{table.name}_{col.name}_seq"),
            owned_by=(table.name, col.name),
        )
        self.conv.catalog.sequences.append(seq)
        if base in _IDENTITY_TYPES:
            col.identity = "by default"
            col.extra["identity_sequence"] = seq.name
            return
        col.target_default = f"nextval({literal(quote_ident(seq.name))}::regclass)"
        self.conv.finding(
            "lossy_conversion", "TABLE", obj,
            f"auto_increment column mapped to {target} (rule {col.mapping_rule}): PostgreSQL identities must be "
            f"integers, so it gets DEFAULT nextval from the owned sequence {seq.name}, which stops at 9223372036854775807",
            "map the column to bigint to make it an identity, if its ids stay below 2^63",
            col.mapping_rule or "", col.source_type, target,
        )  # fmt: skip

    def _enum_column(self, table: Table, col: Column, stype: SourceType, is_set: bool) -> None:
        labels = enum_labels(stype.typemod)
        if any(len(label.encode()) > 63 for label in labels):
            col.target_type = "text[]" if is_set else "text"
            col.mapping_note = (
                "lossy: enum/set labels longer than 63 bytes do not fit a PostgreSQL enum; stored as text"
            )
            if not is_set:
                values = ", ".join(literal(label) for label in labels)
                table.constraints.append(
                    Constraint(
                        name=fit(f"{table.name}_{col.name}_check"),
                        kind="check",
                        expression=f"{quote_ident(col.name)} IN ({values})",
                    )
                )
            return
        enum = EnumType(schema=self.db, name=self.registry.claim(f"{table.name}_{col.name}"), labels=labels)
        self.conv.catalog.enums.append(enum)
        col.target_type = quote_ident(enum.name) + ("[]" if is_set else "")
        col.extra["enum_labels"] = labels
