"""import data started while export data runs: each file is loaded once the export has finished it, the import
waits for the rest and ends exact; the export-dir locks let exactly these two commands share the directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from tests.core.conftest import Migration
from transship.crashpoints import PAUSE_ENV
from transship.errors import ExportDirError
from transship.exportdir import ExportDir


def _cli(m: Migration, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full = {**os.environ, "TRANSSHIP_NO_PASSWORD_PROMPT": "1", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "transship", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full,
    )


def _slow_export(m: Migration, pause: float) -> subprocess.Popen[str]:
    """``export data`` of one table at a time, pausing ``pause`` s after each; returned once it runs and has
    listed its tables."""
    export = _cli(m, "export", "data", "-e", str(m.export_dir), *m.source_args(), "--disable-pb",
                  "--parallel-jobs", "1", env={PAUSE_ENV: f"export.table_done:{pause}"})  # fmt: skip
    deadline = time.monotonic() + 30
    while (
        not (m.export_dir / "metainfo" / "meta.db").exists()
        or ExportDir(m.export_dir).lock_holder("export") is None
    ):
        assert time.monotonic() < deadline and export.poll() is None, export.communicate()
        time.sleep(0.05)
    time.sleep(0.3)  # the export has listed its tables
    return export


def test_import_overlapping_a_running_export_ends_exact(migration: Migration) -> None:
    m = migration
    m.export_schema()
    m.import_schema()
    # one table at a time, each taking a second longer after it is finished: the import catches up on each file
    export = _slow_export(m, 1.0)
    imported = m.import_data("--batch-size", "100")
    out, err = export.communicate(timeout=60)
    assert export.returncode == 0, (out, err)
    assert "export data is still running" in imported.stdout, imported
    waves = [
        line for line in imported.stdout.splitlines() if line.startswith(("Importing", "Resuming import of"))
    ]
    assert len(waves) >= 2, imported.stdout  # files loaded while the export still ran, then the rest
    assert "Import data complete" in imported.stdout
    m.assert_target_matches_source()
    # the indexes dropped for the load are built once, after the last wave: built after an earlier one, they
    # would be maintained row by row while the rest of their tables loaded
    lines = imported.stdout.splitlines()
    built = [i for i, line in enumerate(lines) if line.startswith("Built ")]
    last_wave = max(i for i, line in enumerate(lines) if line.startswith(("Importing", "Resuming import of")))
    assert len(built) == 1 and built[0] > last_wave, imported.stdout
    assert _indexes(m.conninfo("source")) == _indexes(m.conninfo("target"))
    status = m.run("import", "data", "status", "-e", str(m.export_dir))
    assert "DONE" in status.stdout and "MIGRATING" not in status.stdout


def _indexes(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [
            r[0]
            for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
        ]


def test_import_waiting_on_an_export_that_dies_stops_with_one_line(
    migration: Migration, one_line_error
) -> None:
    m = migration
    m.export_schema()
    m.import_schema()
    e = ["-e", str(m.export_dir)]
    export = _slow_export(m, 3.0)
    importer = _cli(m, "import", "data", *e, *m.target_args(), "--disable-pb")
    time.sleep(1.5)
    export.kill()
    export.communicate()
    out, err = importer.communicate(timeout=60)
    assert importer.returncode == 1, (out, err)
    line = [x for x in err.splitlines() if x.strip()]
    assert len(line) == 1 and "export data stopped before it finished" in line[0] and "fix:" in line[0], err
    # both resume: the export finishes, the import loads the rest
    m.export_data()
    m.import_data()
    m.assert_target_matches_source()


def test_lock_scopes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ed = ExportDir(tmp_path)
    with ed.lock("export data", "export"):
        with ed.lock("import data", "import"):  # the one pair that may share the export dir
            assert "export data" in (ed.lock_holder("export") or "")
            assert "import data" in (ed.lock_holder("import") or "")
            with pytest.raises(ExportDirError, match="in use by 'transship export data'"):
                with ed.lock("import schema"):
                    pass
            with pytest.raises(ExportDirError, match="in use by 'transship import data'"):
                with ed.lock("import data", "import"):
                    pass
        with pytest.raises(ExportDirError, match="in use by 'transship export data'"):
            with ed.lock("export data", "export"):
                pass
    with ed.lock("import data", "import"):  # export --start-clean deletes the files an import reads
        with pytest.raises(ExportDirError, match="in use by 'transship import data'"):
            with ed.lock("export data", "export", also=("import",)):
                pass
    assert ed.lock_holder() is None
