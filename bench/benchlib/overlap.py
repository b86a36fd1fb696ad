"""``overlap.py EXPORT_DIR -- EXPORT_ARGV... -- IMPORT_ARGV...``: run ``export data`` and, once it has started,
``import data`` at the same time (one timed step of the bench); exit with the first non-zero exit code."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from transship.exportdir import ExportDir
from transship.state import MetaDB


def main(argv: list[str]) -> int:
    export_dir, rest = Path(argv[0]), argv[2:]
    cut = rest.index("--")
    export_argv, import_argv = rest[:cut], rest[cut + 1 :]
    export = subprocess.Popen(export_argv)
    ed = ExportDir(export_dir)
    while export.poll() is None:  # the export holds its lock and has listed its tables
        if ed.lock_holder("export") and ed.meta_db.exists():
            meta = MetaDB(ed.meta_db)
            try:
                if meta.status().get("export_data_started"):
                    break
            finally:
                meta.close()
        time.sleep(0.05)
    load = subprocess.Popen(import_argv)
    codes = [export.wait(), load.wait()]
    return next((c for c in codes if c), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
