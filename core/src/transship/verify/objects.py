# mypy: disable-error-code="union-attr, arg-type, index, attr-defined, unused-ignore, assignment"
# (pglast types every node field as Optional; the statements parsed here always have them)
"""The schema objects ``verify`` checks: the source against the schema as exported, the exported schema against
the user's edited files (listed as user edits), and the edited files against the target.

``export schema`` keeps an untouched copy of what it wrote (``metainfo/schema-as-exported/``). The files the user
imported are parsed (pglast) into the objects they create — tables with their columns and types, indexes,
constraints, views, materialized views, functions, procedures, triggers, sequences, types, domains — and each
must exist on the target, every column with the type the files give it.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pglast
import psycopg
from pglast import ast

from transship.identifiers import quote_ident
from transship.schema_files import read_schema_files
from transship.sqlsplit import strip_leading_comments

AS_EXPORTED = "schema-as-exported"
_SERIALS = {
    "serial": "int4",
    "serial4": "int4",
    "bigserial": "int8",
    "serial8": "int8",
    "smallserial": "int2",
}


@dataclass(frozen=True)
class ObjectFinding:
    """One thing about the schema objects: a failure (``missing on target``, ``column type differs``,
    ``source changed``) or a ``user edit`` (informational)."""

    kind: str
    object_type: str
    name: str
    detail: str = ""

    @property
    def failure(self) -> bool:
        return self.kind != "user edit"

    def describe(self) -> str:
        return f"{self.kind}: {self.object_type} {self.name}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Expected:
    """The objects the schema files create (names as ``schema.name``; tables with their column types)."""

    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    objects: set[tuple[str, str]] = field(default_factory=set)  # (object type, qualified name)
    unparsed: int = 0
    pending: int = 0  # NOT VALID constraints finalize has not created yet
    #: trigger -> the ``pg_trigger.tgenabled`` the files leave it in (``O`` after CREATE TRIGGER, ``D`` disabled...)
    trigger_states: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.tables) + len(self.objects)


def type_key(names: list[str], typmods: list[int], array: bool) -> str:
    """A comparable form of a column type: ``varchar(20)[]``, ``int4``, ``colour`` (schema and pg_catalog dropped)."""
    base = _SERIALS.get(names[-1], names[-1])
    if base == "numeric" and len(typmods) == 1:  # numeric(20) is numeric(20,0)
        typmods = [*typmods, 0]
    mods = f"({','.join(str(m) for m in typmods)})" if typmods else ""
    return f"{base}{mods}{'[]' if array else ''}"


def _type_of(tn: ast.TypeName, typmods: bool = True) -> str:
    names = [n.sval for n in tn.names]
    mods = [
        m.val.ival
        for m in (tn.typmods or ())
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer)
    ]
    return type_key(names, mods if typmods else [], bool(tn.arrayBounds))


def key(*parts: str) -> str:
    """An object's name as one unambiguous string: each part quoted where needed, joined by dots."""
    return ".".join(quote_ident(p) for p in parts)


def _name(schema: str | None, name: str, default: str) -> str:
    return key(schema or default, name)


def _sub(parent: str, name: str) -> str:
    """A name within a table or domain (constraint, trigger) whose key is ``parent``."""
    return f"{parent}.{quote_ident(name)}"


def _args(params: object) -> str:
    """A routine's input argument types, as the target's catalog lists them (OUT and TABLE columns left out)."""
    types = [
        _type_of(fp.argType, typmods=False)  # the catalog keeps no typmods for arguments
        for fp in (params or ())  # type: ignore[attr-defined]
        if isinstance(fp, ast.FunctionParameter)
        and getattr(fp.mode, "name", "") not in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE")
    ]
    return "(" + ",".join(types) + ")"


def expected_objects(schema_dir: Path, default_schema: str, finalized: bool = True) -> Expected:
    """Parse every statement of the schema files into the objects it creates (``finalized`` False: leave out
    the NOT VALID constraints that only finalize-schema-post-data-import creates)."""
    from transship.importer.schema import is_not_valid_constraint

    out = Expected()
    for st in read_schema_files(schema_dir):
        if not finalized and is_not_valid_constraint(st.statement.body):
            out.pending += 1
            continue
        try:
            parsed = pglast.parse_sql(st.sql)
        except pglast.parser.ParseError:
            out.unparsed += 1
            continue
        for raw in parsed:
            _collect(raw.stmt, out, default_schema)
    return out


