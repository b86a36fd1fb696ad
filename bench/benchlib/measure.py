"""Run one command under ``/usr/bin/time -v`` and keep its wall time, peak RSS and CPU time."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TIME_BIN = "/usr/bin/time"

_FIELDS = {
    "max_rss_kb": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
    "user_s": re.compile(r"User time \(seconds\): ([\d.]+)"),
    "sys_s": re.compile(r"System time \(seconds\): ([\d.]+)"),
}


@dataclass
class Measurement:
    """One timed process: what ran, how long it took and how much memory its biggest process held.

    ``max_rss_kb`` follows getrusage(2): the largest resident set of any single process in the tree
    (the command or one of its children), not the sum over processes running at the same time.
    ``machine_cpu_s`` is the CPU time every process of the machine used meanwhile (``/proc/stat``): the
    database servers' work included, which ``user_s`` + ``sys_s`` (the tool's own processes) leave out.
    """

    label: str
    argv: list[str]
    wall_s: float
    max_rss_kb: int
    user_s: float
    sys_s: float
    exit_code: int
    log_path: str
    machine_cpu_s: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the process exited with status 0."""
        return self.exit_code == 0

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the command's combined stdout/stderr, for a failure reason."""
        try:
            text = Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "step": self.label,
            "argv": self.argv,
            "wall_s": round(self.wall_s, 3),
            "max_rss_kb": self.max_rss_kb,
            "user_s": self.user_s,
            "sys_s": self.sys_s,
            "exit_code": self.exit_code,
            "machine_cpu_s": round(self.machine_cpu_s, 2),
            "log": self.log_path,
        }


def run_timed(
    label: str,
    argv: list[str],
    log_dir: Path,
    env: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> Measurement:
    """Run ``argv`` as a whole process, stdin closed, output to ``log_dir/<label>.log``.

    A failing command gives a Measurement with its exit code (a timeout: -9), not an exception.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
    log_path = log_dir / f"{safe}.log"
    fd, time_out = tempfile.mkstemp(prefix="bench-time-", suffix=".txt")
    os.close(fd)
    full_env = {**os.environ, **(env or {})}
    busy = machine_busy_s()
    start = time.perf_counter()
    try:
        with open(log_path, "wb") as log:
            code = _wait(argv, time_out, log, full_env, timeout_s)
        wall = time.perf_counter() - start
        busy = machine_busy_s() - busy
        report = Path(time_out).read_text(errors="replace")
    finally:
        os.unlink(time_out)
    values: dict[str, float] = {}
    for key, pattern in _FIELDS.items():
        m = pattern.search(report)
        values[key] = float(m.group(1)) if m else 0.0
    return Measurement(
        label=label,
        argv=argv,
        wall_s=wall,
        max_rss_kb=int(values["max_rss_kb"]),
        user_s=values["user_s"],
        sys_s=values["sys_s"],
        exit_code=code,
        log_path=str(log_path),
        machine_cpu_s=busy,
    )


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (every CPU: user, nice, system, irq, softirq,
    steal), from ``/proc/stat``; 0 where there is none."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _wait(argv: list[str], time_out: str, log: BinaryIO, env: dict[str, str], timeout_s: float | None) -> int:
    """Run ``argv`` under /usr/bin/time in its own process group; a timeout or Ctrl-C ends the whole group."""
    proc = subprocess.Popen(
        [TIME_BIN, "-v", "-o", time_out, *argv],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.write(f"\nbench: killed after the {timeout_s:.0f} s timeout\n".encode())
        return -9
    except BaseException:  # Ctrl-C / SIGTERM: do not leave the command running
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
