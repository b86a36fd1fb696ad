"""Helpers of the tests of the client-program export paths (psql, mariadb): a fake program first on the PATH,
and a killed export whose children must not outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SETPRIV = Path("/usr/bin/setpriv")


def fake_program(folder: Path, name: str, body: str, version: str | None = None) -> dict[str, str]:
    """An environment whose PATH finds a shell script ``name`` running ``body`` first (answering ``--version``
    with ``version`` when given)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    answer = f'if [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n' if version else ""
    script.write_text("#!/bin/sh\n" + answer + body + "\n", encoding="utf-8")
    script.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def _children(pid: int, name: str) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        listed = task / "children"
        if listed.exists():
            found += [int(c) for c in listed.read_text().split()]
    return [c for c in found if Path(f"/proc/{c}/comm").read_text().strip() == name]


def assert_no_child_outlives_a_killed_cli(args: list[str], env: dict[str, str], child: str = "sleep") -> None:
    """Start ``transship ARGS``; once it runs a ``child`` process (a fake program that ``exec``s it), SIGKILL
    transship and assert that the child is gone within 10 s."""
    full_env = dict(os.environ, **env, TRANSSHIP_NO_PASSWORD_PROMPT="1")
    proc = subprocess.Popen([sys.executable, "-m", "transship", *args], env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        started: list[int] = []
        while time.monotonic() < deadline and not started:
            started = _children(proc.pid, child)
            time.sleep(0.05)
        assert started, f"transship never started its {child} child"
        time.sleep(0.3)  # the export is waiting for the child's output now
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{c}").exists() for c in started):
            time.sleep(0.05)
        assert not [c for c in started if Path(f"/proc/{c}").exists()], "a child outlived the killed export"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