def _collect(node: ast.Node, out: Expected, default: str) -> None:  # noqa: C901 - one case per statement kind
    if isinstance(node, ast.CreateStmt):
        name = _name(node.relation.schemaname, node.relation.relname, default)
        cols = {
            e.colname: _type_of(e.typeName)
            for e in (node.tableElts or ())
            if isinstance(e, ast.ColumnDef) and e.typeName
        }
        out.tables[name] = cols
        for e in node.tableElts or ():
            if isinstance(e, ast.Constraint) and e.conname:
                out.objects.add(("CONSTRAINT", _sub(name, e.conname)))
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        out.objects.add(("INDEX", _name(node.relation.schemaname, node.idxname, default)))
    elif isinstance(node, ast.AlterTableStmt):
        table = _name(node.relation.schemaname, node.relation.relname, default)
        for cmd in node.cmds or ():
            state = _TRIGGER_STATES.get(getattr(cmd, "subtype", None))
            if state is not None and getattr(cmd, "name", None):
                out.trigger_states[_sub(table, cmd.name)] = state
            d = getattr(cmd, "def_", None)
            if isinstance(d, ast.Constraint) and d.conname:
                out.objects.add(("CONSTRAINT", _sub(table, d.conname)))
    elif isinstance(node, ast.ViewStmt):
        out.objects.add(("VIEW", _name(node.view.schemaname, node.view.relname, default)))
    elif isinstance(node, ast.CreateTableAsStmt) and node.into and node.into.rel:
        kind = "MVIEW" if node.objtype == pglast.enums.ObjectType.OBJECT_MATVIEW else "TABLE"
        rel = node.into.rel
        if kind == "TABLE":
            out.tables[_name(rel.schemaname, rel.relname, default)] = {}
        else:
            out.objects.add((kind, _name(rel.schemaname, rel.relname, default)))
    elif isinstance(node, ast.CreateFunctionStmt):
        parts = [n.sval for n in node.funcname]
        kind = "PROCEDURE" if node.is_procedure else "FUNCTION"
        name = _name(parts[-2] if len(parts) > 1 else None, parts[-1], default)
        out.objects.add((kind, name + _args(node.parameters)))
    elif isinstance(node, ast.DefineStmt) and node.kind == pglast.enums.ObjectType.OBJECT_AGGREGATE:
        parts = [n.sval for n in node.defnames]
        params = node.args[0] if node.args and isinstance(node.args[0], (list, tuple)) else ()
        name = _name(parts[-2] if len(parts) > 1 else None, parts[-1], default)
        out.objects.add(("AGGREGATE", name + _args(params)))
    elif isinstance(node, ast.CreateTrigStmt):
        table = _name(node.relation.schemaname, node.relation.relname, default)
        out.objects.add(("TRIGGER", _sub(table, node.trigname)))
        out.trigger_states[_sub(table, node.trigname)] = "O"
    elif isinstance(node, ast.CreateSeqStmt):
        out.objects.add(("SEQUENCE", _name(node.sequence.schemaname, node.sequence.relname, default)))
    elif isinstance(node, (ast.CreateEnumStmt, ast.CreateDomainStmt)):
        names = node.typeName if isinstance(node, ast.CreateEnumStmt) else node.domainname
        parts = [n.sval for n in names]
        kind = "TYPE" if isinstance(node, ast.CreateEnumStmt) else "DOMAIN"
        name = _name(parts[-2] if len(parts) > 1 else None, parts[-1], default)
        out.objects.add((kind, name))
        if isinstance(node, ast.CreateDomainStmt):
            for c in node.constraints or ():
                if isinstance(c, ast.Constraint) and c.conname:
                    out.objects.add(("CONSTRAINT", _sub(name, c.conname)))
    elif isinstance(node, ast.CompositeTypeStmt):
        out.objects.add(("TYPE", _name(node.typevar.schemaname, node.typevar.relname, default)))


_TRIGGER_STATES = {
    pglast.enums.AlterTableType.AT_EnableTrig: "O",
    pglast.enums.AlterTableType.AT_DisableTrig: "D",
    pglast.enums.AlterTableType.AT_EnableAlwaysTrig: "A",
    pglast.enums.AlterTableType.AT_EnableReplicaTrig: "R",
}
_TRIGGER_WORDS = {"O": "enabled", "D": "disabled", "A": "enabled always", "R": "enabled on replicas only"}
_TRIGGER_STATE_QUERY = (
    "SELECT n.nspname, r.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid"
    " JOIN pg_namespace n ON n.oid = r.relnamespace WHERE NOT t.tgisinternal"
)

