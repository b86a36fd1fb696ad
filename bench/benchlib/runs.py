"""The timed runs: transship's offline workflow on both paths, and the peer tools on the same paths."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .databases import MySQLServer, PgServer
from .measure import Measurement, run_timed

MYSQL_TO_PG = "MySQL→PostgreSQL"
PG_TO_PG = "PostgreSQL→PostgreSQL"
#: one step may take at most this long before it is killed and the run reported as failed
STEP_TIMEOUT_S = 1800.0


@dataclass
class Context:
    """What every run needs: the servers, the source databases and the settings of this invocation."""

    pg: PgServer
    mysql: MySQLServer
    mysql_source: str
    pg_source: str
    jobs: int
    transship: Path
    log_dir: Path


@dataclass
class RunResult:
    """One tool on one path: its timed steps, and what verification found."""

    tool: str
    path: str
    status: str = "pending"  # ok | failed | wrong | skipped
    reason: str = ""
    steps: list[Measurement] = field(default_factory=list)
    verification: dict[str, object] = field(default_factory=dict)
    target_db: str = ""
    round: int = 0  # which of the --runs rounds (every tool runs once per round, in the same order)

    @property
    def wall_s(self) -> float:
        """Sum of the steps' whole-process wall times."""
        return sum(m.wall_s for m in self.steps)

    @property
    def peak_rss_kb(self) -> int:
        """The largest peak RSS of any step."""
        return max((m.max_rss_kb for m in self.steps), default=0)

    @property
    def cpu_s(self) -> float:
        """User + system CPU seconds of the tool's own processes (the database servers' work is not in it)."""
        return sum(m.user_s + m.sys_s for m in self.steps)

    @property
    def machine_cpu_s(self) -> float:
        """CPU seconds of the whole machine during the steps, the database servers' included."""
        return sum(m.machine_cpu_s for m in self.steps)

    @property
    def key(self) -> str:
        """A short identifier (tool and path) used for database and log names."""
        return f"{self.tool}-{'my2pg' if self.path == MYSQL_TO_PG else 'pg2pg'}".replace("+", "_")


@dataclass
class RunSpec:
    """A tool on a path: how to build its steps (label, argv, extra environment) for a target database."""

    tool: str
    path: str
    needs: list[str]
    steps: Callable[[Context, str, Path], list[tuple[str, list[str], dict[str, str]]]]


def execute(spec: RunSpec, ctx: Context, target_db: str, work_dir: Path) -> RunResult:
    """Run the steps of ``spec`` one after another into ``target_db``; the first failing step ends the run."""
    result = RunResult(tool=spec.tool, path=spec.path, target_db=target_db)
    missing = [tool for tool in spec.needs if shutil.which(tool) is None]
    if missing:
        result.status, result.reason = (
            "skipped",
            f"{', '.join(missing)} not installed (--install-peers installs it)",
        )
        return result
    log_dir = ctx.log_dir / result.key
    for label, argv, env in spec.steps(ctx, target_db, work_dir):
        m = run_timed(label, argv, log_dir, env=env, timeout_s=STEP_TIMEOUT_S)
        result.steps.append(m)
        print(
            f"  {spec.tool:<20} {label:<36} {m.wall_s:8.2f} s  {m.max_rss_kb / 1024:8.0f} MB"
            f"  cpu {m.user_s + m.sys_s:6.2f} s  machine cpu {m.machine_cpu_s:6.2f} s",
            flush=True,
        )
        if not m.ok:
            tail = m.log_tail(8)
            result.status = "failed"
            result.reason = (
                f"{label} exited with {m.exit_code}: {tail.splitlines()[-1] if tail else 'no output'}"
            )
            print(
                f"    FAILED: {label} (exit {m.exit_code}), log {m.log_path}:\n" + _indent(tail), flush=True
            )
            return result
    result.status = "ran"
    return result


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


# --- transship ------------------------------------------------------------------------------------------------


