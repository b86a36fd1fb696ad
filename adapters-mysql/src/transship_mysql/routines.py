"""MySQL stored routines and triggers -> PL/pgSQL, for the common constructs only.

Supported: ``BEGIN ... END`` blocks (labelled too), ``DECLARE`` variables (with ``DEFAULT``),
``DECLARE EXIT HANDLER FOR NOT FOUND <statement>``, ``SET`` (variables and ``NEW.col``), ``IF/ELSEIF/ELSE``,
``WHILE``, ``REPEAT``, ``LOOP``, ``LEAVE``/``ITERATE``, ``RETURN``, ``SELECT ... INTO``, ``INSERT``/``UPDATE``/
``DELETE``, ``SIGNAL SQLSTATE``. Expressions and DML go through :class:`transship_mysql.expressions.Converter`.

MySQL semantics kept on purpose:

- ``SELECT ... INTO`` with no row leaves the variables unchanged and more than one row is an error:
  converted to ``SELECT ... INTO STRICT`` inside a block that ignores ``no_data_found`` (or runs the
  NOT FOUND handler). A query that always returns one row (aggregates, no GROUP BY) stays plain.
- Local variables win over column names (``#variable_conflict use_variable``).
- Unqualified tables resolve in the routine's database (``SET search_path FROM CURRENT``).
- A typmod on the return type (``RETURNS DECIMAL(5,2)``) is applied with a cast on every RETURN.

Anything else (cursors, CONTINUE handlers, result sets from procedures, temporary tables, user
variables, dynamic SQL ...) raises :class:`NotConvertible`; the caller keeps the original text commented
and reports it. Nothing is converted approximately.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from transship.sdk import quote_ident
from transship_mysql.expressions import Converter, NotConvertible

_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>\#[^\n]*|--(?:\s[^\n]*|$)|/\*.*?\*/)|(?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")"""
    r"""|(?P<qid>`(?:[^`]|``)*`)|(?P<word>[A-Za-z_@][A-Za-z0-9_$@]*(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|`(?:[^`]|``)*`))*\.?)|(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"""
    r"""|(?P<op><=>|<=|>=|<>|!=|:=|\|\||&&|[-+*/%=<>(),;:!~^&|.])""",
    re.S,
)


@dataclass
class Tok:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokenize(sql: str) -> list[Tok]:
    """Tokens of a routine body without whitespace and comments."""
    out: list[Tok] = []
    pos = 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if not m:
            raise NotConvertible(f"unexpected character {sql[pos]!r} in routine body")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind in ("ws", "comment"):
            continue
        out.append(Tok(kind, m.group(0)))
    return out


def _ident(text: str) -> str:
    """A MySQL identifier token as its (lower-case) name: backticks removed, doubled backticks undone."""
    if len(text) >= 2 and text[0] == "`" and text[-1] == "`":
        text = text[1:-1].replace("``", "`")
    return text.lower()


def _join(tokens: list[Tok]) -> str:
    return " ".join(t.text for t in tokens)


@dataclass
class Context:
    """What the body translation needs to know about its routine."""

    converter: Converter
    map_type: Callable[[str], str]
    kind: str  # "function" | "procedure" | "trigger"
    return_type: str | None = None
    return_cast: bool = False
    variables: set[str] = field(default_factory=set)
    not_found: list[str | None] = field(default_factory=list)  # handler statement per open block


