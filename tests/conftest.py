"""Shared test fixtures: the CLI runner, export dirs, and the location of ../shared (optional)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRANSSHIP_SHARED_DIR", REPO.parent / "shared"))
EXAMPLES = REPO / "examples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a visible reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared datasets are not part of a user's clone)")
    return path


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    d = tmp_path / "export"
    d.mkdir()
    return d


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def __repr__(self) -> str:
        return f"<rc={self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}>"


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
    input: str | None = None,
) -> CliResult:
    """Run ``transship ARGS`` in a subprocess (like a user would); assert success when ``check``."""
    full_env = dict(os.environ)
    full_env["TRANSSHIP_NO_PASSWORD_PROMPT"] = "1"
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "transship", *args], capture_output=True, text=True, env=full_env, timeout=timeout, input=input,
    )  # fmt: skip
    result = CliResult(proc)
    if check:
        assert proc.returncode == 0, result
    return result


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    """The :func:`run_cli` helper as a fixture."""
    return run_cli
