"""PL/SQL statements -> PL/pgSQL: the code between ``BEGIN`` and ``END`` (:func:`convert_body`).

Statement-level rewrites (calls, ``RAISE_APPLICATION_ERROR``, ``SELECT ... INTO STRICT``, ``EXECUTE``,
cursor attributes, trigger predicates, exception names, ``FOR r IN (query) LOOP``) on top of the SQL
rewrites of :mod:`transship_oracle.expressions`; constructs without an equivalent are listed as problems.
"""

from __future__ import annotations

from transship.sdk import quote_ident
from transship_oracle.expressions import rewrite
from transship_oracle.plsql_context import Context, Piece
from transship_oracle.tokens import (
    Token,
    apply_edits,
    matching_paren,
    oracle_name,
    pg_name,
    split_top_level,
    tokenize,
)

_UNSUPPORTED = {
    "BULK": "BULK COLLECT",
    "FORALL": "FORALL",
    "PRAGMA": "PRAGMA (autonomous transactions, exception_init ...)",
    "PIPE": "PIPE ROW (pipelined functions)",
    "PIPELINED": "pipelined functions",
    "GOTO": "GOTO",
    "UTL_FILE": "UTL_FILE",
    "UTL_HTTP": "UTL_HTTP",
    "DBMS_SQL": "DBMS_SQL",
    "DBMS_LOB": "DBMS_LOB",
    "DBMS_SCHEDULER": "DBMS_SCHEDULER",
    "DBMS_JOB": "DBMS_JOB",
    "EXTEND": "collection methods (EXTEND)",
}


_EXCEPTIONS = {
    "DUP_VAL_ON_INDEX": "unique_violation",
    "ZERO_DIVIDE": "division_by_zero",
    "INVALID_NUMBER": "invalid_text_representation",
    "NO_DATA_FOUND": "no_data_found",
    "TOO_MANY_ROWS": "too_many_rows",
    "OTHERS": "OTHERS",
}


_RECORD = "__record__:"  # marks a loop record variable in the problems of a converted body

_STATEMENT_KEYWORDS = {
    "NULL", "RETURN", "COMMIT", "ROLLBACK", "EXIT", "CONTINUE", "RAISE", "OPEN", "CLOSE", "FETCH", "IF",
    "ELSIF", "ELSE", "END", "LOOP", "WHILE", "FOR", "BEGIN", "DECLARE", "SELECT", "INSERT", "UPDATE",
    "DELETE", "EXECUTE", "CASE", "WHEN", "THEN", "SAVEPOINT", "SET", "LOCK", "MERGE", "WITH", "EXCEPTION",
    "CALL", "PERFORM", "GET",
}  # fmt: skip