_TARGET_QUERIES = {  # each row: the name's parts (the last one may be an argument list)
    "INDEX": "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('i', 'I')",
    "CONSTRAINT": "SELECT n.nspname, r.relname, o.conname FROM pg_constraint o "
    "JOIN pg_class r ON r.oid = o.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
    "UNION ALL SELECT n.nspname, t.typname, o.conname FROM pg_constraint o "
    "JOIN pg_type t ON t.oid = o.contypid JOIN pg_namespace n ON n.oid = t.typnamespace",
    "VIEW": "SELECT schemaname, viewname FROM pg_views",
    "MVIEW": "SELECT schemaname, matviewname FROM pg_matviews",
    "FUNCTION": "SELECT n.nspname, p.proname, oidvectortypes(p.proargtypes) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'w')",
    "PROCEDURE": "SELECT n.nspname, p.proname, oidvectortypes(p.proargtypes) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind = 'p'",
    "AGGREGATE": "SELECT n.nspname, p.proname, oidvectortypes(p.proargtypes) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind = 'a'",
    "TRIGGER": "SELECT n.nspname, r.relname, t.tgname FROM pg_trigger t "
    "JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace WHERE NOT t.tgisinternal",
    "SEQUENCE": "SELECT schemaname, sequencename FROM pg_sequences",
    "TYPE": "SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE t.typtype IN ('e', 'c') AND (t.typtype = 'e' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')",
    "DOMAIN": "SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE t.typtype = 'd'",
}


def _target_names(conn: psycopg.Connection, kind: str) -> set[str]:
    out = set()
    for row in conn.execute(_TARGET_QUERIES[kind]).fetchall():  # type: ignore[call-overload]
        if kind in ("FUNCTION", "PROCEDURE", "AGGREGATE"):
            args = [_formatted_key(a, a, a.endswith("[]")) for a in str(row[2]).split(", ") if a]
            out.add(key(str(row[0]), str(row[1])) + "(" + ",".join(args) + ")")
        else:
            out.add(key(*(str(v) for v in row)))
    return out


