"""``reports/verification_report.json`` and a self-contained ``verification_report.html`` (no external files)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from transship import diskfull

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.MATCH { color: #176b24; font-weight: bold; }
.DIFFERENT { color: #b3261e; font-weight: bold; }
.COUNTS { color: #8a5a00; font-weight: bold; }
code { font-size: 90%; }
"""


def write_reports(reports: Path, document: dict[str, Any]) -> None:
    """Write the JSON document and its HTML rendering next to each other."""
    reports.mkdir(parents=True, exist_ok=True)
    diskfull.write_text(reports / "verification_report.json", json.dumps(document, indent=2) + "\n")
    diskfull.write_text(reports / "verification_report.html", render_html(document))


def _n(value: Any) -> str:
    return "n/a" if value is None else f"{value:,}" if isinstance(value, int) else html.escape(str(value))


def render_html(document: dict[str, Any]) -> str:
    """The report as one HTML page."""
    e = html.escape
    rows = []
    for t in document["tables"]:
        css = t["result"].split()[0]
        diffs = "".join(f"<li><code>{e(d['text'])}</code></li>" for d in t.get("differences", []))
        rows.append(
            f"<tr><td>{e(t['table_name'])}</td><td class=n>{_n(t['source_rows'])}</td>"
            f"<td class=n>{_n(t['exported_rows'])}</td><td class=n>{_n(t['imported_rows'])}</td>"
            f"<td class=n>{_n(t['target_rows'])}</td><td>{e(t['proof'])}</td>"
            f"<td class=n>{_n(t.get('chunks'))}</td><td class={css}>{e(t['result'])}</td>"
            f"<td>{e(t['note'])}{f'<ul>{diffs}</ul>' if diffs else ''}</td></tr>"
        )
    seqs = "".join(
        f"<tr><td>{e(s['sequence'])}</td><td class=n>{_n(s['source_next'])}</td><td class=n>{_n(s['target_next'])}</td>"
        f"<td class={s['result']}>{e(s['result'])}</td><td>{e(s['note'])}</td></tr>"
        for s in document.get("sequences", [])
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>transship verification report</title>
<style>{_STYLE}</style></head><body>
<h1>Verification report</h1>
<p>Target: {e(document.get("target", ""))}</p>
<p><strong>{e(document["summary"]["text"])}</strong></p>
<h2>Tables</h2>
<table><tr><th>Table</th><th>Source rows</th><th>Exported</th><th>Imported</th><th>Target rows</th>
<th>Proven by</th><th>Chunks</th><th>Result</th><th>Note</th></tr>
{"".join(rows)}
</table>
<h2>Sequences</h2>
<table><tr><th>Sequence</th><th>Source continues at</th><th>Target continues at</th><th>Result</th><th>Note</th></tr>
{seqs}
</table>
<p>"content": every row hashed inside both databases over a canonical text of each value, summed per key range
(or key hash) chunk, and compared; "counts only": the content could not be read (the note says why).</p>
</body></html>
"""
