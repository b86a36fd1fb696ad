"""Script mode of ``export data``: Oracle INSERT scripts -> the same DataSnapshot/TableReader interface.

Reads ``INSERT INTO t [(cols)] VALUES (...)[, (...) ...]`` statements (every row of a multi-row VALUES
list, Oracle 23ai) and unconditional ``INSERT ALL INTO t VALUES (...) INTO u VALUES (...) SELECT * FROM
dual``, also inside ``BEGIN ... END;`` blocks (as Oracle's sample scripts write them). Conditional
``INSERT ALL/FIRST ... WHEN`` and any other subquery are errors naming file and line. Values are constant expressions: numbers, strings (``N'..'``,
``q'[..]'``, ``||`` and ``CHR(n)``), ``NULL``, ``TO_DATE``/``TO_TIMESTAMP``/``TO_TIMESTAMP_TZ`` with a
format model, ``DATE '...'``/``TIMESTAMP '...'`` literals, ``HEXTORAW``, ``EMPTY_CLOB()``/``EMPTY_BLOB()``.

Column names and types come from ``CREATE TABLE`` statements in the same files (or the DDL scripts):
pass the DDL script first, e.g. ``--source-data-file hr_create.sql --source-data-file hr_populate.sql``.

Oracle stores the empty string as NULL, so ``''`` is written as NULL — the row is what Oracle would hold.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from transship.sdk import DataExportOptions, DataFileError, DataSnapshot, ExportTable, Table, TableReader
from transship_oracle import copytext
from transship_oracle.ddl_script import OracleSource, read_statement
from transship_oracle.script import ScriptStatement
from transship_oracle.sqlplus import SqlPlusError
from transship_oracle.tokens import (
    ScriptSyntaxError,
    Token,
    matching_paren,
    oracle_name,
    pg_name,
    split_top_level,
    tokenize,
)


@dataclass
class ScriptTable:
    """Rows of one table read from the scripts (values already typed for COPY)."""

    oracle_name: str
    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    transforms: dict[str, str | None] = field(default_factory=dict)


class OracleFormatError(ScriptSyntaxError):
    """A TO_DATE/TO_TIMESTAMP format model this reader does not understand."""


# Two-digit years (strptime's %y, then the century Oracle gives them; see _century); RRRR takes 2 or 4 digits
_YY, _RR, _RRRR = "\x00YY", "\x00RR", "\x00RRRR"

# Oracle datetime format elements -> (strptime directive)
_FORMAT = [
    ("YYYY", "%Y"), ("SYYYY", "%Y"), ("RRRR", _RRRR), ("YY", _YY), ("RR", _RR),
    ("MONTH", "%B"), ("MON", "%b"), ("MM", "%m"), ("DDD", "%j"), ("DD", "%d"), ("DY", "%a"), ("DAY", "%A"),
    ("HH24", "%H"), ("HH12", "%I"), ("HH", "%I"), ("MI", "%M"), ("SS", "%S"),
    ("AM", "%p"), ("PM", "%p"), ("A.M.", "%p"), ("P.M.", "%p"),
    ("FF9", "%f"), ("FF6", "%f"), ("FF3", "%f"), ("FF", "%f"),
    ("TZH:TZM", "%z"), ("TZR", "%Z"),
]  # fmt: skip


def oracle_format_to_strptime(fmt: str) -> str:
    """Translate an Oracle format model (``dd-MM-yyyy HH24:MI:SS``) into a ``strptime`` format."""
    out = []
    i = 0
    upper = fmt.upper()
    while i < len(fmt):
        if upper.startswith("FX", i) or upper.startswith("FM", i):
            i += 2
            continue
        if fmt[i] == '"':
            end = fmt.index('"', i + 1)
            out.append(fmt[i + 1 : end].replace("%", "%%"))
            i = end + 1
            continue
        for element, directive in _FORMAT:
            if upper.startswith(element, i):
                out.append(directive)
                i += len(element)
                break
        else:
            if fmt[i].isalpha():
                raise OracleFormatError(
                    f"format element at {fmt[i:]!r} in {fmt!r} is not supported",
                    fix="use a TO_DATE format with YYYY MM DD HH24 MI SS FF",
                )
            out.append(fmt[i].replace("%", "%%"))
            i += 1
    return "".join(out)


def _century(two_digits: int, rr: bool, today: dt.date) -> int:
    """The year Oracle makes of a two-digit year: ``YY`` in the current century; ``RR`` in the century that
    puts it nearest (00-49 and 50-99 split around the current year's last two digits)."""
    base = today.year // 100 * 100
    if not rr:
        return base + two_digits
    current = today.year % 100
    if two_digits < 50 <= current:
        return base + 100 + two_digits
    if current < 50 <= two_digits:
        return base - 100 + two_digits
    return base + two_digits


def parse_oracle_datetime(value: str, fmt: str, today: dt.date | None = None) -> dt.datetime:
    """``TO_DATE(value, fmt)`` / ``TO_TIMESTAMP(value, fmt)`` evaluated in Python (two-digit years as
    Oracle reads them on ``today``, the day the script is read)."""
    pattern = oracle_format_to_strptime(fmt)
    text = value
    if "%f" in pattern:
        # Oracle allows up to 9 fractional digits; Python reads 6
        text = re.sub(r"([.,])(\d{6})\d{1,3}", r"\1\2", text)
    two_digit = next((d for d in (_RRRR, _RR, _YY) if d in pattern), None)
    tries: list[tuple[str, bool]] = [(pattern, False)]
    if two_digit in (_RR, _RRRR):  # four digits as they are, or two with the RR century rule
        tries = [(pattern.replace(two_digit, "%Y"), False), (pattern.replace(two_digit, "%y"), True)]
    elif two_digit == _YY:
        tries = [(pattern.replace(_YY, "%y"), True)]
    error: ValueError | None = None
    for candidate, fix_century in tries:
        try:
            parsed = dt.datetime.strptime(text, candidate)
        except ValueError as exc:
            error = error or exc
            continue
        if fix_century:
            year = _century(parsed.year % 100, two_digit != _YY, today or dt.date.today())
            try:
                parsed = parsed.replace(year=year)
            except ValueError as exc:  # 29 February of a year that is not a leap year
                raise ScriptSyntaxError(f"{value!r} read with {fmt!r} is not a date: {exc}") from None
        return parsed
    raise ScriptSyntaxError(
        f"{value!r} does not match format {fmt!r}: {error}", fix="fix the literal or its format model"
    ) from None


# Oracle's defaults (NLS_TERRITORY AMERICA), used for a string put into a DATE or TIMESTAMP column unless the
# script sets them with ALTER SESSION SET NLS_DATE_FORMAT / NLS_TIMESTAMP_FORMAT
NLS_DEFAULTS = {"NLS_DATE_FORMAT": "DD-MON-RR", "NLS_TIMESTAMP_FORMAT": "DD-MON-RR HH.MI.SSXFF AM"}


def string_to_datetime(value: str, source_type: str, nls: dict[str, str]) -> dt.datetime:
    """A string literal inserted into a DATE/TIMESTAMP column: Oracle converts it with the session's format;
    an ISO 8601 text (which PostgreSQL and an ISO session read alike) is read as such."""
    key = "NLS_DATE_FORMAT" if source_type.upper().startswith("DATE") else "NLS_TIMESTAMP_FORMAT"
    fmt = nls.get(key, NLS_DEFAULTS[key])
    try:
        return parse_oracle_datetime(value, fmt.replace("XFF", ".FF"))
    except ScriptSyntaxError:
        pass
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ScriptSyntaxError(
            f"{value!r} for a {source_type} column matches neither the session's {key} ({fmt!r}) nor ISO 8601",
            fix=f"use TO_DATE({value!r}, '<format>'), or set the format the script relies on: ALTER SESSION SET {key} = '...'",
        ) from None


class _Values:
    """Evaluate constant Oracle expressions of an INSERT's VALUES list."""

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def value(self, toks: list[Token]) -> Any:
        parts = _split_concat(toks)
        if len(parts) > 1:
            pieces = [self.value(p) for p in parts]
            return "".join("" if p is None else str(p) for p in pieces) or None
        return self._single(toks)

    def _single(self, toks: list[Token]) -> Any:
        if not toks:
            raise ScriptSyntaxError("empty value")
        t = toks[0]
        if len(toks) == 1:
            if t.kind == "string":
                return t.value if t.value != "" else None  # Oracle: '' IS NULL
            if t.kind == "number":
                return _number(t.text)
            if t.is_word("NULL"):
                return None
        if t.is_op("-", "+") and len(toks) == 2 and toks[1].kind == "number":
            n = _number(toks[1].text)
            return -n if t.is_op("-") else n
        if t.is_op("(") and matching_paren(toks, 0) == len(toks) - 1:
            return self.value(toks[1:-1])
        if t.is_word("DATE") and len(toks) == 2 and toks[1].kind == "string":
            return dt.datetime.strptime(toks[1].value, "%Y-%m-%d")
        if t.is_word("TIMESTAMP") and len(toks) == 2 and toks[1].kind == "string":
            return dt.datetime.fromisoformat(re.sub(r"\s+([+-]\d\d:\d\d)$", r"\1", toks[1].value.strip()))
        if (
            t.kind == "word"
            and len(toks) >= 3
            and toks[1].is_op("(")
            and matching_paren(toks, 1) == len(toks) - 1
        ):
            name = t.upper
            args = [self.value(a) for a in split_top_level(toks[2:-1])]
            if name in ("TO_DATE", "TO_TIMESTAMP", "TO_TIMESTAMP_TZ"):
                if len(args) < 2:
                    raise ScriptSyntaxError(
                        f"{name} without a format model depends on the session's NLS settings",
                        fix="add the format model, e.g. TO_DATE('2024-01-31', 'YYYY-MM-DD')",
                    )
                if args[0] is None:
                    return None
                return parse_oracle_datetime(str(args[0]), str(args[1]))
            if name == "HEXTORAW":
                return bytes.fromhex(str(args[0] or ""))
            if name in ("EMPTY_CLOB", "TO_CLOB", "TO_NCLOB"):
                return "" if not args else args[0]
            if name == "EMPTY_BLOB":
                return b""
            if name in ("CHR", "NCHR"):
                return chr(int(args[0]))
            if name == "TO_NUMBER":
                return _number(str(args[0]))
        raise ScriptSyntaxError(
            f"value {self.sql[toks[0].start : toks[-1].end]!r} is not a constant this reader can evaluate",
            fix="use literals, TO_DATE/TO_TIMESTAMP with a format model, HEXTORAW, or NULL",
        )


def _number(text: str) -> int | Decimal:
    clean = text.rstrip("fFdD")
    try:
        d = Decimal(clean)
    except InvalidOperation:
        raise ScriptSyntaxError(f"bad number {text!r}") from None
    return int(d) if d == d.to_integral_value() and "." not in clean and "e" not in clean.lower() else d


def _split_concat(toks: list[Token]) -> list[list[Token]]:
    return split_top_level(toks, "||") if any(t.is_op("||") for t in toks) else [toks]


def read_data_scripts(
    paths: list[str], schema: str, ddl: OracleSource | None = None
) -> tuple[dict[str, ScriptTable], OracleSource]:
    """Read INSERT scripts (CREATE TABLE statements in them define columns); returns tables by Oracle name.

    The scripts are run as SQL*Plus would run them (:mod:`transship_oracle.sqlplus`), continuing the
    SQL*Plus run of the DDL scripts in ``ddl`` (their DEFINEs hold here too).
    """
    src = ddl or OracleSource(schema=schema)
    tables: dict[str, ScriptTable] = {}
    txn = _Transaction()
    for path in paths:
        try:
            for st in src.sqlplus.statements(path, "--source-data-file"):
                try:
                    _statement(st, src, tables, txn)
                except ScriptSyntaxError as exc:
                    raise DataFileError(
                        f"{st.source}:{st.line}: {exc.message}", fix=exc.fix or "fix the statement"
                    ) from None
        except SqlPlusError as exc:
            raise DataFileError(exc.message, fix=exc.fix) from None
    return tables, src


@dataclass
class _Transaction:
    """Rows inserted since the last COMMIT (DDL commits too): what a ROLLBACK would take back."""

    rows: int = 0
    line: str = ""  # where the first of them was inserted

    def inserted(self, rows: int, st: ScriptStatement) -> None:
        if rows and not self.rows:
            self.line = f"{st.source}:{st.line}"
        self.rows += rows

    def commit(self) -> None:
        self.rows = 0


def _statement(
    st: ScriptStatement, src: OracleSource, tables: dict[str, ScriptTable], txn: _Transaction
) -> None:
    head = " ".join(st.sql[:40].split()).upper()
    if st.rerun:
        if head.startswith("INSERT") or (st.plsql and head.startswith(("BEGIN", "DECLARE"))):
            raise ScriptSyntaxError(
                f"this '/' runs the previous statement ({head[:30]} ...) a second time in SQL*Plus:"
                " its rows would be inserted twice",
                fix="remove the '/' line (a statement ended by ';' has already run)",
            )
        return  # running DDL or COMMIT again changes no rows
    if head.startswith("INSERT"):
        txn.inserted(_insert(st.sql, tokenize(st.sql), src, tables), st)
    elif st.plsql and head.startswith(("BEGIN", "DECLARE")):
        body = tokenize(st.sql)
        if not body[0].is_word("BEGIN") or not body[-1].is_op(";") or not body[-2].is_word("END"):
            raise ScriptSyntaxError(
                "only BEGIN ... END; blocks of INSERT statements are read in data scripts"
            )
        for part in split_top_level(body[1:-2], ";"):
            if part[0].is_word("INSERT"):
                txn.inserted(_insert(st.sql, part, src, tables), st)
            elif part[0].is_word("COMMIT"):
                txn.commit()
            elif not part[0].is_word("NULL"):
                raise ScriptSyntaxError(
                    f"statement {st.sql[part[0].start : part[0].start + 40]!r} in a data block is not an INSERT",
                    fix="remove it from the data script",
                )
    elif head.startswith("ROLLBACK"):
        if txn.rows:
            raise ScriptSyntaxError(
                f"ROLLBACK takes back the {txn.rows} row(s) inserted since {txn.line} (after the last COMMIT):"
                " Oracle would not hold them",
                fix="remove those INSERTs (or the ROLLBACK) from the data script",
            )
    elif head.startswith(("DROP TABLE", "TRUNCATE TABLE")):
        toks = tokenize(st.sql)
        name = oracle_name(toks[4] if len(toks) > 4 and toks[3].is_op(".") else toks[2])
        if tables.get(name) is not None and tables[name].rows:
            raise ScriptSyntaxError(
                f"{head.split()[0]} TABLE {name} after {len(tables[name].rows)} row(s) of it were inserted:"
                " Oracle would not hold them",
                fix=f"remove those INSERTs (or the {head.split()[0]}) from the data script",
            )
        txn.commit()
    elif (
        head.startswith(("CREATE", "ALTER", "COMMENT", "COMMIT", "GRANT", "SET", "DROP", "TRUNCATE"))
        or st.plsql
    ):
        if not head.startswith(("SET", "ALTER SESSION")):
            txn.commit()  # COMMIT, and DDL commits
        if head.startswith("ALTER SESSION"):
            _alter_session(st.sql, src)
        if head.startswith("CREATE") and " TABLE " in f" {head} " or head.startswith("ALTER TABLE"):
            try:
                read_statement(src, st)
            except ScriptSyntaxError:
                if head.startswith("CREATE"):
                    raise
    else:
        raise ScriptSyntaxError(
            f"statement {head[:40]!r} is not an INSERT",
            fix="data scripts may hold INSERT statements and DDL only",
        )


def _alter_session(text: str, src: OracleSource) -> None:
    """Keep the NLS date/timestamp formats a script sets: later string literals for dates depend on them."""
    for key, fmt in re.findall(
        r"\b(NLS_(?:DATE|TIMESTAMP)_FORMAT)\s*=\s*'((?:[^']|'')*)'", text, re.IGNORECASE
    ):
        src.nls[key.upper()] = fmt.replace("''", "'")


def _insert(sql: str, toks: list[Token], src: OracleSource, tables: dict[str, ScriptTable]) -> int:
    """``INSERT INTO t [(cols)] VALUES (...)[, (...)]`` or ``INSERT ALL INTO ... SELECT ... FROM dual``.

    Returns the number of rows added.
    """
    if len(toks) > 1 and toks[1].is_word("ALL", "FIRST"):
        return _insert_all(sql, toks, src, tables)
    i = 2 if len(toks) > 1 and toks[1].is_word("INTO") else 1
    name, columns, rows, i = _into_clause(sql, toks, i, src.schema)
    if i < len(toks):
        raise ScriptSyntaxError(
            f"INSERT INTO {name}: unexpected {sql[toks[i].start : toks[i].start + 30]!r} after the VALUES list",  # noqa: S608 - a message
            fix="write the rows as INSERT ... VALUES (...), (...) without further clauses",
        )
    _add_rows(sql, name, columns, rows, src, tables)
    return len(rows)


def _insert_all(sql: str, toks: list[Token], src: OracleSource, tables: dict[str, ScriptTable]) -> int:
    """The unconditional multi-table insert; its subquery must be ``SELECT ... FROM dual`` (one row)."""
    kind = toks[1].upper
    if kind == "FIRST" or (len(toks) > 2 and toks[2].is_word("WHEN")):
        raise ScriptSyntaxError(
            f"conditional INSERT {kind} ... WHEN is not read in script mode (the conditions need a database)",
            fix="write the rows as INSERT ... VALUES statements",
        )
    clauses: list[tuple[str, list[str] | None, list[list[list[Token]]]]] = []
    i = 2
    while i < len(toks) and toks[i].is_word("INTO"):
        name, columns, rows, i = _into_clause(sql, toks, i + 1, src.schema)
        if len(rows) != 1:
            raise ScriptSyntaxError(f"INSERT ALL: INTO {name} VALUES takes one row")  # noqa: S608 - a message
        clauses.append((name, columns, rows))
    if not clauses:
        raise ScriptSyntaxError(
            "INSERT ALL without INTO clauses", fix="write INSERT ALL INTO t VALUES (...) ..."
        )
    if i >= len(toks):
        raise ScriptSyntaxError(
            "INSERT ALL without its subquery", fix="end the statement with SELECT * FROM dual"
        )
    if not _from_dual(toks[i:]):
        raise ScriptSyntaxError(
            f"INSERT ALL ... {' '.join(sql[toks[i].start : toks[-1].end].split())[:60]}: only the subquery"  # noqa: S608 - a message
            " SELECT ... FROM dual is read in script mode (other subqueries need a database)",
            fix="end the statement with SELECT * FROM dual, or write the rows as INSERT ... VALUES",
        )
    for name, columns, rows in clauses:
        _add_rows(sql, name, columns, rows, src, tables)
    return len(clauses)


def _from_dual(toks: list[Token]) -> bool:
    """True for ``SELECT <list> FROM [SYS.]DUAL`` with nothing after it (exactly one row)."""
    if not toks[0].is_word("SELECT"):
        return False
    depth = 0
    for k, t in enumerate(toks):
        depth += 1 if t.is_op("(") else -1 if t.is_op(")") else 0
        if depth == 0 and t.is_word("FROM"):
            rest = [x.upper for x in toks[k + 1 :]]
            return rest in (["DUAL"], ["SYS", ".", "DUAL"])
    return False


def _into_clause(
    sql: str, toks: list[Token], i: int, schema: str
) -> tuple[str, list[str] | None, list[list[list[Token]]], int]:
    """Read ``[schema.]t [alias] [(cols)] VALUES (...)[, (...)]`` at ``toks[i]``: (name, columns, rows, next
    index). A schema other than ``schema`` (the one being migrated) is refused, never loaded into it."""
    if i >= len(toks) or toks[i].kind not in ("word", "qident"):
        raise ScriptSyntaxError("INSERT without a table name")
    name = oracle_name(toks[i])
    if i + 2 < len(toks) and toks[i + 1].is_op(".") and toks[i + 2].kind in ("word", "qident"):
        owner, name = name, oracle_name(toks[i + 2])
        if owner.upper() != schema.upper():
            raise ScriptSyntaxError(
                f"INSERT INTO {owner}.{name}: the script migrates schema {schema}, not {owner}",  # noqa: S608 - a message
                fix=f"export {owner}'s rows with --source-db-schema {owner} in their own migration, or remove the schema name",
            )
        i += 2
    i += 1
    if i < len(toks) and toks[i].kind in ("word", "qident") and not toks[i].is_word("VALUES", "SELECT"):
        i += 1  # table alias
    columns: list[str] | None = None
    if i < len(toks) and toks[i].is_op("("):
        close = matching_paren(toks, i)
        columns = [pg_name(oracle_name(p[0])) for p in split_top_level(toks[i + 1 : close])]
        i = close + 1
    if i >= len(toks) or not toks[i].is_word("VALUES"):
        raise ScriptSyntaxError(
            f"INSERT INTO {name} ... SELECT is not read in script mode",
            fix="write the rows as INSERT ... VALUES",
        )
    rows: list[list[list[Token]]] = []
    i += 1
    while True:
        if i >= len(toks) or not toks[i].is_op("("):
            raise ScriptSyntaxError(f"INSERT INTO {name}: VALUES needs a parenthesised list")  # noqa: S608 - a message
        close = matching_paren(toks, i)
        rows.append(split_top_level(toks[i + 1 : close]))
        i = close + 1
        if i < len(toks) and toks[i].is_op(","):  # multi-row VALUES (Oracle 23ai)
            i += 1
            continue
        return name, columns, rows, i


def _add_rows(
    sql: str,
    name: str,
    columns: list[str] | None,
    rows: list[list[list[Token]]],
    src: OracleSource,
    tables: dict[str, ScriptTable],
) -> None:
    """Evaluate the VALUES lists and append them as rows of table ``name``."""
    table = src.tables.get(name)
    if columns is None:
        if table is None:
            raise ScriptSyntaxError(
                f"INSERT INTO {name} has no column list and no CREATE TABLE {name} was read",
                fix="pass the DDL script first: --source-data-file create.sql --source-data-file populate.sql",
            )
        columns = [c.name for c in table.columns]
    for values_toks in rows:
        if len(values_toks) != len(columns):
            raise ScriptSyntaxError(
                f"INSERT INTO {name}: {len(values_toks)} values for {len(columns)} columns"  # noqa: S608 - a message
            )
    st = tables.get(name)
    if st is None:
        all_cols = [c.name for c in table.columns] if table is not None else list(columns)
        st = ScriptTable(name, pg_name(name), all_cols)
        if table is not None:
            st.transforms = {c.name: _transform(c.source_type) for c in table.columns}
        tables[name] = st
    ev = _Values(sql)
    types = {c.name: c.source_type for c in table.columns} if table is not None else {}
    for values_toks in rows:
        row: list[Any] = [None] * len(st.columns)
        for col, vt in zip(columns, values_toks, strict=True):
            if col not in st.columns:
                if table is not None:
                    raise ScriptSyntaxError(f"INSERT INTO {name}: no column {col}")
                st.columns.append(col)
                for r in st.rows:
                    r.append(None)
                row.append(None)
            try:
                value = ev.value(vt)
            except (ValueError, OverflowError) as exc:  # DATE '2024-02-30', CHR(-1) ...
                raise ScriptSyntaxError(
                    f"INSERT INTO {name}: value {sql[vt[0].start : vt[-1].end]!r} of column {col} is not valid: {exc}",  # noqa: S608 - a message
                    fix="correct the literal",
                ) from None
            stype = types.get(col, "")
            if isinstance(value, str) and stype.upper().startswith(("DATE", "TIMESTAMP")):
                value = string_to_datetime(value, stype, src.nls)
            row[st.columns.index(col)] = value
        st.rows.append(row)


def _transform(source_type: str) -> str | None:
    t = source_type.replace(" ", "").upper()
    if t == "RAW(16)":
        return "raw_to_uuid"
    return None


def _typed(value: Any, source_type: str) -> Any:
    """Adjust a script value to the column: DATE keeps seconds, NUMBER text stays exact."""
    upper = source_type.upper()
    if isinstance(value, dt.datetime) and upper.startswith("DATE"):
        return value.replace(microsecond=0)
    if isinstance(value, str) and upper.startswith(("RAW", "BLOB", "LONG RAW")):
        return bytes.fromhex(value)
    return value


class ScriptSnapshot(DataSnapshot):
    """Rows read from INSERT scripts; the 'snapshot' is the scripts themselves."""

    consistency = "script files (no live source)"

    def __init__(self, tables: dict[str, ScriptTable], src: OracleSource, options: DataExportOptions) -> None:
        self.script_tables = tables
        self.src = src
        self.tables = []
        self.sequences = []
        for st in tables.values():
            if not options.include(pg_name(src.schema), st.name):
                continue
            table: Table | None = src.tables.get(st.oracle_name)
            key = tuple(table.primary_key.columns) if table is not None and table.primary_key else ()
            virtual = {c.name for c in table.columns if c.generated} if table is not None else set()
            columns = [
                c for c in st.columns if c not in virtual
            ]  # virtual columns are computed on the target
            self.tables.append(
                ExportTable(pg_name(src.schema), st.name, columns, None, st.name, len(st.rows), key)
            )

    def open_reader(self) -> TableReader:
        return ScriptReader(self)


class ScriptReader(TableReader):
    """Writes the rows of one script table as COPY text."""

    def __init__(self, snapshot: ScriptSnapshot) -> None:
        self.snapshot = snapshot

    def copy_table(self, table: ExportTable, write: Callable[[bytes], object]) -> None:
        st = next(t for t in self.snapshot.script_tables.values() if t.name == table.name)
        source = self.snapshot.src.tables.get(st.oracle_name)
        types = {c.name: c.source_type for c in source.columns} if source is not None else {}
        index = [st.columns.index(c) for c in table.columns]
        for row in st.rows:
            fields = []
            for k in index:
                col = st.columns[k]
                value = _typed(row[k], types.get(col, ""))
                fields.append(copytext.field(value, st.transforms.get(col)))
            write(b"\t".join(fields) + b"\n")
