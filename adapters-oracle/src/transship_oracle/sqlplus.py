"""Run Oracle scripts the way SQL*Plus does, without a database: client commands, includes, DEFINE.

Both script readers (``export schema``'s :mod:`transship_oracle.ddl_script` and ``export data``'s
:mod:`transship_oracle.script_data`) read their files through one :class:`SqlPlus` session, which yields
the statements SQL*Plus would send to the database, in order:

- ``@file``, ``@@file`` and ``START file`` read the named script in place (relative to the including
  script's directory, ``.sql`` added to a name without an extension; arguments become ``&1``, ``&2`` ...);
  an include cycle, or more than :data:`MAX_DEPTH` nested scripts, is an error naming the files;
- ``EXIT``/``QUIT`` end the run: nothing after them is read (nor the rest of the scripts that included
  the one holding it); the next ``--source-*-file`` is read as usual;
- ``DEFINE``/``UNDEFINE``, ``SET DEFINE``/``SCAN``/``ESCAPE``/``CONCAT`` and ``&var``/``&&var``/``&var.``
  substitution behave as in SQL*Plus (substitution applies to the statement text, string literals and
  comments inside it included); a variable that is not defined is an error (SQL*Plus would prompt);
- client-only commands (``SET``, ``PROMPT``, ``REMARK``, ``SPOOL``, ``WHENEVER``, ``COLUMN``, a stray
  ``/`` ...) send nothing; they are recorded in :attr:`SqlPlus.commands` for the analysis report;
- commands that would need a user, a shell or another database (``HOST``, ``ACCEPT`` of an undefined
  variable, ``COPY``, buffer editing ...), and first words that are neither SQL nor SQL*Plus, are errors.

The table of every command and what happens to it is :data:`COMMANDS` (documented in ``docs/oracle.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from transship.sdk import ConfigError
from transship_oracle.script import ScriptStatement, ScriptUnit, iter_script
from transship_oracle.tokens import ScriptSyntaxError

MAX_DEPTH = 20
"""Scripts nested deeper than this (SQL*Plus's own limit) are refused."""

# What each SQL*Plus command does here.
NOTE = "note"  # client-only: nothing is sent to the database; recorded for the analysis report
EXIT = "exit"  # ends the run
INCLUDE = "include"  # the named script is read in place
DEFINE = "define"
UNDEFINE = "undefine"
SET = "set"
ACCEPT = "accept"  # a note when the variable is DEFINEd, else an error
EXECUTE = "execute"  # EXEC proc(...) is the PL/SQL block BEGIN proc(...); END;
RERUN = "rerun"  # RUN, like a "/" line: runs the buffer again
ERROR = "error"

# name -> (shortest abbreviation, action, why it is refused for ERROR)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "@": ("@", INCLUDE, ""),
    "@@": ("@@", INCLUDE, ""),
    "START": ("STA", INCLUDE, ""),
    "EXIT": ("EXIT", EXIT, ""),
    "QUIT": ("QUIT", EXIT, ""),
    "DEFINE": ("DEF", DEFINE, ""),
    "UNDEFINE": ("UNDEF", UNDEFINE, ""),
    "SET": ("SET", SET, ""),
    "ACCEPT": ("ACC", ACCEPT, ""),
    "EXECUTE": ("EXEC", EXECUTE, ""),
    "RUN": ("R", RERUN, ""),
    "REMARK": ("REM", NOTE, ""),
    "PROMPT": ("PRO", NOTE, ""),
    "SPOOL": ("SPO", NOTE, ""),
    "WHENEVER": ("WHENEVER", NOTE, ""),
    "CONNECT": ("CONN", NOTE, ""),
    "DISCONNECT": ("DISC", NOTE, ""),
    "COLUMN": ("COL", NOTE, ""),
    "ATTRIBUTE": ("ATTRIBUTE", NOTE, ""),
    "BREAK": ("BRE", NOTE, ""),
    "COMPUTE": ("COMP", NOTE, ""),
    "CLEAR": ("CL", NOTE, ""),
    "TTITLE": ("TTI", NOTE, ""),
    "BTITLE": ("BTI", NOTE, ""),
    "REPHEADER": ("REPH", NOTE, ""),
    "REPFOOTER": ("REPF", NOTE, ""),
    "SHOW": ("SHO", NOTE, ""),
    "DESCRIBE": ("DESC", NOTE, ""),
    "PAUSE": ("PAU", NOTE, ""),
    "PRINT": ("PRI", NOTE, ""),
    "VARIABLE": ("VAR", NOTE, ""),
    "TIMING": ("TIMI", NOTE, ""),
    "STORE": ("STORE", NOTE, ""),
    "SAVE": ("SAV", NOTE, ""),
    "LIST": ("L", NOTE, ""),
    "HELP": ("HELP", NOTE, ""),
    "HISTORY": ("HIST", NOTE, ""),
    "HOST": ("HO", ERROR, "HOST runs a shell command on the client: transship does not run it"),
    "!": ("!", ERROR, "HOST runs a shell command on the client: transship does not run it"),
    "$": ("$", ERROR, "HOST runs a shell command on the client: transship does not run it"),
    "COPY": ("COPY", ERROR, "COPY copies rows between databases: script mode has no database"),
    "PASSWORD": ("PASSW", ERROR, "PASSWORD asks the user for a password"),
    "GET": ("GET", ERROR, "GET loads another file into the SQL buffer"),
    "EDIT": ("ED", ERROR, "EDIT opens an editor on the SQL buffer"),
    "INPUT": ("I", ERROR, "INPUT edits the SQL buffer"),
    "APPEND": ("A", ERROR, "APPEND edits the SQL buffer"),
    "CHANGE": ("C", ERROR, "CHANGE edits the SQL buffer"),
    "DEL": ("DEL", ERROR, "DEL edits the SQL buffer"),
    "ARCHIVE": ("ARCHIVE", ERROR, "ARCHIVE LOG administers a database instance"),
    "RECOVER": ("RECOVER", ERROR, "RECOVER administers a database instance"),
    "STARTUP": ("STARTUP", ERROR, "STARTUP administers a database instance"),
    "SHUTDOWN": ("SHUTDOWN", ERROR, "SHUTDOWN administers a database instance"),
    "XQUERY": ("XQUERY", ERROR, "XQUERY runs a query on the database"),
}

