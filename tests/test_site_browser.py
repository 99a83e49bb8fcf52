"""The documentation site in a real headless Chromium, in both languages: the home page, every
commitment page, an indicator page and the poverty map show the release's own figures, record no
console error, no failed request and no request leaving the server, pass axe-core with no serious
or critical violation, and fit a phone's width. Screenshots go to tests/artifacts/site-*.png.

axe-core comes from npm (`make setup` installs the pinned version into tests/node/, which git
ignores); it is loaded into each page from that file, never from a CDN.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from publish.site_indicators import MAP_TEXT, POVERTY, TEXT, fmt

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: the browser tests need a system Chromium "
                "(browser downloads are blocked, so `playwright install` is not an option)",
                allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 30_000
INDICATOR = "pbi_coverage"  # a desa-level indicator without breakdown: it has a map
LANGS = {"id": "", "en": "en/"}
# Rules left out of the accessibility check, each with the reason. None so far: add one only for a
# violation that comes from the Material theme itself and cannot be fixed in docs/overrides.
AXE_EXCLUDED: dict[str, str] = {}


@pytest.fixture(scope="module")
def release(built) -> Path:
    return Path(built["release"])


@pytest.fixture(scope="module")
def index(release) -> dict:
    return json.loads((release / "index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db(release, index):
    con = sqlite3.connect(f"file:{release / index['database']}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
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
    """One browser tab that records every console error, failed request and foreign request."""

    def __init__(self, browser, server: str, width: int = 1280):
        self.server = urlsplit(server)
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(
            f"{m.text} @ {m.location.get('url')}"))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url}: HTTP {r.status}"))
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if (url.scheme, url.netloc) != (self.server.scheme, self.server.netloc):
            self.foreign.append(request.url)

    def open(self, path: str) -> None:
        response = self.page.goto(f"{self.server.scheme}://{self.server.netloc}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        self.page.wait_for_load_state("networkidle")

    def text(self) -> str:
        """All text of the page, folded data tables included."""
        return self.page.locator("article").first.text_content() or ""

    def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / f"site-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self) -> list[dict]:
        """Serious and critical axe-core violations of the page (rules of AXE_EXCLUDED left out)."""
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("""async (excluded) => {
            const rules = Object.fromEntries(excluded.map(r => [r, {enabled: false}]));
            const r = await axe.run(document, {resultTypes: ['violations'], rules});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }""", list(AXE_EXCLUDED))
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.failed == [], self.failed
        assert self.foreign == [], f"requests to another host: {self.foreign}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, server):
    opened = []

    def make(width: int = 1280) -> Page:
        p = Page(browser, server, width)
        opened.append(p)
        return p

    yield make
    for p in opened:
        p.close()


def check(tab, path: str, name: str) -> Page:
    """Open a page, screenshot it, and check it is clean and accessible."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make setup` (it installs axe-core from npm into tests/node/)")
    p = tab()
    p.open(path)
    p.screenshot(name)
    violations = p.axe()
    p.assert_clean()
    assert violations == [], json.dumps(violations, indent=1, ensure_ascii=False)
    return p


def commitments(db) -> list[dict]:
    return [dict(r) for r in db.execute("SELECT * FROM commitments ORDER BY commitment_id")]


def svg_count(p: Page, selector: str) -> int:
    return p.page.locator(selector).count()


@pytest.mark.parametrize("lang", LANGS)
def test_home_page(tab, lang, index):
    p = check(tab, f"/docs/{LANGS[lang]}index.html", f"{lang}-home")
    assert p.page.locator("html").get_attribute("lang") == lang
    text = p.page.locator("body").inner_text()
    assert "Bansos Terbuka" in text
    assert "Data sintetis — bukan data orang sungguhan" in text and "Synthetic data — not real people" in text
    # The home page leads to the generated pages of this release.
    nav = p.page.locator("nav.md-nav--primary")
    assert nav.locator('a[href$="poverty-map.html"]').count() >= 1
    assert nav.locator(f'a[href$="indicators/{INDICATOR}.html"]').count() >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_commitment_pages(tab, lang, db):
    rows = commitments(db)
    assert rows, "the release has no commitments"
    milestones = [dict(r) for r in db.execute("SELECT * FROM milestones ORDER BY commitment_id, milestone_no")]
    for c in rows:
        cid = c["commitment_id"]
        p = check(tab, f"/docs/{LANGS[lang]}commitments/{cid}.html", f"{lang}-commitment-{cid}")
        text = p.text()
        title = c["title_id"] if lang == "id" else c["title_en"]
        assert title in p.page.locator("h1").inner_text()
        assert cid in text
        for m in (m for m in milestones if m["commitment_id"] == cid):
            assert (m["title_id"] if lang == "id" else m["title_en"]) in text, (cid, m["milestone_no"])
            assert m["end_date"] in text


def expected_map(db, index, indicator: str, period: str) -> tuple[int, int]:
    """(villages drawn, of them hidden) for an indicator's village map."""
    levels = index["maps"]["levels"]
    without = set(levels["desa"]["without_boundary"])
    rows = db.execute("SELECT r.code, v.status FROM regions r LEFT JOIN indicator_values v ON v.region_code = r.code "
                      "AND v.level = 'desa' AND v.breakdown = 'all' AND v.indicator_id = ? AND v.period = ? "
                      "WHERE r.level = 'desa'", (indicator, period)).fetchall()
    drawn = [r for r in rows if r["code"] not in without]
    assert len(drawn) == levels["desa"]["areas"]
    return len(drawn), sum(r["status"] == "suppressed" for r in drawn)


