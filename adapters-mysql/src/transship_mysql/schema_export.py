"""Build the neutral catalog from a MySQL database, convert it, and write the PostgreSQL schema files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from transship.sdk import (
    Catalog,
    Column,
    ConfigError,
    Constraint,
    EnumType,
    Index,
    Partitioning,
    Routine,
    SchemaExportOptions,
    SchemaExportResult,
    SchemaWriter,
    Sequence,
    SourceType,
    Table,
    TypeMapper,
    View,
    conversion_finding,
    literal,
    quote_ident,
    unconverted_block,
    write_catalog,
)
from transship_mysql.data_export import nul_stripped
from transship_mysql.expressions import Converter, NotConvertible
from transship_mysql.generated import GeneratedChoice, clip_reason, generated_note
from transship_mysql.names import NameRegistry, fit, table_names
from transship_mysql.routines import Context, translate_body
from transship_mysql.source_catalog import SourceCatalog
from transship_mysql.types import (
    BINARY_TYPES,
    ENUM_ARRAY_TARGET,
    ENUM_TARGET,
    TEXT_TYPES,
    enum_labels,
    parse_type,
)

_CURRENT_TS = re.compile(r"^(current_timestamp|now|localtime|localtimestamp)\s*(\(\s*\d*\s*\))?$", re.I)
_ON_UPDATE = re.compile(r"on update (current_timestamp|now)", re.I)
_JSON_CHECK = re.compile(r"^json_valid\(`((?:[^`]|``)+)`\)$", re.I)
_INT_FAMILY = re.compile(r"^(smallint|integer|bigint|numeric\(\d+\))$")
_INT_RANK = {"smallint": 1, "integer": 2, "bigint": 3}
_IDENTITY_TYPES = ("smallint", "integer", "bigint", "int", "int2", "int4", "int8")
_PREFIX_FULL_MAX = 600  # varchar prefix indexes up to this length index the whole column
# target types of an UNSIGNED column: those admitting negatives get CHECK (c >= 0); the others cannot be negative
_SIGNED_TARGET = re.compile(
    r"^(smallint|integer|int|int2|int4|int8|bigint|numeric|decimal|real|float4|float8|float|double precision)\b"
)
_NONNEGATIVE_TARGET = re.compile(r"^(boolean|bool|bit|varbit|bit varying)\b")
UINT64_MAX = 18446744073709551615  # BIGINT UNSIGNED's largest value


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


class CatalogConverter:
    """Turns a :class:`SourceCatalog` into a converted :class:`Catalog`.

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

    # ---------------------------------------------------------------------------------------------
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
        for tname, cols in self.on_update.items():
            self.conv.catalog.routines.append(self.on_update_trigger(tname, cols))
        return self.conv

    # tables --------------------------------------------------------------------------------------
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
            m = _JSON_CHECK.match(str(chk["check_clause"]).strip())
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

    def _unsigned_checks(self, table: Table) -> None:
        """UNSIGNED columns whose target type admits negatives get ``CHECK (c >= 0)`` (named
        ``<table>_<column>_unsigned``); a BIGINT UNSIGNED on a numeric type also ``c <= 18446744073709551615``.
        A target type that cannot be compared with 0 (a type rule's text ...) is reported instead."""
        taken = {c.name for c in table.constraints}
        for col in table.columns:
            stype = col.extra.get("stype")
            if not isinstance(stype, SourceType) or not stype.unsigned:
                continue
            target = (col.target_type or "").strip().lower()
            if _NONNEGATIVE_TARGET.match(target):
                continue
            if not _SIGNED_TARGET.match(target) or target.endswith("]"):
                self.conv.finding(
                    "lossy_type_mapping", "TABLE", f"{table.name}.{col.name}",
                    f"UNSIGNED column mapped to {col.target_type}: the target does not refuse negative values "
                    "(a CHECK (c >= 0) needs a numeric type)",
                    "map the column to a numeric type to get the check, or add a CHECK constraint by hand",
                    col.mapping_rule or "", col.source_type, col.target_type or "",
                )  # fmt: skip
                continue
            q = quote_ident(col.name)
            expr = f"{q} >= 0"
            if stype.base in ("bigint", "serial") and target.startswith(("numeric", "decimal")):
                expr += f" AND {q} <= {UINT64_MAX}"
            name = fit(f"{table.name}_{col.name}_unsigned")
            i = 1
            while name in taken:
                i += 1
                name = fit(f"{table.name}_{col.name}_unsigned_{i}")
            taken.add(name)
            table.constraints.append(Constraint(name=name, kind="check", expression=expr))

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

    def _source_default(self, c: dict[str, Any]) -> str | None:
        value = c.get("column_default")
        if value is None:
            return None
        text = str(value)
        if self.src.is_mariadb:
            return None if text.upper() == "NULL" else text
        extra = str(c.get("extra") or "").upper()
        if "DEFAULT_GENERATED" in extra:
            return text
        return "'" + text.replace("'", "''") + "'"  # MySQL 8 shows literal defaults unquoted

    def _target_default(self, table: Table, col: Column, stype: SourceType) -> str | None:
        d = col.default
        if d is None:
            return None
        target = (col.target_type or "").lower()
        obj = f"{table.name}.{col.name}"
        if _CURRENT_TS.match(d.strip()):
            if target.startswith("timestamptz"):
                return "CURRENT_TIMESTAMP"
            if target.startswith("timestamp"):
                return "LOCALTIMESTAMP"
            if target == "date":
                return "CURRENT_DATE"
        literal_value = _unquote(d)
        try:
            if literal_value is not None:
                return _typed_literal(literal_value, target, stype)
            if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", d.strip()):
                if target == "boolean":
                    return "false" if float(d) == 0 else "true"
                return d.strip()
            if re.fullmatch(r"b'[01]*'", d.strip(), re.I):
                bits = d.strip()[2:-1]
                if target == "boolean":
                    return "true" if "1" in bits else "false"
                return f"B'{bits.zfill(stype.length or len(bits))}'"
            return self.converter.expression(d)
        except (NotConvertible, ValueError) as exc:
            self.conv.finding(
                "unconverted_object", "TABLE", obj, f"default {d} not converted ({exc}); the column has no default on the target",
                "add the default by hand (ALTER TABLE ... ALTER COLUMN ... SET DEFAULT ...)",
            )  # fmt: skip
            return None

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

    def finish_table(self, table: Table, src: dict[str, Any]) -> None:
        sname = src["table_name"]
        unique_names: set[str] = set()
        for con in self.src.constraints.get(sname, []):
            ctype = con["constraint_type"]
            cols = [
                str(k["column_name"]).lower()
                for k in self.src.key_columns.get((sname, con["constraint_name"]), [])
            ]
            if ctype == "PRIMARY KEY":
                table.constraints.insert(
                    0,
                    Constraint(name=self.registry.claim(f"{table.name}_pkey"), kind="primary", columns=cols),
                )
            elif ctype == "UNIQUE":
                unique_names.add(con["constraint_name"])
            elif ctype == "FOREIGN KEY":
                self._foreign_key(table, sname, con["constraint_name"])
            elif ctype == "CHECK":
                pass  # read from check_constraints below
        for chk in self.src.checks.get(sname, []):
            clause = str(chk["check_clause"]).strip()
            if _JSON_CHECK.match(clause):
                continue
            try:
                expr = self.converter.expression(clause)
                table.constraints.append(
                    Constraint(name=fit(str(chk["constraint_name"]).lower()), kind="check", expression=expr)
                )
            except NotConvertible as exc:
                self._unconverted(
                    "TABLE",
                    f"{table.name}.{chk['constraint_name']}",
                    f"CONSTRAINT {chk['constraint_name']} CHECK ({clause})",
                    f"check constraint not converted: {exc}",
                )
        self._indexes(table, sname, unique_names)
        self._partitions(table, sname)

    def _foreign_key(self, table: Table, sname: str, cname: str) -> None:
        keys = self.src.key_columns.get((sname, cname), [])
        ref = self.src.referential.get((sname, cname), {})
        if not keys:
            return
        ref_table = keys[0].get("referenced_table_name") or ref.get("referenced_table_name")
        table.constraints.append(
            Constraint(
                name=fit(cname.lower()),
                kind="foreign",
                columns=[str(k["column_name"]).lower() for k in keys],
                ref_table=self.table_name(str(ref_table)),
                ref_columns=[str(k["referenced_column_name"]).lower() for k in keys],
                on_delete=ref.get("delete_rule"),
                on_update=ref.get("update_rule"),
            )  # fmt: skip
        )

    def _indexes(self, table: Table, sname: str, unique_names: set[str]) -> None:
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in self.src.statistics.get(sname, []):
            groups.setdefault(str(row["index_name"]), []).append(row)
        for iname, rows in groups.items():
            if iname == "PRIMARY":
                continue
            kind = str(rows[0].get("index_type") or "BTREE").upper()
            unique = int(rows[0]["non_unique"]) == 0
            target_name = self.registry.claim(f"{table.name}_{iname.lower()}")
            obj = f"{table.name}.{iname}"
            if kind == "SPATIAL":
                self._spatial_index(table, sname, iname, target_name, rows)
                continue
            cols: list[str] = []
            desc: list[bool] = []
            prefixed = False
            try:
                for r in rows:
                    if r.get("column_name") is None:
                        expr = r.get("expression")
                        if not expr:
                            raise NotConvertible("index part without column or expression")
                        cols.append(self.converter.expression(str(expr)))
                    else:
                        cname = str(r["column_name"]).lower()
                        sub = r.get("sub_part")
                        if sub:
                            prefixed = True
                            cols.append(self._prefix_part(table, cname, int(sub), unique))
                        else:
                            cols.append(cname)
                    desc.append(str(r.get("collation") or "A").upper() == "D")
            except NotConvertible as exc:
                self._unconverted(
                    "INDEX",
                    obj,
                    _index_source(sname, iname, kind, unique, rows),
                    f"index not converted: {exc}",
                )
                continue
            if kind == "FULLTEXT":
                doc = " || ' ' || ".join(f"coalesce({quote_ident(c)}, '')" for c in cols)
                table.indexes.append(Index(name=target_name, table=table.name, columns=[f"to_tsvector('simple', {doc})"], method="gin", source_kind="FULLTEXT",
                                           note="FULLTEXT became a GIN index on to_tsvector('simple', ...): rewrite MATCH ... AGAINST queries to use it"))  # fmt: skip
                self.conv.finding("lossy_conversion", "INDEX", obj, "FULLTEXT index converted to a GIN full-text index (simple configuration)",
                                  "rewrite MATCH ... AGAINST as to_tsvector('simple', ...) @@ plainto_tsquery(...)")  # fmt: skip
                continue
            if (
                unique
                and iname in unique_names
                and not prefixed
                and all(_is_col(table, c) for c in cols)
                and not any(desc)
            ):
                table.constraints.append(Constraint(name=target_name, kind="unique", columns=cols))
                continue
            method = "hash" if kind == "HASH" and len(cols) == 1 else "btree"
            table.indexes.append(
                Index(
                    name=target_name,
                    table=table.name,
                    columns=cols,
                    unique=unique,
                    method=method,
                    descending=desc,
                    source_kind=kind,
                )
            )
            if prefixed:
                self.conv.finding("lossy_conversion", "INDEX", obj, "prefix index converted (see the index definition)",
                                  "prefix parts on long text become left(col, n) expressions: queries must use the same expression to use the index")  # fmt: skip

    def _spatial_index(
        self, table: Table, sname: str, iname: str, target_name: str, rows: list[dict[str, Any]]
    ) -> None:
        """SPATIAL index: GiST where the target type has a GiST operator class, else reported.

        The index length MariaDB/MySQL report for spatial parts (``sub_part`` 32) is not a prefix: ignored.
        """
        cols = [str(r["column_name"]).lower() for r in rows if r.get("column_name") is not None]
        types = {c: (table.column(c).target_type or "").lower() for c in cols if _is_col(table, c)}
        if len(cols) == 1 and len(types) == 1 and _gist_type(types[cols[0]]):
            table.indexes.append(
                Index(name=target_name, table=table.name, columns=cols, method="gist", source_kind="SPATIAL")
            )
            return
        stored = ", ".join(f"column {c} stored as {t}" for c, t in types.items()) or "no column"
        self._unconverted(
            "INDEX",
            f"{table.name}.{iname}",
            _index_source(sname, iname, "SPATIAL", False, rows),
            f"SPATIAL index not converted: {stored}, a type without a GiST operator class (spatial types "
            "other than POINT are stored as WKT text); map the column to PostGIS geometry with a "
            "type-mapping rule to get a GiST index",
        )

    def _prefix_part(self, table: Table, col: str, length: int, unique: bool) -> str:
        stype: SourceType = table.column(col).extra["stype"]
        if not unique and stype.base in ("varchar", "char") and (stype.length or 0) <= _PREFIX_FULL_MAX:
            return col
        if stype.base in BINARY_TYPES:
            return f"substring({quote_ident(col)} from 1 for {length})"
        if stype.base in TEXT_TYPES:
            return f"left({quote_ident(col)}, {length})"
        raise NotConvertible(f"prefix part on {stype.raw}")

    def _partitions(self, table: Table, sname: str) -> None:
        parts = self.src.partitions.get(sname, [])
        if not parts:
            return
        first = parts[0]
        method = str(first.get("partition_method") or "").upper()
        expr = str(first.get("partition_expression") or "")
        reason = None
        if any(p.get("subpartition_name") for p in parts):
            reason = "subpartitions are not converted"
        try:
            if method in ("RANGE COLUMNS", "LIST COLUMNS", "KEY", "LINEAR KEY"):
                key = (
                    [c.strip().strip("`").lower() for c in expr.split(",")]
                    if expr
                    else [c for c in (table.primary_key.columns if table.primary_key else [])]
                )
            else:
                key = [self.converter.expression(expr)]
        except NotConvertible as exc:
            key = []
            reason = f"partition expression {expr} not converted: {exc}"
        if (
            not reason
            and not all(_is_col(table, k) for k in key)
            and any(c.kind in ("primary", "unique") for c in table.constraints)
        ):
            reason = f"partition key {expr} is an expression; PostgreSQL needs plain columns when the table has a primary or unique key"
        if not reason and method.startswith(("SYSTEM_TIME",)):
            reason = "system-versioned partitioning is not converted"
        if reason:
            self.conv.finding("unconverted_object", "PARTITION", table.name, f"{reason}; the table is created unpartitioned",
                              "partition the table on the target by hand if needed (all rows are migrated)")  # fmt: skip
            return
        pg_method = "range" if method.startswith("RANGE") else "list" if method.startswith("LIST") else "hash"
        p = Partitioning(method=pg_method, key=key)
        lower = ", ".join("MINVALUE" for _ in key)
        for i, part in enumerate(parts):
            pname = self.registry.claim(f"{table.name}_{str(part['partition_name']).lower()}")
            desc = str(part.get("partition_description") or "")
            if pg_method == "range":
                upper = ", ".join(
                    "MAXVALUE" if v.strip().upper() == "MAXVALUE" else v.strip() for v in _split_values(desc)
                )
                p.partitions.append((pname, f"FOR VALUES FROM ({lower}) TO ({upper})"))
                lower = upper
            elif pg_method == "list":
                if desc.upper() == "DEFAULT":
                    p.partitions.append((pname, "DEFAULT"))
                else:
                    p.partitions.append((pname, f"FOR VALUES IN ({desc})"))
            else:
                p.partitions.append((pname, f"FOR VALUES WITH (MODULUS {len(parts)}, REMAINDER {i})"))
        if pg_method == "hash":
            p.note = "MySQL HASH/KEY partitions become PostgreSQL hash partitions: rows land in different partitions"
        table.partitioning = p

    def align_foreign_keys(self) -> None:
        """Give FK columns the type of the column they reference when both are integers of different width."""
        by_name = {t.name: t for t in self.conv.catalog.tables}
        for table in self.conv.catalog.tables:
            for con in table.constraints:
                if con.kind != "foreign" or con.ref_table not in by_name:
                    continue
                ref = by_name[con.ref_table]
                for col_name, ref_name in zip(con.columns, con.ref_columns, strict=False):
                    try:
                        col, rcol = table.column(col_name), ref.column(ref_name)
                    except KeyError:
                        continue
                    a, b = (col.target_type or ""), (rcol.target_type or "")
                    if a == b or not (_INT_FAMILY.match(a) and _INT_FAMILY.match(b)):
                        continue
                    narrowing = _INT_RANK.get(b, 4) < _INT_RANK.get(a, 4)
                    col.target_type = b
                    col.mapping_rule = "mysql.foreign_key_alignment"
                    if narrowing:
                        col.mapping_note = f"lossy: foreign key {con.name} column takes the referenced column's type {b} (was {a})"
                        self.conv.finding("lossy_type_mapping", "TABLE", f"{table.name}.{col.name}", col.mapping_note,
                                          "values outside the referenced column's range cannot exist while the FK holds", "mysql.foreign_key_alignment", col.source_type, b)  # fmt: skip

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

    # views ---------------------------------------------------------------------------------------
    def view(self, v: dict[str, Any]) -> View:
        name = self.table_name(str(v["table_name"]))
        source = str(v.get("view_definition") or "")
        view = View(schema=self.db, name=name, definition="", source_definition=source)
        check = str(v.get("check_option") or "NONE").upper()
        view.check_option = None if check == "NONE" else check.lower()
        if not source:
            view.converted = False
            view.note = "the view definition is not visible to the export user (needs SHOW VIEW)"
        else:
            try:
                view.definition, notes = self.converter.query(source)
                if notes:
                    view.note = "; ".join(notes)
                    self.conv.finding(
                        "guessed_conversion",
                        "VIEW",
                        name,
                        view.note,
                        "check the view returns what the application expects",
                    )
            except NotConvertible as exc:
                view.converted = False
                view.note = f"view not converted: {exc}"
        if not view.converted:
            self.conv.finding(
                "unconverted_object",
                "VIEW",
                name,
                view.note or "not converted",
                "convert the view by hand; the original is kept as a comment in views/view.sql",
            )
        return view

    # routines ------------------------------------------------------------------------------------
    def map_decl_type(self, text: str) -> str:
        text = re.sub(r"\s+(CHARSET|CHARACTER SET|COLLATE)\s+\S+", "", text.strip(), flags=re.I)
        stype = parse_type(text.lower())
        if stype.base in ("enum", "set") or stype.base in {"geometry", "point"}:
            raise NotConvertible(f"parameter/variable type {text} is not converted")
        if stype.base in ("datetime", "timestamp", "time") and stype.typemod:
            stype.precision = int(stype.typemod) if stype.typemod.isdigit() else None
        rule = self.mapper.find_rule(Table(self.db, "_routine"), Column("_v", text), stype)
        if rule is None:
            raise NotConvertible(f"type {text} has no mapping")
        return rule.render_target(stype)

    def _context(self, kind: str, return_type: str | None = None) -> Context:
        cast = bool(return_type and "(" in return_type)
        return Context(
            converter=self.converter,
            map_type=self.map_decl_type,
            kind=kind,
            return_type=return_type,
            return_cast=cast,
        )

    def routine(self, r: dict[str, Any]) -> Routine:
        kind = str(r["routine_type"]).lower()
        name = str(r["routine_name"])
        pg_name = name.lower()
        source = r.get("create_sql") or f"-- {kind} {name}\n{r.get('routine_definition') or ''}"
        routine = Routine(schema=self.db, name=pg_name, kind=kind, source_sql=source)
        body = r.get("routine_definition")
        try:
            if not body:
                raise NotConvertible(
                    "the routine body is not visible to the export user (needs SELECT on mysql.proc or to be the definer)"
                )
            params = []
            for p in self.src.parameters.get(name, []):
                if p.get("ordinal_position") == 0 or p.get("parameter_name") is None:
                    continue
                mode = str(p.get("parameter_mode") or "IN").upper()
                ptype = self.map_decl_type(str(p["dtd_identifier"]))
                params.append(
                    f"{mode + ' ' if kind == 'procedure' and mode != 'IN' else ''}{quote_ident(str(p['parameter_name']).lower())} {ptype}"
                )
            ret = self.map_decl_type(str(r["dtd_identifier"])) if kind == "function" else None
            ctx = self._context(kind, ret)
            plpgsql = translate_body(str(body), ctx)
            head = f"CREATE OR REPLACE {kind.upper()} {quote_ident(pg_name)}({', '.join(params)})"
            if kind == "function":
                head += f"\nRETURNS {_strip_typmod(ret or '')}"
                deterministic = str(r.get("is_deterministic") or "NO").upper() == "YES"
                access = str(r.get("sql_data_access") or "").upper()
                volatility = (
                    "STABLE" if deterministic or access in ("READS SQL DATA", "NO SQL") else "VOLATILE"
                )
                if access in ("MODIFIES SQL DATA",):
                    volatility = "VOLATILE"
                head += f"\nLANGUAGE plpgsql {volatility}"
            else:
                head += "\nLANGUAGE plpgsql"
            head += "\nSET search_path FROM CURRENT"
            routine.target_sql = (
                f"{head}\nAS $transship$\n#variable_conflict use_variable\n{plpgsql}\n$transship$;"
            )
        except NotConvertible as exc:
            routine.notes.append(str(exc))
            self.conv.finding(
                "unconverted_object",
                kind.upper(),
                pg_name,
                str(exc),
                "convert it by hand; the original is kept as a comment in the schema file",
            )
        return routine

    def trigger(self, trig: dict[str, Any]) -> Routine:
        name = str(trig["trigger_name"])
        pg_name = name.lower()
        table = self.table_name(str(trig["event_object_table"]))
        timing = str(trig["action_timing"]).upper()
        event = str(trig["event_manipulation"]).upper()
        source = (
            trig.get("create_sql")
            or f"CREATE TRIGGER {name} {timing} {event} ON {trig['event_object_table']} FOR EACH ROW\n{trig['action_statement']}"
        )
        routine = Routine(schema=self.db, name=pg_name, kind="trigger", source_sql=source, table=table)
        try:
            plpgsql = translate_body(str(trig["action_statement"]), self._context("trigger"))
            result = "NULL" if timing == "AFTER" else ("OLD" if event == "DELETE" else "NEW")
            plpgsql = _append_return(plpgsql, result)
            fn = self.registry.claim(f"{pg_name}_fn")
            routine.target_sql = (
                f"CREATE OR REPLACE FUNCTION {quote_ident(fn)}() RETURNS trigger\nLANGUAGE plpgsql\nSET search_path FROM CURRENT\n"
                f"AS $transship$\n#variable_conflict use_variable\n{plpgsql}\n$transship$;\n\n"
                f"CREATE TRIGGER {quote_ident(pg_name)} {timing} {event} ON {quote_ident(table)}\n"
                f"FOR EACH ROW EXECUTE FUNCTION {quote_ident(fn)}();"
            )
            if int(trig.get("action_order") or 1) > 1:
                routine.notes.append(
                    "MySQL fires several triggers of one event in ACTION_ORDER; PostgreSQL fires them by name"
                )
        except NotConvertible as exc:
            routine.notes.append(str(exc))
            self.conv.finding(
                "unconverted_object",
                "TRIGGER",
                pg_name,
                str(exc),
                "convert it by hand; the original is kept as a comment in triggers/trigger.sql",
            )
        return routine

    def on_update_trigger(self, table: str, cols: list[Column]) -> Routine:
        """MySQL's ``ON UPDATE CURRENT_TIMESTAMP`` as a BEFORE UPDATE trigger (value set when the row changed
        and the statement did not set the column itself)."""
        fn = self.registry.claim(f"{table}_on_update_fn")
        trg = fit(f"{table}_on_update")
        sets = []
        for c in cols:
            now = (
                "LOCALTIMESTAMP"
                if (c.target_type or "").startswith("timestamp(") or c.target_type == "timestamp"
                else "CURRENT_TIMESTAMP"
            )
            if (c.target_type or "") == "date":
                now = "CURRENT_DATE"
            col = quote_ident(c.name)
            sets.append(
                f"    IF NEW.{col} IS NOT DISTINCT FROM OLD.{col} THEN\n        NEW.{col} := {now};\n    END IF;"
            )
        body = "\n".join(sets)
        sql = (
            f"CREATE OR REPLACE FUNCTION {quote_ident(fn)}() RETURNS trigger\nLANGUAGE plpgsql\nAS $transship$\nBEGIN\n"
            f"  IF NEW::text IS DISTINCT FROM OLD::text THEN\n{_indent(body)}\n  END IF;\n  RETURN NEW;\nEND\n$transship$;\n\n"
            f"CREATE TRIGGER {quote_ident(trg)} BEFORE UPDATE ON {quote_ident(table)}\nFOR EACH ROW EXECUTE FUNCTION {quote_ident(fn)}();"
        )
        names = ", ".join(c.name for c in cols)
        return Routine(
            schema=self.db,
            name=trg,
            kind="trigger",
            source_sql=f"ON UPDATE CURRENT_TIMESTAMP on {table}({names})",
            target_sql=sql,
            table=table,
        )


