"""Runs the SELECTs of verify's Oracle side on recorded rows, with Oracle's documented semantics of each function
they use (no Oracle server can run here).

Each function is written from the Oracle 19c SQL Language Reference, including the behaviour that differs
from PostgreSQL and that the canonical SQL must undo: ``''`` is NULL (so ``||`` of NULLs and ``RTRIM`` of
blanks give NULL), ``TO_CHAR(0.5)`` is ``.5``, ``EXTRACT`` of a negative interval gives negative parts,
``STANDARD_HASH`` of a ``VARCHAR2`` hashes its bytes in the database character set (AL32UTF8 here),
``DBMS_CRYPTO.HASH`` of a CLOB hashes it as AL32UTF8, ``RAWTOHEX`` is upper case.
Only the query shapes ``transship_oracle.verify_content`` builds are supported; anything else fails loudly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import struct
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlglot
from sqlglot import exp


class Unsupported(AssertionError):
    """SQL the emulator does not know (a test failure, not a fallback)."""


def _str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        return to_char_number(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def to_char_number(v: Decimal | int, fmt: str | None = None) -> str:
    """TO_CHAR(number [, 'TM9' | 'FM9..0.00']): text-minimum without the zero before the point, or a mask."""
    d = Decimal(v)
    if fmt is None or fmt.upper() == "TM9":
        text = format(d, "f") if d != 0 else "0"  # (normalize() would round to the context's 28 digits)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text.startswith("0."):
            text = text[1:]
        elif text.startswith("-0."):
            text = "-" + text[2:]
        return text
    m = re.fullmatch(r"FM(9*)0(?:\.(0+))?", fmt)
    if not m:
        raise Unsupported(f"TO_CHAR number format {fmt!r}")
    scale = len(m.group(2) or "")
    q = d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)  # Oracle rounds half away from zero
    whole = len(m.group(1)) + 1
    text = format(q, "f")
    if len(text.lstrip("-").split(".")[0]) > whole:
        return "#" * (whole + scale + 2)
    return text


def to_char_datetime(v: dt.datetime, fmt: str) -> str:
    """TO_CHAR(datetime, fmt) for the elements verify uses (YYYY of a BC year has no sign)."""
    values = {
        "YYYY": f"{abs(v.year):04d}", "MM": f"{v.month:02d}", "DD": f"{v.day:02d}", "HH24": f"{v.hour:02d}",
        "MI": f"{v.minute:02d}", "SS": f"{v.second:02d}", "FF6": f"{v.microsecond:06d}",
        "FF9": f"{v.microsecond * 1000:09d}",  # recorded values hold microseconds: the nanoseconds are 000
    }  # fmt: skip
    out = re.sub(r"YYYY|HH24|FF6|FF9|MM|MI|DD|SS", lambda m: values[m.group(0)], fmt)
    if re.search(r"[A-Za-z]", out):
        raise Unsupported(f"TO_CHAR datetime format {fmt!r}")
    return out


def _interval_parts(v: dt.timedelta) -> dict[str, Decimal]:
    """EXTRACT from an INTERVAL DAY TO SECOND: every part carries the interval's sign."""
    micros = (v.days * 86400 + v.seconds) * 1_000_000 + v.microseconds
    sign = -1 if micros < 0 else 1
    micros = abs(micros)
    days, rest = divmod(micros, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    return {
        "DAY": Decimal(sign * days), "HOUR": Decimal(sign * hours), "MINUTE": Decimal(sign * minutes),
        "SECOND": sign * Decimal(rest) / Decimal(1_000_000),
    }  # fmt: skip


def _empty_is_null(s: str | None) -> str | None:
    return None if s == "" else s


class Evaluator:
    """One row's expression values (``row``: column name -> value)."""

    def __init__(self, row: dict[str, Any], binds: dict[str, Any]) -> None:
        self.row = row
        self.binds = binds

    def ev(self, node: exp.Expression) -> Any:  # noqa: C901, PLR0911, PLR0912 - one case per node kind
        if isinstance(node, exp.Paren):
            return self.ev(node.this)
        if isinstance(node, exp.Column):
            name = node.name
            if name not in self.row:
                raise Unsupported(f"column {name}")
            v = self.row[name]
            return v.value if hasattr(v, "read") else v  # a LOB
        if isinstance(node, exp.Literal):
            return node.this if node.is_string else Decimal(node.this)
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Placeholder):
            return self.binds[node.name]
        if isinstance(node, exp.DPipe):
            parts = [self.ev(node.this), self.ev(node.expression)]
            return _empty_is_null("".join(_str(p) or "" for p in parts))
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
            a, b = self.ev(node.this), self.ev(node.expression)
            if a is None or b is None:
                return None
            a, b = Decimal(a), Decimal(b)
            return {exp.Add: a + b, exp.Sub: a - b, exp.Mul: a * b}.get(type(node), a / b if b else None)  # type: ignore[call-overload]
        if isinstance(node, exp.Neg):
            v = self.ev(node.this)
            return None if v is None else -v
        if isinstance(node, (exp.GTE, exp.GT, exp.LT, exp.LTE, exp.EQ, exp.NEQ)):
            a, b = self.ev(node.this), self.ev(node.expression)
            if a is None or b is None:
                return None
            if isinstance(a, dt.datetime) and isinstance(b, dt.date) and not isinstance(b, dt.datetime):
                b = dt.datetime(b.year, b.month, b.day)
                if (
                    a.tzinfo is not None
                ):  # a DATE beside a TIMESTAMP WITH TIME ZONE: in the session's zone (UTC)
                    b = b.replace(tzinfo=dt.UTC)
            if isinstance(a, (int, float)) and not isinstance(a, bool):
                a = Decimal(a)
            ops = {
                exp.GTE: a >= b,
                exp.GT: a > b,
                exp.LT: a < b,
                exp.LTE: a <= b,
                exp.EQ: a == b,
                exp.NEQ: a != b,
            }
            return ops[type(node)]  # type: ignore[index]
        if isinstance(node, exp.And):
            a, b = self.ev(node.this), self.ev(node.expression)
            return False if a is False or b is False else (None if a is None or b is None else True)
        if isinstance(node, exp.Or):
            a, b = self.ev(node.this), self.ev(node.expression)
            return True if a is True or b is True else (None if a is None or b is None else False)
        if isinstance(node, exp.In):
            v = self.ev(node.this)
            return None if v is None else v in [self.ev(e) for e in node.expressions]
        if isinstance(node, exp.Not):
            v = self.ev(node.this)
            return None if v is None else not v
        if isinstance(node, exp.Is):
            v = self.ev(node.this)
            target = node.expression
            if isinstance(target, exp.Null):
                return v is None
            if isinstance(target, exp.Column) and target.name.upper() == "NAN":
                return isinstance(v, float) and math.isnan(v)
            raise Unsupported(f"IS {target.sql()}")
        if isinstance(node, exp.Case):
            for branch in node.args["ifs"]:
                if self.ev(branch.this) is True:
                    return self.ev(branch.args["true"])
            default = node.args.get("default")
            return self.ev(default) if default is not None else None
        if isinstance(node, exp.Coalesce):  # NVL
            for e in [node.this, *node.expressions]:
                v = self.ev(e)
                if v is not None:
                    return v
            return None
        if isinstance(node, exp.Lower):
            v = self.ev(node.this)
            return None if v is None else str(v).lower()
        if isinstance(node, exp.Floor):
            v = self.ev(node.this)
            return None if v is None else Decimal(math.floor(v))
        if isinstance(node, exp.Trunc):  # TRUNC(number): toward zero
            v = self.ev(node.this)
            return None if v is None else Decimal(int(v))
        if isinstance(node, exp.Round):
            v = self.ev(node.this)
            return None if v is None else Decimal(v).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if isinstance(node, exp.Mod):
            a, b = self.ev(node.this), self.ev(node.expression)
            return None if a is None or b is None else Decimal(int(a) % int(b))
        if isinstance(node, exp.Substring):
            s = self.ev(node.this)
            start = int(self.ev(node.args["start"]))
            length = node.args.get("length")
            if s is None:
                return None
            s = str(s)
            out = s[start - 1 :] if length is None else s[start - 1 : start - 1 + int(self.ev(length))]
            return _empty_is_null(out)
        if isinstance(node, exp.ToNumber):
            s = self.ev(node.this)
            fmt = self.ev(node.args["format"])
            if s is None:
                return None
            if set(str(fmt)) == {"X"}:
                return Decimal(int(str(s), 16))
            raise Unsupported(f"TO_NUMBER format {fmt!r}")
        if isinstance(node, exp.ToChar):
            v = self.ev(node.this)
            fmt = node.args.get("format")
            f = None if fmt is None else self.ev(fmt)
            if v is None:
                return None
            if isinstance(v, dt.datetime):  # without a format: the session's NLS format (display only)
                return str(v) if f is None else to_char_datetime(v, str(f))
            if isinstance(v, (Decimal, int)):
                return to_char_number(v, f)
            return str(v)
        if isinstance(node, exp.Extract):
            part = node.this.name.upper()
            v = self.ev(node.expression)
            if v is None:
                return None
            if isinstance(v, dt.timedelta):
                return _interval_parts(v)[part]
            if part in ("YEAR", "MONTH") and hasattr(v, "years"):
                return Decimal(v.years if part == "YEAR" else v.months)
            raise Unsupported(f"EXTRACT({part} FROM {type(v).__name__})")
        if isinstance(node, exp.RegexpReplace):
            s = self.ev(node.this)
            pattern, repl = self.ev(node.expression), self.ev(node.args["replacement"])
            if s is None:
                return None
            return _empty_is_null(
                re.sub(str(pattern), re.sub(r"\\(\d)", r"\\g<\1>", str(repl)), str(s), count=0)
            )
        if isinstance(node, exp.Trim):  # RTRIM(s, ' ')
            s = self.ev(node.this)
            return None if s is None else _empty_is_null(str(s).rstrip(" "))
        if isinstance(node, exp.StandardHash):
            v = self.ev(node.this)
            algo = self.ev(node.expression)
            if str(algo).upper() != "MD5":
                raise Unsupported(f"STANDARD_HASH {algo}")
            if v is None:
                return None
            data = v if isinstance(v, bytes) else str(v).encode("utf-8")  # AL32UTF8 database
            return hashlib.md5(data).digest()  # noqa: S324 - what Oracle computes
        if isinstance(node, exp.Cast):
            v = self.ev(node.this)
            to = node.to.sql().upper()
            if to.startswith("TIMESTAMP") and isinstance(v, dt.datetime):
                return v  # recorded values have microseconds at most
            if to == "DATE" and isinstance(node.this, exp.Literal):
                return dt.date.fromisoformat(str(v))
            raise Unsupported(f"CAST AS {to}")
        if isinstance(node, (exp.Date, exp.TsOrDsToDate, exp.DateStrToDate)):  # DATE '0001-01-01'
            return dt.date.fromisoformat(str(self.ev(node.this)))
        if isinstance(node, exp.Dot):
            return self.package(node.this.name.upper(), node.expression)
        if isinstance(node, exp.Anonymous):
            return self.function(node.name.upper(), [self.ev(e) for e in node.expressions])
        raise Unsupported(f"{type(node).__name__}: {node.sql(dialect='oracle')}")

    def function(self, name: str, args: list[Any]) -> Any:
        if any(a is None for a in args[:1]):
            return None
        if name == "RAWTOHEX":
            return args[0].hex().upper()
        if name == "TO_BINARY_DOUBLE":
            return float(args[0])
        if name == "SYS_EXTRACT_UTC":
            v = args[0]
            return v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v
        if name == "ROWIDTOCHAR":
            return str(args[0])
        raise Unsupported(f"function {name}")

    def package(self, package: str, call: exp.Expression) -> Any:
        if not isinstance(call, exp.Anonymous):
            raise Unsupported(f"{package}.{call.sql()}")
        name, args = call.name.upper(), [self.ev(e) for e in call.expressions]
        if args and args[0] is None:
            return None
        if (package, name) == ("UTL_I18N", "STRING_TO_RAW") and str(args[1]).upper() == "AL32UTF8":
            raw = str(args[0]).encode("utf-8")
            if len(raw) > 2000:  # a RAW returned to SQL (MAX_STRING_SIZE = STANDARD)
                raise Unsupported("ORA-06502: PL/SQL: numeric or value error: raw variable length too long")
            return raw
        if (package, name) == ("UTL_RAW", "CAST_FROM_BINARY_DOUBLE"):
            return struct.pack(">d", float(args[0]))  # BIG_ENDIAN, the default
        if (package, name) == ("UTL_RAW", "CAST_TO_RAW"):
            return str(args[0]).encode("utf-8")
        if (package, name) == ("DBMS_CRYPTO", "HASH") and int(args[1]) == 2:  # HASH_MD5
            data = args[0] if isinstance(args[0], bytes) else str(args[0]).encode("utf-8")
            return hashlib.md5(data).digest()  # noqa: S324 - what Oracle computes
        if (package, name) == ("DBMS_LOB", "GETLENGTH"):
            return Decimal(len(args[0]))
        raise Unsupported(f"{package}.{name}")