@pytest.mark.parametrize("lang", LANGS)
def test_indicator_page(tab, lang, db, index):
    period = index["period"]
    p = check(tab, f"/docs/{LANGS[lang]}indicators/{INDICATOR}.html", f"{lang}-indicator-{INDICATOR}")
    ind = db.execute("SELECT * FROM indicators WHERE indicator_id = ?", (INDICATOR,)).fetchone()
    assert ind["title_id" if lang == "id" else "title_en"] in p.page.locator("h1").inner_text()
    text = p.text()
    kab = db.execute("SELECT * FROM indicator_values WHERE indicator_id = ? AND level = 'kabupaten' "
                     "AND breakdown = 'all' AND period = ?", (INDICATOR, period)).fetchone()
    shown = fmt(kab["value"], kab["unit"], lang) if kab["value"] is not None else TEXT[lang]["words"][kab["status"]]
    assert shown in p.page.locator("article").inner_text()
    # Every period of the database is on the chart's table; every kecamatan is in the ranking.
    trend = db.execute("SELECT period FROM indicator_values WHERE indicator_id = ? AND level = 'kabupaten'",
                       (INDICATOR,)).fetchall()
    for (per,) in trend:
        assert per in text
    for (name,) in db.execute("SELECT name FROM regions WHERE level = 'kecamatan'"):
        assert name in text
    # Charts are accessible images: a name, a description, a viewBox, no fixed width.
    images = p.page.locator('article svg[role="img"]')
    assert images.count() >= 3
    for i in range(images.count()):
        svg = images.nth(i)
        assert svg.locator("title").count() >= 1 and svg.locator("desc").count() == 1
        assert svg.get_attribute("viewBox") and svg.get_attribute("width") == "100%"
    # Hidden is never zero: the page says so, and shows hidden values apart.
    words = TEXT[lang]
    assert ("bukan nol" if lang == "id" else "not zero") in text
    if index.get("maps", {}).get("available"):
        drawn, hidden = expected_map(db, index, INDICATOR, period)
        svg = p.page.locator("article figure svg[role=img]").filter(has=p.page.locator("path[fill-rule]"))
        assert svg.count() == 1
        assert svg.locator("path[fill-rule]").count() == drawn
        assert svg.locator('path[fill^="url(#hatch"]').count() == hidden
        assert MAP_TEXT[lang]["suppressed"] in text
    else:
        assert MAP_TEXT[lang]["no_map"] in text
    # Links to the downloads and the queries.
    for href in ("/downloads/csv/indicator_values.csv", "/downloads/xlsx/indicator_values.xlsx",
                 f"/bansos-terbuka/indicator_by_region?indicator={INDICATOR}&period={period}&level=desa",
                 f"/bansos-terbuka/indicator_trend?indicator={INDICATOR}"):
        assert p.page.locator(f'a[href^="{href}"]').count() >= 1, href
    assert words["links"] in text


@pytest.mark.parametrize("lang", LANGS)
def test_poverty_map(tab, lang, db, index):
    period, regency = index["period"], index["regency"]["code"]
    p = check(tab, f"/docs/{LANGS[lang]}poverty-map.html", f"{lang}-poverty-map")
    text = p.text()
    assert index["regency"]["name"] in p.page.locator("h1").inner_text()
    excl = db.execute("SELECT * FROM exclusion_by_region WHERE level = 'kabupaten' AND period = ?", (period,)).fetchone()
    assert fmt(excl["poor_families"], "count", lang) in text
    desil = db.execute("SELECT desil, families FROM families_by_region_desil WHERE level = 'kabupaten' "
                       "AND region_code = ? AND period = ? ORDER BY desil", (regency, period)).fetchall()
    assert len(desil) == 10
    chart = p.page.locator("article figure").first
    table = chart.locator("table tbody tr")
    assert table.count() == 10
    for i, (d, families) in enumerate(desil):
        cells = table.nth(i).locator("td")
        assert cells.nth(0).text_content() == str(d)
        assert cells.nth(1).text_content() == (fmt(families, "count", lang) if families is not None else "—")
    assert POVERTY[lang]["hidden"] in text
    if index.get("maps", {}).get("available"):
        areas = index["maps"]["levels"]["desa"]["areas"]
        maps = p.page.locator("article figure svg[role=img]").filter(has=p.page.locator("path[fill-rule]"))
        assert maps.count() == 4  # poor families, exclusion, PBI-JK and elderly/disabled coverage
        for i in range(maps.count()):
            assert maps.nth(i).locator("path[fill-rule]").count() == areas
        drawn, hidden = expected_map(db, index, "exclusion_rate", period)
        assert maps.nth(1).locator('path[fill^="url(#hatch"]').count() == hidden
    else:
        assert MAP_TEXT[lang]["no_map"] in text


def test_poverty_map_fits_a_phone(tab):
    p = tab(390)
    p.open("/docs/poverty-map.html")
    p.screenshot("id-poverty-map-phone")
    p.assert_clean()
    overflow = p.page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than a phone"
    box = p.page.locator("article figure svg").first.bounding_box()
    assert box and box["width"] <= 390
