"""The inline SVG charts and maps of the site (publish/svg_charts.py, publish/site_maps.py), and the
indicator and poverty pages of a release without boundaries."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from publish import svg_charts as sc
from publish.site_indicators import MAP_TEXT
from publish.site_maps import _simplify, choropleth, load_geometry


def test_classes_cover_every_value_and_do_not_overlap():
    values = [1.04, 2.5, 2.5, 3.3, 10.0, 12.75, 40.0, 41.2, 80.0]
    cls = sc.classes(values, 1)
    assert 1 <= len(cls) <= 5
    assert cls[0][0] == 1.0 and cls[-1][1] == 80.0
    assert all(lo <= hi for lo, hi in cls) and all(a[1] == b[0] for a, b in zip(cls, cls[1:]))
    for v in values:
        k = sc.class_of(v, cls, 1)
        lo, hi = cls[k]
        assert (lo <= round(v, 1) if k == 0 else lo < round(v, 1)) and round(v, 1) <= hi
    assert sc.classes([12.5, 40.0], 1) == [(12.5, 12.5), (12.5, 40.0)]
    assert sc.classes([], 1) == []
    assert len(sc.classes([5.0, 5.0], 1)) == 1


def test_simplify_keeps_the_ends_and_drops_what_is_within_tolerance():
    line = [(x / 10, 0.01 * (x % 2)) for x in range(101)]
    out = _simplify(line, 0.5)
    assert out[0] == line[0] and out[-1] == line[-1] and len(out) == 2
    corner = [(0, 0), (5, 0), (10, 0), (10, 5), (10, 10)]
    assert _simplify(corner, 0.5) == [(0, 0), (10, 0), (10, 10)]


def square(code, x, y):
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]  # counter-clockwise
    return {"type": "Feature", "properties": {"code": code, "name": f"Desa {code[-1]}", "level": "desa"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_choropleth(tmp_path):
    geo_dir = tmp_path / "geo"
    geo_dir.mkdir()
    (geo_dir / "desa.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        square("52.07.01.2001", 116.80, -8.90), square("52.07.01.2002", 116.81, -8.90),
        square("52.07.01.2003", 116.80, -8.89)]}))
    index = {"maps": {"available": True, "levels": {"desa": {"file": "geo/desa.geojson"}}}}
    geo = load_geometry(tmp_path, index)
    assert set(geo.desa) == {"52.07.01.2001", "52.07.01.2002", "52.07.01.2003"}
    # Equirectangular with cos(latitude): squares of 0.01 degree stay (nearly) square, two wide, two tall.
    assert abs(geo.height - geo.width) < 0.05 * geo.width
    areas = [{"code": "52.07.01.2001", "name": "Satu", "kecamatan": "K", "value": 12.5, "status": "published"},
             {"code": "52.07.01.2002", "name": "Dua", "kecamatan": "K", "value": None, "status": "suppressed"},
             {"code": "52.07.01.2003", "name": "Tiga", "kecamatan": "K", "value": 40.0, "status": "published"},
             {"code": "52.07.01.2004", "name": "Empat", "kecamatan": "K", "value": None, "status": "not_applicable"}]
    html = choropleth(geo, areas, lambda v: f"{v:.1f} %", 1, MAP_TEXT["en"], "Map of X", "Villages of X", "percent")
    assert html.startswith("<figure") and "\n" not in html  # one raw-HTML block for Markdown
    assert 'role="img"' in html and "<title" in html and "<desc" in html and 'viewBox="0 0 ' in html
    paths = re.findall(r'<path d="[^"]+" fill="([^"]+)" fill-rule', html)
    assert len(paths) == 3  # the fourth village has no boundary
    assert sum(f.startswith("url(#hatch") for f in paths) == 1
    assert len({f for f in paths if f.startswith("#")}) == 2 and all(
        f in sc.VIRIDIS[2] for f in paths if f.startswith("#"))
    assert "<span>12.5 %</span>" in html and "<span>12.6 % – 40.0 %</span>" in html  # two classes, ranges written
    assert "Hidden (not zero) (1 villages)" in html and "Not applicable" in html
    assert "Empat (52.07.01.2004)" in html  # named as not on the map
    assert '<table class="bt-data">' in html and html.count("<tr>") == 5  # the data table: a header and every village
    coords = re.findall(r"-?\d+\.\d+", re.search(r'<path d="([^"]+)"', html).group(1))
    assert all(len(c.split(".")[1]) <= 1 for c in coords)  # rounded to a tenth


def test_ids_are_unique_on_a_page():
    a, _ = sc.line_chart(["2026-09", "2026-10"], [("all", {"2026-09": 1.0, "2026-10": None})], str, "A", "a",
                         "hidden", "percent")
    b = sc.ranking_chart([("K1", 1.0, "published"), ("K2", None, "suppressed")], str, "B", "b",
                         {"suppressed": "hidden"})
    ids = re.findall(r'id="([^"]+)"', a + b)
    assert len(ids) == len(set(ids))
    assert 'fill="url(#' in a and 'fill="url(#' in b  # the hidden period and kecamatan are hatched


def test_pages_without_boundaries(built, tmp_path):
    """A release without boundaries still builds every page, with a visible notice instead of maps."""
    from publish.site import build_site

    release = tmp_path / "release"
    src = Path(built["release"])
    release.mkdir()
    for name in ("index.json", "bansos-terbuka.db", "validation-report.json"):
        if (src / name).exists():
            shutil.copy(src / name, release / name)
    index = json.loads((release / "index.json").read_text())
    index["maps"] = {"available": False, "levels": {}, "notice": "none"}
    (release / "index.json").write_text(json.dumps(index))
    site = build_site(release, tmp_path / "work")
    for page, lang in (("poverty-map.html", "id"), ("en/poverty-map.html", "en"),
                       ("indicators/exclusion_rate.html", "id"), ("en/indicators/exclusion_rate.html", "en")):
        html = (site / page).read_text(encoding="utf-8")
        assert MAP_TEXT[lang]["no_map"].split("`")[0] in html, page
        assert "fill-rule" not in html, page