def target_columns(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """Every table's columns on the target with their type keys (see :func:`type_key`)."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname, a.attname, t.typname, "
        "CASE WHEN t.typcategory = 'A' THEN e.typname END, a.atttypmod, "
        "format_type(a.atttypid, a.atttypmod) "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type e ON e.oid = t.typelem "
        "WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    ).fetchall()
    out: dict[str, dict[str, str]] = {
        key(str(r[0]), str(r[1])): {}  # tables of no columns too
        for r in conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'f')"
        ).fetchall()
    }
    for schema, table, col, typname, elem, _typmod, formatted in rows:
        out.setdefault(key(str(schema), str(table)), {})[str(col)] = _formatted_key(
            str(formatted), str(elem or typname), elem is not None
        )
    return out


def _formatted_key(formatted: str, base: str, array: bool) -> str:
    """The type key of ``format_type`` text (parsed as pglast parses the files, so the spellings agree)."""
    try:
        stmt = pglast.parse_sql(f"CREATE TABLE x (c {formatted})")[0].stmt
        return _type_of(stmt.tableElts[0].typeName)  # type: ignore[union-attr]
    except (pglast.parser.ParseError, AttributeError, IndexError):
        return type_key([base], [], array)


def compare_with_target(expected: Expected, conn: psycopg.Connection) -> list[ObjectFinding]:
    """Each object the files create must be on the target; each column with the files' type."""
    findings: list[ObjectFinding] = []
    columns = target_columns(conn)
    for table, cols in sorted(expected.tables.items()):
        have = columns.get(table)
        if have is None:
            findings.append(ObjectFinding("missing on target", "TABLE", table))
            continue
        for col, wanted in cols.items():
            got = have.get(col)
            if got is None:
                findings.append(
                    ObjectFinding("missing on target", "COLUMN", f"{table}.{col}", f"type {wanted}")
                )
            elif got != wanted:
                findings.append(
                    ObjectFinding(
                        "column type differs", "COLUMN", f"{table}.{col}", f"files: {wanted}, target: {got}"
                    )
                )
    present: dict[str, set[str]] = {}
    for kind, name in sorted(expected.objects):
        if kind not in present:
            present[kind] = _target_names(conn, kind)
        if name not in present[kind]:
            findings.append(ObjectFinding("missing on target", kind, name))
    if expected.trigger_states:
        states = {key(str(s), str(t), str(n)): str(e) for s, t, n, e in conn.execute(_TRIGGER_STATE_QUERY)}
        for name, wanted in sorted(expected.trigger_states.items()):
            got = states.get(name)
            if got is not None and got != wanted:
                findings.append(
                    ObjectFinding(
                        "trigger state differs",
                        "TRIGGER",
                        name,
                        f"files: {_TRIGGER_WORDS.get(wanted, wanted)}, target: {_TRIGGER_WORDS.get(got, got)}",
                    )  # fmt: skip
                )
    return findings


def _statements(schema_dir: Path) -> Counter[tuple[str, str]]:
    """The statements of a schema folder by file, as written (comments before a statement dropped: whitespace
    inside a string or a routine body is part of the object)."""
    return Counter(
        (st.path.relative_to(schema_dir).as_posix(), strip_leading_comments(st.sql).strip())
        for st in read_schema_files(schema_dir)
    )


def statement_differences(before: Path, after: Path, kind: str, limit: int = 20) -> list[ObjectFinding]:
    """Statements only in ``before`` or only in ``after`` (as findings of ``kind``), at most ``limit`` listed."""
    a, b = _statements(before), _statements(after)
    out: list[ObjectFinding] = []
    removed = a - b
    added = b - a

    def around(text: str, others: list[str]) -> str:
        """The statement from a little before where it first differs from its closest counterpart."""
        best = max((_common_prefix(text, o) for o in others), default=0)
        return _short(" ".join(text.split()) if best < 60 else "..." + " ".join(text[best - 40 :].split()))

    removed_texts = [t for (_, t) in removed]
    added_texts = [t for (_, t) in added]
    for (path, text), _ in list(removed.items())[:limit]:
        shown = around(text, added_texts)
        out.append(
            ObjectFinding(kind, path, shown, "removed" if kind == "user edit" else "no longer on the source")
        )
    for (path, text), _ in list(added.items())[: max(0, limit - len(out))]:
        shown = around(text, removed_texts)
        out.append(ObjectFinding(kind, path, shown, "added" if kind == "user edit" else "new on the source"))
    hidden = len(removed) + len(added) - len(out)
    if hidden > 0:
        out.append(ObjectFinding(kind, "", f"{hidden} more statement(s)", ""))
    return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass
class ObjectsResult:
    """What verify found about the schema objects."""

    expected: int
    findings: list[ObjectFinding]
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[ObjectFinding]:
        return [f for f in self.findings if f.failure]

    def as_dict(self) -> dict[str, object]:
        return {
            "expected_objects": self.expected,
            "failures": [f.__dict__ | {"text": f.describe()} for f in self.failures],
            "user_edits": [f.__dict__ | {"text": f.describe()} for f in self.findings if not f.failure],
            "notes": self.notes,
        }


def check_objects(
    schema_dir: Path,
    untouched: Path,
    conn: psycopg.Connection,
    default_schema: str,
    finalized: bool,
    reexport: Callable[[Path], None] | None,
    scratch: Path,
) -> ObjectsResult:
    """Source vs the schema as exported (``reexport`` writes the source's schema now into a folder; None for
    script sources), exported vs edited files (user edits), edited files vs the target."""
    findings: list[ObjectFinding] = []
    notes: list[str] = []
    if untouched.is_dir():
        if reexport is not None:
            fresh = scratch / "verify-schema"
            if fresh.exists():
                shutil.rmtree(fresh)
            try:
                reexport(fresh)
                fresh.mkdir(parents=True, exist_ok=True)
                findings += statement_differences(untouched, fresh, "source changed")
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
        findings += statement_differences(untouched, schema_dir, "user edit")
    else:
        notes.append(
            "no untouched copy of the exported schema (exported by an earlier version): source and user edits not compared"
        )
    expected = expected_objects(schema_dir, default_schema, finalized)
    findings += compare_with_target(expected, conn)
    if expected.pending:
        notes.append(
            f"{expected.pending} NOT VALID constraint(s) are created by finalize-schema-post-data-import, which has not run"
        )
    if expected.unparsed:
        notes.append(
            f"{expected.unparsed} statement(s) of the schema files could not be parsed and were not checked"
        )
    return ObjectsResult(expected.count, findings, notes)