# First words of what SQL*Plus sends to the database (SQL statements and PL/SQL blocks).
_SQL_WORDS = frozenset(
    "ADMINISTER ALTER ANALYZE ASSOCIATE AUDIT BEGIN CALL COMMENT COMMIT CREATE DECLARE DELETE DISASSOCIATE"
    " DROP EXPLAIN FLASHBACK GRANT INSERT LOCK MERGE NOAUDIT PURGE RENAME REVOKE ROLLBACK SAVEPOINT SELECT"
    " SET TRUNCATE UPDATE VALUES WITH".split()
)
_SQL_SET = re.compile(r"^SET\s+(?:TRANSACTION|ROLE|CONSTRAINTS?)\b", re.IGNORECASE)  # SQL, not SQL*Plus SET
_FIRST = re.compile(r"\s*(@@|@|!|\$|[A-Za-z]+)")
_NAME = re.compile(r"[A-Za-z0-9_$#]+")
_HOST_MESSAGE = "remove the line from the script (and run the shell command yourself if it matters)"


class SqlPlusError(ScriptSyntaxError):
    """A script cannot be run as SQL*Plus would run it; the message already starts with ``path:line:``."""


def command_name(line: str) -> str | None:
    """The SQL*Plus command ``line`` starts with (its full name), or ``None`` for SQL and unknown words."""
    m = _FIRST.match(line)
    if m is None:
        return None
    word = m.group(1).upper()
    if word in ("@", "@@", "!", "$"):
        return word
    rest = line[m.end() :]
    if rest[:1] and (rest[0].isalnum() or rest[0] in "_$#"):
        return None
    if word == "SET" and _SQL_SET.match(line.strip()):
        return None
    for name, (abbrev, _action, _why) in COMMANDS.items():
        if name.startswith(word) and len(word) >= len(abbrev):
            return name
    return None


