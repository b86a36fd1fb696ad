"""Partitioning: RANGE/LIST (COLUMNS) and HASH/KEY partitions as PostgreSQL declarative partitions."""

from __future__ import annotations

from transship.sdk import Partitioning, Table
from transship_mysql.convert.base import ConverterBase, is_col
from transship_mysql.expressions import NotConvertible


class PartitionConversion(ConverterBase):
    """Partitioning of the converted tables."""

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
            and not all(is_col(table, k) for k in key)
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
