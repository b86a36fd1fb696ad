"""Where the benchmark's rows come from: the project's standard workload in ../shared/bench, or generated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
GENERATED_DIR = BENCH_DIR / "workload"
#: the standard workload's row counts; --generate builds a same-shaped one of this size
FULL_SCALE = {"customers": 200_000, "orders": 2_000_000, "documents": 2_000}
#: --quick: 1/20 of the rows
QUICK_DIVISOR = 20


class WorkloadMissing(Exception):
    """The standard workload is not where it should be (and no generated one was asked for)."""


@dataclass
class Workload:
    """The two load scripts (same rows in MariaDB and PostgreSQL) and a description for the report."""

    description: str
    mysql_script: str
    postgres_script: str
    shared: bool


def shared_workload_dir(repo: Path) -> Path:
    """``<repo>/../shared/bench``, the project's standard workload (not part of the repo)."""
    return repo.parent / "shared" / "bench"


def standard(directory: Path) -> Workload:
    """The standard workload in ``directory`` (mysql.sql, postgres.sql), used as it is."""
    mysql_file, pg_file = directory / "mysql.sql", directory / "postgres.sql"
    missing = [str(p) for p in (mysql_file, pg_file) if not p.is_file()]
    if missing:
        raise WorkloadMissing(", ".join(missing))
    return Workload(
        description=f"standard workload {directory}",
        mysql_script=mysql_file.read_text(),
        postgres_script=pg_file.read_text(),
        shared=True,
    )


def generated(divisor: int = 1) -> Workload:
    """bench/workload/*.sql at 1/``divisor`` of the standard row counts (same tables, types and value kinds)."""
    counts = {table: max(1, rows // divisor) for table, rows in FULL_SCALE.items()}

    def render(name: str) -> str:
        text = (GENERATED_DIR / name).read_text()
        for table, rows in counts.items():
            text = text.replace(f"@{table.upper()}@", str(rows))
        return text

    shape = ", ".join(f"{t} {n:,}" for t, n in counts.items())
    return Workload(
        description=f"generated workload bench/workload/ ({shape})",
        mysql_script=render("mysql.sql"),
        postgres_script=render("postgres.sql"),
        shared=False,
    )
