"""Indexes: plain, unique (as constraints where they can be), prefix, FULLTEXT, SPATIAL."""

from __future__ import annotations

from typing import Any

from transship.sdk import Constraint, Index, SourceType, Table, quote_ident
from transship_mysql.convert.base import ConverterBase, is_col
from transship_mysql.expressions import NotConvertible
from transship_mysql.names import bq
from transship_mysql.types import BINARY_TYPES, TEXT_TYPES

_PREFIX_FULL_MAX = 600  # varchar prefix indexes up to this length index the whole column
_GIST_TYPES = ("point", "box", "polygon", "circle", "geometry", "geography")


class IndexConversion(ConverterBase):
    """Indexes of the converted tables."""

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
                and all(is_col(table, c) for c in cols)
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
        types = {c: (table.column(c).target_type or "").lower() for c in cols if is_col(table, c)}
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
            part = bq(str(r["column_name"]))
            if r.get("sub_part") and kind != "SPATIAL":
                part += f"({int(r['sub_part'])})"
        if str(r.get("collation") or "A").upper() == "D":
            part += " DESC"
        parts.append(part)
    head = {"SPATIAL": "SPATIAL ", "FULLTEXT": "FULLTEXT "}.get(kind, "UNIQUE " if unique else "")
    using = " USING HASH" if kind == "HASH" else ""
    return f"CREATE {head}INDEX {bq(iname)} ON {bq(sname)} ({', '.join(parts)}){using};"
