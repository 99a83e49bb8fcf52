"""The commitment, release-notes and licence pages, and the search that finds Indonesian word forms.

Each figure on a page is checked against the release's database or the previous release,
computed here independently of the site code.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import html
import json
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from publish.site_commitments import status_vocabulary
from publish.site_release_notes import write_release_notes
from publish.validated import Validator

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = Path("/usr/bin/chromium")


# --- helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release(built) -> Path:
    return Path(built["release"])


@pytest.fixture(scope="module")
def index(release) -> dict:
    return json.loads((release / "index.json").read_text(encoding="utf-8"))


def rows(db: Path, sql: str, params=()) -> list[dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def page(release: Path, path: str) -> str:
    return (release / "site" / path).read_text(encoding="utf-8")


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(doc: str, anchor: str) -> str:
    """The HTML from the heading with this id up to the next heading of level 2."""
    assert f'id="{anchor}"' in doc, anchor
    return doc.split(f'id="{anchor}"', 1)[1].split("<h2", 1)[0]


def table_rows(fragment: str) -> list[list[str]]:
    return [[plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", fragment, re.S) if "<td" in tr]


def gantt(doc: str, commitment_id: str) -> ET.Element:
    match = re.search(r'<svg [^>]*data-commitment="%s".*?</svg>' % re.escape(commitment_id), doc, re.S)
    assert match, f"no Gantt chart for {commitment_id}"
    return ET.fromstring(match.group(0))


def period_end(period: str) -> dt.date:
    y, m = map(int, period.split("-"))
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def defaults() -> dict:
    return yaml.safe_load((REPO / "publish" / "defaults.yml").read_text(encoding="utf-8"))


def number_in(cell: str) -> float:
    """1,234.56 or Rp 1,234 (English pages) as a number."""
    return float(re.sub(r"[^0-9.\-]", "", cell.replace("−", "-")))


# --- the status vocabulary ---------------------------------------------------------------


def test_status_vocabulary_is_the_schema_enum_with_both_labels():
    schema = json.loads((REPO / "schemas/input/milestones.schema.json").read_text(encoding="utf-8"))
    enum = next(f for f in schema["fields"] if f["name"] == "status")["constraints"]["enum"]
    statuses = defaults()["milestones"]["statuses"]
    assert set(statuses) == set(enum)
    for code, labels in statuses.items():
        assert labels["id"] and labels["en"], code
    assert status_vocabulary(defaults(), REPO) == {c: {"id": statuses[c]["id"], "en": statuses[c]["en"]}
                                                  for c in enum}


@pytest.mark.parametrize("change", ["extra", "missing", "no_label"])
def test_a_vocabulary_that_disagrees_with_the_schema_stops_the_site(change):
    config = defaults()
    statuses = config["milestones"]["statuses"]
    if change == "extra":
        statuses["cancelled"] = {"id": "batal", "en": "cancelled"}
    elif change == "missing":
        statuses.pop("stuck")
    else:
        statuses["stuck"] = {"id": "macet"}
    with pytest.raises(ValueError, match="milestones"):
        status_vocabulary(config, REPO)


def test_an_unknown_milestone_status_is_quarantined(raw, tmp_path):
    pkg = tmp_path / "in"
    shutil.copytree(raw["2026-10"], pkg)
    path = pkg / "milestones.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    data[0]["status"] = "done"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    result = Validator(duckdb.connect(), pkg, tmp_path / "work").run()["milestones"]
    assert result.quarantined == 1 and result.used == len(data) - 1
    assert result.errors[("enum", "status")]["action"] == "quarantine"


# --- commitment pages ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def commitments(release, index) -> dict[str, dict]:
    db = release / index["database"]
    out = {c["commitment_id"]: {**c, "milestones": []} for c in rows(db, "SELECT * FROM commitments")}
    for m in rows(db, "SELECT * FROM milestones"):
        out[m["commitment_id"]]["milestones"].append(m)
    assert out, "the demo has commitments"
    return out


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_gantt_has_one_bar_per_milestone_with_its_status(release, commitments, prefix):
    vocab = defaults()["milestones"]["statuses"]
    lang = "en" if prefix else "id"
    for cid, c in commitments.items():
        svg = gantt(page(release, f"{prefix}commitments/{cid}.html"), cid)
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert svg.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
        assert svg.get("viewBox") and "bt-gantt__svg" in svg.get("class")
        bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "gantt-bar"]
        assert sorted(int(b.get("data-milestone")) for b in bars) == sorted(m["milestone_no"] for m in c["milestones"])
        by_no = {m["milestone_no"]: m for m in c["milestones"]}
        pattern_ids = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
        labels = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
        for bar in bars:
            m = by_no[int(bar.get("data-milestone"))]
            assert bar.get("data-status") == m["status"]
            # Colour and pattern: the fill is a pattern defined in the chart ...
            fill = re.fullmatch(r"url\(#(.+)\)", bar.get("fill")).group(1)
            assert fill in pattern_ids and fill.endswith(m["status"])
            # ... and the status is written out, in the page's language.
            assert vocab[m["status"]][lang] in labels
        assert len([x for x in svg.iter(f"{SVG}line") if x.get("class") == "gantt-today"]) == 1


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_overdue_milestones_match_an_independent_count(release, index, commitments, prefix):
    end = period_end(index["period"])
    total_overdue = 0
    index_rows = {r[0]: r for r in table_rows(page(release, f"{prefix}commitments/index.html"))}
    for cid, c in commitments.items():
        expected = {m["milestone_no"] for m in c["milestones"]
                    if dt.date.fromisoformat(m["end_date"]) < end and m["status"] != "finished"}
        total_overdue += len(expected)
        doc = page(release, f"{prefix}commitments/{cid}.html")
        bars = [r for r in gantt(doc, cid).iter(f"{SVG}rect") if r.get("class") == "gantt-bar"]
        assert {int(b.get("data-milestone")) for b in bars if b.get("data-overdue") == "true"} == expected
        overdue_lines = [plain(li) for li in re.findall(r"<li>(.*?)</li>", section(doc, "tonggak-terlambat" if not prefix
                                                                                    else "overdue-milestones"), re.S)]
        assert {int(re.match(r"No (\d+):", li).group(1)) for li in overdue_lines} == expected
        for li in overdue_lines:
            m = next(m for m in c["milestones"] if m["milestone_no"] == int(re.match(r"No (\d+):", li).group(1)))
            days = (end - dt.date.fromisoformat(m["end_date"])).days
            assert str(days) in li
        done = sum(m["status"] == "finished" for m in c["milestones"])
        progress = plain(section(doc, "kemajuan" if not prefix else "progress"))
        assert f"{done} {'dari' if not prefix else 'of'} {len(c['milestones'])}" in progress
        assert f"{end.isoformat()}): {len(expected)}" in progress
        row = index_rows[cid]
        assert row[4].startswith(f"{done}/{len(c['milestones'])}") and row[5] == str(len(expected))
    assert total_overdue, "the demo has overdue milestones"


def test_commitment_page_facts_and_the_indicators_that_measure_it(release, index, commitments):
    db = release / index["database"]
    indicators = rows(db, "SELECT * FROM indicators")
    for cid, c in commitments.items():
        for prefix, lang in (("", "id"), ("en/", "en")):
            doc = page(release, f"{prefix}commitments/{cid}.html")
            text = plain(doc)
            for key in ("start_date", "end_date"):
                assert c[key] in text
            assert html.unescape(c["problem_" + lang]) in text and c["action_" + lang] in text
            for inst in c["institutions"].split(";"):
                assert inst.strip() in text
            assert c["ogp_value"] in text
            for m in c["milestones"]:
                assert m["status_updated"] in text
            mine = [i for i in indicators if cid in i["commitments"].split(",")]
            heading = "indikator-yang-mengukur-komitmen-ini" if lang == "id" else "indicators-that-measure-this-commitment"
            part = section(doc, heading)
            assert len(table_rows(part)) == len(mine) > 0
            for ind in mine:
                assert f'href="../indicators/{ind["indicator_id"]}.html"' in part
                assert f'href="/bansos-terbuka/{ind["numerator"].split(".")[0]}"' in part
                assert f"indicator_id={ind['indicator_id']}&amp;level=kabupaten" in part
                assert (release / "site" / prefix / "indicators" / f"{ind['indicator_id']}.html").exists()
        # The regency value shown is the one in the database.
        values = {r["indicator_id"]: r["value"] for r in rows(
            db, "SELECT indicator_id, value FROM indicator_values WHERE level = 'kabupaten' AND breakdown = 'all' "
                "AND period = ?", [index["period"]])}
        for r in table_rows(section(page(release, f"en/commitments/{cid}.html"), "indicators-that-measure-this-commitment")):
            ind = next(i for i in indicators if i["title_en"] == r[0])
            value = values.get(ind["indicator_id"])
            if value is not None:
                assert number_in(r[1]) == pytest.approx(round(value, 0 if ind["unit"] == "rupiah_per_family" else 2))


# --- release notes ----------------------------------------------------------------------------


def regency_values(db: Path, period: str) -> dict:
    return {(r["indicator_id"], r["breakdown"]): r for r in rows(
        db, "SELECT * FROM indicator_values WHERE level = 'kabupaten' AND period = ?", [period])}


def test_release_notes_list_what_changed_since_the_previous_release(release, index):
    prev_dir = release.parent / index["previous_release"]
    prev = json.loads((prev_dir / "index.json").read_text(encoding="utf-8"))
    now_v = regency_values(release / index["database"], index["period"])
    before_v = regency_values(prev_dir / prev["database"], prev["period"])
    moved = {k for k in set(now_v) | set(before_v)
             if k not in now_v or k not in before_v or now_v[k]["status"] != before_v[k]["status"]
             or (now_v[k]["value"] is None) != (before_v[k]["value"] is None)
             or (now_v[k]["value"] is not None and abs(now_v[k]["value"] - before_v[k]["value"]) > 1e-9)}
    assert moved, "a new month moves some regency values"
    titles = {r["indicator_id"]: r["title_en"] for r in rows(release / index["database"], "SELECT * FROM indicators")}
    doc = page(release, "en/release-notes.html")
    assert index["previous_release"] in doc
    listed = table_rows(section(doc, "regency-indicator-values-that-moved"))
    assert {(titles[i], b) for i, b in moved} == {(r[0], r[1]) for r in listed}
    for r in listed:
        key = next(k for k in moved if titles[k[0]] == r[0] and k[1] == r[1])
        for cell, v in ((r[2], before_v.get(key)), (r[3], now_v.get(key))):
            if v is not None and v["value"] is not None:
                digits = 0 if v["unit"] == "rupiah_per_family" else 2
                assert number_in(cell) == pytest.approx(round(v["value"], digits)), r
    assert f"{len(moved)} of {len(set(now_v) | set(before_v))}" in plain(doc)
    # Periods added and row counts per table.
    added = sorted(set(index["periods"]) - set(prev["periods"]))
    assert (f"New periods: {', '.join(added)}." if added else "No new period.") in plain(section(doc, "periods"))
    counts = {r[0]: r for r in table_rows(section(doc, "rows-per-table"))}
    for name, n in index["tables"].items():
        before = prev["tables"].get(name)
        assert counts[name][2] == f"{n:,}" and counts[name][1] == (f"{before:,}" if before is not None else "—")
    # Rows read and quarantined, and the hidden share, as the releases table records them.
    rel = {r["release_id"]: r for r in rows(release / index["database"], "SELECT * FROM releases")}
    inputs = {r[0]: r for r in table_rows(section(doc, "input-rows-and-protection"))}
    for label, key in (("Rows read", "rows_read"), ("Rows quarantined", "rows_quarantined")):
        assert inputs[label][1:3] == [f"{rel[prev['release_id']][key]:,}", f"{rel[index['release_id']][key]:,}"]
    assert inputs["Share of cells hidden"][1:3] == [f"{100 * rel[prev['release_id']]['hidden_share']:.1f}%",
                                                    f"{100 * rel[index['release_id']]['hidden_share']:.1f}%"]
    # Milestone statuses: the same in both months of the demo, or listed.
    old = {(m["commitment_id"], m["milestone_no"]): m["status"] for m in rows(prev_dir / prev["database"],
                                                                            "SELECT * FROM milestones")}
    new = {(m["commitment_id"], m["milestone_no"]): m["status"] for m in rows(release / index["database"],
                                                                            "SELECT * FROM milestones")}
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    part = section(doc, "milestone-status-changes")
    assert len(table_rows(part)) == len(changed)
    if not changed:
        assert "No milestone status changed." in plain(part)


def test_the_first_release_has_nothing_to_compare(built):
    first = Path(built["results"][0].release_dir)
    assert json.loads((first / "index.json").read_text(encoding="utf-8"))["previous_release"] is None
    assert "nothing to compare" in page(first, "en/release-notes.html")
    assert "tidak ada yang dapat dibandingkan" in page(first, "release-notes.html")


def make_release(root: Path, name: str, period: str, previous: str | None, status: str, value: float) -> Path:
    out = root / name
    out.mkdir(parents=True)
    index = {"release_id": name, "version": "0", "period": period, "periods": [period], "built_at": "x",
             "previous_release": previous, "database": "db.sqlite", "tables": {"milestones": 1},
             "rows": {"milestones": {"read": 1, "used": 1, "quarantined": 0}},
             "protection": {"audit": {"hidden_share": 0.25}}}
    (out / "index.json").write_text(json.dumps(index))
    con = sqlite3.connect(out / "db.sqlite")
    con.execute("CREATE TABLE milestones (commitment_id, milestone_no, title_id, title_en, status, status_updated)")
    con.execute("INSERT INTO milestones VALUES ('C1', 1, 'Tonggak', 'Milestone', ?, '2026-01-01')", [status])
    con.execute("CREATE TABLE indicator_values (period, level, region_code, indicator_id, breakdown, value, status, unit)")
    con.execute("INSERT INTO indicator_values VALUES (?, 'kabupaten', '52.07', 'x_rate', 'all', ?, 'published', 'percent')",
                [period, value])
    con.commit()
    con.close()
    return out


def test_release_notes_name_a_status_change_and_a_moved_value(tmp_path):
    root = tmp_path / "releases"
    make_release(root, "r1", "2026-09", None, "in_progress", 10.0)
    r2 = make_release(root, "r2", "2026-10", "r1", "stuck", 12.5)
    pages = {}
    vocab = status_vocabulary(defaults(), REPO)
    changes = write_release_notes(tmp_path / "docs", r2, json.loads((r2 / "index.json").read_text()),
                                  lambda docs, name, lang, text: pages.__setitem__(lang, text), vocab)
    assert [m["key"] for m in changes["milestones"]] == [("C1", 1)]
    assert "| C1 | 1. Milestone | in progress | stuck | 2026-01-01 |" in pages["en"]
    assert "| C1 | 1. Tonggak | berjalan | macet | 2026-01-01 |" in pages["id"]
    assert "| x_rate | all | 10.00 | 12.50 | +2.50 |" in pages["en"]
    assert "| x_rate | all | 10,00 | 12,50 | +2,50 |" in pages["id"]
    assert "New periods: 2026-10." in pages["en"]


# --- licences and the data dictionary ---------------------------------------------------------


def test_licences_page_credits_the_region_list_and_the_boundaries(release, index, server):
    for prefix in ("", "en/"):
        text = plain(page(release, f"{prefix}licences.html"))
        assert "Open Database License (ODbL) 1.0" in text and "idn-area-data" in text
        assert 'href="/downloads/LICENSE-wilayah.md"' in page(release, f"{prefix}licences.html")
        if (index.get("maps") or {}).get("available"):
            notice = (release / index["maps"]["licence"]).read_text(encoding="utf-8")
            copyright_line = next(line for line in notice.splitlines() if line.startswith("Copyright"))
            assert copyright_line in text and "MIT" in text
            assert "Permission is hereby granted" in text
        else:
            assert "no maps" in text or "tidak memuat peta" in text
    served = httpx.get(f"{server}/downloads/LICENSE-wilayah.md")
    assert served.status_code == 200 and "Open Database License" in served.text


def test_every_published_table_has_a_data_dictionary_page(release, index):
    assert "releases" in index["tables"]
    licences = page(release, "licences.html")
    for name in index["tables"]:
        for prefix in ("", "en/"):
            assert (release / "site" / prefix / "tables" / f"{name}.html").exists(), name
        assert f'href="tables/{name}.html"' in licences
    for prefix, lang in (("", ""), ("en/", "en/")):
        methodology = page(release, f"{prefix}methodology.html")
        assert f'href="/docs/{lang}tables/index.html"' in methodology
        assert f'href="/docs/{lang}licences.html"' in methodology
        assert f'href="/docs/{lang}release-notes.html"' in methodology


def test_every_page_exists_in_both_languages(built, release):
    docs = Path(built["work"]) / "site-src" / "docs"
    pages = [p for p in docs.rglob("*.md") if "overrides" not in p.parts]
    indonesian = {p.relative_to(docs).with_suffix("") for p in pages if not p.name.endswith(".en.md")}
    english = {Path(str(p.relative_to(docs))[: -len(".en.md")]) for p in pages if p.name.endswith(".en.md")}
    assert indonesian == english
    for name in ("release-notes", "licences", "commitments/index"):
        assert Path(name) in indonesian
        assert '<html lang="en"' in page(release, f"en/{name}.html")
        assert '<html lang="id"' in page(release, f"{name}.html")


# --- search -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def search_index(release) -> dict:
    return json.loads((release / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))


def tokens(doc: dict) -> set[str]:
    return set(re.findall(r"[a-z]+", html.unescape(re.sub(r"<[^>]+>", " ", doc.get("title", "") + " "
                                                               + doc.get("text", ""))).lower()))


def test_search_index_has_the_stems_of_indonesian_pages(release, search_index):
    assert "stems" in search_index["config"]["fields"]
    docs = search_index["docs"]
    for word, root in (("penerima", "terima"), ("bantuan", "bantu"), ("pengaduan", "adu"), ("kecamatan", "camat")):
        having = [d for d in docs if word in tokens(d) and not d["location"].startswith("en/")]
        assert having, word
        for d in having:
            assert root in d.get("stems", "").split(), (word, d["location"])
    assert not [d for d in docs if d["location"].startswith("en/") and "stems" in d]
    table = json.loads((release / "site" / "assets/javascripts/search-stems.json").read_text(encoding="utf-8"))
    assert table["forms"]["penerima"] == "terima" and "bantu" in table["roots"]
    assert (release / "site" / "assets/javascripts/search-id.js").exists()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")
def test_search_finds_other_indonesian_word_forms_in_the_browser(server, search_index):
    from playwright.sync_api import sync_playwright

    every = [(d, tokens(d) | set(d.get("stems", "").split())) for d in search_index["docs"]]
    capture = """(() => {
      const W = window.Worker; window.__results = [];
      window.Worker = function (url, opts) {
        const w = new W(url, opts);
        w.addEventListener('message', e => { if (e.data && e.data.type === 3) window.__results.push(e.data.data); });
        return w;
      };
      window.Worker.prototype = W.prototype;
    })();"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        errors, foreign = [], []
        pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
        pg.on("request", lambda r: not r.url.startswith(server) and not r.url.startswith("data:") and foreign.append(r.url))
        pg.add_init_script(capture)
        pg.goto(f"{server}/docs/index.html")
        pg.wait_for_load_state("networkidle")
        assert pg.evaluate("window.bansosSearch.ready.then(() => window.bansosSearch.stem('dibantu'))") == "bantu"

        def search(query: str) -> set[str]:
            before = pg.evaluate("window.__results.length")
            pg.fill("input.md-search__input", query)
            pg.keyboard.press("End")
            pg.wait_for_function("n => window.__results.length > n", arg=before)
            pg.wait_for_timeout(300)
            result = pg.evaluate("window.__results[window.__results.length - 1]")
            # Score 0: the page an item belongs to, which Material adds to show the group.
            return {item["location"] for group in result["items"] for item in group if item["score"] > 0}

        for query, root, form in (("membantu", "bantu", "bantuan"), ("dibantu", "bantu", "bantuan"),
                                  ("menerima", "terima", "penerima")):
            # Without stems nothing would match: no word of the site starts with what was typed
            # (or, for a form the site has, some page only has the other form).
            only_other = {d["location"] for d, words in every
                          if form in words and not any(w.startswith(query) for w in words)}
            assert only_other, query
            found = search(query)
            assert found & only_other, (query, sorted(found)[:10])
            assert all(any(w.startswith(query) or w.startswith(root) for w in words)
                       for d, words in every if d["location"] in found), query
        assert search("zzqxw") == set()
        browser.close()
    assert errors == [] and foreign == []


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")
def test_commitment_pages_are_usable_on_a_phone(server, commitments):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 390, "height": 844})
        errors = []
        pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
        for prefix in ("", "en/"):
            for path in [f"commitments/{cid}.html" for cid in commitments] + ["commitments/index.html",
                                                                               "release-notes.html", "licences.html"]:
                pg.goto(f"{server}/docs/{prefix}{path}")
                pg.wait_for_load_state("networkidle")
                # Nothing in the content is wider than the phone: wide tables and the chart scroll
                # inside their own boxes. (Material's hidden language menu pokes out of the header.)
                assert pg.evaluate("(() => { const c = document.querySelector('.md-content');"
                                   " return c.scrollWidth <= c.clientWidth && c.clientWidth <= 390; })()"), path
                if path.startswith("commitments/ID"):
                    box = pg.locator("svg.bt-gantt__svg").bounding_box()
                    assert box["width"] >= 500 and box["height"] > 100
                    assert pg.evaluate("(() => { const s = document.querySelector('.bt-gantt__scroll');"
                                       " return s.scrollWidth > s.clientWidth; })()")
        browser.close()
    assert errors == []
