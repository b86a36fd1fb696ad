"""Read Oracle DDL scripts into the neutral catalog (script mode of ``export schema``).

Understands what Oracle sample and production scripts contain: ``CREATE TABLE`` (columns, inline and
out-of-line constraints, defaults, identity and virtual columns, range/list/hash partitions, physical
clauses that are skipped), ``ALTER TABLE ... ADD [CONSTRAINT]``, ``CREATE [UNIQUE|BITMAP] INDEX``,
``CREATE SEQUENCE``, ``COMMENT ON``, views, materialized views, synonyms, PL/SQL units (kept as source
for :mod:`transship_oracle.plsql`) and ``ALTER TRIGGER ... DISABLE``. Session and transaction
statements (``ALTER SESSION``, ``COMMIT``, ``GRANT`` ...) are recorded as skipped; anything else is
recorded as not understood. Nothing is dropped silently: every statement ends up in the catalog, in
:attr:`OracleSource.skipped` or in :attr:`OracleSource.unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from transship.sdk import Column, Constraint, Index, Partitioning, Sequence, Table, quote_ident
from transship_oracle.datatypes import OracleType, parse_type_tokens
from transship_oracle.expressions import rewrite
from transship_oracle.script import ScriptStatement
from transship_oracle.sqlplus import SqlPlus
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
class SourceView:
    """A view or materialized view as written in Oracle (converted later)."""

    name: str
    query: str
    columns: list[str] = field(default_factory=list)
    materialized: bool = False
    read_only: bool = False
    check_option: bool = False
    source: str = ""


@dataclass
class SourceUnit:
    """A PL/SQL unit (procedure, function, trigger, package, package body, type, type body)."""

    kind: str  # "procedure" | "function" | "trigger" | "package" | "package body" | "type" | "type body" | "block"
    name: str
    sql: str
    line: int = 0
    file: str = ""


@dataclass
class SourceSynonym:
    name: str
    target_owner: str | None
    target: str
    public: bool = False


@dataclass
class OracleSource:
    """Everything read from an Oracle schema (scripts or dictionary), before conversion."""

    schema: str
    tables: dict[str, Table] = field(default_factory=dict)  # key: Oracle table name
    sequences: list[Sequence] = field(default_factory=list)
    views: list[SourceView] = field(default_factory=list)
    units: list[SourceUnit] = field(default_factory=list)
    synonyms: list[SourceSynonym] = field(default_factory=list)
    disabled_triggers: set[str] = field(default_factory=set)  # Oracle trigger names
    unique_indexes: list[tuple[str, Index]] = field(default_factory=list)  # (Oracle table, index) pending
    skipped: list[str] = field(default_factory=list)  # statements with no schema meaning (COMMIT, SET ...)
    unknown: list[ScriptStatement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # the SQL*Plus run that read the scripts: DEFINEs, and the client commands for the analysis report
    sqlplus: SqlPlus = field(default_factory=SqlPlus)
    # ALTER SESSION SET NLS_DATE_FORMAT / NLS_TIMESTAMP_FORMAT seen in the data scripts (how strings become dates)
    nls: dict[str, str] = field(default_factory=dict)

    def table(self, oracle: str) -> Table:
        try:
            return self.tables[oracle]
        except KeyError:
            raise ScriptSyntaxError(
                f"table {oracle} is not defined before it is altered or indexed"
            ) from None


_SKIP = re.compile(
    r"^(?:ALTER\s+SESSION|COMMIT|ROLLBACK|SAVEPOINT|GRANT|REVOKE|DROP|TRUNCATE|ANALYZE|SET\s+TRANSACTION|"
    r"ALTER\s+(?:INDEX|SEQUENCE|USER|SYSTEM|DATABASE)|CREATE\s+(?:USER|ROLE|TABLESPACE|DIRECTORY|DATABASE\s+LINK)|"
    r"EXEC(?:UTE)?\b|PURGE|AUDIT|NOAUDIT)",
    re.I,
)
_UNIT = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?"
    r"(PROCEDURE|FUNCTION|TRIGGER|PACKAGE\s+BODY|PACKAGE|TYPE\s+BODY|TYPE|LIBRARY)\s+((?:\"[^\"]+\"|[\w$#]+)(?:\s*\.\s*(?:\"[^\"]+\"|[\w$#]+))?)",
    re.I,
)
_CONSTRAINT_WORDS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "REFERENCES", "NOT", "NULL")
_STATE_WORDS = {
    "ENABLE", "DISABLE", "VALIDATE", "NOVALIDATE", "RELY", "NORELY", "DEFERRABLE", "INITIALLY",
    "IMMEDIATE", "DEFERRED", "USING", "INDEX", "EXCEPTIONS", "INTO",
}  # fmt: skip


def read_scripts(paths: list[str], schema: str) -> OracleSource:
    """Parse DDL scripts (in order, as SQL*Plus runs them) into an :class:`OracleSource`.

    Errors name the file and line; the SQL*Plus client commands are kept in ``src.sqlplus.commands``.
    """
    src = OracleSource(schema=schema)
    for path in paths:
        for st in src.sqlplus.statements(path, "--source-ddl-file"):
            if st.rerun:
                continue  # "/" after a ";": running a DDL statement twice adds nothing
            try:
                read_statement(src, st)
            except ScriptSyntaxError as exc:
                raise ScriptSyntaxError(
                    f"{st.source}:{st.line}: {exc.message}",
                    fix=exc.fix or "fix the statement or remove it from the script",
                ) from None
    finish(src)
    return src


def read_statement(src: OracleSource, st: ScriptStatement) -> None:
    """Add one script statement to ``src``."""
    sql = st.sql
    head = " ".join(sql[:120].split()).upper()
    if st.plsql:
        m = _UNIT.match(sql)
        if m:
            kind = " ".join(m.group(1).lower().split())
            name_toks = [t for t in tokenize(m.group(2)) if t.kind in ("word", "qident")]
            src.units.append(SourceUnit(kind, oracle_name(name_toks[-1]), sql, st.line, st.source))
        else:
            src.units.append(
                SourceUnit(
                    "block", f"anonymous block at {Path(st.source).name}:{st.line}", sql, st.line, st.source
                )
            )
        return
    if _SKIP.match(head) or head in ("COMMIT", "ROLLBACK"):
        src.skipped.append(head[:60])
        return
    tokens = tokenize(sql)
    words = [t.upper for t in tokens[:6]]
    if head.startswith("CREATE") and "TABLE" in words[:4] and words[1] != "MATERIALIZED":
        _create_table(src, sql, tokens)
    elif head.startswith("ALTER TABLE"):
        _alter_table(src, sql, tokens)
    elif re.match(r"^CREATE\s+(UNIQUE\s+|BITMAP\s+)?INDEX", head):
        _create_index(src, sql, tokens)
    elif head.startswith("CREATE SEQUENCE"):
        src.sequences.append(parse_sequence(sql, tokens, src.schema))
    elif head.startswith("COMMENT ON"):
        _comment(src, tokens)
    elif re.match(r"^CREATE\s+(OR\s+REPLACE\s+)?(FORCE\s+|NO\s*FORCE\s+)?(EDITIONABLE\s+)?VIEW", head):
        src.views.append(parse_view(sql, tokens))
    elif re.match(r"^CREATE\s+MATERIALIZED\s+VIEW\b", head) and "LOG" not in words[:4]:
        src.views.append(parse_view(sql, tokens, materialized=True))
    elif re.match(r"^CREATE\s+(OR\s+REPLACE\s+)?(PUBLIC\s+)?SYNONYM", head):
        src.synonyms.append(_synonym(tokens))
    elif head.startswith("ALTER TRIGGER"):
        name = oracle_name(tokens[2] if not tokens[3].is_op(".") else tokens[4])
        if tokens[-1].is_word("DISABLE"):
            src.disabled_triggers.add(name)
        else:
            src.disabled_triggers.discard(name)
    else:
        src.unknown.append(st)


def finish(src: OracleSource) -> None:
    """Resolve what needs the whole script: FK targets without columns, indexes backing constraints."""
    for table in src.tables.values():
        for con in table.constraints:
            if con.kind == "foreign" and not con.ref_columns:
                ref = next((t for t in src.tables.values() if t.name == con.ref_table), None)
                pk = ref.primary_key if ref else None
                if pk is None:
                    raise ScriptSyntaxError(
                        f"foreign key {con.name} on {table.name} references {con.ref_table} without columns, and that table has no primary key",
                        fix="name the referenced columns",
                    )
                con.ref_columns = list(pk.columns)
    for oracle_table, index in src.unique_indexes:
        table = src.table(oracle_table)
        backs = any(c.kind in ("primary", "unique") and c.columns == index.columns for c in table.constraints)
        if not backs:
            table.indexes.append(index)
    src.unique_indexes.clear()


# ---------------------------------------------------------------------------------------------- tables
def _name_at(tokens: list[Token], i: int) -> tuple[str | None, str, int]:
    """Read ``[schema.]name`` at ``i``; return (owner, name, next index) as Oracle names."""
    first = oracle_name(tokens[i])
    if i + 2 < len(tokens) and tokens[i + 1].is_op(".") and tokens[i + 2].kind in ("word", "qident"):
        return first, oracle_name(tokens[i + 2]), i + 3
    return None, first, i + 1


def _create_table(src: OracleSource, sql: str, tokens: list[Token]) -> None:
    i = next(k for k, t in enumerate(tokens) if t.is_word("TABLE")) + 1
    _, name, i = _name_at(tokens, i)
    if i >= len(tokens) or not tokens[i].is_op("("):
        raise ScriptSyntaxError(
            f"CREATE TABLE {name}: only tables with a column list are supported (not AS SELECT / OF type)"
        )
    close = matching_paren(tokens, i)
    table = Table(schema=pg_name(src.schema), name=pg_name(name))
    table.extra["oracle_name"] = name
    if any(t.is_word("TEMPORARY") for t in tokens[:i]):
        table.extra["temporary"] = True
        src.notes.append(f"global temporary table {name} becomes an ordinary table")
    for element in split_top_level(tokens[i + 1 : close]):
        if element[0].is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            table.constraints.append(_out_of_line_constraint(sql, element, table))
        elif element[0].is_word("SUPPLEMENTAL", "PERIOD"):
            continue
        else:
            _column(sql, element, table)
    rest = tokens[close + 1 :]
    for k, t in enumerate(rest):
        if t.is_word("PARTITION") and k + 1 < len(rest) and rest[k + 1].is_word("BY"):
            table.partitioning = _partitioning(sql, rest[k:], table)
            break
    src.tables[name] = table


def _column(sql: str, toks: list[Token], table: Table) -> None:
    name = oracle_name(toks[0])
    i = 1
    col_type: OracleType | None = None
    if i < len(toks) and not toks[i].is_word("GENERATED", "AS", "DEFAULT", *_CONSTRAINT_WORDS):
        col_type, i = parse_type_tokens(toks, i, sql)
    col = Column(
        name=pg_name(name), source_type=col_type.raw if col_type else "", ordinal=len(table.columns) + 1
    )
    col.extra["oracle_name"] = name
    if col_type:
        col.extra["oracle_type"] = col_type
    while i < len(toks):
        t = toks[i]
        if t.is_word("SORT", "VISIBLE", "INVISIBLE", "ENCRYPT", "DECRYPT", "VIRTUAL"):
            i += 1
        elif t.is_word("DEFAULT"):
            i += 1
            if i + 1 < len(toks) and toks[i].is_word("ON") and toks[i + 1].is_word("NULL"):
                col.extra["default_on_null"] = True
                i += 2
            j = _expr_end(toks, i)
            col.default = sql[toks[i].start : toks[j - 1].end]
            i = j
        elif t.is_word("GENERATED") or t.is_word("AS"):
            j = i
            if t.is_word("GENERATED"):
                j += 1
                if toks[j].is_word("ALWAYS"):
                    col.identity = "always"
                    j += 1
                elif toks[j].is_word("BY"):
                    col.identity = "by default"
                    j += 2
                    if j + 1 < len(toks) and toks[j].is_word("ON") and toks[j + 1].is_word("NULL"):
                        j += 2
            if toks[j].is_word("AS") and j + 1 < len(toks) and toks[j + 1].is_word("IDENTITY"):
                col.identity = col.identity or "always"
                j += 2
                if j < len(toks) and toks[j].is_op("("):
                    close = matching_paren(toks, j)
                    m = re.search(r"START\s+WITH\s+(-?\d+)", sql[toks[j].start : toks[close].end], re.I)
                    if m:
                        col.extra["identity_start"] = int(m.group(1))
                    j = close + 1
                i = j
            elif toks[j].is_word("AS") and toks[j + 1].is_op("("):
                close = matching_paren(toks, j + 1)
                col.identity = None
                col.generated = sql[toks[j + 2].start : toks[close - 1].end]
                i = close + 1
            else:
                raise ScriptSyntaxError(f"column {name}: cannot read {sql[t.start : t.start + 60]!r}")
        elif t.is_word(*_CONSTRAINT_WORDS):
            i = _inline_constraint(sql, toks, i, table, col)
        else:
            raise ScriptSyntaxError(
                f"column {name}: unexpected {t.text!r} in {sql[toks[0].start : toks[-1].end]!r}"
            )
    table.columns.append(col)


def _expr_end(toks: list[Token], i: int) -> int:
    """End of a default expression: the next constraint keyword at depth 0."""
    depth = 0
    j = i
    while j < len(toks):
        t = toks[j]
        if t.is_op("("):
            depth += 1
        elif t.is_op(")"):
            depth -= 1
        elif (
            depth == 0
            and j > i
            and t.is_word(
                "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "NOT", "NULL", "ENABLE", "DISABLE"
            )
        ):
            # "NOT NULL" / "NULL" after an expression are constraints; "IS NULL" is not (no defaults use it)
            if t.is_word("NULL") and toks[j - 1].is_word("DEFAULT"):
                j += 1
                continue
            break
        j += 1
    return j


def _skip_state(toks: list[Token], i: int) -> int:
    while i < len(toks) and toks[i].is_word(*_STATE_WORDS):
        if toks[i].is_word("USING") and i + 1 < len(toks) and toks[i + 1].is_word("INDEX"):
            i += 2
            if i < len(toks) and toks[i].is_op("("):
                i = matching_paren(toks, i) + 1
            else:
                while (
                    i < len(toks)
                    and not toks[i].is_word(*_STATE_WORDS)
                    and not toks[i].is_word(*_CONSTRAINT_WORDS)
                ):
                    i += 1
            continue
        i += 1
    return i


def _states(toks: list[Token], start: int, end: int) -> tuple[bool, bool, bool]:
    words = {t.upper for t in toks[start:end] if t.kind == "word"}
    deferrable = "DEFERRABLE" in words and not any(
        toks[k].is_word("NOT") and toks[k + 1].is_word("DEFERRABLE") for k in range(start, end - 1)
    )
    return deferrable, "DEFERRED" in words, "DISABLE" in words or "NOVALIDATE" in words


def _inline_constraint(sql: str, toks: list[Token], i: int, table: Table, col: Column) -> int:
    cname = None
    if toks[i].is_word("CONSTRAINT"):
        cname = pg_name(oracle_name(toks[i + 1]))
        i += 2
    t = toks[i]
    start = i
    con: Constraint | None = None
    if t.is_word("NOT") and toks[i + 1].is_word("NULL"):
        col.nullable = False
        i += 2
    elif t.is_word("NULL"):
        i += 1
    elif t.is_word("PRIMARY"):
        con = Constraint(cname or "", "primary", [col.name])
        col.nullable = False
        i += 2
    elif t.is_word("UNIQUE"):
        con = Constraint(cname or "", "unique", [col.name])
        i += 1
    elif t.is_word("CHECK"):
        close = matching_paren(toks, i + 1)
        con = Constraint(
            cname or "", "check", [col.name], expression=sql[toks[i + 2].start : toks[close - 1].end]
        )
        i = close + 1
    elif t.is_word("REFERENCES"):
        con, i = _references(sql, toks, i, cname or "", [col.name])
    else:
        raise ScriptSyntaxError(
            f"column {col.name}: cannot read constraint at {sql[t.start : t.start + 40]!r}"
        )
    end = _skip_state(toks, i)
    if con is not None:
        con.deferrable, con.initially_deferred, disabled = _states(toks, start, end)
        con.not_valid = disabled and con.kind in ("foreign", "check")
        table.constraints.append(con)
    return end


def _references(sql: str, toks: list[Token], i: int, name: str, cols: list[str]) -> tuple[Constraint, int]:
    _, ref, i = _name_at(toks, i + 1)
    ref_cols: list[str] = []
    if i < len(toks) and toks[i].is_op("("):
        close = matching_paren(toks, i)
        ref_cols = [pg_name(oracle_name(p[0])) for p in split_top_level(toks[i + 1 : close])]
        i = close + 1
    con = Constraint(name, "foreign", cols, ref_table=pg_name(ref), ref_columns=ref_cols)
    if i + 2 < len(toks) and toks[i].is_word("ON") and toks[i + 1].is_word("DELETE"):
        if toks[i + 2].is_word("CASCADE"):
            con.on_delete = "CASCADE"
            i += 3
        else:
            con.on_delete = "SET NULL"
            i += 4
    return con, i


def _out_of_line_constraint(sql: str, toks: list[Token], table: Table) -> Constraint:
    i = 0
    name = ""
    if toks[0].is_word("CONSTRAINT"):
        name = pg_name(oracle_name(toks[1]))
        i = 2
    t = toks[i]
    start = i
    if t.is_word("PRIMARY", "UNIQUE"):
        i += 2 if t.is_word("PRIMARY") else 1
        close = matching_paren(toks, i)
        cols = [pg_name(oracle_name(p[0])) for p in split_top_level(toks[i + 1 : close])]
        con = Constraint(name, "primary" if t.is_word("PRIMARY") else "unique", cols)
        i = close + 1
        if con.kind == "primary":
            for c in table.columns:
                if c.name in cols:
                    c.nullable = False
    elif t.is_word("CHECK"):
        close = matching_paren(toks, i + 1)
        con = Constraint(name, "check", [], expression=sql[toks[i + 2].start : toks[close - 1].end])
        i = close + 1
    elif t.is_word("FOREIGN"):
        close = matching_paren(toks, i + 2)
        cols = [pg_name(oracle_name(p[0])) for p in split_top_level(toks[i + 3 : close])]
        con, i = _references(sql, toks, close + 1, name, cols)
    else:
        raise ScriptSyntaxError(f"cannot read constraint {sql[toks[0].start : toks[-1].end]!r}")
    end = _skip_state(toks, i)
    con.deferrable, con.initially_deferred, disabled = _states(toks, start, end)
    con.not_valid = disabled and con.kind in ("foreign", "check")
    if end < len(toks):
        raise ScriptSyntaxError(f"unexpected {toks[end].text!r} after constraint {name or con.kind}")
    return con


def _partitioning(sql: str, toks: list[Token], table: Table) -> Partitioning:
    method = toks[2].upper.lower()
    close = matching_paren(toks, 3)
    key = [pg_name(oracle_name(p[0])) for p in split_top_level(toks[4:close])]
    part = Partitioning(method=method, key=key)
    i = close + 1
    notes = []
    if i < len(toks) and toks[i].is_word("INTERVAL"):
        i = matching_paren(toks, i + 1) + 1
        notes.append(
            "INTERVAL partitioning: partitions Oracle creates on demand must be created by hand on the target"
        )
    if i < len(toks) and toks[i].is_word("SUBPARTITION"):
        notes.append("subpartitions are not converted")
        while i < len(toks) and not toks[i].is_op("("):
            i += 1
    if method == "hash" and i < len(toks) and toks[i].is_word("PARTITIONS"):
        n = int(toks[i + 1].text)
        part.partitions = [
            (f"{table.name}_p{k}", f"FOR VALUES WITH (MODULUS {n}, REMAINDER {k})") for k in range(n)
        ]
        part.note = "; ".join(notes) or None
        return part
    if i >= len(toks) or not toks[i].is_op("("):
        raise ScriptSyntaxError(f"table {table.name}: cannot read the partition list")
    close = matching_paren(toks, i)
    defs = split_top_level(toks[i + 1 : close])
    lower = None
    for k, d in enumerate(defs):
        pname = pg_name(oracle_name(d[1]))
        j = 2
        if method == "range":
            # VALUES LESS THAN (v, ...)
            while not d[j].is_op("("):
                j += 1
            vclose = matching_paren(d, j)
            values = [_bound_value(sql, v) for v in split_top_level(d[j + 1 : vclose])]
            upper = ", ".join(values)
            frm = lower if lower is not None else ", ".join("MINVALUE" for _ in values)
            part.partitions.append((pname, f"FOR VALUES FROM ({frm}) TO ({upper})"))
            lower = upper
        elif method == "list":
            while not d[j].is_op("("):
                j += 1
            vclose = matching_paren(d, j)
            values = [_bound_value(sql, v) for v in split_top_level(d[j + 1 : vclose])]
            if values == ["DEFAULT"]:
                part.partitions.append((pname, "DEFAULT"))
            else:
                part.partitions.append((pname, f"FOR VALUES IN ({', '.join(values)})"))
        else:
            part.partitions.append((pname, f"FOR VALUES WITH (MODULUS {len(defs)}, REMAINDER {k})"))
    part.note = "; ".join(notes) or None
    return part


def _bound_value(sql: str, toks: list[Token]) -> str:
    text = sql[toks[0].start : toks[-1].end]
    if len(toks) == 1 and toks[0].is_word("MAXVALUE", "DEFAULT"):
        return toks[0].upper
    return rewrite(text).text


# ---------------------------------------------------------------------------------------------- ALTER TABLE
def _alter_table(src: OracleSource, sql: str, tokens: list[Token]) -> None:
    _, name, i = _name_at(tokens, 2)
    table = src.table(name)
    if i >= len(tokens):
        return
    action = tokens[i]
    if action.is_word("ADD"):
        i += 1
        if tokens[i].is_op("("):
            close = matching_paren(tokens, i)
            elements = split_top_level(tokens[i + 1 : close])
        else:
            elements = [tokens[i:]]
        for el in elements:
            if el[0].is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
                table.constraints.append(_out_of_line_constraint(sql, el, table))
            else:
                _column(sql, el, table)
    elif action.is_word("MODIFY") and i + 1 < len(tokens) and tokens[i + 1].is_op("("):
        close = matching_paren(tokens, i + 1)
        for el in split_top_level(tokens[i + 2 : close]):
            _modify_column(sql, el, table)
    elif action.is_word(
        "ENABLE", "DISABLE", "LOGGING", "NOLOGGING", "PARALLEL", "NOPARALLEL", "MOVE", "SHRINK"
    ):
        src.skipped.append(" ".join(sql.split())[:60])
    else:
        src.unknown.append(ScriptStatement(sql, 0))


def _modify_column(sql: str, toks: list[Token], table: Table) -> None:
    name = pg_name(oracle_name(toks[0]))
    col = table.column(name)
    rest = [t.upper for t in toks[1:]]
    if rest[-2:] == ["NOT", "NULL"]:
        col.nullable = False
    elif rest[-1:] == ["NULL"]:
        col.nullable = True


# ---------------------------------------------------------------------------------------------- indexes
def _create_index(src: OracleSource, sql: str, tokens: list[Token]) -> None:
    unique = tokens[1].is_word("UNIQUE")
    bitmap = tokens[1].is_word("BITMAP")
    i = next(k for k, t in enumerate(tokens) if t.is_word("INDEX")) + 1
    _, name, i = _name_at(tokens, i)
    if not tokens[i].is_word("ON"):
        raise ScriptSyntaxError(f"index {name}: expected ON")
    _, tname, i = _name_at(tokens, i + 1)
    table = src.table(tname)
    close = matching_paren(tokens, i)
    columns: list[str] = []
    desc: list[bool] = []
    function_based = False
    for part in split_top_level(tokens[i + 1 : close]):
        is_desc = part[-1].is_word("DESC")
        if part[-1].is_word("ASC", "DESC"):
            part = part[:-1]
        if len(part) == 1 and part[0].kind in ("word", "qident"):
            columns.append(pg_name(oracle_name(part[0])))
        else:
            function_based = True
            columns.append(_lower_columns(rewrite(sql[part[0].start : part[-1].end]).text, table))
        desc.append(is_desc)
    index = Index(name=pg_name(name), table=table.name, columns=columns, unique=unique, descending=desc)
    if bitmap:
        index.source_kind = "BITMAP"
        index.note = "BITMAP index created as a btree index"
    elif function_based:
        index.source_kind = "FUNCTION-BASED NORMAL"
    rest = tokens[close + 1 :]
    if any(t.is_word("LOCAL", "GLOBAL") for t in rest):
        index.note = (
            (index.note + "; ") if index.note else ""
        ) + "LOCAL/GLOBAL partitioned index options dropped"
    if unique and not function_based:
        src.unique_indexes.append((tname, index))
    else:
        table.indexes.append(index)


def _lower_columns(expr: str, table: Table) -> str:
    """Write the table's column names in an index expression in their PostgreSQL spelling."""
    names = {c.extra.get("oracle_name", c.name.upper()): c.name for c in table.columns}
    out = []
    pos = 0
    for t in tokenize(expr):
        if t.kind in ("word", "qident") and oracle_name(t) in names:
            out.append(expr[pos : t.start])
            out.append(quote_ident(names[oracle_name(t)]))
            pos = t.end
    out.append(expr[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------- sequences
_MAX_BIGINT = 2**63 - 1


def parse_sequence(sql: str, tokens: list[Token], schema: str) -> Sequence:
    """``CREATE SEQUENCE`` with Oracle's options; values outside bigint are left to PostgreSQL's defaults."""
    _, name, i = _name_at(tokens, 2)
    seq = Sequence(schema=pg_name(schema), name=pg_name(name))
    words = tokens[i:]

    def number_after(k: int) -> int:
        sign = -1 if words[k].is_op("-") else 1
        return sign * int(words[k + (1 if sign < 0 else 0)].text)

    start_given = False
    k = 0
    while k < len(words):
        w = words[k]
        if w.is_word("START"):
            seq.start = number_after(k + 2)
            start_given = True
        elif w.is_word("INCREMENT"):
            seq.increment = number_after(k + 2)
        elif w.is_word("MAXVALUE"):
            value = number_after(k + 1)
            seq.max_value = value if value <= _MAX_BIGINT else None
        elif w.is_word("MINVALUE"):
            value = number_after(k + 1)
            seq.min_value = value if value >= -_MAX_BIGINT else None
        elif w.is_word("CYCLE"):
            seq.cycle = True
        k += 1
    if seq.increment < 0 and not start_given:
        seq.start = seq.max_value if seq.max_value is not None else -1
    if seq.min_value is None and seq.increment > 0 and seq.start < 1:
        seq.min_value = seq.start
    return seq


# ---------------------------------------------------------------------------------------------- comments, views, synonyms
def _comment(src: OracleSource, tokens: list[Token]) -> None:
    what = tokens[2].upper
    is_idx = next(k for k, t in enumerate(tokens) if t.is_word("IS"))
    text = tokens[is_idx + 1].value if tokens[is_idx + 1].kind == "string" else None
    names = [oracle_name(t) for t in tokens[3:is_idx] if t.kind in ("word", "qident")]
    if what == "TABLE":
        src.table(names[-1]).comment = text or None
    elif what == "COLUMN":
        table = src.table(names[-2])
        table.column(pg_name(names[-1])).comment = text or None
    else:
        src.skipped.append(f"COMMENT ON {what}")


def parse_view(sql: str, tokens: list[Token], materialized: bool = False) -> SourceView:
    """``CREATE [OR REPLACE] [FORCE] VIEW name [(cols)] AS query [WITH READ ONLY|CHECK OPTION]``."""
    i = next(k for k, t in enumerate(tokens) if t.is_word("VIEW")) + 1
    _, name, i = _name_at(tokens, i)
    columns: list[str] = []
    if tokens[i].is_op("("):
        close = matching_paren(tokens, i)
        columns = [pg_name(oracle_name(p[0])) for p in split_top_level(tokens[i + 1 : close])]
        i = close + 1
    while not tokens[i].is_word("AS"):
        i += 1  # materialized view options (BUILD, REFRESH ...)
    end = len(tokens)
    read_only = check = False
    if (
        len(tokens) > 3
        and tokens[-3].is_word("WITH")
        and tokens[-2].is_word("READ")
        and tokens[-1].is_word("ONLY")
    ):
        end, read_only = len(tokens) - 3, True
    elif (
        len(tokens) > 3
        and tokens[-3].is_word("WITH")
        and tokens[-2].is_word("CHECK")
        and tokens[-1].is_word("OPTION")
    ):
        end, check = len(tokens) - 3, True
    else:
        for k in range(len(tokens) - 1, i, -1):
            if tokens[k].is_word("CONSTRAINT") and tokens[k - 1].is_word("ONLY", "OPTION"):
                end = k - 3
                read_only = tokens[k - 1].is_word("ONLY")
                check = not read_only
                break
    query = sql[tokens[i + 1].start : tokens[end - 1].end]
    return SourceView(pg_name(name), query, columns, materialized, read_only, check, sql)


def _synonym(tokens: list[Token]) -> SourceSynonym:
    public = any(t.is_word("PUBLIC") for t in tokens[:4])
    i = next(k for k, t in enumerate(tokens) if t.is_word("SYNONYM")) + 1
    _, name, i = _name_at(tokens, i)
    owner, target, _ = _name_at(tokens, i + 1)
    return SourceSynonym(name, owner, target, public)
