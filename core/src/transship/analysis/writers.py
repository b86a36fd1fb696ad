"""Write the report document as json, txt, xml or html (one self-contained file each)."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from transship import diskfull
from transship.errors import ConfigError

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


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _is_url(value: str) -> bool:
    return value.strip().lower().startswith(("https://", "http://"))


def _link(url: str, text: str) -> str:
    """An ``<a>`` for an http(s) URL; any other value (a repository path, a note) as plain text."""
    if not url:
        return ""
    if _is_url(url):
        return f'<a href="{_e(url.strip())}" rel="noreferrer">{_e(text)}</a>'
    return f"<span class=ref>{_e(text)}: {_e(url)}</span>"


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
        f"<tr><td>{_e(o['ObjectType'])}</td><td class=num>{o['TotalCount']}</td>"
        f"<td class=num>{o['TotalCount'] - o['InvalidCount']}</td><td class='num{' bad' if o['InvalidCount'] else ''}'>{o['InvalidCount']}</td>"
        f"<td class=names>{_e(o['ObjectNames'])}</td><td>{_e(o['Details'])}</td></tr>"
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
            rows.append(
                f"<tr><td class=num>{n}</td><td><code>{_e(i['RuleCode'])}</code></td><td>{_e(i['Impact'])}</td>"
                f"<td>{_e(i['ObjectType'])}</td><td>{_e(i['ObjectName'])}</td>"
                f"<td>{_e(i['Reason'])}<details><summary>SQL</summary><pre>{_e(i['SqlStatement'])}</pre></details></td>"
                f"<td class=path>{_e(where)}</td><td>{_e(i['Suggestion'])}</td>"
                f"<td>{_e(_fixed_in(i['MinimumVersionsFixedIn']))}</td><td>{links}</td></tr>"
            )
        sections.append(
            f"<section><h3>{_e(category)} <span class=count>({len(rows)})</span></h3>"
            "<table class=sortable><thead><tr><th>#</th><th>Rule</th><th>Impact</th><th>Object type</th><th>Object</th>"
            "<th>Reason and SQL</th><th>File:line</th><th>Suggestion</th><th>Fixed in</th><th>Links</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>"
        )
    notes = "".join(f"<li>{_e(n)}</li>" for n in s["Notes"])
    template = Template(
        resources.files("transship.analysis").joinpath("templates/report.html").read_text(encoding="utf-8")
    )
    return template.substitute(
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


def write_reports(doc: dict[str, Any], reports_dir: Path, formats: list[str]) -> list[Path]:
    """Write ``reports/schema_analysis_report.<fmt>`` for each format (overwriting); returns the paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = reports_dir / f"{REPORT_BASENAME}.{fmt}"
        tmp = path.with_suffix(f".{fmt}.tmp")
        data = WRITERS[fmt](doc).encode("utf-8")
        with diskfull.on_disk_full(path, len(data), remove=[tmp]):
            diskfull.simulate(diskfull.FILE, path)
            tmp.write_bytes(data)
        tmp.replace(path)
        paths.append(path)
    return paths
