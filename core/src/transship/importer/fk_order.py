"""A foreign key's unique index goes before the foreign key.

PostgreSQL accepts a foreign key when the referenced columns carry a primary key, a unique constraint, or a
unique index on exactly those columns (in any order) that is neither partial nor on expressions. The exported
files put every foreign key in ``tables/table.sql`` (after the tables, their primary keys and unique
constraints) and every index in ``tables/INDEXES_table.sql``, which is applied after it. A foreign key that
rests on a unique index therefore has to wait for that index, as ``pg_restore`` makes it.

:func:`order_for_foreign_keys` moves each such index (only those: the other indexes keep their place) to just
before the first foreign key that needs it. An index on ``ONLY`` a partitioned table stays in its file: it is
valid only once its partitions' indexes are attached to it (they come after it in the same file), so its
foreign key is retried after the rest (see :mod:`transship.importer.schema`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums import ConstrType
from pglast.parser import ParseError

from transship.schema_files import SchemaStatement

log = logging.getLogger(__name__)

_FK = re.compile(r"^ALTER\s+TABLE\b.*\bFOREIGN\s+KEY\b", re.I | re.S)
_KEY = re.compile(
    r"^(ALTER\s+TABLE\b.*\b(PRIMARY\s+KEY|UNIQUE)\b|CREATE\s+(UNLOGGED\s+)?TABLE\b)", re.I | re.S
)
_UNIQUE_INDEX = re.compile(r"^CREATE\s+UNIQUE\s+INDEX\b", re.I)

#: a table as written: (schema or None when unqualified, name), identifiers folded as the server folds them
Relation = tuple[str | None, str]


@dataclass(frozen=True)
class ForeignKey:
    """What an ``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`` needs: a unique key on ``columns`` of
    ``table`` (``columns`` empty: the table's primary key)."""

    table: Relation
    columns: frozenset[str]


def _parse(sql: str) -> ast.Node | None:
    try:
        stmts = parse_sql(sql)
    except ParseError:
        return None  # a statement the parser cannot read keeps its place; the server reports it
    return stmts[0].stmt if len(stmts) == 1 else None


def _relation(rv: ast.RangeVar) -> Relation:
    return (rv.schemaname or None, str(rv.relname))


def _names(items: object) -> frozenset[str]:
    """The names of a pglast list of ``String`` nodes (None: none)."""
    return frozenset(str(i.sval) for i in items or ())  # type: ignore[attr-defined]


def foreign_keys(sql: str) -> list[ForeignKey]:
    """The foreign keys an ``ALTER TABLE`` adds (none for any other statement)."""
    node = _parse(sql) if _FK.match(sql) else None
    if not isinstance(node, ast.AlterTableStmt):
        return []
    out = []
    for cmd in node.cmds or ():
        con = getattr(cmd, "def_", None)
        if isinstance(con, ast.Constraint) and con.contype == ConstrType.CONSTR_FOREIGN and con.pktable:
            out.append(ForeignKey(_relation(con.pktable), _names(con.pk_attrs)))
    return out


def unique_keys(sql: str) -> list[ForeignKey]:
    """The primary keys and unique constraints a ``CREATE TABLE`` or ``ALTER TABLE`` creates, as the keys a
    foreign key could reference (a primary key also as the empty column set: a reference without columns)."""
    node = _parse(sql) if _KEY.match(sql) else None
    if isinstance(node, ast.CreateStmt) and node.relation is not None:
        relation, constraints = _relation(node.relation), []
        for elt in node.tableElts or ():
            if isinstance(elt, ast.Constraint):
                constraints.append((elt, _names(elt.keys)))
            elif isinstance(elt, ast.ColumnDef):
                constraints += [(c, frozenset([str(elt.colname)])) for c in elt.constraints or ()]
    elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
        relation = _relation(node.relation)
        constraints = [
            (c, _names(c.keys))
            for cmd in node.cmds or ()
            if isinstance(c := getattr(cmd, "def_", None), ast.Constraint)
        ]
    else:
        return []
    out = []
    for con, cols in constraints:
        if con.contype == ConstrType.CONSTR_PRIMARY:
            out += [ForeignKey(relation, cols), ForeignKey(relation, frozenset())]
        elif con.contype == ConstrType.CONSTR_UNIQUE and not con.deferrable:
            out.append(ForeignKey(relation, cols))
    return out


def supporting_index(sql: str) -> ForeignKey | None:
    """The key a ``CREATE UNIQUE INDEX`` gives a foreign key to reference: None for an index on expressions, a
    partial one, a non-unique one, or one on ``ONLY`` a partitioned table."""
    node = _parse(sql) if _UNIQUE_INDEX.match(sql) else None
    if not isinstance(node, ast.IndexStmt) or not node.unique or node.whereClause is not None:
        return None
    if node.relation is None or node.relation.inh is False:  # ON ONLY: see the module's docstring
        return None
    params = node.indexParams or ()
    if not params or any(p.name is None or p.expr is not None for p in params):
        return None
    return ForeignKey(_relation(node.relation), frozenset(str(p.name) for p in params))


def _same(a: ForeignKey, b: ForeignKey) -> bool:
    """The same key; an unqualified name matches that name in any schema (it is resolved by search_path)."""
    (sa, na), (sb, nb) = a.table, b.table
    return na == nb and (sa == sb or sa is None or sb is None) and a.columns == b.columns


def order_for_foreign_keys(statements: list[SchemaStatement]) -> list[SchemaStatement]:
    """``statements`` with each unique index a later foreign key needs moved to just before that foreign key
    (when no primary key or unique constraint before it gives that key already)."""
    indexes = [(i, key) for i, st in enumerate(statements) if (key := supporting_index(st.statement.body))]
    if not indexes:
        return statements
    before: dict[int, list[int]] = {}  # statement position -> the indexes moved in front of it
    moved: set[int] = set()
    keys: list[ForeignKey] = []  # keys given so far (constraints, and the indexes already moved)
    for pos, st in enumerate(statements):
        body = st.statement.body
        keys += unique_keys(body)
        for fk in foreign_keys(body):
            if any(_same(fk, k) for k in keys):
                continue
            found = next(
                ((i, key) for i, key in indexes if i > pos and i not in moved and _same(fk, key)), None
            )
            if found is not None:
                before.setdefault(pos, []).append(found[0])
                moved.add(found[0])
                keys.append(found[1])
    if not moved:
        return statements
    out: list[SchemaStatement] = []
    for pos, st in enumerate(statements):
        out += [statements[i] for i in before.get(pos, [])]
        if pos not in moved:
            out.append(st)
    log.info(
        "%d unique index(es) go before the foreign key(s) referencing their columns: %s",
        len(moved),
        ", ".join(f"{statements[i].path.name}:{statements[i].line}" for i in sorted(moved)),
    )
    return out
