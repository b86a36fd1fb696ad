"""The HTML reports in a real browser (headless Chromium): nothing overflows the window at 1400 and 800 px, and
every docs link is a working link (a relative one reaches an existing file and anchor, an absolute one is a
well-formed https URL).

Set ``TRANSSHIP_REPORT_SCREENSHOTS=/some/dir`` to keep full-page screenshots of each report at each width.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
import pytest

from tests.conftest import REPO
from transship import api
from transship.dbconfig import DBConfig
from transship.schema_files import OBJECT_FILES
from transship.state import MetaDB
from transship.testing.databases import PgServer

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTHS = (1400, 800)
VOYAGER_ISSUES = REPO / "tests" / "analysis" / "fixtures" / "all_voyager_issues.sql"
LONG = "customer_shipment_tracking_history_archive_partition_2024_q4x"  # 61 characters, no space
SCHEMA = "warehouse_management_subsystem_with_a_rather_long_schema_name"


# ------------------------------------------------------------------------------------------- the browser
def _browser() -> Any:
    """A headless Chromium driven by selenium through Debian's chromedriver (one session for the module)."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            pytest.fail(
                f"{', '.join(missing)} missing, though apt-get could install them: run bash scripts/browser.sh "
                "(it installs Debian's chromium and chromium-driver)"
            )
        pytest.skip(
            f"needs Debian's chromium and chromium-driver ({', '.join(missing)} missing) and no root apt-get "
            "here to install them"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("the selenium package is missing: run bash scripts/install.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--window-size=1400,900", "--force-device-scale-factor=1"):  # fmt: skip
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


# What the page measures: the document's width against the viewport, every element whose box ends right of the
# viewport (or starts left of it), and every cell, pre or code whose content is wider than its box (cut off or
# spilling into the next column).
MEASURE = """
document.querySelectorAll('details').forEach(function (d) { d.open = true; });
var vw = document.documentElement.clientWidth, out = [], spill = [];
function name(el) {
  return el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '')
    + (el.dataset && el.dataset.label ? '[' + el.dataset.label + ']' : '') + ' "'
    + (el.innerText || '').slice(0, 40).replace(/\\s+/g, ' ') + '"';
}
document.querySelectorAll('body *').forEach(function (el) {
  var r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return;
  if (r.right > vw + 0.5 || r.left < -0.5) out.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  if (/^(TD|TH|PRE|CODE|A|LI|P|H1|H2|H3)$/.test(el.tagName) && el.scrollWidth > el.clientWidth + 1
      && getComputedStyle(el).display !== 'inline')
    spill.push(name(el) + ' ' + el.scrollWidth + '>' + el.clientWidth);
});
return {viewport: vw, inner: window.innerWidth, scroll: document.documentElement.scrollWidth,
        body: document.body.scrollWidth, height: document.documentElement.scrollHeight,
        outside: out.slice(0, 15), spilling: spill.slice(0, 15), outsideCount: out.length, spillCount: spill.length,
        hrefs: Array.prototype.map.call(document.querySelectorAll('a[href]'), function (a) { return a.getAttribute('href'); }),
        plainRefs: Array.prototype.map.call(document.querySelectorAll('.ref'), function (s) { return s.innerText; })};
"""


SORT = """
var table = document.querySelectorAll('table.sortable')[arguments[0]], idx = arguments[1];
table.tHead.rows[0].cells[idx].click();
return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[idx].innerText.trim(); });
"""


def _show(driver: Any, page: Path, width: int) -> dict[str, Any]:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(page.as_uri())
    measured: dict[str, Any] = driver.execute_script(MEASURE)
    shots = os.environ.get("TRANSSHIP_REPORT_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        Path(shots, f"{page.stem}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
    return measured


def _fits(measured: dict[str, Any], page: Path, width: int) -> None:
    where = f"{page.name} at {width} px"
    assert measured["viewport"] == width, (where, measured["viewport"])
    assert measured["scroll"] <= measured["viewport"] and measured["body"] <= measured["viewport"], (
        f"{where}: the page scrolls sideways (scrollWidth {measured['scroll']}, body {measured['body']})"
    )
    assert not measured["outside"], (
        f"{where}: {measured['outsideCount']} element(s) beyond the viewport: {measured['outside']}"
    )
    assert not measured["spilling"], (
        f"{where}: {measured['spillCount']} box(es) narrower than their content: {measured['spilling']}"
    )


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(v for k, v in attrs if k in ("id", "name") and v)


def _ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        parser = _Ids()
        parser.feed(path.read_text(encoding="utf-8"))
        cache[path] = parser.ids
    return cache[path]


def _check_links(page: Path, hrefs: list[str], cache: dict[Path, set[str]]) -> tuple[int, int]:
    """Each href: a relative one names an existing file (beside ``page``) and an id in it; an absolute one is a
    well-formed https URL. Returns (relative, absolute) counts."""
    relative = absolute = 0
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme:
            assert parts.scheme == "https" and "." in parts.netloc and " " not in href, (
                f"{page.name}: {href!r}"
            )
            absolute += 1
            continue
        assert not parts.netloc and not parts.query, f"{page.name}: {href!r}"
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        assert target.is_file(), f"{page.name}: {href!r} names no file ({target})"
        if parts.fragment:
            assert unquote(parts.fragment) in _ids(target, cache), (
                f"{page.name}: {href!r}: no such anchor in {target.name}"
            )
        relative += 1
    return relative, absolute


# ------------------------------------------------------------------------------------------- the reports
def _analysis_export_dir(root: Path) -> Path:
    """An export dir as export schema leaves it: voyager's every issue type, and statements of several KB on one
    line with identifiers of 60 characters and string values without a space."""
    for sub in ("schema", "metainfo", "reports", "logs", "data", "temp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f"{LONG[:50]}_{n:03d} xml" for n in range(60))
    blob = "x" * 3000
    tables = [
        VOYAGER_ISSUES.read_text(encoding="utf-8"),
        # several KB on one line, no primary key (a hygiene issue: its docs link is the rule catalogue)
        f"CREATE UNLOGGED TABLE public.{LONG} (id integer, {columns});",
        f"CREATE TABLE {SCHEMA}.{LONG}_b (id integer, payload text DEFAULT '{blob}', doc xml);",
        *(f"CREATE TABLE {SCHEMA}.{LONG[:55]}_{n:02d} (id integer, note text);" for n in range(8)),
    ]
    files = {
        "TABLE": "\n".join(tables) + "\n",
        "VIEW": f"CREATE VIEW public.v_{LONG} AS SELECT {' || '.join(f'xmlelement(name e{n}, {n})' for n in range(120))} AS wide_{'y' * 1500};\n",
    }
    for otype, sql in files.items():
        path = root / "schema" / OBJECT_FILES[otype]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    meta = MetaDB(root / "metainfo" / "meta.db")
    meta.update_status(
        export_schema_done=True, source_db_type="postgresql",
        source_conf={"name": f"shop_{LONG}", "schema": f"public,{SCHEMA}"},
    )  # fmt: skip
    meta.close()
    return root


def _verification_reports(server: PgServer, source: str, target: str, root: Path) -> Path:
    """A migration of many tables with long names through the API, then differences on the target: verify
    writes reports/verification_report.html."""
    statements = [f"CREATE SCHEMA {SCHEMA}", f"CREATE SEQUENCE {SCHEMA}.{LONG}_seq START 1000"]
    for n in range(24):
        table = f"{SCHEMA}.{LONG[:56]}_{n:02d}"
        statements += [
            f"CREATE TABLE {table} (id integer PRIMARY KEY, payload text NOT NULL)",
            f"INSERT INTO {table} SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, {3 + n}) g",
        ]
    with server.connect(source) as conn:
        for stmt in statements:
            conn.execute(stmt)  # type: ignore[call-overload]
    where = {"host": server.host, "port": server.port, "user": server.user}
    m = api.Migration(
        root,
        source=DBConfig(db_type="postgresql", name=source, schema=SCHEMA, **where),  # type: ignore[arg-type]
        target=DBConfig(name=target, **where),  # type: ignore[arg-type]
    )
    api.export_schema(m)
    api.export_data(m)
    api.import_schema(m)
    api.import_data(m, api.ImportDataOptions(parallel_jobs=2))
    with psycopg.connect(server.conninfo(target), autocommit=True) as conn:
        for n in (0, 5, 11):
            table = f"{SCHEMA}.{LONG[:56]}_{n:02d}"
            conn.execute(f"UPDATE {table} SET payload = repeat('z', 900) WHERE id = 2")  # type: ignore[arg-type]
            conn.execute(f"DELETE FROM {table} WHERE id = 3")  # type: ignore[arg-type]
    result = api.verify(m)
    assert not result.ok and result.document["tables"], result.error
    return root / "reports" / "verification_report.html"


def test_reports_fit_the_window_and_every_link_works(
    pg_server: PgServer, pg_db: str, pg_target_db: str, tmp_path: Path
) -> None:
    exp = _analysis_export_dir(tmp_path / "analysis")
    doc = api.analyze_schema(api.Migration(exp), api.AnalyzeOptions(target_db_version="2.20.0.0")).document
    assert len(doc["Issues"]) > 150 and max(len(i["SqlStatement"]) for i in doc["Issues"]) > 3000
    analysis = exp / "reports" / "schema_analysis_report.html"
    catalogue = exp / "reports" / "schema_analysis_rules.html"
    assert catalogue.is_file()
    verification = _verification_reports(pg_server, pg_db, pg_target_db, tmp_path / "migration")

    driver = _browser()
    cache: dict[Path, set[str]] = {}
    try:
        for page in (analysis, catalogue, verification):
            for width in WIDTHS:
                measured = _show(driver, page, width)
                _fits(measured, page, width)
                assert not measured["plainRefs"], (
                    f"{page.name}: docs links shown as text: {measured['plainRefs'][:5]}"
                )
                relative, absolute = _check_links(page, measured["hrefs"], cache)
                if page != analysis:
                    continue
                # links to the catalogue beside the report, and to the YugabyteDB docs and GitHub
                assert relative >= 10 and absolute >= 100, (relative, absolute)
                # a click on a header sorts its table by its column (each table counts its own columns)
                for n, column in ((0, 0), (3, 1), (3, 4)):
                    up = driver.execute_script(SORT, n, column)
                    down = driver.execute_script(SORT, n, column)
                    assert len(set(up)) > 1 and up == sorted(up, key=str.lower), (n, column, up)
                    assert down == sorted(up, key=str.lower, reverse=True), (n, column, down)
    finally:
        driver.quit()
    hygiene = [i for i in doc["Issues"] if i["RuleCode"] == "TABLE_WITHOUT_PRIMARY_KEY"]
    assert hygiene and all(
        i["DocsLink"] == "schema_analysis_rules.html#rule-table-without-primary-key" for i in hygiene
    )
    assert (
        json.loads((exp / "reports" / "schema_analysis_report.json").read_text())["Issues"] == doc["Issues"]
    )
