"""Correctness of every run, checked before any number is reported: a fast wrong result is never a result."""

from __future__ import annotations

from transship.testing.compare import table_digests

from .databases import TABLES, PgServer


def compare_checks(
    source: dict[str, dict[str, str]], target: dict[str, dict[str, str]]
) -> tuple[bool, list[str]]:
    """Whether every table's aggregates (row count, NULL counts, value lengths, sums) equal the source's."""
    problems = []
    for table in TABLES:
        if table not in target:
            problems.append(f"{table}: missing in the target")
            continue
        for label, expected in source[table].items():
            got = target[table].get(label)
            if got != expected:
                problems.append(f"{table} {label}: source {expected}, target {got}")
    return not problems, problems


def compare_content(
    pg: PgServer, source_db: str, target_db: str, source_digests: dict
) -> tuple[bool, list[str]]:
    """PostgreSQL→PostgreSQL: row count and md5 of all rows in key order, per table of schema public."""
    target = table_digests(pg.conninfo(target_db), ["public"])
    problems = []
    for name, (count, digest) in source_digests.items():
        got = target.get(name)
        if got is None:
            problems.append(f"{name}: missing in the target")
        elif got != (count, digest):
            problems.append(f"{name}: source {count} rows md5 {digest}, target {got[0]} rows md5 {got[1]}")
    return not problems, problems


def source_digests(pg: PgServer, source_db: str) -> dict[str, tuple[int, str]]:
    """Row counts and content md5s of the PostgreSQL source (computed once per invocation)."""
    return table_digests(pg.conninfo(source_db), ["public"])
