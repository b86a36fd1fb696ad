"""What every HTML page transship writes shares: the style that keeps a page inside the window, and links.

The reports are read in a browser at any width: no page may scroll sideways. Long SQL statements, long names
and long values wrap (``overflow-wrap: anywhere``); wide tables have a fixed layout whose columns are given as
shares of the width; below 1000 px each row of a ``table.cards`` turns into a card of ``label: value`` lines
(the label is the cell's ``data-label``; cells of class ``inline`` share a line). tests/core/test_html_reports.py checks this in headless Chromium.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

Column = tuple[str, int, str]
"""A table column: its label, its share of the table's width in percent, the css class of its cells
(``inline``: on one line with its neighbours in the card layout)."""
Cell = str | tuple[str, str]
"""A cell's HTML, or (a css class of this cell alone, its HTML)."""

CSS = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1d1d1f;
       line-height: 1.35; }
h1 { font-size: 1.5rem; } h2 { margin-top: 2rem; border-bottom: 2px solid #ddd; } h3 { margin-top: 1.5rem; }
p, li, h1, h2, h3 { overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; table-layout: fixed; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
thead th { background: #eef1f5; }
table.info { width: auto; max-width: 100%; table-layout: auto; }
table.info th { background: #f6f6f6; white-space: nowrap; }
td.num, td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 90%; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f7f7f7; padding: .4rem; margin: .3rem 0;
      max-height: 20rem; overflow-y: auto; overflow-x: hidden; }
a { overflow-wrap: anywhere; }
:target { background: #fff6cc; }
td.fixed { font-size: .85em; } td.fixed span { display: block; }
@media (max-width: 1000px) {
  body { margin: 1rem; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: auto; }
  table.cards thead { display: none; }
  table.cards tr { border: 1px solid #ccc; margin: .6rem 0; padding: .3rem .5rem; }
  table.cards td { border: none; padding: .15rem 0; text-align: left; }
  table.cards td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: #555; }
  table.cards td.inline { display: inline-block; margin-right: 1.2rem; }
  table.cards td:empty { display: none; }
  table.cards td.fixed { font-size: inherit; } table.cards td.fixed span { display: inline; margin-right: .6rem; }
  table.cards col { width: auto !important; }
}
"""


def esc(value: object) -> str:
    """``value`` as HTML text (``None`` as nothing)."""
    return html.escape("" if value is None else str(value))


def breakable(value: object, after: str = "_./") -> str:
    """``value`` as HTML text that may break after each of ``after`` (in identifiers, paths), rather than
    anywhere."""
    return re.sub(f"([{re.escape(after)}])(?=.)", r"\1<wbr>", esc(value))


def colgroup(widths: Iterable[int]) -> str:
    """``<colgroup>`` giving each column its share of the table's width, in percent."""
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"


def head(columns: Sequence[Column]) -> str:
    """The ``<colgroup>`` and ``<thead>`` of a table of ``columns``."""
    labels = "".join(f"<th>{esc(label)}</th>" for label, _, _ in columns)
    return colgroup(w for _, w, _ in columns) + f"<thead><tr>{labels}</tr></thead>"


def row(columns: Sequence[Column], cells: Sequence[Cell], attrs: str = "") -> str:
    """A ``<tr>`` (with ``attrs``) of ``cells``, each labelled (``data-label``) for the card layout."""
    out = []
    for (label, _, css), cell in zip(columns, cells, strict=True):
        extra, body = cell if isinstance(cell, tuple) else ("", cell)
        classes = " ".join(c for c in (css, extra) if c)
        out.append(
            f'<td data-label="{esc(label)}"' + (f' class="{classes}"' if classes else "") + f">{body}</td>"
        )
    return f"<tr{attrs}>{''.join(out)}</tr>"


def is_url(value: str) -> bool:
    return value.strip().lower().startswith(("https://", "http://"))