def transship_target_flags(ctx: Context, target_db: str) -> tuple[list[str], dict[str, str]]:
    pg = ctx.pg
    flags = ["--target-db-host", pg.host, "--target-db-port", str(pg.port), "--target-db-user", pg.user,
             "--target-db-name", target_db]  # fmt: skip
    return flags, ({"TARGET_DB_PASSWORD": pg.password} if pg.password else {})


def _transship_workflow(
    ctx: Context,
    source: list[str],
    source_env: dict[str, str],
    target_db: str,
    work_dir: Path,
    overlapped: bool = False,
) -> list[tuple[str, list[str], dict[str, str]]]:
    """The five steps one after the other; ``overlapped``: import schema before the data, then export data and
    import data at the same time (import data loads each file once the export has finished it)."""
    export_dir = work_dir / "export"
    export_dir.mkdir(parents=True, exist_ok=True)
    t, e, jobs = str(ctx.transship), ["-e", str(export_dir)], ["--parallel-jobs", str(ctx.jobs)]
    target, target_env = transship_target_flags(ctx, target_db)
    quiet = ["--disable-pb", "true", "--yes"]
    if overlapped:
        export = [t, "export", "data", *e, *source, *jobs, *quiet]
        load = [t, "import", "data", *e, *target, *jobs, *quiet]
        both = [
            sys.executable,
            str(Path(__file__).with_name("overlap.py")),
            str(export_dir),
            "--",
            *export,
            "--",
            *load,
        ]
        return [
            ("export schema", [t, "export", "schema", *e, *source, "--yes"], source_env),
            ("import schema", [t, "import", "schema", *e, *target, "--yes"], target_env),
            ("export+import data (overlapped)", both, {**source_env, **target_env}),
            ("finalize-schema-post-data-import", [t, "finalize-schema-post-data-import", *e, *target, "--yes"],
             target_env),
        ]  # fmt: skip
    return [
        ("export schema", [t, "export", "schema", *e, *source, "--yes"], source_env),
        ("export data", [t, "export", "data", *e, *source, *jobs, *quiet], source_env),
        ("import schema", [t, "import", "schema", *e, *target, "--yes"], target_env),
        ("import data", [t, "import", "data", *e, *target, *jobs, *quiet], target_env),
        ("finalize-schema-post-data-import", [t, "finalize-schema-post-data-import", *e, *target, "--yes"],
         target_env),
    ]  # fmt: skip


def transship_mysql_steps(
    ctx: Context, target_db: str, work_dir: Path, overlapped: bool = False
) -> list[tuple[str, list[str], dict[str, str]]]:
    """transship's offline workflow from the MariaDB source database."""
    my = ctx.mysql
    source = ["--source-db-type", "mysql", "--source-db-host", my.host, "--source-db-port", str(my.port),
              "--source-db-user", my.user, "--source-db-name", ctx.mysql_source]  # fmt: skip
    env = {"SOURCE_DB_PASSWORD": my.password} if my.password else {}
    return _transship_workflow(ctx, source, env, target_db, work_dir, overlapped)


def transship_pg_steps(
    ctx: Context, target_db: str, work_dir: Path, overlapped: bool = False
) -> list[tuple[str, list[str], dict[str, str]]]:
    """transship's offline workflow from the PostgreSQL source database (schema public)."""
    pg = ctx.pg
    source = ["--source-db-type", "postgresql", "--source-db-host", pg.host, "--source-db-port", str(pg.port),
              "--source-db-user", pg.user, "--source-db-name", ctx.pg_source, "--source-db-schema", "public"]  # fmt: skip
    env = {"SOURCE_DB_PASSWORD": pg.password} if pg.password else {}
    return _transship_workflow(ctx, source, env, target_db, work_dir, overlapped)


# --- peers ----------------------------------------------------------------------------------------------------


def pgloader_steps(
    ctx: Context, target_db: str, work_dir: Path
) -> list[tuple[str, list[str], dict[str, str]]]:
    """pgloader with the settings it needs on this workload not to exhaust its heap (FINDINGS.md)."""
    load_file = work_dir / "bench.load"
    target_url = ctx.pg.conninfo(target_db) + "?sslmode=disable"
    load_file.write_text(
        "LOAD DATABASE\n"
        f"     FROM {ctx.mysql.url(ctx.mysql_source)}\n"
        f"     INTO {target_url}\n"
        "WITH prefetch rows = 1000;\n"
    )
    argv = [
        "pgloader",
        "--dynamic-space-size",
        "8192",
        "--root-dir",
        str(work_dir / "pgloader"),
        str(load_file),
    ]
    return [("pgloader", argv, {})]