_GIST_TYPES = ("point", "box", "polygon", "circle", "geometry", "geography")


def _gist_type(target: str) -> bool:
    """Target types with a default GiST operator class (built-in geometric types, PostGIS types)."""
    return target.split("(")[0].strip() in _GIST_TYPES


def _index_source(sname: str, iname: str, kind: str, unique: bool, rows: list[dict[str, Any]]) -> str:
    """The MySQL index definition, rebuilt from ``information_schema.statistics`` rows."""
    parts = []
    for r in rows:
        if r.get("column_name") is None:
            part = f"({r.get('expression') or '?'})"
        else:
            part = "`" + str(r["column_name"]).replace("`", "``") + "`"
            if r.get("sub_part") and kind != "SPATIAL":
                part += f"({int(r['sub_part'])})"
        if str(r.get("collation") or "A").upper() == "D":
            part += " DESC"
        parts.append(part)
    head = {"SPATIAL": "SPATIAL ", "FULLTEXT": "FULLTEXT "}.get(kind, "UNIQUE " if unique else "")
    using = " USING HASH" if kind == "HASH" else ""
    quoted = "`" + iname.replace("`", "``") + "`"
    table = "`" + sname.replace("`", "``") + "`"
    return f"CREATE {head}INDEX {quoted} ON {table} ({', '.join(parts)}){using};"


