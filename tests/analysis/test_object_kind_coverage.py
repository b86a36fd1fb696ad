"""Rule x object-kind coverage of the YugabyteDB rules (issue 14).

Every fixture case that names a ``kind`` (see :mod:`transship.analysis.testing`) puts a construct into one
kind of object (a table default, an index, a view, a PL/pgSQL function ...); test_rule_fixtures.py runs
them and checks each fail case is reported exactly once with the object type and name voyager gives. This
module checks the table those cases make: each (rule, kind) has both a fail and a pass case, every rule of
the pack has kind cases, the kinds the known misses of issue 14 need are all there, and the table in
docs/analysis-vs-voyager.md is current. Regenerate it with::

    .venv/bin/python tests/analysis/test_object_kind_coverage.py
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from transship.analysis.registry import installed_rules
from transship.analysis.testing import RuleCase, load_rule_cases
from transship.plugins import PluginHost

FIXTURES = Path(__file__).parent / "fixtures"
DOC = Path(__file__).parents[2] / "docs" / "analysis-vs-voyager.md"
START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"

COLUMNS = ["table", "alter_table", "partition", "foreign_table", "index", "view", "mview", "sql_function",
           "plpgsql_function", "procedure", "trigger_function", "trigger", "domain", "policy", "do", "toplevel"]  # fmt: skip
"""Kinds with their own column; the others are listed in the last column."""

BODIES = {"sql_function", "plpgsql_function", "procedure", "trigger_function"}
EXPRESSIONS = {"table", "alter_table", "index", "view", "mview", *BODIES}
# The misses issue 14 lists, and the kinds each must be covered in.
REQUIRED: dict[str, set[str]] = {
    "JSON_CONSTRUCTOR_FUNCTION": EXPRESSIONS | {"trigger", "domain", "policy"},
    "JSON_TYPE_PREDICATE": EXPRESSIONS | {"trigger", "domain", "policy"},
    "STORAGE_PARAMETERS": {"index", "table", "alter_table", *BODIES},
    "DROP_MULTIPLE_OBJECTS": {"toplevel", *BODIES},
    "REINDEX": {"toplevel", *BODIES},
    "ALTER_TABLE_OF": {"alter_table", *BODIES},
    "SET_WITHOUT_CLUSTER": {"alter_table", "alter_mview", *BODIES},
    "PK_UK_ON_JSON_DATATYPE": {"table", "alter_table", "partition", "plpgsql_function"},
    "INDEX_ON_JSONB_DATATYPE": {"index", "plpgsql_function"},
    "INDEX_ON_USER_DEFINED_DATATYPE": {"index"},
    "CREATE_SCHEMA_WITH_ELEMENTS": {"schema", *BODIES},
    "ALTER_TYPE": {"alter_type", *BODIES},
    "ALTER_TYPE_DROP_ATTRIBUTE": {"alter_type", *BODIES},
    "ALTER_TYPE_RENAME_ATTRIBUTE": {"alter_type", *BODIES},
    "CURSOR_FETCH_DIRECTION": {"toplevel", *BODIES},
    "FOREIGN_TABLE_WITH_KEYS": {"foreign_table", "alter_foreign_table", *BODIES},
}


def kind_cases() -> list[RuleCase]:
    return [c for f in sorted(FIXTURES.glob("*.yaml")) for c in load_rule_cases(f) if c.kind]


def coverage(cases: list[RuleCase]) -> dict[str, dict[str, dict[bool, int]]]:
    """rule code -> object kind -> {expect_issue: number of cases}."""
    table: dict[str, dict[str, dict[bool, int]]] = defaultdict(
        lambda: defaultdict(lambda: {True: 0, False: 0})
    )
    for case in cases:
        table[case.code][str(case.object_kind)][case.expect_issue] += 1
    return table


def yb_rules() -> list[str]:
    return sorted(
        r.rule.code
        for r in installed_rules(PluginHost())
        if r.distribution in ("transship-rules-yugabytedb", "transship")
    )


def _family(code: str) -> str:
    for pattern, name in ((r"^UNSUPPORTED_DATATYPE_\w+$", "UNSUPPORTED_DATATYPE_*"), (r"^PK_UK_ON_\w+_DATATYPE$", "PK_UK_ON_*_DATATYPE"),
                          (r"^INDEX_ON_\w+_DATATYPE$", "INDEX_ON_*_DATATYPE"), (r"^SYSTEM_COLUMN_\w+$", "SYSTEM_COLUMN_*")):  # fmt: skip
        if re.match(pattern, code):
            return name
    return code


def render(cases: list[RuleCase]) -> str:
    """The coverage table as Markdown: one row per rule (families with the same kinds share a row)."""
    cov = coverage(cases)
    rows: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for code in sorted(cov):
        kinds = tuple(sorted(k for k, n in cov[code].items() if n[True] and n[False]))
        rows[(_family(code), kinds)].append(code)
    out = [
        "| Rule | " + " | ".join(COLUMNS) + " | other kinds | cases |",
        "|---|" + "---|" * (len(COLUMNS) + 2),
    ]
    for (family, kinds), codes in sorted(rows.items()):
        if len(codes) == 1 or family == codes[0]:
            label = f"`{codes[0]}`" if len(codes) == 1 else ", ".join(f"`{c}`" for c in codes)
        else:
            label = f"`{family}` ({len(codes)} rules)"
        n = sum(sum(v.values()) for c in codes for v in cov[c].values())
        cells = ["✓" if k in kinds else "" for k in COLUMNS]
        other = ", ".join(k for k in kinds if k not in COLUMNS)
        out.append(f"| {label} | " + " | ".join(cells) + f" | {other} | {n} |")
    return "\n".join(out) + "\n"


def test_each_kind_has_fail_and_pass_cases() -> None:
    cov = coverage(kind_cases())
    missing = sorted(
        f"{code}/{kind}: {'no pass' if n[True] else 'no fail'}"
        for code, kinds in cov.items()
        for kind, n in kinds.items()
        if not (n[True] and n[False])
    )
    assert not missing, missing


def test_every_yugabytedb_rule_has_kind_cases() -> None:
    cov = coverage(kind_cases())
    assert not [c for c in yb_rules() if c not in cov], "rules without object-kind fixture cases"


def test_known_misses_are_covered_in_every_kind() -> None:
    cov = coverage(kind_cases())
    gaps = {
        code: sorted(want - {k for k, n in cov[code].items() if n[True] and n[False]})
        for code, want in REQUIRED.items()
    }
    assert {c: g for c, g in gaps.items() if g} == {}


def test_document_table_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    current = text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert current == render(kind_cases()), (
        "docs/analysis-vs-voyager.md is stale: run .venv/bin/python tests/analysis/test_object_kind_coverage.py"
    )


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{START}\n{render(kind_cases())}{END}{tail}", encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")


if __name__ == "__main__":
    main()
