"""PostgreSQL data export through ``psql`` children (transship_postgres.psql_copy) and its fallbacks.

- psql and psycopg write byte-identical files (whole tables and chunks, values COPY escapes, NULLs, bytea,
  multi-byte text, arrays, json, a table without columns), and psql was really the one used;
- no psql on the PATH, or a psql that cannot connect: psycopg exports instead, with one warning in the log;
- a psql that fails mid-copy stops the export with one line naming the table, keeps nothing of it, and the
  re-run completes;
- a killed export leaves no child behind (the parent-death signal);
- line lengths are followed across 1 MiB blocks (unit tests of LineLimit).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.child_programs import SETPRIV, assert_no_child_outlives_a_killed_cli, fake_program
from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags
from transship_postgres.psql_copy import BLOCK, DRIVER_ENV, LineLimit, LineTooLong

REAL_PSQL = "/usr/bin/psql"

VALUES_SQL = r"""
CREATE TABLE mixed (id int PRIMARY KEY, t text, b bytea, a int[], j jsonb, ts timestamptz, n numeric, f float8);
INSERT INTO mixed
SELECT g,
       CASE WHEN g % 7 = 0 THEN NULL ELSE E'tab\there\nnew line \\ back ü€ ' || g END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
       ARRAY[g, NULL, -g],
       jsonb_build_object('k', g, 's', E'q"\\'),
       timestamptz '2024-03-01 12:00:00+00' + g * interval '1 minute',
       g / 7.0,
       g / 3.0
