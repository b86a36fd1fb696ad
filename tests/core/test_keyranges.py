"""The key-range planner, and verify reading one table in several key spans at once: every key belongs to
exactly one span, rows that only the target has (keys below the source's minimum or above its maximum)
included."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from transship.keyranges import INTEGER_LIMIT, ChunkPlan, plan_ranges, span_where
from transship.testing.databases import PgServer
from transship.verify.content import ColumnSpec, RowValues, TableSpec, compare_content
from transship.verify.memory import MemoryContentReader, MemoryTable
from transship.verify.postgres import PgContentReader, table_spec


def test_spans_are_contiguous_runs_open_at_both_ends() -> None:
    plan = ChunkPlan("range", 10, 100, 10)  # keys 100..199
    assert plan.spans(list(range(10))) == [(None, None)]
    assert plan.spans([0, 1, 2, 3, 4]) == [(None, 150)]
    assert plan.spans([5, 6, 7, 8, 9]) == [(150, None)]
    assert plan.spans([2, 3, 7]) == [(120, 140), (170, 180)]
    assert span_where("k", plan, [0, 1, 2, 3, 4]) == " WHERE (k < 150)"
    assert span_where("k", plan, [2, 9]) == " WHERE (k >= 120 AND k < 130) OR (k >= 190)"
    assert span_where("k", plan, list(range(10))) == ""
    assert plan.holds([0], -5) and plan.holds([9], 12) and not plan.holds([1], 0)
    assert plan.integer_safe() and not ChunkPlan("range", 2, -INTEGER_LIMIT, 10).integer_safe()


def _memory(keys: list[int], changed: int | None = None) -> MemoryContentReader:
    rows = [RowValues([str(k), f"v{k}" + ("!" if k == changed else "")], [str(k), f"v{k}"]) for k in keys]
    return MemoryContentReader({"t": MemoryTable(rows)})


SPEC = TableSpec(None, "t", [ColumnSpec("id", "int"), ColumnSpec("v", "text")], [0])


def test_parallel_spans_find_rows_outside_the_source_range_and_at_span_edges() -> None:
    source_keys = list(range(1, 20_001))
    target_keys = [-7, *source_keys[1:], 25_000]  # key 1 missing, two extra keys outside the source's range
    plan = plan_ranges(1, 20_000, 20_000)
    edge = plan.range_of(plan.count // 2).lo  # the first key of the second span
    result = compare_content(
        [_memory(source_keys), _memory(source_keys)],
        [_memory(target_keys, changed=edge), _memory(target_keys, changed=edge)],
        SPEC, SPEC,
    )  # fmt: skip
    found = {(d.key, d.kind) for d in result.differences}
    assert found == {
        ("id='-7'", "extra on target"), ("id='1'", "missing on target"), ("id='25000'", "extra on target"),
        (f"id='{edge}'", "changed"),
    }  # fmt: skip
    assert result.source_rows == 20_000 and result.target_rows == 20_001


@pytest.fixture
def pg_pair(pg_server: PgServer, pg_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("CREATE TABLE s (id bigint PRIMARY KEY, v text)")
        conn.execute("INSERT INTO s SELECT g, 'v' || g FROM generate_series(1, 20000) g")
        conn.execute("CREATE TABLE t AS TABLE s")
        conn.execute("ALTER TABLE t ADD PRIMARY KEY (id)")
        yield conn


def test_parallel_spans_on_postgresql_with_integer_buckets(pg_server: PgServer, pg_db: str, pg_pair) -> None:  # type: ignore[no-untyped-def]
    conn = pg_pair
    conn.execute("DELETE FROM t WHERE id = 1")
    conn.execute(
        "INSERT INTO t VALUES (-9000000000000000000, 'far below'), (9000000000000000000, 'far above')"
    )
    conn.execute("UPDATE t SET v = 'changed' WHERE id = 10001")
    readers = [
        PgContentReader(psycopg.connect(pg_server.conninfo(pg_db), autocommit=True), owned=True)
        for _ in range(4)
    ]
    try:
        s_spec, t_spec = table_spec(conn, "public", "s"), table_spec(conn, "public", "t")
        assert s_spec is not None and t_spec is not None
        result = compare_content(readers[:2], readers[2:], s_spec, t_spec)
    finally:
        for r in readers:
            r.close()
    kinds = {d.key: d.kind for d in result.differences}
    assert kinds == {
        "id='1'": "missing on target", "id='-9000000000000000000'": "extra on target",
        "id='9000000000000000000'": "extra on target", "id='10001'": "changed",
    }, kinds  # fmt: skip