def _is_col(table: Table, name: str) -> bool:
    return any(c.name == name for c in table.columns)


def _strip_typmod(t: str) -> str:
    return re.sub(r"\(.*\)", "", t) if not t.endswith("[]") else t


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())


def _append_return(plpgsql: str, value: str) -> str:
    idx = plpgsql.rstrip().rfind("END")
    return plpgsql[:idx] + f"    RETURN {value};\n" + plpgsql[idx:]


def _split_values(text: str) -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    quote = False
    for ch in text:
        if ch == "'":
            quote = not quote
        if ch == "," and not quote:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def _unquote(text: str) -> str | None:
    """The value of a MariaDB-quoted string literal default, else None."""
    t = text.strip()
    if len(t) >= 2 and t[0] == "'" and t[-1] == "'":
        inner = t[1:-1].replace("''", "'")
        return re.sub(
            r"\\(.)",
            lambda m: {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(m.group(1), m.group(1)),
            inner,
        )
    return None


def _typed_literal(value: str, target: str, stype: SourceType) -> str:
    if target == "boolean":
        return "false" if value.strip() in ("0", "") else "true"
    if target == "bytea":
        return "'\\x" + value.encode().hex() + "'::bytea"
    if target.endswith("[]"):
        items = [v for v in value.split(",") if v != ""]
        array = "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in items) + "}"
        return literal(array)
    if target.startswith("bit("):
        return f"B'{value}'"
    if "\0" in value:
        value = value.replace("\0", "")
    return literal(value)


def export_schema(
    conn: Any,
    database: str,
    writer: SchemaWriter,
    options: SchemaExportOptions,
    mapper: TypeMapper,
    generated: GeneratedChoice | None = None,
) -> SchemaExportResult:
    """Read, convert and write the schema of ``database`` (``generated``: which generated columns become plain)."""
    from transship_mysql.source_catalog import read_source_catalog

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