FROM generate_series(1, 3000) g;
CREATE TABLE heap (v text);
INSERT INTO heap SELECT repeat(chr(65 + g % 26), g % 300) FROM generate_series(1, 4000) g;
CREATE TABLE nocols ();
INSERT INTO nocols DEFAULT VALUES; INSERT INTO nocols DEFAULT VALUES;
ANALYZE;
"""


def _files(export_dir: Path) -> dict[str, str]:
    return {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted((export_dir / "data").glob("*_data.sql"))
    }


def _fake_psql(folder: Path, body: str) -> dict[str, str]:
    """An environment whose PATH finds a ``psql`` script with ``body`` first."""
    return fake_program(folder, "psql", body)


def _export(export_dir: Path, src: list[str], env: dict[str, str], check: bool = True):  # type: ignore[no-untyped-def]
    return run_cli("export", "data", "-e", str(export_dir), *src, "--disable-pb", "true", "--parallel-jobs", "2",
                   env={"TRANSSHIP_EXPORT_CHUNK_ROWS": "1000", **env}, check=check)  # fmt: skip


@pytest.mark.skipif(not Path(REAL_PSQL).exists(), reason=f"needs {REAL_PSQL} (PostgreSQL client)")
def test_psql_and_psycopg_write_identical_files(pg_server, pg_db, tmp_path: Path) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute(VALUES_SQL)
    src = source_flags(pg_server, pg_db, "public")
    calls = tmp_path / "calls"
    env = _fake_psql(tmp_path / "bin", f'echo x >> "{calls}"\nexec {REAL_PSQL} "$@"')
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    for d in (fast, slow):
        d.mkdir()
        run_cli("export", "schema", "-e", str(d), *src)
    _export(fast, src, env)
    _export(slow, src, {DRIVER_ENV: "psycopg"})
    files = _files(fast)
    assert len([n for n in files if "+" in n]) >= 6, files  # mixed and heap went in chunks
    assert files == _files(slow)
    assert len(calls.read_text().split()) == len(files), "one psql per file"


def test_no_psql_on_the_path_exports_with_psycopg_and_says_so(pg_server, pg_db, tmp_path: Path) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 50) g"
        )
    src = source_flags(pg_server, pg_db, "public")
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    res = _export(export_dir, src, {"PATH": str(empty)})
    assert "psql" not in res.stderr, res
    log = (export_dir / "logs" / "export-data.log").read_text()
    assert log.count("psql is not on the PATH: exporting PostgreSQL data with psycopg") == 1, log
    assert (export_dir / "data" / "t_data.sql").read_bytes().count(b"\n") == 50


def test_psql_that_cannot_connect_falls_back_to_psycopg(pg_server, pg_db, tmp_path: Path) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE a (id int); INSERT INTO a SELECT generate_series(1, 30);"
                     "CREATE TABLE b (id int); INSERT INTO b SELECT generate_series(1, 40)")  # fmt: skip
    src = source_flags(pg_server, pg_db, "public")
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src)
    env = _fake_psql(
        tmp_path / "bin", "echo 'psql: error: connection to server at \"x\" failed: no route' >&2; exit 2"
    )
    _export(export_dir, src, env)
    log = (export_dir / "logs" / "export-data.log").read_text()
    assert log.count("psql could not connect to the source (connection to server at") == 1, log
    assert "exporting with psycopg instead" in log
    assert [(export_dir / "data" / f"{t}_data.sql").read_bytes().count(b"\n") for t in "ab"] == [30, 40]


def test_psql_failing_mid_copy_stops_with_one_line_and_the_rerun_completes(
    pg_server, pg_db, tmp_path: Path
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)")
    src = source_flags(pg_server, pg_db, "public")
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src)
    env = _fake_psql(
        tmp_path / "bin",
        "printf '1\\n2\\n'; echo 'psql:x: ERROR:  canceling statement due to conflict with recovery' >&2; exit 1",
    )
    res = _export(export_dir, src, env, check=False)
    assert res.returncode != 0
    assert (
        "exporting table public.t failed: canceling statement due to conflict with recovery" in res.stderr
    ), res
    assert "please report" not in res.stderr + res.stdout
    assert not list((export_dir / "data").glob("*t_data.sql")), "nothing is kept of the table"
    _export(export_dir, src, {})
    assert (export_dir / "data" / "t_data.sql").read_bytes().count(b"\n") == 100


@pytest.mark.skipif(not SETPRIV.exists(), reason="needs setpriv (util-linux) for the parent-death signal")
def test_a_killed_export_leaves_no_psql_behind(pg_server, pg_db, tmp_path: Path) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 10)")
    src = source_flags(pg_server, pg_db, "public")
    export_dir = tmp_path / "e"
    export_dir.mkdir()
    run_cli("export", "schema", "-e", str(export_dir), *src)
    fake = _fake_psql(tmp_path / "bin", "exec sleep 120")
    assert_no_child_outlives_a_killed_cli(
        ["export", "data", "-e", str(export_dir), *src, "--disable-pb", "true"], fake
    )


def _feed(limit: int, data: bytes, block: int = BLOCK) -> LineLimit:
    lines = LineLimit(limit)
    buf = bytearray(block)
    for i in range(0, len(data), block):
        piece = data[i : i + block]
        buf[: len(piece)] = piece
        lines.check(buf, len(piece))
    lines.finish()
    return lines


def test_line_limit_counts_lines_across_blocks() -> None:
    data = b"".join(b"%d\t%s\n" % (i, b"x" * (i % 50)) for i in range(10_000))
    assert _feed(1000, data, block=4096).rows == 10_000
    assert _feed(60, data, block=64).rows == 10_000  # limit larger than a block: every line checked


@pytest.mark.parametrize("block", [16, 1024, BLOCK])
def test_line_limit_names_the_first_long_line_with_its_exact_size(block: int) -> None:
    long = b"7\t" + b"y" * 5000 + b"\n"
    data = b"1\ta\n2\tbb\n" + long + b"8\tz\n" + b"9\t" + b"w" * 9000 + b"\n"
    with pytest.raises(LineTooLong) as caught:
        _feed(1000, data, block=block)
    assert (caught.value.number, caught.value.size) == (3, len(long))
    assert caught.value.prefix.startswith(b"7\tyyy")


def test_line_limit_catches_a_last_line_without_newline() -> None:
    with pytest.raises(LineTooLong) as caught:
        _feed(100, b"1\ta\n" + b"z" * 300, block=64)
    assert (caught.value.number, caught.value.size) == (2, 300)
