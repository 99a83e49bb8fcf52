"""The dashboards in a real headless Chromium: every chart draws, nothing fails, nothing leaves the server.

The map check reads vega's own scenegraph (through a wrapper around the global `vegaEmbed`):
one drawn area per boundary of the level, grey exactly where the value is hidden, missing or
not applicable. It fails when the lookup of the boundaries matches nothing.
Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: the browser tests need a system Chromium "
                "(browser downloads are blocked, so `playwright install` is not an option)",
                allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).parent / "artifacts"
DB_KEY = "bansos-terbuka"
TIMEOUT_MS = 30_000

# Runs before any page script: keeps every vega view that vegaEmbed resolves, and every failure.
HOOK_VEGA_EMBED = r"""
(() => {
  window.__vega = {views: [], errors: []};
  let wrapped;
  Object.defineProperty(window, 'vegaEmbed', {
    configurable: true,
    get() { return wrapped; },
    set(embed) {
      wrapped = function (el, spec, opts) {
        const p = embed(el, spec, opts);
        p.then(r => { window.__vega.views.push({id: el.id, view: r.view}); },
               e => { window.__vega.errors.push(el.id + ': ' + String(e)); console.error(e); });
        return p;
      };
      Object.assign(wrapped, embed);
    },
  });
})();
"""

# What each vega view drew: the data marks (not axes or legends), with fill, bounds and datum.
SCENEGRAPH = r"""
() => window.__vega.views.map(({id, view}) => {
  const marks = {};
  const shapes = [];
  const walk = (node) => {
    if (!node) return;
    if (node.marktype) {
      if (node.role === 'mark') {
        marks[node.marktype] = (marks[node.marktype] || 0) + node.items.length;
        if (node.marktype === 'shape') {
          node.items.forEach(i => {
            const b = i.bounds;
            const geo = i.datum && i.datum.geo;
            shapes.push({
              code: i.datum && i.datum.region_code,
              status: i.datum && i.datum.status,
              fill: String(i.fill),
              area: b ? Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1) : 0,
              geometry: !!(geo && geo.geometry && geo.geometry.coordinates && geo.geometry.coordinates.length),
            });
          });
        }
      }
      node.items.forEach(walk);
    } else if (node.items) {
      node.items.forEach(walk);
    }
  };
  walk(view.scenegraph().root);
  return {id, marks, shapes};
})
"""


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.strip()
    if colour.startswith("#") and len(colour) == 7:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", colour)
    assert m, f"unexpected fill {colour!r}"
    return tuple(int(x) for x in m.groups())


def _is_grey(colour: str) -> bool:
    r, g, b = _rgb(colour)
    return max(r, g, b) - min(r, g, b) <= 6


@pytest.fixture(scope="module")
def release(built) -> Path:
    return Path(built["release"])


@pytest.fixture(scope="module")
def dashboards(release) -> dict:
    """The dashboards as the release serves them (the build may drop the charts needing boundaries)."""
    meta = json.loads((release / "metadata.json").read_text(encoding="utf-8"))
    config = meta.get("plugins", {}).get("datasette-dashboards")
    assert config, "metadata.json has no datasette-dashboards config"
    return config


@pytest.fixture(scope="module")
def db(release):
    con = sqlite3.connect(f"file:{release / DB_KEY}.db?mode=ro", uri=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """One browser page that records every console error, failure and request it sees."""

    def __init__(self, browser, server: str):
        self.server = urlsplit(server)
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.add_init_script(HOOK_VEGA_EMBED)
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(
            f"{m.text} @ {m.location.get('url')}"))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url}: HTTP {r.status}"))
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        self.requests.append(request.url)
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob"):
            return
        if (url.scheme, url.netloc) != (self.server.scheme, self.server.netloc):
            self.foreign.append(request.url)

    def open_dashboard(self, slug: str, dashboard: dict, query: str = "") -> list[dict]:
        """Open /-/dashboards/<slug>, wait for every chart, return what the vega views drew."""
        page = self.page
        page.goto(f"{self.server.scheme}://{self.server.netloc}/-/dashboards/{slug}{query}")
        charts = dashboard["charts"]
        vega = [c for c, ch in charts.items() if ch.get("library") in ("vega", "vega-lite")]
        page.wait_for_function("n => window.__vega.views.length + window.__vega.errors.length >= n",
                               arg=len(vega))
        assert page.evaluate("window.__vega.errors") == []
        for name, chart in charts.items():
            sel = f"#chart-{name}"
            lib = chart.get("library")
            if lib in ("vega", "vega-lite"):
                page.wait_for_selector(f"{sel} canvas, {sel} svg.marks", state="attached")
            elif lib == "metric":
                page.wait_for_selector(f"{sel} p")
                text = page.inner_text(f"{sel} p").strip()
                assert text and text not in ("null", "undefined") and "undefinednull" not in text, (name, text)
            elif lib == "table":
                page.wait_for_selector(f"{sel} table tbody tr")
            elif lib == "markdown":
                assert page.inner_text(sel).strip(), name
        page.wait_for_load_state("networkidle")
        return page.evaluate(SCENEGRAPH)

    def screenshot(self, name: str, card: str | None = None) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if card:
            self.page.locator(f"#card-{card}").screenshot(path=str(ARTIFACTS / f"{name}-{card}.png"))
        return path

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.failed == [], self.failed
        assert self.foreign == [], f"requests to another host: {self.foreign}"
        assert any("/bansos-terbuka.json?sql=" in u for u in self.requests), "no chart fetched its data"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, server):
    p = Page(browser, server)
    yield p
    p.close()


def _latest_period(db) -> str:
    return db.execute("SELECT max(period) FROM indicator_values").fetchone()[0]


def _views(drawn: list[dict]) -> dict[str, dict]:
    return {v["id"].removeprefix("chart-"): v for v in drawn}


def _expected_areas(release: Path, db, level: str, indicator: str, period: str) -> dict[str, bool]:
    """Region code -> has a published value, for every area of `level` with a boundary."""
    geo = json.loads((release / "geo" / "regions.map.json").read_text(encoding="utf-8"))
    with_boundary = {f["properties"]["code"] for f in geo["features"] if f["properties"]["level"] == level}
    rows = db.execute(
        "SELECT r.code, v.status = 'published' AND v.value IS NOT NULL FROM regions AS r "
        "LEFT JOIN indicator_values AS v ON v.region_code = r.code AND v.level = r.level "
        "AND v.breakdown = 'all' AND v.indicator_id = ? AND v.period = ? WHERE r.level = ?",
        (indicator, period, level)).fetchall()
    return {code: bool(published) for code, published in rows if code in with_boundary}


def _check_map(view: dict, expected: dict[str, bool]) -> None:
    shapes = view["shapes"]
    assert shapes, "the map drew no areas: did the lookup of the boundaries match nothing?"
    assert all(s["geometry"] for s in shapes), "an area has no geometry"
    assert all(s["area"] > 0 for s in shapes), "an area has empty bounds"
    drawn = {s["code"]: s for s in shapes}
    assert len(drawn) == len(shapes), "an area is drawn twice"
    assert set(drawn) == set(expected), (sorted(set(expected) - set(drawn)), sorted(set(drawn) - set(expected)))
    for code, published in expected.items():
        assert _is_grey(drawn[code]["fill"]) != published, (code, drawn[code])
    coloured = {drawn[c]["fill"] for c, pub in expected.items() if pub}
    if sum(expected.values()) >= 3:
        assert len(coloured) >= 2, f"every published area has one colour: {coloured}"


def test_map_dashboard_draws_every_area(page, dashboards, release, db):
    index = json.loads((release / "index.json").read_text(encoding="utf-8"))
    dash = dashboards["peta"]
    filters = dash["filters"]
    indicator, level = filters["indicator"]["default"], filters["level"]["default"]
    assert level in ("desa", "kecamatan")
    period = _latest_period(db)

    drawn = _views(page.open_dashboard("peta", dash))
    page.screenshot("peta", card="peta" if "peta" in dash["charts"] else None)
    page.assert_clean()
    assert page.page.url.endswith(f"indicator={indicator}&level={level}"), page.page.url

    if not index.get("maps", {}).get("available"):
        assert not any(ch.get("needs_boundaries") for ch in dash["charts"].values())
        assert "peta" not in drawn
        pytest.skip("this release has no boundaries: the map chart is left out")
    assert "peta" in drawn, "the map chart did not render"
    expected = _expected_areas(release, db, level, indicator, period)
    assert expected and len(expected) == index["maps"]["levels"][level]["areas"]
    _check_map(drawn["peta"], expected)
    assert page.page.locator("#chart-tabel table tbody tr").count() == db.execute(
        "SELECT count(*) FROM regions WHERE level = ?", (level,)).fetchone()[0]
    assert any(u.endswith("/downloads/geo/regions.map.json") for u in page.requests)


def test_map_dashboard_other_level(page, dashboards, release, db):
    index = json.loads((release / "index.json").read_text(encoding="utf-8"))
    if not index.get("maps", {}).get("available"):
        pytest.skip("this release has no boundaries: the map chart is left out")
    dash = dashboards["peta"]
    default = dash["filters"]["level"]["default"]
    level = "kecamatan" if default == "desa" else "desa"
    indicator, period = "pbi_coverage", _latest_period(db)
    drawn = _views(page.open_dashboard("peta", dash, f"?indicator={indicator}&level={level}&period={period}"))
    page.screenshot(f"peta-{level}", card="peta")
    page.assert_clean()
    _check_map(drawn["peta"], _expected_areas(release, db, level, indicator, period))


def test_headline_dashboard(page, dashboards, db):
    dash = dashboards["ringkasan"]
    indicator = dash["filters"]["indicator"]["default"]
    period = _latest_period(db)

    drawn = _views(page.open_dashboard("ringkasan", dash))
    page.screenshot("ringkasan")
    page.assert_clean()

    # The period metric falls back to the latest period when the filter is empty.
    assert page.page.inner_text("#chart-periode p").strip() == period
    note = page.page.inner_text("#chart-catatan")
    assert "sintetis" in note.lower() and "synthetic" in note.lower()
    assert page.page.locator('#chart-catatan a[href="/docs/"]').count() == 1

    periods, values = db.execute(
        "SELECT count(*), count(value) FROM indicator_values WHERE level = 'kabupaten' AND breakdown = 'all' "
        "AND indicator_id = ?", (indicator,)).fetchone()
    assert periods >= 1
    assert drawn["tren"]["marks"].get("line") == periods  # a vega line has one item per row, hidden ones undefined
    assert drawn["tren"]["marks"].get("symbol", 0) == values  # one point per published period
    assert drawn["tren"]["marks"].get("text", 0) == periods - values  # hidden periods say so

    published = db.execute(
        "SELECT count(*) FROM indicator_values WHERE level = 'kecamatan' AND breakdown = 'all' "
        "AND indicator_id = ? AND period = ? AND value IS NOT NULL", (indicator, period)).fetchone()[0]
    kecamatan = db.execute("SELECT count(*) FROM regions WHERE level = 'kecamatan'").fetchone()[0]
    assert drawn["peringkat_kecamatan"]["marks"].get("rect", 0) == published
    assert drawn["peringkat_kecamatan"]["marks"].get("text", 0) == kecamatan - published  # gaps say so


def test_headline_dashboard_earlier_period(page, dashboards, db):
    periods = [r[0] for r in db.execute("SELECT DISTINCT period FROM indicator_values ORDER BY period")]
    if len(periods) < 2:
        pytest.skip("a single period in this release")
    page.open_dashboard("ringkasan", dashboards["ringkasan"], f"?period={periods[0]}&indicator=pbi_coverage")
    page.screenshot("ringkasan-earlier")
    page.assert_clean()
    assert page.page.inner_text("#chart-periode p").strip() == periods[0]
