"""import data's progress in a terminal: one bar per table, the files of a chunked table sharing it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.core.conftest import Migration


def test_a_chunked_table_has_one_bar(migration: Migration) -> None:
    m = migration
    m.export_schema()
    m.run(
        "export", "data", "-e", str(m.export_dir), *m.source_args(), "--disable-pb",
        env={"TRANSSHIP_EXPORT_CHUNK_ROWS": "300"},
    )  # fmt: skip
    files = [p.name for p in (m.export_dir / "data").iterdir() if p.name.startswith("shop.orders+")]
    assert len(files) >= 3, files  # shop.orders is in chunks
    m.import_schema()
    master, slave = os.openpty()  # a terminal: the bars are drawn
    env = dict(os.environ, TRANSSHIP_NO_PASSWORD_PROMPT="1", COLUMNS="120", TERM="xterm")
    proc = subprocess.Popen(
        [sys.executable, "-m", "transship", "import", "data", "-e", str(m.export_dir), *m.target_args()],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env,
    )  # fmt: skip
    os.close(slave)
    out = b""
    while True:
        try:
            piece = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not piece:
            break
        out += piece
    os.close(master)
    assert proc.wait(timeout=120) == 0, out.decode(errors="replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode(errors="replace"))
    # the terminal ends lines with CR LF; each redraw starts with a lone CR: the last one drawn before the summary
    final = text.split("Counted")[0].replace("\r\n", "\n").split("\r")[-1]
    bars = [line for line in final.splitlines() if "rows/s" in line]
    orders = [line for line in bars if "shop.orders" in line]
    assert len(orders) == 1, bars
    rows = m.tables["shop.orders"]
    assert f"{rows:,}/{rows:,}" in orders[0], orders
    m.assert_target_matches_source()
