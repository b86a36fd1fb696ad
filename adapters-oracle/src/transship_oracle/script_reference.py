"""``verify``'s reference for Oracle SQL scripts: the rows the scripts insert, read again by a separate parser.

``export data`` reads INSERT statements with transship's own tokenizer (:mod:`transship_oracle.script_data`).
This module parses the same statements with sqlglot's Oracle dialect and evaluates every value itself, so a
row the export's reader dropped or changed does not agree with its own files: the digests of these rows are
compared with the target's. Shared with the export: the SQL*Plus run that splits the scripts into statements
(DEFINE substitution, ``/``, ``@file``) and the column order of ``CREATE TABLE`` (the DDL scripts).

Canonical texts are built in Python by :mod:`transship.verify.canonical`'s references, for the kind each target
column has. A value this module cannot evaluate makes its table "counts only", with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlglot
from sqlglot import exp

from transship.sdk import (
    ColumnSpec,
    MemoryContentReader,
    MemoryTable,
    RowValues,
    TableSpec,
    Uncomparable,
    python_piece,
    unpaired_columns,
)
from transship_oracle.ddl_script import OracleSource, read_scripts
from transship_oracle.tokens import pg_name

_FORMAT = [  # Oracle format elements -> strptime, longest first
    ("YYYY", "%Y"), ("HH24", "%H"), ("HH12", "%I"), ("HH", "%I"), ("MONTH", "%B"), ("MON", "%b"), ("MM", "%m"),
    ("DD", "%d"), ("MI", "%M"), ("SS", "%S"), ("AM", "%p"), ("PM", "%p"), ("TZH:TZM", "%z"), ("RRRR", "%Y"),
    ("RR", "%y"), ("YY", "%y"),
]  # fmt: skip


class Unsupported(Exception):
    """A value or statement the reference does not evaluate (its table is then compared by counts only)."""


def oracle_datetime(value: str, fmt: str) -> dt.datetime:
    """``TO_DATE``/``TO_TIMESTAMP[_TZ]`` of a string with an Oracle format model (the elements scripts use)."""
    pattern, i, frac = "", 0, False
    upper = fmt.upper()
    while i < len(fmt):
        if upper.startswith("FF", i):
            i += 2
            while i < len(fmt) and fmt[i].isdigit():
                i += 1
            pattern += "%f"
            frac = True
            continue
        for element, code in _FORMAT:
            if upper.startswith(element, i):
                pattern += code
                i += len(element)
                break
        else:
            pattern += "%%" if fmt[i] == "%" else fmt[i]
            i += 1
    text = value.strip()
    if frac:  # strptime takes at most 6 fraction digits
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        return dt.datetime.strptime(text, pattern)
    except ValueError as exc:
        raise Unsupported(f"{value!r} with format {fmt!r}: {exc}") from None


@dataclass
class _Evaluator:
    nls: dict[str, str] = field(default_factory=dict)

    def value(self, node: exp.Expression) -> Any:  # noqa: C901 - one case per literal form
        if isinstance(node, exp.Null):
            return None
        if isinstance(node, (exp.RawString, exp.National)):
            return node.this or None  # Oracle stores '' as NULL
        if isinstance(node, exp.Literal):
            if node.is_string:
                return node.this or None
            try:
                return Decimal(node.this)
            except InvalidOperation:
                raise Unsupported(f"number {node.this!r}") from None
        if isinstance(node, exp.Neg):
            inner = self.value(node.this)
            return None if inner is None else -inner
        if isinstance(node, exp.Paren):
            return self.value(node.this)
        if isinstance(node, exp.DPipe):
            parts = [self.value(node.this), self.value(node.expression)]
            text = "".join("" if p is None else str(p) for p in parts)
            return text or None
        if isinstance(node, exp.Chr):
            return chr(int(self.value(node.expressions[0])))
        if isinstance(node, exp.DateStrToDate):
            return dt.datetime.fromisoformat(str(self.value(node.this)))
        if isinstance(node, (exp.StrToTime, exp.StrToDate)):
            text = self.value(node.this)
            if text is None:
                return None
            fmt = node.args.get("format")
            if fmt is None:
                return dt.datetime.fromisoformat(str(text))
            # sqlglot wrote the format model as strftime; what it left as written is Oracle's
            pattern = re.sub(r"FF\d?", "%f", str(fmt.this)).replace("TZH:TZM", "%z")
            value = re.sub(r"(\.\d{6})\d+", r"\1", str(text).strip())
            try:
                return dt.datetime.strptime(value, pattern)
            except ValueError as exc:
                raise Unsupported(f"{text!r} with format {pattern!r}: {exc}") from None
        if isinstance(node, exp.Anonymous):
            name = str(node.this).upper()
            args = [self.value(a) for a in node.expressions]
            if name in ("TO_TIMESTAMP_TZ", "TO_TIMESTAMP", "TO_DATE") and args and args[0] is not None:
                return (
                    oracle_datetime(str(args[0]), str(args[1]))
                    if len(args) > 1
                    else dt.datetime.fromisoformat(str(args[0]))
                )
            if name == "HEXTORAW":
                return None if args[0] is None else bytes.fromhex(str(args[0]))
            if name == "EMPTY_BLOB":
                return b""
            if name == "EMPTY_CLOB":
                return ""  # a LOB of length 0: unlike '', not NULL in Oracle
            if name in ("TO_CLOB", "TO_NCLOB", "TO_CHAR"):
                return args[0]
        raise Unsupported(f"the value {node.sql(dialect='oracle')[:60]!r}")


def _rows_of(statement: str) -> list[tuple[str, list[str] | None, list[exp.Expression]]]:
    """(table, columns or None, values) of every row an INSERT statement (or INSERT ALL) adds."""
    tree = sqlglot.parse_one(statement, read="oracle")
    inserts = [c.this for c in tree.expressions] if isinstance(tree, exp.MultitableInserts) else [tree]
    out = []
    for ins in inserts:
        if not isinstance(ins, exp.Insert) or not isinstance(ins.expression, exp.Values):
            raise Unsupported("an INSERT that is not INSERT ... VALUES")
        target = ins.this
        columns = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else None
        table = target.this if isinstance(target, exp.Schema) else target
        for row in ins.expression.expressions:
            out.append((table.name, columns, list(row.expressions)))
    return out


def _canonical(value: Any, col: ColumnSpec, nls: dict[str, str]) -> str:
    """The canonical piece of one value for the kind of its target column (the SDK's ``python_piece``, after
    Oracle's own readings: a string for a date in the session's NLS format, RAW(16) for a uuid)."""
    kind, t = col.kind, col.type_name.lower()
    if kind in ("date", "timestamp") and isinstance(value, str):
        fmt = nls.get(
            "NLS_TIMESTAMP_FORMAT"
            if "timestamp" in t and "NLS_TIMESTAMP_FORMAT" in nls
            else "NLS_DATE_FORMAT"
        )
        value = oracle_datetime(value, fmt) if fmt else dt.datetime.fromisoformat(value)
    if kind == "text" and isinstance(value, bytes) and t == "uuid" and len(value) == 16:
        value = str(uuid.UUID(bytes=value))
    if kind in ("int", "numeric") and value is not None and not isinstance(value, Decimal):
        value = Decimal(value)
    try:
        return python_piece(value, col)
    except Uncomparable as exc:
        raise Unsupported(str(exc)) from None


class ScriptReference:
    """The :class:`~transship.verify.content.ContentSource` of Oracle scripts."""

    def __init__(self, ddl_files: list[str], data_files: list[str], owner: str) -> None:
        self.src: OracleSource = read_scripts(ddl_files, owner) if ddl_files else OracleSource(schema=owner)
        self.rows: dict[str, list[tuple[list[str] | None, list[Any]]]] = {}
        self.problems: dict[str, str] = {}
        self.nls: dict[str, str] = {}
        self._read(data_files)
        self.tables: dict[str, MemoryTable] = {}

    def _read(self, paths: list[str]) -> None:
        ev = _Evaluator(self.nls)
        for path in paths:
            for st in self.src.sqlplus.statements(path, "--source-data-file"):
                if st.rerun:
                    continue
                text = st.sql.strip().rstrip(";")
                head = text[:20].upper()
                if head.startswith("ALTER SESSION"):
                    for key, fmt in re.findall(
                        r"\b(NLS_(?:DATE|TIMESTAMP)_FORMAT)\s*=\s*'((?:[^']|'')*)'", text, re.I
                    ):
                        ev.nls[key.upper()] = fmt.replace("''", "'")
                    continue
                parts = [text]
                if st.plsql and head.startswith("BEGIN"):
                    body = re.sub(r"(?is)^\s*BEGIN\s+|\s*END\s*;?\s*$", "", st.sql.strip())
                    parts = [
                        p
                        for p in re.split(r";\s*(?=INSERT\b|COMMIT\b|NULL\b|$)", body, flags=re.I)
                        if p.strip()
                    ]
                for part in parts:
                    if part.strip().upper().startswith("INSERT"):
                        self._insert(part, ev)

    def _insert(self, statement: str, ev: _Evaluator) -> None:
        try:
            rows = _rows_of(statement)
        except (sqlglot.errors.ParseError, Unsupported) as exc:
            self.problems["*"] = f"a statement the reference cannot parse ({str(exc).splitlines()[0][:80]})"
            return
        for table, columns, values in rows:
            name = table.upper() if re.fullmatch(r"[A-Za-z][A-Za-z0-9_$#]*", table) else table
            try:
                evaluated = [ev.value(v) for v in values]
            except Unsupported as exc:
                self.problems.setdefault(name, str(exc))
                continue
            self.rows.setdefault(name, []).append((columns, evaluated))

    # ContentSource
    def table_spec(self, source_schema: str | None, source_name: str, target: TableSpec) -> TableSpec | str:
        if "*" in self.problems:
            return self.problems["*"]
        oracle = next((k for k in self.src.tables if source_name in (k, pg_name(k))), None)
        if oracle is None:
            return f"{source_name} is not created by the DDL scripts"
        if oracle in self.problems:
            return f"the script reference cannot read a value of {oracle}: {self.problems[oracle]}"
        table = self.src.tables[oracle]
        source_name = oracle
        order = [c.name for c in table.columns]
        reason = unpaired_columns(target, [pg_name(c) for c in order])
        if reason:
            return reason
        # virtual columns are computed by each database, not written by the scripts: compared by neither side
        computed = {c.name for c in table.columns if c.generated}
        kinds = [replace_kind(c) for c in target.columns if c.name not in computed]
        names_kept = [c.name for c in kinds]
        key = [
            names_kept.index(target.columns[i].name)
            for i in target.key
            if target.columns[i].name in names_kept
        ]
        spec = TableSpec(None, source_name, kinds, key)
        rows: list[RowValues] = []
        for columns, values in self.rows.get(source_name, []):
            names = [
                c.lower() if re.fullmatch(r"[A-Za-z][A-Za-z0-9_$#]*", c) else c for c in (columns or order)
            ]
            if len(names) != len(values):
                return f"an INSERT into {source_name} gives {len(values)} value(s) for {len(names)} column(s)"
            by_col = dict(zip(names, values, strict=True))
            row = [by_col.get(c.name) for c in kinds]  # DDL columns carry their PostgreSQL names
            try:
                rows.append(RowValues([_canonical(v, c, self.nls) for v, c in zip(row, kinds, strict=True)],
                                      [None if v is None else str(v)[:200] for v in row]))  # fmt: skip
            except Unsupported as exc:
                return f"the script reference cannot compare {source_name}: {exc}"
        self.tables[source_name] = MemoryTable(rows)
        return spec

    def reader(self) -> MemoryContentReader:
        return MemoryContentReader(self.tables)

    def close(self) -> None:
        pass


def replace_kind(col: ColumnSpec) -> ColumnSpec:
    """Floats are compared by the cross-engine form (the reference is Python, not PostgreSQL)."""
    return ColumnSpec(col.name, "float" if col.kind == "pgfloat" else col.kind, col.type_name)
