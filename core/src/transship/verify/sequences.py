"""What the schema files define of each sequence (direction, limits, cycling), for verify's sequence check.

The export recorded only each sequence's value; its shape comes from the ``CREATE SEQUENCE`` (and ``ALTER
SEQUENCE``) statements of the schema files, with PostgreSQL's defaults for what a statement leaves out. A
sequence no statement creates (an identity column's) has no known shape: verify then takes the target's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pglast
from pglast import ast

from transship.schema_files import read_schema_files
from transship.verify.objects import key

_MAX = {"int2": 2**15 - 1, "int4": 2**31 - 1, "int8": 2**63 - 1}


@dataclass(frozen=True)
class SequenceShape:
    """A sequence's increment, bounds and whether it wraps."""

    increment: int
    minimum: int
    maximum: int
    cycle: bool


def _number(arg: Any) -> int | None:
    if isinstance(arg, ast.Integer) and arg.ival is not None:
        return int(arg.ival)
    if isinstance(arg, ast.Float) and arg.fval is not None:
        return int(arg.fval)
    return None


def _shape(options: dict[str, Any]) -> SequenceShape:
    type_name = options.get("as")
    names = [n.sval for n in type_name.names or ()] if isinstance(type_name, ast.TypeName) else []
    top = _MAX.get(names[-1] if names else "int8", _MAX["int8"])
    increment = _number(options.get("increment")) or 1
    minimum = _number(options.get("minvalue"))
    maximum = _number(options.get("maxvalue"))
    cycle = options.get("cycle")
    return SequenceShape(
        increment,
        minimum if minimum is not None else (1 if increment > 0 else -top - 1),
        maximum if maximum is not None else (top if increment > 0 else -1),
        bool(cycle.boolval) if isinstance(cycle, ast.Boolean) else False,
    )


def defined_sequences(schema_dir: Path, default_schema: str) -> dict[str, SequenceShape]:
    """Key (as :func:`transship.verify.objects.key` makes it) -> the shape the schema files give the sequence."""
    options: dict[str, dict[str, Any]] = {}
    for st in read_schema_files(schema_dir):
        if "SEQUENCE" not in st.sql.upper():
            continue
        try:
            parsed = pglast.parse_sql(st.sql)
        except pglast.parser.ParseError:
            continue
        for raw in parsed:
            node = raw.stmt
            if isinstance(node, (ast.CreateSeqStmt, ast.AlterSeqStmt)) and node.sequence is not None:
                name = key(node.sequence.schemaname or default_schema, str(node.sequence.relname))
                given = {d.defname: d.arg for d in node.options or ()}
                if isinstance(node, ast.CreateSeqStmt):
                    options[name] = given
                elif name in options:
                    options[name].update(given)
    return {name: _shape(given) for name, given in options.items()}