def _aggregate(node: exp.Expression, rows: list[Evaluator]) -> Any:
    if isinstance(node, exp.Alias):
        return _aggregate(node.this, rows)
    if isinstance(node, exp.Count):
        return Decimal(len(rows))
    if isinstance(node, (exp.Sum, exp.Min, exp.Max)):
        values = [v for v in (r.ev(node.this) for r in rows) if v is not None]
        if not values:
            return None
        return (
            sum(values) if isinstance(node, exp.Sum) else (min if isinstance(node, exp.Min) else max)(values)
        )
    if isinstance(node, exp.Coalesce):
        v = _aggregate(node.this, rows)
        return v if v is not None else rows[0].ev(node.expressions[0]) if rows else None
    if isinstance(node, exp.Column):
        return rows[0].ev(node) if rows else None
    raise Unsupported(f"aggregate {node.sql()}")


def _has_aggregate(node: exp.Expression) -> bool:
    return any(isinstance(n, exp.AggFunc) for n in node.walk())


def run(sql: str, binds: dict[str, Any], data: dict[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one SELECT over ``data`` (table -> {"columns", "rows"})."""
    tree = sqlglot.parse_one(sql, read="oracle")
    if not isinstance(tree, exp.Select):
        raise Unsupported(sql)
    return _select(tree, binds, data)


def _source_rows(tree: exp.Select, binds: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    source = tree.args["from_"].this if "from_" in tree.args else tree.args["from"].this
    if isinstance(source, exp.Subquery):
        names, rows = _select(source.this, binds, data)
        return [dict(zip(names, r, strict=True)) for r in rows]
    name = source.name
    if name.upper() == "DUAL":
        return [{}]
    table = data.get(name, {"columns": [], "rows": []})
    return [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]


def _select(
    tree: exp.Select, binds: dict[str, Any], data: dict[str, Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    rows = [Evaluator(r, binds) for r in _source_rows(tree, binds, data)]
    where = tree.args.get("where")
    if where is not None:
        rows = [r for r in rows if r.ev(where.this) is True]
    names = [e.alias_or_name for e in tree.expressions]
    group = tree.args.get("group")
    if group is not None:
        groups: dict[tuple[Any, ...], list[Evaluator]] = {}
        for r in rows:
            groups.setdefault(tuple(r.ev(g) for g in group.expressions), []).append(r)
        return names, [tuple(_aggregate(e, members) for e in tree.expressions) for members in groups.values()]
    if any(_has_aggregate(e) for e in tree.expressions):
        return names, [tuple(_aggregate(e, rows) for e in tree.expressions)]
    return names, [
        tuple(r.ev(e.this if isinstance(e, exp.Alias) else e) for e in tree.expressions) for r in rows
    ]
