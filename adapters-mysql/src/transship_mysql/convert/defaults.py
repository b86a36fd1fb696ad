"""Column defaults: MySQL's text of a default and its PostgreSQL expression."""

from __future__ import annotations

import re
from typing import Any

from transship.sdk import Column, SourceType, Table, literal
from transship_mysql.convert.base import ConverterBase
from transship_mysql.expressions import NotConvertible

_CURRENT_TS = re.compile(r"^(current_timestamp|now|localtime|localtimestamp)\s*(\(\s*\d*\s*\))?$", re.I)


class DefaultConversion(ConverterBase):
    """Column defaults."""

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