@dataclass(frozen=True)
class ClientCommand:
    """A SQL*Plus command that sent nothing to the database: ``name`` as in :data:`COMMANDS` or ``/``."""

    source: str
    line: int
    name: str


@dataclass
class SqlPlus:
    """One SQL*Plus run over the scripts of one command (DEFINEs carry over from one file to the next)."""

    defines: dict[str, str] = field(default_factory=dict)  # upper-case name -> value
    prefix: str | None = "&"  # SET DEFINE char; None: substitution is off
    escape: str | None = None  # SET ESCAPE char
    concat: str | None = "."  # SET CONCAT char
    commands: list[ClientCommand] = field(default_factory=list)
    _buffer: ScriptStatement | None = None  # the SQL buffer: what "/" runs again
    _exited: bool = False

    def statements(self, path: str, option: str) -> Iterator[ScriptStatement]:
        """Yield what SQL*Plus would send to the database when running ``path`` (an ``option`` file)."""
        self._exited = False
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(f"cannot read {option} {path}: {exc.strerror}", fix="check the path") from None
        yield from self._run(text, path, [path])

    # -- running one script -----------------------------------------------------------------------------
    def _run(self, text: str, source: str, stack: list[str]) -> Iterator[ScriptStatement]:
        for unit in iter_script(text, command_name):
            if unit.kind == "slash":
                yield from self._rerun(source, unit.line)
            elif unit.kind == "command":
                yield from self._command(unit, source, stack)
            else:
                sql = self.substitute(unit.text, source, unit.line)
                self._check_sql(sql, source, unit.line)
                st = ScriptStatement(sql, unit.line, unit.plsql, source)
                self._buffer = st
                yield st
            if self._exited:
                return

    def _rerun(self, source: str, line: int, name: str = "/") -> Iterator[ScriptStatement]:
        self.commands.append(ClientCommand(source, line, name))
        if self._buffer is not None:
            b = self._buffer
            yield ScriptStatement(b.sql, line, b.plsql, source, rerun=True)

    def _check_sql(self, sql: str, source: str, line: int) -> None:
        m = re.match(r"[A-Za-z]+|\(|<<", sql)
        if m is None or m.group(0).upper() not in _SQL_WORDS | {"(", "<<"}:
            first = " ".join(sql.split("\n", 1)[0].split())[:60]
            raise SqlPlusError(
                f"{source}:{line}: {first!r} is not a SQL statement nor a SQL*Plus command transship knows",
                fix="remove or fix the line (see the SQL*Plus command table in docs/oracle.md)",
            )

    def _command(self, unit: ScriptUnit, source: str, stack: list[str]) -> Iterator[ScriptStatement]:
        name = command_name(unit.text) or ""
        _abbreviation, action, why = COMMANDS[name]
        line = unit.line
        if name == "REMARK":  # a comment: never substituted, never continued
            self.commands.append(ClientCommand(source, line, name))
            return
        text = self.substitute(re.sub(r"-[ \t]*\r?\n", " ", unit.text), source, line)
        first = _FIRST.match(text)
        args = text[first.end() :].strip() if first is not None else ""
        where = f"{source}:{line}"
        if action == ERROR:
            raise SqlPlusError(
                f"{where}: {why}", fix=_HOST_MESSAGE if "HOST" in why else "remove the line from the script"
            )
        if action == INCLUDE:
            yield from self._include(name, args, source, line, stack)
            return
        if action == EXECUTE:
            body = args.rstrip().rstrip(";")
            st = ScriptStatement(f"BEGIN {body}; END;", line, True, source)
            self._buffer = st
            yield st
            return
        if action == RERUN:
            yield from self._rerun(source, line, name)
            return
        self.commands.append(ClientCommand(source, line, name))
        if action == EXIT:
            self._exited = True
            if re.search(r"\bROLLBACK\b", args, re.IGNORECASE):  # EXIT ROLLBACK: sent before leaving
                yield ScriptStatement("ROLLBACK", line, False, source)
        elif action == DEFINE:
            self._define(args, where)
        elif action == UNDEFINE:
            for var in args.split():
                self.defines.pop(var.upper(), None)
        elif action == SET:
            self._set(args, where)
        elif action == ACCEPT:
            var = args.split()[0] if args.split() else ""
            if var.upper() not in self.defines:
                raise SqlPlusError(
                    f"{where}: ACCEPT {var} asks the user for a value (SQL*Plus would prompt) and {var} is not DEFINEd",
                    fix=f"add DEFINE {var} = <value> before the ACCEPT line",
                )
        elif name == "CLEAR" and args.upper().startswith(("BUFF", "SQL")):
            self._buffer = None

    # -- includes -------------------------------------------------------------------------------------------
    def _include(
        self, name: str, args: str, source: str, line: int, stack: list[str]
    ) -> Iterator[ScriptStatement]:
        words = _words(args)
        where = f"{source}:{line}"
        if not words:
            raise SqlPlusError(f"{where}: {name} without a script name", fix=f"write {name}script.sql")
        target = words[0]
        if target.startswith("?"):
            raise SqlPlusError(
                f"{where}: {name}{target} names a script under ORACLE_HOME, which script mode does not have",
                fix="copy the script next to the others and include it by its path",
            )
        path = Path(target)
        if not path.suffix:
            path = path.with_name(path.name + ".sql")
        if not path.is_absolute():
            path = Path(source).parent / path
        resolved = str(path.resolve())
        if resolved in (str(Path(p).resolve()) for p in stack):
            cycle = " -> ".join([*stack, str(path)])
            raise SqlPlusError(
                f"{where}: include cycle: {cycle}", fix="remove the include that closes the cycle"
            )
        if len(stack) >= MAX_DEPTH:
            raise SqlPlusError(
                f"{where}: more than {MAX_DEPTH} nested scripts ({' -> '.join(stack)})",
                fix="flatten the includes",
            )
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise SqlPlusError(
                f"{where}: cannot read {path} (included by {name}{target}): {exc.strerror}",
                fix=f"check the name; {name} is resolved relative to {Path(source).parent or '.'}",
            ) from None
        self.commands.append(ClientCommand(source, line, name))
        for k, value in enumerate(words[1:], start=1):
            self.defines[str(k)] = value
        yield from self._run(text, str(path), [*stack, str(path)])

    # -- DEFINE, SET and substitution -----------------------------------------------------------------------
    def _define(self, args: str, where: str) -> None:
        m = re.match(r"([A-Za-z0-9_$#]+)\s*=\s*(.*)$", args, re.DOTALL)
        if m is None:
            return  # DEFINE / DEFINE var only list variables
        value = m.group(2).strip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            end = 1
            out = []
            while True:
                k = value.find(quote, end)
                if k < 0:
                    raise SqlPlusError(
                        f"{where}: DEFINE {m.group(1)}: unterminated quote", fix=f"close the {quote}"
                    )
                out.append(value[end:k])
                if value[k + 1 : k + 2] == quote:
                    out.append(quote)
                    end = k + 2
                    continue
                rest = value[k + 1 :].strip()
                break
            value = "".join(out)
        else:
            value, _, rest = value.partition(" ")
            rest = rest.strip()
        if rest:
            raise SqlPlusError(
                f"{where}: DEFINE {m.group(1)}: unexpected {rest[:30]!r} after the value",
                fix='put a value with blanks in quotes: DEFINE name = "two words"',
            )
        self.defines[m.group(1).upper()] = value

    def _set(self, args: str, where: str) -> None:
        words = _words(args)
        k = 0
        while k < len(words):
            option = words[k].upper()
            value = words[k + 1] if k + 1 < len(words) else ""
            on, off = value.upper() == "ON", value.upper() == "OFF"
            if _abbrev(option, "DEFINE", "DEF"):
                self.prefix = "&" if on else None if off else value[:1] or None
            elif _abbrev(option, "SCAN", "SCAN"):
                self.prefix = "&" if on else None if off else self.prefix
            elif _abbrev(option, "ESCAPE", "ESC"):
                self.escape = "\\" if on else None if off else value[:1] or None
            elif _abbrev(option, "CONCAT", "CON"):
                self.concat = "." if on else None if off else value[:1] or None
            elif _abbrev(option, "SQLTERMINATOR", "SQLT") and value.upper() not in ("ON", ";"):
                raise SqlPlusError(
                    f"{where}: SET SQLTERMINATOR {value} changes how statements end; script mode reads ';' only",
                    fix="remove the SET SQLTERMINATOR line and end statements with ';'",
                )
            else:
                k += 1
                continue
            k += 2

    def substitute(self, text: str, source: str, line: int) -> str:
        """Replace ``&var``, ``&&var`` and ``&var.`` in ``text`` (which starts at ``line``) as SQL*Plus does."""
        c = self.prefix
        if c is None or c not in text:
            return text
        out: list[str] = []
        i = 0
        while True:
            j = text.find(c, i)
            if j < 0:
                out.append(text[i:])
                return "".join(out)
            if self.escape and j > 0 and text[j - 1] == self.escape:
                out.append(text[i : j - 1] + c)
                i = j + 1
                continue
            k = j + 2 if text.startswith(c + c, j) else j + 1
            m = _NAME.match(text, k)
            if m is None:
                out.append(text[i:k])
                i = k
                continue
            end = m.end()
            if self.concat and text.startswith(self.concat, end):
                end += 1
            value = self.defines.get(m.group(0).upper())
            if value is None:
                ref = text[j : m.end()]
                raise SqlPlusError(
                    f"{source}:{line + text.count(chr(10), 0, j)}: substitution variable {ref} is not defined"
                    " (SQL*Plus would prompt for it)",
                    fix=f"DEFINE {m.group(0)} = <value> before it, or SET DEFINE OFF if the {c} is text (as in 'AT&T')",
                )
            out.append(text[i:j] + value)
            i = end


