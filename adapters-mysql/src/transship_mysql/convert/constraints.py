"""Constraints: primary keys, foreign keys (with their column types aligned), CHECKs, UNSIGNED checks."""

from __future__ import annotations

import re

from transship.sdk import Constraint, SourceType, Table, quote_ident
from transship_mysql.convert.base import JSON_CHECK, ConverterBase
from transship_mysql.expressions import NotConvertible
from transship_mysql.names import fit

_INT_FAMILY = re.compile(r"^(smallint|integer|bigint|numeric\(\d+\))$")
_INT_RANK = {"smallint": 1, "integer": 2, "bigint": 3}
# target types of an UNSIGNED column: those admitting negatives get CHECK (c >= 0); the others cannot be negative
_SIGNED_TARGET = re.compile(
    r"^(smallint|integer|int|int2|int4|int8|bigint|numeric|decimal|real|float4|float8|float|double precision)\b"
)
_NONNEGATIVE_TARGET = re.compile(r"^(boolean|bool|bit|varbit|bit varying)\b")
UINT64_MAX = 18446744073709551615  # BIGINT UNSIGNED's largest value


class ConstraintConversion(ConverterBase):
    """Constraints of the converted tables."""

    def _constraints(self, table: Table, sname: str) -> set[str]:
        """Primary key, foreign keys and CHECKs of ``table``; returns the names of its UNIQUE constraints
        (converted with the indexes)."""
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
            if JSON_CHECK.match(clause):
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
        return unique_names

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