class BodyTranslator:
    """Recursive-descent translation of one routine body."""

    def __init__(self, tokens: list[Tok], ctx: Context) -> None:
        self.t = tokens
        self.i = 0
        self.ctx = ctx

    # token helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def text_at(self, k: int = 0) -> str | None:
        """Text of the token ``k`` positions ahead, or None past the end of the body."""
        tok = self.peek(k)
        return tok.text if tok is not None else None

    def current(self, what: str) -> Tok:
        """The current token; :class:`NotConvertible` saying ``what`` was expected if the body ended."""
        tok = self.peek()
        if tok is None:
            raise NotConvertible(f"{what} expected at the end of the routine body")
        return tok

    def at(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.upper in words

    def expect(self, word: str) -> None:
        tok = self.peek()
        if tok is None or tok.upper != word:
            raise NotConvertible(f"expected {word} near {_join(self.t[self.i : self.i + 6])!r}")
        self.i += 1

    def until(self, *stops: str, depth_aware: bool = True) -> list[Tok]:
        """Tokens up to (not including) the first stop word/symbol at parenthesis depth 0."""
        start = self.i
        depth = 0
        while self.i < len(self.t):
            tok = self.t[self.i]
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            elif depth == 0 and tok.upper in stops:
                return self.t[start : self.i]
            self.i += 1
        return self.t[start : self.i]

    # statements
    def body(self) -> str:
        """The whole body (a block or a single statement) as PL/pgSQL statements (no outer BEGIN/END)."""
        if self.at("BEGIN") or (self.text_at(1) == ":" and (self.peek(2) or Tok("", "")).upper == "BEGIN"):
            decls, stmts, label = self.block()
            if self.text_at() == ";":
                self.i += 1
            if self.peek() is not None:
                raise NotConvertible(f"unexpected text after END: {_join(self.t[self.i : self.i + 5])!r}")
            return self._render_block(decls, stmts, label, outer=True)
        stmt = self.statement()
        if self.text_at() == ";":
            self.i += 1
        return stmt

    def _render_block(self, decls: list[str], stmts: list[str], label: str | None, outer: bool) -> str:
        parts = []
        if label:
            parts.append(f"<<{label}>>")
        if decls:
            parts.append("DECLARE\n" + "\n".join(f"    {d}" for d in decls))
        parts.append("BEGIN\n" + "\n".join(indent(s) for s in stmts) + "\nEND" + ("" if outer else ";"))
        return "\n".join(parts)

    def block(self) -> tuple[list[str], list[str], str | None]:
        label = None
        if self.text_at(1) == ":":
            label = self.current("block label").text.lower()
            self.i += 2
        self.expect("BEGIN")
        decls: list[str] = []
        stmts: list[str] = []
        self.ctx.not_found.append(None)
        try:
            while not self.at("END"):
                if self.peek() is None:
                    raise NotConvertible("missing END")
                if self.at("DECLARE"):
                    decls += self.declare()
                else:
                    stmts.append(self.statement())
                self.expect(";")
            self.expect("END")
            end_label = self.text_at()
            if label and end_label is not None and end_label.lower() == label:
                self.i += 1
        finally:
            self.ctx.not_found.pop()
        return decls, stmts, label

    def declare(self) -> list[str]:
        self.expect("DECLARE")
        if self.at("EXIT", "CONTINUE", "UNDO"):
            kind = self.current("handler type").upper
            self.i += 1
            self.expect("HANDLER")
            self.expect("FOR")
            cond = _join(
                self.until(";", "BEGIN", "SET", "RETURN", "SELECT", "INSERT", "UPDATE", "DELETE", "LEAVE")
            ).upper()
            if kind != "EXIT" or cond != "NOT FOUND":
                raise NotConvertible(f"{kind} HANDLER FOR {cond} is not converted")
            action = self.statement()
            self.ctx.not_found[-1] = action
            return []
        if self.at("CURSOR") or (self.peek(1) or Tok("", "")).upper in ("CURSOR", "CONDITION"):
            raise NotConvertible("cursors and named conditions are not converted")
        names = [_ident(self.current("variable name").text)]
        self.i += 1
        while self.text_at() == ",":
            self.i += 1
            names.append(_ident(self.current("variable name").text))
            self.i += 1
        type_toks = self.until("DEFAULT", ";")
        pg_type = self.ctx.map_type(_join(type_toks))
        default = ""
        if self.at("DEFAULT"):
            self.i += 1
            default = " := " + self.expr(self.until(";"))
        self.ctx.variables.update(names)
        return [f"{quote_ident(n)} {pg_type}{default};" for n in names]

    def expr(self, tokens: list[Tok]) -> str:
        if not tokens:
            raise NotConvertible("empty expression")
        for tok in tokens:
            if tok.text.startswith("@"):
                raise NotConvertible(f"user variable {tok.text} is not converted")
        return self.ctx.converter.expression(_join(tokens))

    def statement(self) -> str:
        tok = self.peek()
        if tok is None:
            raise NotConvertible("statement expected")
        word = tok.upper
        label = None
        if self.text_at(1) == ":" and tok.kind == "word":
            nxt = (self.peek(2) or Tok("", "")).upper
            if nxt == "BEGIN":
                decls, stmts, lab = self.block()
                return self._render_block(decls, stmts, lab, outer=False)
            if nxt in ("LOOP", "WHILE", "REPEAT"):
                label = tok.text.lower()
                self.i += 2
                word = nxt
        if word == "BEGIN":
            decls, stmts, lab = self.block()
            return self._render_block(decls, stmts, lab, outer=False)
        if word == "SET":
            return self.set_stmt()
        if word == "IF":
            return self.if_stmt()
        if word == "WHILE":
            return self.loop_stmt("WHILE", label)
        if word == "REPEAT":
            return self.loop_stmt("REPEAT", label)
        if word == "LOOP":
            return self.loop_stmt("LOOP", label)
        if word in ("LEAVE", "ITERATE"):
            self.i += 1
            target = self.current(f"{word} label").text.lower()
            self.i += 1
            return f"{'EXIT' if word == 'LEAVE' else 'CONTINUE'} {target};"
        if word == "RETURN":
            self.i += 1
            if self.ctx.kind != "function":
                raise NotConvertible("RETURN outside a function")
            value = self.expr(self.until(";"))
            if self.ctx.return_cast and self.ctx.return_type:
                value = f"CAST({value} AS {self.ctx.return_type})"
            return f"RETURN {value};"
        if word == "SELECT":
            return self.select_into()
        if word in ("INSERT", "UPDATE", "DELETE"):
            toks = self.until(";")
            if any(t.text.startswith("@") for t in toks):
                raise NotConvertible("user variables are not converted")
            if word == "INSERT" and any(t.upper in ("IGNORE", "DUPLICATE") for t in toks):
                raise NotConvertible("INSERT IGNORE / ON DUPLICATE KEY UPDATE are not converted")
            return self.ctx.converter.statement(_join(toks)) + ";"
        if word == "SIGNAL":
            return self.signal()
        raise NotConvertible(f"statement {word} is not converted")

    def set_stmt(self) -> str:
        self.expect("SET")
        out = []
        while True:
            target = self.until("=", ":=")
            self.i += 1
            value = self.until(",", ";")
            if len(target) != 1 or target[0].text.startswith("@"):
                raise NotConvertible(f"SET {_join(target)} is not converted")
            name = target[0].text
            if "." in name:
                rec, _, col = name.partition(".")
                if rec.upper() not in ("NEW", "OLD"):
                    raise NotConvertible(f"SET {name} is not converted")
                lhs = f"{rec.lower()}.{quote_ident(_ident(col))}"
            else:
                lhs = quote_ident(_ident(name))
            out.append(f"{lhs} := {self.expr(value)};")
            if self.text_at() == ",":
                self.i += 1
                continue
            return "\n".join(out)

    def if_stmt(self) -> str:
        self.expect("IF")
        parts = [f"IF {self.expr(self.until('THEN'))} THEN"]
        self.expect("THEN")
        while True:
            parts.append(self.statements("ELSEIF", "ELSE", "END"))
            if self.at("ELSEIF"):
                self.i += 1
                parts.append(f"ELSIF {self.expr(self.until('THEN'))} THEN")
                self.expect("THEN")
            elif self.at("ELSE"):
                self.i += 1
                parts.append("ELSE")
            else:
                self.expect("END")
                self.expect("IF")
                parts.append("END IF;")
                return "\n".join(parts)

    def statements(self, *stops: str) -> str:
        out = []
        while not self.at(*stops):
            if self.peek() is None:
                raise NotConvertible(f"missing {stops[-1]}")
            out.append(self.statement())
            self.expect(";")
        return "\n".join(indent(s) for s in out)

    def loop_stmt(self, kind: str, label: str | None) -> str:
        head = f"<<{label}>>\n" if label else ""
        self.expect(kind)
        if kind == "WHILE":
            cond = self.expr(self.until("DO"))
            self.expect("DO")
            body = self.statements("END")
            self.expect("END")
            self.expect("WHILE")
            text = f"{head}WHILE {cond} LOOP\n{body}\nEND LOOP"
        elif kind == "REPEAT":
            body = self.statements("UNTIL")
            self.expect("UNTIL")
            cond = self.expr(self.until("END"))
            self.expect("END")
            self.expect("REPEAT")
            text = f"{head}LOOP\n{body}\n    EXIT WHEN {cond};\nEND LOOP"
        else:
            body = self.statements("END")
            self.expect("END")
            self.expect("LOOP")
            text = f"{head}LOOP\n{body}\nEND LOOP"
        end_label = self.text_at()
        if label and end_label is not None and end_label.lower() == label:
            self.i += 1
        return text + (f" {label};" if label else ";")

    def select_into(self) -> str:
        toks = self.until(";")
        depth = 0
        into_at = None
        for k, tok in enumerate(toks):
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            elif depth == 0 and tok.upper == "INTO":
                into_at = k
                break
        if into_at is None:
            raise NotConvertible(
                "SELECT without INTO returns a result set to the client (no PL/pgSQL equivalent)"
            )
        end = into_at + 1
        targets: list[str] = []
        while end < len(toks):
            name = toks[end].text
            if name.startswith("@") or name.upper() in ("OUTFILE", "DUMPFILE"):
                raise NotConvertible("SELECT INTO user variables or files is not converted")
            targets.append(quote_ident(_ident(name)))
            end += 1
            if end < len(toks) and toks[end].text == ",":
                end += 1
                continue
            break
        rest = toks[:into_at] + toks[end:]
        query, notes = self.ctx.converter.query(_join(rest))
        if notes:
            raise NotConvertible("; ".join(notes))
        one_row = _always_one_row(rest)
        handler = self.ctx.not_found[-1] if self.ctx.not_found else None
        if one_row:
            return f"{query} INTO {', '.join(targets)};"
        action = handler if handler else "NULL;"
        return (
            f"BEGIN\n    {query} INTO STRICT {', '.join(targets)};\n"
            f"EXCEPTION WHEN no_data_found THEN\n{indent(action)}\nEND;"
        )

    def signal(self) -> str:
        self.expect("SIGNAL")
        self.expect("SQLSTATE")
        if self.at("VALUE"):
            self.i += 1
        state = self.current("SQLSTATE value").text.strip("'\"")
        self.i += 1
        message = "unhandled user-defined exception"
        if self.at("SET"):
            self.i += 1
            toks = self.until(";")
            m = re.match(r"MESSAGE_TEXT\s*=\s*(.+)$", _join(toks), re.I | re.S)
            if not m or "," in m.group(1):
                raise NotConvertible("SIGNAL with condition items other than MESSAGE_TEXT is not converted")
            message_sql = self.ctx.converter.expression(m.group(1))
            return f"RAISE EXCEPTION USING ERRCODE = '{state}', MESSAGE = {message_sql};"
        if not re.fullmatch(r"[0-9A-Z]{5}", state):
            raise NotConvertible(f"SQLSTATE {state} is not a valid 5-character code")
        return f"RAISE EXCEPTION USING ERRCODE = '{state}', MESSAGE = '{message}';"


def _always_one_row(tokens: list[Tok]) -> bool:
    """``SELECT COUNT(*) ... / SUM(...)`` without GROUP BY/HAVING/LIMIT: exactly one row, always."""
    words = [t.upper for t in tokens]
    if any(w in ("GROUP", "HAVING", "LIMIT", "UNION") for w in words):
        return False
    depth = 0
    items: list[list[Tok]] = [[]]
    for tok in tokens[1:]:
        if depth == 0 and tok.upper == "FROM":
            break
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth -= 1
        if depth == 0 and tok.text == ",":
            items.append([])
        else:
            items[-1].append(tok)
    aggregates = {"COUNT", "SUM", "MIN", "MAX", "AVG", "IFNULL", "COALESCE"}
    for item in items:
        if not item:
            return False
        head = item[0].upper
        if head not in aggregates:
            return False
        if head in ("IFNULL", "COALESCE"):
            if len(item) < 3 or item[2].upper not in {"COUNT", "SUM", "MIN", "MAX", "AVG"}:
                return False
    return True


def indent(text: str, prefix: str = "    ") -> str:
    """``text`` with ``prefix`` before every non-empty line."""
    return "\n".join((prefix + line) if line else line for line in text.splitlines())


def strip_body(definition: str) -> str:
    """The body of a routine/trigger definition as stored in information_schema."""
    return definition.strip().rstrip(";").strip()


def translate_body(body: str, ctx: Context) -> str:
    """PL/pgSQL statements (``[DECLARE ...] BEGIN ... END``) for a MySQL body; raises NotConvertible."""
    tr = BodyTranslator(tokenize(body), ctx)
    text = tr.body()
    if not text.lstrip().startswith(("BEGIN", "DECLARE", "<<")):
        text = f"BEGIN\n{indent(text)}\nEND"
    return text
