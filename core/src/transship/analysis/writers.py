"""Write the report document as json, txt, xml or html (one self-contained file each), and beside them the rule
catalogue page the docs links point to (``schema_analysis_rules.html``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from transship import diskfull
from transship.analysis.catalogue import CATALOGUE_PAGE, is_shipped, render_html
from transship.analysis.registry import InstalledRule
from transship.errors import ConfigError
from transship.htmlpage import CSS, Column, breakable, esc, head, is_url, row

REPORT_BASENAME = "schema_analysis_report"
FORMATS = ("html", "json", "txt", "xml")
DEFAULT_FORMATS = ("html", "json")


def parse_formats(text: str | None) -> list[str]:
    """``--output-format``: one format or a comma list; default html and json."""
    if not text or not text.strip():
        return list(DEFAULT_FORMATS)
    out: list[str] = []
    for part in text.split(","):
        fmt = part.strip().lower()
        if fmt not in FORMATS:
            raise ConfigError(
                f"--output-format {part.strip()!r} is not a report format",
                fix=f"use one or more of {', '.join(FORMATS)} (comma separated)",
            )
        if fmt not in out:
            out.append(fmt)
    return out


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=4, ensure_ascii=False) + "\n"


def _fixed_in(value: dict[str, str] | None) -> str:
    return ", ".join(f"{series}: {ver}" for series, ver in sorted((value or {}).items()))


def to_txt(doc: dict[str, Any]) -> str:
    s = doc["Summary"]
    lines = [
        "+---------------------------+",
        "| Database Migration Report |",
        "+---------------------------+",
        "",
        "Migration Information",
        "---------------------",
        f"Voyager Version       : {doc['VoyagerVersion']}",
        f"Database Name         : {s['DbName']}",
        f"Schema Name(s)        : {', '.join(s['SchemaNames'])}",
        f"DB Version            : {s['DbVersion']}",
        f"Target DB Type        : {doc.get('TargetDBType', '')}",
        f"Target DB Version     : {doc['TargetDBVersion']}",
        "",
        "Schema Summary",
        "--------------",
        s["Description"],
        "",
    ]
    for obj in s["DatabaseObjects"]:
        lines += [
            f"Object Type           : {obj['ObjectType']}",
            f"  - Total Count       : {obj['TotalCount']}",
            f"  - Without Issues    : {obj['TotalCount'] - obj['InvalidCount']}",
            f"  - With Issues       : {obj['InvalidCount']}",
            f"  - Object Names      : {obj['ObjectNames']}",
        ]
        if obj["Details"]:
            lines.append(f"  - Details           : {obj['Details']}")
        lines.append("")
    lines += ["Issues", "------"]
    if not doc["Issues"]:
        lines.append("No issues found.")
    for n, issue in enumerate(doc["Issues"], 1):
        where = issue["FilePath"] + (f":{issue['LineNumber']}" if issue["LineNumber"] else "")
        lines += [
            f"{n}. Issue in Object {issue['ObjectType']} [{issue['RuleCode']}, {issue['Impact']}, {issue['IssueType']}]",
            f"  - Object Name       : {issue['ObjectName']}",
            f"  - Reason            : {issue['Reason']}",
            "  - SQL Statement     : " + issue["SqlStatement"].replace("\n", "\n                        "),
            f"  - File Path         : {where}",
            f"  - Suggestion        : {issue['Suggestion']}",
        ]
        if issue["GH"]:
            lines.append(f"  - Github Issue      : {issue['GH']}")
        if issue["DocsLink"]:
            lines.append(f"  - Docs Link         : {issue['DocsLink']}")
        if issue["MinimumVersionsFixedIn"]:
            lines.append(f"  - Fixed in Versions : {_fixed_in(issue['MinimumVersionsFixedIn'])}")
        lines.append("")
    if s["Notes"]:
        lines += ["Notes", "-----", *(f"{n}. {note}" for n, note in enumerate(s["Notes"], 1)), ""]
    return "\n".join(lines) + "\n"


_SINGULAR = {"Issues": "Issue", "DatabaseObjects": "DatabaseObject", "SchemaNames": "SchemaName", "Notes": "Note",
             "FailedRules": "FailedRule", "Links": "Link"}  # fmt: skip


def _xml_fill(parent: ET.Element, key: str, value: Any) -> None:
    el = ET.SubElement(parent, key)
    if isinstance(value, dict):
        if key == "MinimumVersionsFixedIn":
            for series, ver in sorted(value.items()):
                ET.SubElement(el, "Version", series=series).text = ver
            return
        for k, v in value.items():
            _xml_fill(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(el, _SINGULAR.get(key, "Item"), item)
    elif value is not None:
        el.text = str(value)


def to_xml(doc: dict[str, Any]) -> str:
    root = ET.Element("SchemaReport")
    for key, value in doc.items():
        _xml_fill(root, key, value)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_e = esc


def _link(url: str, text: str) -> str:
    """An ``<a>`` for an http(s) URL or the catalogue page beside the report; any other value (a repository
    path, a note) as plain text."""
    if not url:
        return ""
    if is_url(url):
        return f'<a href="{_e(url.strip())}" rel="noreferrer">{_e(text)}</a>'
    if is_shipped(url):
        return f'<a href="{_e(url.strip())}">{_e(text)}</a>'
    return f"<span class=ref>{_e(text)}: {_e(url)}</span>"


ISSUE_COLUMNS: tuple[Column, ...] = (
    ("#", 4, "num inline"), ("Rule", 12, "inline"), ("Impact", 6, "inline"), ("Object type", 8, "inline"),
    ("Object", 10, ""), ("Reason and SQL", 26, ""), ("File:line", 9, "path"), ("Suggestion", 12, ""),
    ("Fixed in", 8, "fixed inline"), ("Links", 5, "links inline"),
)  # fmt: skip
SUMMARY_COLUMNS: tuple[Column, ...] = (
    ("Object type", 14, ""), ("Total", 7, "num inline"), ("Without issues", 9, "num inline"),
    ("With issues", 9, "num inline"), ("Object names", 45, "names"), ("Details", 16, ""),
)  # fmt: skip


def to_html(doc: dict[str, Any]) -> str:
    s = doc["Summary"]
    info_rows = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
        for k, v in (
            ("Tool version", doc["VoyagerVersion"]),
            ("Database name", s["DbName"]),
            ("Schema name(s)", ", ".join(s["SchemaNames"])),
            ("DB version", s["DbVersion"]),
            ("Target DB type", doc.get("TargetDBType", "")),
            ("Target DB version", doc["TargetDBVersion"]),
            ("Rules run", doc["RulesRun"]),
            ("Issues", len(doc["Issues"])),
        )
    )
    summary_rows = "".join(
        row(
            SUMMARY_COLUMNS,
            (
                _e(o["ObjectType"]),
                str(o["TotalCount"]),
                str(o["TotalCount"] - o["InvalidCount"]),
                ("bad" if o["InvalidCount"] else "", str(o["InvalidCount"])),
                breakable(o["ObjectNames"]),
                breakable(o["Details"]),
            ),
        )
        for o in s["DatabaseObjects"]
    )
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, issue in enumerate(doc["Issues"], 1):
        groups.setdefault(issue["IssueType"], []).append((n, issue))
    sections = []
    for category in sorted(groups):
        rows = []
        for n, i in groups[category]:
            links = " ".join(
                x
                for x in (
                    _link(i["DocsLink"], "docs"),
                    _link(i["GH"], "issue"),
                    *(_link(u, "link") for u in i["Links"]),
                )
                if x
            )
            where = i["FilePath"] + (f":{i['LineNumber']}" if i["LineNumber"] else "")
            cells = (
                str(n),
                f"<code>{breakable(i['RuleCode'])}</code>",
                _e(i["Impact"]),
                _e(i["ObjectType"]),
                breakable(i["ObjectName"]),
                f"{_e(i['Reason'])}<details><summary>SQL</summary><pre>{_e(i['SqlStatement'])}</pre></details>",
                breakable(where, "/"),
                _e(i["Suggestion"]),
                # one version a line (each names its release series)
                "".join(
                    f"<span>{_e(v)}</span>" for _, v in sorted((i["MinimumVersionsFixedIn"] or {}).items())
                ),
                links,
            )
            rows.append(row(ISSUE_COLUMNS, cells))
        sections.append(
            f"<section><h3>{_e(category)} <span class=count>({len(rows)})</span></h3>"
            f"<table class='sortable cards'>{head(ISSUE_COLUMNS)}<tbody>{''.join(rows)}</tbody></table></section>"
        )
    notes = "".join(f"<li>{_e(n)}</li>" for n in s["Notes"])
    template = Template(
        resources.files("transship.analysis").joinpath("templates/report.html").read_text(encoding="utf-8")
    )
    return template.substitute(
        style=CSS,
        summary_head=head(SUMMARY_COLUMNS),
        title=_e(f"Schema analysis report — {s['DbName'] or 'schema'}"),
        description=_e(s["Description"]),
        info_rows=info_rows,
        summary_rows=summary_rows,
        issue_sections="".join(sections) or "<p>No issues found.</p>",
        notes=f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "",
    )


WRITERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "html": to_html,
    "json": to_json,
    "txt": to_txt,
    "xml": to_xml,
}


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(f"{path.suffix}.tmp")
    data = text.encode("utf-8")
    with diskfull.on_disk_full(path, len(data), remove=[tmp]):
        diskfull.simulate(diskfull.FILE, path)
        tmp.write_bytes(data)
    tmp.replace(path)


def write_reports(
    doc: dict[str, Any], reports_dir: Path, formats: list[str], rules: list[InstalledRule] | None = None
) -> list[Path]:
    """Write ``reports/schema_analysis_report.<fmt>`` for each format (overwriting); returns the paths. With
    ``rules`` (the installed rules), also the catalogue page the reports' docs links point to
    (``reports/schema_analysis_rules.html``, not among the paths returned)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = reports_dir / f"{REPORT_BASENAME}.{fmt}"
        _write(path, WRITERS[fmt](doc))
        paths.append(path)
    if rules is not None:
        _write(reports_dir / CATALOGUE_PAGE, render_html(rules))
    return paths