def pg_dump_restore_steps(
    ctx: Context, target_db: str, work_dir: Path
) -> list[tuple[str, list[str], dict[str, str]]]:
    """pg_dump -Fd -jN into a directory, then pg_restore -jN (yb-voyager's mechanism for PostgreSQL sources)."""
    dump_dir, jobs, env = str(work_dir / "dump"), str(ctx.jobs), ctx.pg.cli_env()
    return [
        ("pg_dump -Fd", ["pg_dump", "-Fd", "-j", jobs, "-f", dump_dir, ctx.pg_source], env),
        ("pg_restore", ["pg_restore", "-j", jobs, "-d", target_db, dump_dir], env),
    ]


def pgcopydb_steps(
    ctx: Context, target_db: str, work_dir: Path
) -> list[tuple[str, list[str], dict[str, str]]]:
    """pgcopydb clone: direct streaming from the source to the target, indexes built concurrently."""
    jobs = str(ctx.jobs)
    argv = ["pgcopydb", "clone", "--source", ctx.pg.conninfo(ctx.pg_source), "--target", ctx.pg.conninfo(target_db),
            "--table-jobs", jobs, "--index-jobs", jobs, "--dir", str(work_dir / "pgcopydb")]  # fmt: skip
    return [("pgcopydb clone", argv, {})]


TRANSSHIP_MYSQL = RunSpec("transship", MYSQL_TO_PG, [], transship_mysql_steps)
PGLOADER = RunSpec("pgloader", MYSQL_TO_PG, ["pgloader"], pgloader_steps)
TRANSSHIP_PG = RunSpec("transship", PG_TO_PG, [], transship_pg_steps)
TRANSSHIP_MYSQL_OVERLAP = RunSpec(
    "transship-overlap", MYSQL_TO_PG, [], lambda c, t, w: transship_mysql_steps(c, t, w, overlapped=True)
)
TRANSSHIP_PG_OVERLAP = RunSpec(
    "transship-overlap", PG_TO_PG, [], lambda c, t, w: transship_pg_steps(c, t, w, overlapped=True)
)
PG_DUMP_RESTORE = RunSpec("pg_dump+pg_restore", PG_TO_PG, ["pg_dump", "pg_restore"], pg_dump_restore_steps)
PGCOPYDB = RunSpec("pgcopydb", PG_TO_PG, ["pgcopydb"], pgcopydb_steps)
#: in the order they run
ALL_RUNS = [TRANSSHIP_MYSQL, TRANSSHIP_MYSQL_OVERLAP, PGLOADER, TRANSSHIP_PG, TRANSSHIP_PG_OVERLAP, PG_DUMP_RESTORE,
            PGCOPYDB]  # fmt: skip
PEER_PACKAGES = {"pgloader": "pgloader", "pgcopydb": "pgcopydb"}


def install_peers(names: list[str]) -> list[str]:
    """apt-get install the Debian packages of the missing peers; returns one line per problem."""
    missing = [PEER_PACKAGES[n] for n in names if n in PEER_PACKAGES and shutil.which(n) is None]
    if not missing:
        return []
    sudo = [] if _is_root() else ["sudo"]
    print(f"installing peers with apt-get: {', '.join(missing)}", flush=True)
    problems = []
    update = subprocess.run([*sudo, "apt-get", "update", "-qq"], capture_output=True, text=True, check=False)
    if update.returncode != 0:
        problems.append(f"apt-get update failed: {update.stderr.strip().splitlines()[-1:]}")
    for package in missing:
        proc = subprocess.run(
            [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", package],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
            problems.append(f"apt-get install {package} failed: {last[0]}")
    return problems


def _is_root() -> bool:
    import os

    return os.geteuid() == 0
