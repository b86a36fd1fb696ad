"""``reports/verification_report.json`` and a self-contained ``verification_report.html`` (no external files)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from transship import diskfull
from transship.htmlpage import CSS, Cell, Column, breakable, head, row

_STYLE = """
.MATCH { color: #176b24; font-weight: bold; }
.DIFFERENT { color: #b3261e; font-weight: bold; }
.COUNTS { color: #8a5a00; font-weight: bold; }
td ul { margin: .2rem 0; padding-left: 1.2rem; }
"""
TABLE_COLUMNS: tuple[Column, ...] = (
    ("Table", 24, ""), ("Source rows", 7, "n inline"), ("Exported", 7, "n inline"), ("Imported", 7, "n inline"),
    ("Target rows", 7, "n inline"), ("Proven by", 7, "inline"), ("Chunks", 6, "n inline"), ("Result", 8, "inline"),
    ("Note", 27, ""),
)  # fmt: skip
SEQUENCE_COLUMNS: tuple[Column, ...] = (
    ("Sequence", 34, ""), ("Source continues at", 14, "n inline"), ("Target continues at", 14, "n inline"),
    ("Result", 10, "inline"), ("Note", 28, ""),
)  # fmt: skip


def write_reports(reports: Path, document: dict[str, Any]) -> None:
    """Write the JSON document and its HTML rendering next to each other."""
    reports.mkdir(parents=True, exist_ok=True)
    diskfull.write_text(reports / "verification_report.json", json.dumps(document, indent=2) + "\n")
    diskfull.write_text(reports / "verification_report.html", render_html(document))


def _n(value: Any) -> str:
    return "n/a" if value is None else f"{value:,}" if isinstance(value, int) else html.escape(str(value))


def _table(columns: tuple[Column, ...], rows: list[list[Cell]]) -> str:
    """A table; below 1000 px each row is a card of ``label: value`` lines."""
    body = "".join(row(columns, cells) + "\n" for cells in rows)
    return f"<table class=cards>{head(columns)}<tbody>\n{body}</tbody></table>"


def render_html(document: dict[str, Any]) -> str:
    """The report as one HTML page."""
    e = html.escape
    rows: list[list[Cell]] = []
    for t in document["tables"]:
        css = t["result"].split()[0]
        diffs = "".join(f"<li><code>{e(d['text'])}</code></li>" for d in t.get("differences", []))
        rows.append(
            [
                breakable(t["table_name"]),
                _n(t["source_rows"]),
                _n(t["exported_rows"]),
                _n(t["imported_rows"]),
                _n(t["target_rows"]),
                e(t["proof"]),
                _n(t.get("chunks")),
                (css, e(t["result"])),
                e(t["note"]) + (f"<ul>{diffs}</ul>" if diffs else ""),
            ]
        )
    seqs: list[list[Cell]] = [
        [
            breakable(s["sequence"]),
            _n(s["source_next"]),
            _n(s["target_next"]),
            (s["result"], e(s["result"])),
            e(s["note"]),
        ]
        for s in document.get("sequences", [])
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>transship verification report</title>
<style>{CSS}{_STYLE}</style></head><body>
<h1>Verification report</h1>
<p>Target: {e(document.get("target", ""))}</p>
<p><strong>{e(document["summary"]["text"])}</strong></p>
<h2>Tables</h2>
{_table(TABLE_COLUMNS, rows)}
<h2>Sequences</h2>
{_table(SEQUENCE_COLUMNS, seqs)}
<p>"content": every row hashed inside both databases over a canonical text of each value, summed per key range
(or key hash) chunk, and compared; "counts only": the content could not be read (the note says why).</p>
</body></html>
"""