def _abbrev(word: str, name: str, shortest: str) -> bool:
    return name.startswith(word) and len(word) >= len(shortest)


def _words(text: str) -> list[str]:
    """Split command arguments at blanks; '...' and "..." keep blanks (the quotes are removed)."""
    return [
        next(g for g in m.groups() if g is not None)
        for m in re.finditer(r"'([^']*)'|\"([^\"]*)\"|(\S+)", text)
    ]


def client_command_notes(commands: list[ClientCommand]) -> list[tuple[str, str]]:
    """One ``(script, reason)`` per script that held client commands, for the analysis report."""
    by_source: dict[str, dict[str, list[int]]] = {}
    for c in commands:
        by_source.setdefault(c.source, {}).setdefault(c.name, []).append(c.line)
    out = []
    for source, names in by_source.items():
        parts = []
        for name, lines in names.items():
            label = "line" if len(lines) == 1 else "lines"
            extra = _MEANING.get(name, "")
            parts.append(f"{name} ({label} {_ranges(lines)}{extra})")
        out.append(
            (
                source,
                "SQL*Plus commands run by the client, not sent to the database and not in the exported "
                "schema: " + ", ".join(parts),
            )
        )
    return out


_MEANING = {
    "EXIT": ": the rest of the script was not read",
    "QUIT": ": the rest of the script was not read",
    "@": ": the script was read in place",
    "@@": ": the script was read in place",
    "START": ": the script was read in place",
    "DEFINE": ": applied to the text",
    "UNDEFINE": ": applied to the text",
}


def _ranges(lines: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``1-3, 7``."""
    spans: list[list[int]] = []
    for n in sorted(set(lines)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    shown = [str(a) if a == b else f"{a}-{b}" for a, b in spans]
    if len(shown) > _MAX_SPANS:
        shown[_MAX_SPANS:] = [f"and {len(shown) - _MAX_SPANS} more"]
    return ", ".join(shown)


_MAX_SPANS = 12
