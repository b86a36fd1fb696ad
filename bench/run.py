"""transship benchmark: time transship's offline workflow and its peers on one workload, in one invocation.

Usage (through bench/run.sh, which installs transship and starts the databases first):

    bash bench/run.sh                  # the standard workload from ../shared/bench (exit 2 when absent)
    bash bench/run.sh --generate       # a same-shaped workload generated from bench/workload/*.sql
    bash bench/run.sh --quick          # 1/20 of the rows, generated: a smoke check well under a minute
    bash bench/run.sh --install-peers  # apt-get install pgloader / pgcopydb when missing

Every tool runs as a whole process under /usr/bin/time -v (wall time, peak RSS). Every run is verified
against its source before its time is reported. All databases this creates are dropped, also on failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from benchlib import report, runs, verify, verify_cost, workload
from benchlib.databases import MySQLServer, PgServer

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
#: a 1-minute load average above this at start means something else is running: the run says so
BUSY_LOAD = 0.7
TOOLS = {
    "transship": [
        runs.TRANSSHIP_MYSQL,
        runs.TRANSSHIP_MYSQL_OVERLAP,
        runs.TRANSSHIP_PG,
        runs.TRANSSHIP_PG_OVERLAP,
    ],
    "pgloader": [runs.PGLOADER],
    "pg_dump": [runs.PG_DUMP_RESTORE],
    "pgcopydb": [runs.PGCOPYDB],
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--quick", action="store_true", help="generated workload at 1/20 of the rows (smoke check)"
    )
    src.add_argument("--generate", action="store_true", help="generated workload at full size (no ../shared)")
    src.add_argument("--workload-dir", type=Path, help="directory with mysql.sql and postgres.sql "
                     "(default: ../shared/bench beside the repo)")  # fmt: skip
    p.add_argument(
        "--install-peers", action="store_true", help="apt-get install pgloader and pgcopydb when missing"
    )
    p.add_argument(
        "--tools", default=",".join(TOOLS), help=f"comma list of {', '.join(TOOLS)} (default: all)"
    )
    p.add_argument(
        "--jobs", type=int, default=2, help="parallelism for every tool (default 2 = this machine's cores)"
    )
    p.add_argument(
        "--runs", type=int, default=3, help="rounds of every tool, reported as medians (default 3)"
    )
    p.add_argument(
        "--keep-databases", action="store_true", help="keep the databases and work dirs for a look"
    )
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default="postgres", help="a superuser (password: PGPASSWORD)")
    p.add_argument("--mysql-host", default="127.0.0.1")
    p.add_argument("--mysql-port", type=int, default=3306)
    p.add_argument("--mysql-user", default="root", help="password: MYSQL_PWD")
    args = p.parse_args(argv)
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in TOOLS]
    if unknown or not wanted:
        p.error(f"--tools: unknown {', '.join(unknown) or '(empty)'}; choose from {', '.join(TOOLS)}")
    args.tools = wanted
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


def choose_workload(args: argparse.Namespace) -> workload.Workload:
    if args.quick:
        return workload.generated(workload.QUICK_DIVISOR)
    if args.generate:
        return workload.generated(1)
    directory = args.workload_dir or workload.shared_workload_dir(REPO)
    return workload.standard(directory)


def _command_output(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else f"exit {proc.returncode}"


def machine(pg: PgServer, mysql: MySQLServer) -> dict[str, object]:
    """CPU, memory, OS and the version of every server and tool in the run."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "postgresql": pg.version(),
        "mariadb": mysql.version(),
        "python": platform.python_version(),
        "transship": _command_output([str(REPO / ".venv/bin/transship"), "--version"]),
        "pgloader": _command_output(["pgloader", "--version"])
        if shutil.which("pgloader")
        else "not installed",
        "pgcopydb": _command_output(["pgcopydb", "--version"])
        if shutil.which("pgcopydb")
        else "not installed",
        "pg_dump": _command_output(["pg_dump", "--version"]),
    }


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that drop the databases


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        load = choose_workload(args)
    except workload.WorkloadMissing as exc:
        print(
            f"bench: the standard workload is not there ({exc}).\n"
            "fix: run beside the project's shared/ directory (../shared/bench), pass --workload-dir DIR, "
            "or use --generate (same-shaped workload made by bench/workload/*.sql) or --quick.",
            file=sys.stderr,
        )
        return 2
    if not Path("/usr/bin/time").exists():
        print("bench: /usr/bin/time is missing; fix: apt-get install time", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)

    specs = [spec for tool in args.tools for spec in TOOLS[tool]]
    specs.sort(key=runs.ALL_RUNS.index)
    install_problems: list[str] = []
    if args.install_peers:
        install_problems = runs.install_peers([need for s in specs for need in s.needs])
        for problem in install_problems:
            print(f"bench: {problem}", file=sys.stderr)

    pg = PgServer(host=args.pg_host, port=args.pg_port, user=args.pg_user)
    mysql = MySQLServer(host=args.mysql_host, port=args.mysql_port, user=args.mysql_user)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    prefix = f"tsbench_{stamp.replace('-', '_')}_{os.getpid()}"
    log_dir = RESULTS_DIR / stamp / "logs"
    work_root = Path(tempfile.mkdtemp(prefix="transship-bench-"))
    needs_mysql = any(s.path == runs.MYSQL_TO_PG for s in specs)
    needs_pg = any(s.path == runs.PG_TO_PG for s in specs)
    ctx = runs.Context(pg=pg, mysql=mysql, mysql_source=f"{prefix}_mysrc", pg_source=f"{prefix}_pgsrc",
                       jobs=args.jobs, transship=REPO / ".venv/bin/transship", log_dir=log_dir)  # fmt: skip
    created_pg: list[str] = []
    created_mysql: list[str] = []
    results: list[runs.RunResult] = []
    record: dict[str, object] = {
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "command": "bash bench/run.sh " + " ".join(argv),
        "workload": load.description,
        "jobs": args.jobs,
        "machine": machine(pg, mysql),
        "peer_install_problems": install_problems,
    }
    print(f"workload: {load.description}; databases {prefix}_*; logs {log_dir}", flush=True)
    busy = os.getloadavg()[0]
    record["load_average_at_start"] = round(busy, 2)
    if busy > BUSY_LOAD:
        print(
            f"bench: WARNING: load average {busy:.2f} at start: other work on this machine skews the times "
            "(every tool runs in the same conditions, so ratios suffer less than absolute times)",
            file=sys.stderr,
            flush=True,
        )
    try:
        # --- sources ---
        source_checks: dict[str, dict[str, dict[str, str]]] = {}
        load_times: dict[str, float] = {}
        if needs_mysql:
            created_mysql.append(ctx.mysql_source)
            mysql.create(ctx.mysql_source)
            t0 = time.perf_counter()
            mysql.load(ctx.mysql_source, load.mysql_script)
            load_times["mariadb"] = round(time.perf_counter() - t0, 2)
            source_checks[runs.MYSQL_TO_PG] = mysql.checks(ctx.mysql_source)
            print(f"loaded MariaDB source {ctx.mysql_source} in {load_times['mariadb']} s", flush=True)
        pg_digests: dict[str, tuple[int, str]] = {}
        if needs_pg:
            created_pg.append(ctx.pg_source)
            pg.create(ctx.pg_source)
            t0 = time.perf_counter()
            pg.load(ctx.pg_source, load.postgres_script)
            load_times["postgresql"] = round(time.perf_counter() - t0, 2)
            source_checks[runs.PG_TO_PG] = pg.checks(ctx.pg_source)
            pg_digests = verify.source_digests(pg, ctx.pg_source)
            print(f"loaded PostgreSQL source {ctx.pg_source} in {load_times['postgresql']} s", flush=True)
        row_sets = {
            path: sum(int(c["rows"]) for c in checks.values()) for path, checks in source_checks.items()
        }
        total_rows = max(row_sets.values())
        if (
            len(source_checks) == 2
            and len({json.dumps(c, sort_keys=True) for c in source_checks.values()}) > 1
        ):
            print(
                f"bench: WARNING: the MariaDB and PostgreSQL sources differ: {source_checks}", file=sys.stderr
            )
        record["source_load_s"] = load_times
        record["source_checks"] = source_checks
        record["total_rows"] = total_rows

        # --- timed runs, one at a time; every tool once per round, the side measurements in the first ---
        for round_no in range(args.runs):
            for spec in specs:
                name = f"{spec.tool.replace('+', '_').replace('-', '_')}_{'my2pg' if spec.path == runs.MYSQL_TO_PG else 'pg2pg'}"
                target = f"{prefix}_{name}" + (f"_r{round_no + 1}" if args.runs > 1 else "")
                print(
                    f"\n{spec.tool} {spec.path} → {target} (round {round_no + 1} of {args.runs})", flush=True
                )
                created_pg.append(target)
                pg.create(target)
                pg.checkpoint()
                work_dir = work_root / target
                work_dir.mkdir()
                result = runs.execute(spec, ctx, target, work_dir)
                result.round = round_no
                results.append(result)
                if result.status == "ran":
                    check_target(result, pg, source_checks[spec.path], pg_digests, ctx.pg_source)
                    if spec.tool == "transship" and result.status == "ok" and round_no == 0:
                        measure_verify(result, ctx, target, work_dir)
                        if spec.path == runs.PG_TO_PG:
                            measure_orders_import(result, ctx, work_dir, created_pg)
                if not args.keep_databases:
                    pg.drop(target)
                    created_pg.remove(target)
                    shutil.rmtree(work_dir, ignore_errors=True)
    finally:
        if args.keep_databases:
            print(f"\nkept: PostgreSQL {created_pg}, MariaDB {created_mysql}, work dir {work_root}")
        else:
            drop_all(pg, mysql, created_pg, created_mysql)
            shutil.rmtree(work_root, ignore_errors=True)

    print("\n" + report.table(results, total_rows))
    print("\n" + report.median_table(results))
    record["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    record["load_average_at_end"] = round(os.getloadavg()[0], 2)
    record["results"] = report.as_json(results, total_rows)
    record["medians"] = report.medians(results)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{stamp}.json"
    portable = _portable(record, {str(work_root): "<work dir>", str(REPO): "."})
    out.write_text(json.dumps(portable, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {out.relative_to(REPO)}")
    bad = [r for r in results if r.tool.startswith("transship") and r.status != "ok"]
    return 1 if bad else 0


def _portable(value: object, prefixes: dict[str, str]) -> object:
    """``value`` with this machine's paths made relative: the repository as ``.``, the temporary work dir by
    name, any other absolute path relative to the repository (the JSON is quoted in docs/)."""
    if isinstance(value, dict):
        return {k: _portable(v, prefixes) for k, v in value.items()}
    if isinstance(value, list):
        return [_portable(v, prefixes) for v in value]
    if isinstance(value, str):
        return " ".join(_portable_word(word, prefixes) for word in value.split(" "))
    return value


def _portable_word(word: str, prefixes: dict[str, str]) -> str:
    for prefix, name in prefixes.items():
        if word == prefix or word.startswith(prefix + os.sep):
            return name + word[len(prefix) :]
    return os.path.relpath(word, REPO) if word.startswith(os.sep) and Path(word).exists() else word


def check_target(
    result: runs.RunResult,
    pg: PgServer,
    expected: dict[str, dict[str, str]],
    pg_digests: dict[str, tuple[int, str]],
    pg_source: str,
) -> None:
    """Verify a finished run against its source; a mismatch turns it into a WRONG RESULT (no time, no ratio)."""
    ok, problems = verify.compare_checks(expected, pg.checks(result.target_db))
    result.verification = {"aggregates_equal": ok, "problems": problems}
    if ok and result.path == runs.PG_TO_PG:
        same, diff = verify.compare_content(pg, pg_source, result.target_db, pg_digests)
        result.verification["content_md5_equal"] = same
        problems = diff
        ok = same
    result.status = "ok" if ok else "wrong"
    result.reason = "" if ok else "; ".join(problems[:3])
    what = "row counts and aggregates" + (" and row md5s" if result.path == runs.PG_TO_PG else "")
    print(f"  verified: {what} equal the source" if ok else f"  WRONG RESULT: {result.reason}", flush=True)


def measure_verify(result: runs.RunResult, ctx: runs.Context, target: str, work_dir: Path) -> None:
    """``transship verify`` of the finished run (not part of the migration's total), beside count(*) plus one
    full scan on each side: of every table, then of ``orders`` alone (the issue's 2 M-row target); verify must
    prove every table (exit 0)."""
    flags, env = runs.transship_target_flags(ctx, target)
    for label, only in (("transship_verify", None), ("transship_verify_orders", "orders")):
        argv = [str(ctx.transship), "verify", "-e", str(work_dir / "export"), *flags, "--disable-pb", "true"]
        argv += ["--table-list", only] if only else []
        m = runs.run_timed(label, argv, ctx.log_dir / result.key, env=env, timeout_s=runs.STEP_TIMEOUT_S)
        source_s = (
            verify_cost.mysql_scan_s(ctx.mysql, ctx.mysql_source, only)
            if result.path == runs.MYSQL_TO_PG
            else verify_cost.pg_scan_s(ctx.pg, ctx.pg_source, only=only)
        )
        target_s = verify_cost.pg_scan_s(ctx.pg, target, only=only)
        reference = max(source_s, target_s)
        result.verification[label] = {
            "exit_code": m.exit_code, "wall_s": round(m.wall_s, 2), "count_plus_scan_s": round(reference, 2),
            "ratio": round(m.wall_s / reference, 1) if reference else None,
        }  # fmt: skip
        if not m.ok:
            result.status, result.reason = "wrong", f"transship verify exited {m.exit_code}: {m.log_tail(3)}"
        print(
            f"  transship verify{' --table-list ' + only if only else ''}: {m.wall_s:.2f} s (exit {m.exit_code}); "
            f"count(*) + one full scan, slower side: {reference:.2f} s; "
            f"ratio {m.wall_s / reference if reference else 0:.1f}x",
            flush=True,
        )


def measure_orders_import(
    result: runs.RunResult, ctx: runs.Context, work_dir: Path, created_pg: list[str]
) -> None:
    """``import data`` of ``orders`` alone (exported on its own, into an empty copy of the schema), beside
    ``psql \\copy`` of the same data file(s) into another empty copy: rows/s of each and their ratio (the
    issue's target: transship >= 1.4x psql)."""
    export = work_dir / "export-orders"
    export.mkdir()
    ours, theirs = f"{result.target_db}_oi", f"{result.target_db}_oc"
    for db in (ours, theirs):
        ctx.pg.create(db)
        created_pg.append(db)
    pg, t, e = ctx.pg, str(ctx.transship), ["-e", str(export)]
    source = ["--source-db-type", "postgresql", "--source-db-host", pg.host, "--source-db-port", str(pg.port),
              "--source-db-user", pg.user, "--source-db-name", ctx.pg_source, "--source-db-schema", "public"]  # fmt: skip
    flags, env = runs.transship_target_flags(ctx, ours)
    log_dir = ctx.log_dir / result.key
    quiet = ["--disable-pb", "true", "--yes"]
    untimed = [
        ("orders export schema", [t, "export", "schema", *e, *source, "--yes"]),
        ("orders export data", [t, "export", "data", *e, *source, "--table-list", "orders", *quiet]),
        ("orders import schema", [t, "import", "schema", *e, *flags, "--yes"]),
    ]
    for label, argv in untimed:
        if not runs.run_timed(label, argv, log_dir, env=env, timeout_s=runs.STEP_TIMEOUT_S).ok:
            print(f"  orders import: {label} failed (log in {log_dir})", flush=True)
            return
    mine = runs.run_timed("orders import data", [t, "import", "data", *e, *flags, "--parallel-jobs", str(ctx.jobs),
                          *quiet], log_dir, env=env, timeout_s=runs.STEP_TIMEOUT_S)  # fmt: skip
    files = sorted((export / "data").glob("orders*_data.sql"))
    rows = sum(f.read_bytes().count(b"\n") for f in files)
    subprocess.run(f"pg_dump -s -d {pg.conninfo(ctx.pg_source)!r} | psql -q -d {pg.conninfo(theirs)!r}",
                   shell=True, check=True, capture_output=True)  # fmt: skip
    script = export / "copy.sql"
    # foreign keys off, as transship loads (customers is empty in both copies)
    script.write_text(
        "SET session_replication_role = replica;\n" + "".join(f"\\copy orders FROM '{f}'\n" for f in files)
    )
    psql = runs.run_timed("orders psql copy", ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.conninfo(theirs),
                          "-f", str(script)], log_dir)  # fmt: skip
    shutil.rmtree(export, ignore_errors=True)
    if not (mine.ok and psql.ok and rows):
        print(
            f"  orders import: failed (transship exit {mine.exit_code}, psql exit {psql.exit_code})",
            flush=True,
        )
        return
    ratio = psql.wall_s / mine.wall_s
    result.verification["orders_import"] = {
        "rows": rows, "files": len(files), "transship_s": round(mine.wall_s, 2), "psql_copy_s": round(psql.wall_s, 2),
        "transship_rows_per_s": round(rows / mine.wall_s), "psql_rows_per_s": round(rows / psql.wall_s),
        "throughput_ratio": round(ratio, 2),
    }  # fmt: skip
    print(
        f"  import data of orders alone ({len(files)} file(s)): {mine.wall_s:.2f} s ({rows / mine.wall_s:,.0f} rows/s); "
        f"psql \\copy of the same file(s): {psql.wall_s:.2f} s ({rows / psql.wall_s:,.0f} rows/s); "
        f"throughput ratio {ratio:.2f}x",
        flush=True,
    )


def drop_all(pg: PgServer, mysql: MySQLServer, created_pg: list[str], created_mysql: list[str]) -> None:
    """Drop every database this invocation created; a failing drop is reported, the others still dropped."""
    for drop, names in ((pg.drop, created_pg), (mysql.drop, created_mysql)):
        for name in list(names):
            try:
                drop(name)
                names.remove(name)
            except Exception as exc:  # keep dropping the others
                print(f"bench: could not drop database {name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