def convert_body(
    text: str, ctx: Context, trigger: dict[str, str] | None = None, members: dict[str, str] | None = None
) -> Piece:
    """Convert statements between BEGIN and END (exception handlers included)."""
    problems: list[str] = []
    text = _prepass(text, members)
    first = rewrite(text)
    problems += first.problems
    text = first.text
    tokens = tokenize(text, keep_comments=True)
    code = [t for t in tokens if t.kind != "comment"]
    edits: list[tuple[int, int, str]] = []
    record_vars: list[str] = []
    stmt_start = True
    in_select = False
    i = 0
    while i < len(code):
        t = code[i]
        prev = code[i - 1] if i else None
        nxt = code[i + 1] if i + 1 < len(code) else None
        after_dot = prev is not None and prev.is_op(".")
        if t.kind == "bind":
            problems.append(f"bind variable {t.text}")
        elif t.kind == "word" and not after_dot:
            w = t.upper
            if w in _UNSUPPORTED and (w != "EXTEND" or after_dot):
                problems.append(_UNSUPPORTED[w])
            if w in ctx.types and nxt is not None and nxt.is_op("("):
                problems.append(f"object type constructor {w}(...)")
            if w == "SELECT":
                in_select = True
            if stmt_start and w == "RAISE_APPLICATION_ERROR" and nxt is not None and nxt.is_op("("):
                close = matching_paren(code, i + 1)
                args = split_top_level(code[i + 2 : close])
                code_text = text[args[0][0].start : args[0][-1].end].replace(" ", "") if args else "-20000"
                msg = text[args[1][0].start : args[1][-1].end] if len(args) > 1 else "'error'"
                hint = f"ORA{code_text}" if code_text.startswith("-") else f"ORA-{code_text}"
                edits.append(
                    (t.start, code[close].end, f"RAISE EXCEPTION USING MESSAGE = {msg}, HINT = '{hint}'")
                )
                i = close + 1
                stmt_start = False
                continue
            if stmt_start and w not in _STATEMENT_KEYWORDS and nxt is not None and (nxt.is_op("(", ";", ".")):
                i, handled = _call_statement(text, code, i, ctx, edits, problems, members)
                if handled:
                    stmt_start = False
                    continue
            if w == "EXECUTE" and nxt is not None and nxt.is_word("IMMEDIATE"):
                edits.append((t.start, nxt.end, "EXECUTE"))
            elif (
                w == "INTO"
                and in_select
                and prev is not None
                and not prev.is_word("COLLECT", "INSERT", "MERGE")
            ):
                edits.append((t.end, t.end, " STRICT"))
            elif w in ("INSERTING", "UPDATING", "DELETING") and trigger is not None:
                if nxt is not None and nxt.is_op("("):
                    problems.append(f"{w}('column')")
                op = {"INSERTING": "INSERT", "UPDATING": "UPDATE", "DELETING": "DELETE"}[w]
                edits.append((t.start, t.end, f"(TG_OP = '{op}')"))
            elif w == "WHEN" and nxt is not None and nxt.kind == "word" and nxt.upper in _EXCEPTIONS:
                edits.append((nxt.start, nxt.end, _EXCEPTIONS[nxt.upper]))
            elif (
                w == "FOR"
                and nxt is not None
                and i + 3 < len(code)
                and code[i + 2].is_word("IN")
                and code[i + 3].is_op("(")
            ):
                close = matching_paren(code, i + 3)
                if close + 1 < len(code) and code[close + 1].is_word("LOOP"):
                    edits.append((code[i + 3].start, code[i + 3].end, ""))
                    edits.append((code[close].start, code[close].end, ""))
                    record_vars.append(pg_name(oracle_name(nxt)))
            elif w == "RETURN" and trigger is not None and nxt is not None and nxt.is_op(";"):
                edits.append((t.start, t.end, f"RETURN {trigger['return']}"))
            elif w == "SQL" and nxt is not None and nxt.is_op("%"):
                attr = code[i + 2].upper
                if attr in ("FOUND", "NOTFOUND"):
                    edits.append((t.start, code[i + 2].end, "FOUND" if attr == "FOUND" else "NOT FOUND"))
                    i += 3
                    stmt_start = False
                    continue
                problems.append(f"SQL%{attr}")
        elif (
            t.is_op("%")
            and nxt is not None
            and nxt.kind == "word"
            and prev is not None
            and prev.kind == "word"
            and not prev.is_word("SQL")
        ):
            attr = nxt.upper
            if attr in ("FOUND", "NOTFOUND"):
                edits.append((prev.start, nxt.end, "FOUND" if attr == "FOUND" else "NOT FOUND"))
            elif attr not in ("TYPE", "ROWTYPE"):
                problems.append(f"cursor attribute %{attr}")
        if t.is_op(";"):
            stmt_start = True
            in_select = False
        elif t.kind == "word" and t.upper in ("BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "EXCEPTION"):
            stmt_start = True
        elif t.kind != "comment":
            stmt_start = False
        i += 1
    out = apply_edits(text, edits)
    return Piece(out, problems + [_RECORD + v for v in record_vars])


def loop_records(body: Piece) -> tuple[list[str], list[str]]:
    """The loop record variables :func:`convert_body` found (to be declared ``record``), and its problems."""
    records = [p.split(":", 1)[1] for p in body.problems if p.startswith(_RECORD)]
    return records, [p for p in body.problems if not p.startswith(_RECORD)]


def _prepass(text: str, members: dict[str, str] | None) -> str:
    """``:NEW``/``:OLD`` -> ``NEW``/``OLD``; calls between package members get the package schema."""
    edits: list[tuple[int, int, str]] = []
    code = tokenize(text)
    for k, t in enumerate(code):
        if t.kind == "bind" and t.text[1:].upper() in ("NEW", "OLD"):
            edits.append((t.start, t.end, t.text[1:].upper()))
        elif members and t.kind == "word" and t.upper in members and not (k and code[k - 1].is_op(".")):
            if k + 1 < len(code) and code[k + 1].is_op("(", ";"):
                edits.append((t.start, t.end, members[t.upper]))
    return apply_edits(text, edits)


def _call_statement(
    text: str,
    code: list[Token],
    i: int,
    ctx: Context,
    edits: list[tuple[int, int, str]],
    problems: list[str],
    members: dict[str, str] | None,
) -> tuple[int, bool]:
    """``name(args);`` / ``pkg.name;`` at the start of a statement -> CALL/PERFORM/RAISE NOTICE."""
    j = i
    names = [code[j]]
    while j + 2 < len(code) and code[j + 1].is_op(".") and code[j + 2].kind in ("word", "qident"):
        names.append(code[j + 2])
        j += 2
    after = code[j + 1] if j + 1 < len(code) else None
    if after is None:
        return i + 1, False
    if after.is_op(":="):
        return i + 1, False  # assignment (possibly to a record field)
    end = j + 1
    args_text = "()"
    if after.is_op("("):
        close = matching_paren(code, j + 1)
        if close + 1 >= len(code) or not code[close + 1].is_op(";"):
            return i + 1, False  # e.g. an assignment to a collection element
        args_text = text[code[j + 1].start : code[close].end]
        end = close + 1
    elif not after.is_op(";"):
        return i + 1, False
    full = ".".join(oracle_name(n) for n in names)
    last = oracle_name(names[-1])
    if full in ("DBMS_OUTPUT.PUT_LINE", "DBMS_OUTPUT.PUT"):
        inner = args_text[1:-1]
        edits.append((code[i].start, code[end - 1].end, f"RAISE NOTICE '%', {inner}"))
        return end, True
    if len(names) == 2 and oracle_name(names[0]).lower() in {
        m.split(".")[0].strip('"') for m in (members or {}).values()
    }:
        target = f"{quote_ident(pg_name(oracle_name(names[0])))}.{quote_ident(pg_name(last))}"
    else:
        target = ".".join(quote_ident(pg_name(oracle_name(n))) for n in names)
    if len(names) == 1 and last in ctx.functions and last not in ctx.procedures:
        verb = "PERFORM"
    elif (
        (len(names) == 1 and last in ctx.procedures)
        or (members and last in members)
        or (len(names) == 2 and oracle_name(names[0]) in ctx.packages)
    ):
        verb = "CALL"
    else:
        problems.append(f"call to {full}, which is not defined in this schema")
        return end, True
    edits.append((code[i].start, code[end - 1].end, f"{verb} {target}{args_text}"))
    return end, True
