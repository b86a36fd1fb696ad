"""Progress bars at 80 columns: counts whole with thousands separators, the rate not wrapped, a small table that
finished at once still shows a rate; a long table name gives way (cut with an ellipsis) instead."""

from __future__ import annotations

import io
import time

from rich.console import Console

from transship.progress import RowProgress


def _render(width: int) -> list[str]:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=True, color_system=None)
    with RowProgress(console, False) as progress:
        big = progress.add("inventory.a_really_long_schema_name_table_with_more", 2_000_000)
        small = progress.add("public.small", 3)
        progress.advance(big, 1_234_567)
        progress.finish(small, 3)
        time.sleep(0.2)
    last = buf.getvalue().split("\r")[-1]
    return [line.replace("\x1b[2K", "").replace("\x1b[1A", "") for line in last.splitlines() if "━" in line]


def test_bars_fit_80_columns() -> None:
    big, small = _render(80)
    assert len(big) <= 80 and len(small) <= 80, (big, small)
    assert "1,234,567/2,000,000" in big and big.startswith("inventory.") and "…" in big
    assert "3/3" in small and "rows/s" in small and "- rows/s" not in small
    wide_big, _ = _render(140)
    assert "inventory.a_really_long_schema_name_table_with_more" in wide_big
