"""Choropleth maps of villages as inline SVG, drawn in Python at build time from the release's
boundaries (`<release>/geo/desa.geojson`, RFC 7946): no map library, no tiles, works offline.

Longitude and latitude are projected equirectangularly, x scaled by cos(mid latitude), so that
the regency keeps its shape; rings are simplified (Douglas-Peucker, under a pixel) and rounded to
a tenth of a unit to keep each map small. Areas are filled with viridis classes (quantiles of the
published values, ranges written in the legend); a hidden value is grey with a hatch, never a
colour of the scale.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from . import svg_charts as sc

WIDTH = 600
PAD = 6
TOLERANCE = 0.7  # in viewBox units (the map is WIDTH wide)
MAX_HEIGHT = 560  # on screen, in CSS pixels: a tall regency is drawn narrower


@dataclass
class Geometry:
    """Projected, simplified outlines of one release's villages and kecamatan, as SVG paths."""
    width: int
    height: int
    desa: dict[str, str] = field(default_factory=dict)        # code -> path d
    kecamatan: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def _polygons(geometry: dict) -> list[list[list[tuple[float, float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def _simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; the first and last points are kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, idx = -1.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            d = (abs(dy * px - dx * py + bx * ay - by * ax) / norm) if norm else math.hypot(px - ax, py - ay)
            if d > best:
                best, idx = d, i
        if idx is not None and best > tol:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(points, keep) if k]


def _tenths(n: int) -> str:
    """An integer number of tenths, as short as SVG allows: 12 -> 1.2, -3 -> -.3, 40 -> 4."""
    sign, n = ("-" if n < 0 else ""), abs(n)
    whole, frac = divmod(n, 10)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{frac}"


def _path(polys, project, tol: float) -> str:
    """One SVG path for all rings: the first point absolute, the rest relative, in tenths."""
    rings = []
    for poly in polys:
        for ring in poly:
            rings.append(_simplify([project(lon, lat) for lon, lat, *_ in ring], tol))
    big = [r for r in rings if len(r) >= 4]
    if not big and rings:  # a tiny area: keep its largest ring whatever it is
        big = [max(rings, key=len)]
    out = []
    for r in big:
        if r[0] == r[-1]:
            r = r[:-1]
        pts = [(round(x * 10), round(y * 10)) for x, y in r]
        steps = [(x1 - x0, y1 - y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:]) if (x1, y1) != (x0, y0)]
        out.append(f"M{_tenths(pts[0][0])},{_tenths(pts[0][1])}l"
                   + " ".join(f"{_tenths(dx)},{_tenths(dy)}" for dx, dy in steps) + "z")
    return "".join(out)


def load_geometry(release_dir: Path, index: dict) -> Geometry | None:
    """The release's boundaries as SVG paths, or None when it has no maps."""
    maps = index.get("maps") or {}
    if not maps.get("available"):
        return None
    levels = maps.get("levels", {})
    files = {lvl: release_dir / levels.get(lvl, {}).get("file", f"geo/{lvl}.geojson") for lvl in ("desa", "kecamatan")}
    if not files["desa"].exists():
        return None
    feats = {lvl: json.loads(p.read_text(encoding="utf-8")).get("features", []) if p.exists() else []
             for lvl, p in files.items()}
    lons, lats = [], []
    for f in feats["desa"]:
        for poly in _polygons(f["geometry"]):
            for ring in poly:
                for lon, lat, *_ in ring:
                    lons.append(lon)
                    lats.append(lat)
    if not lons:
        return None
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * k or 1e-9
    span_y = (max(lats) - min(lats)) or 1e-9
    scale = (WIDTH - 2 * PAD) / span_x
    height = int(math.ceil(span_y * scale + 2 * PAD))
    lon0, lat1 = min(lons), max(lats)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (PAD + (lon - lon0) * k * scale, PAD + (lat1 - lat) * scale)

    geo = Geometry(WIDTH, height)
    for lvl in ("desa", "kecamatan"):
        target = geo.desa if lvl == "desa" else geo.kecamatan
        for f in feats[lvl]:
            code = str(f["properties"].get("code"))
            target[code] = _path(_polygons(f["geometry"]), project, TOLERANCE)
            geo.names[code] = f["properties"].get("name", code)
    return geo


def choropleth(geo: Geometry, areas: list[dict], fmt, decimals: int, text: dict, title: str, desc: str,
               caption_unit: str) -> str:
    """A village map with its legend, notes and data table, as one raw-HTML block.

    areas: one dict per village (every village of the region list), keys code, name, kecamatan,
    value (None unless published), status (published, suppressed, not_applicable, no_data).
    text: the page language's words (see site_indicators.MAP_TEXT).
    """
    published = [a["value"] for a in areas if a["value"] is not None]
    cls = sc.classes(published, decimals)
    palette = sc.VIRIDIS.get(len(cls), sc.VIRIDIS[5])
    svg, pid = sc.svg_open(geo.width, geo.height, title, desc, max_height=MAX_HEIGHT)
    parts = [svg, '<g stroke="#ffffff" stroke-width="0.7" stroke-linejoin="round">']
    counts = {"suppressed": 0, "not_applicable": 0, "no_data": 0}
    for a in sorted(areas, key=lambda a: a["code"]):
        d = geo.desa.get(a["code"])
        if d is None:
            continue
        if a["value"] is not None:
            fill = palette[sc.class_of(a["value"], cls, decimals)]
            shown = fmt(a["value"])
        else:
            status = a["status"] if a["status"] in counts else "no_data"
            fill = {"suppressed": f"url(#{pid})", "not_applicable": sc.NA_FILL, "no_data": "#ffffff"}[status]
            shown = text[status]
        parts.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd"><title>{sc.esc(a["name"])} ({a["code"]}): '
                     f'{sc.esc(shown)}</title></path>')
    for a in areas:
        if a["value"] is None:
            counts[a["status"] if a["status"] in counts else "no_data"] += 1
    parts.append("</g>")
    if geo.kecamatan:
        parts.append('<g fill="none" stroke="#212121" stroke-width="1.3" stroke-linejoin="round" >')
        parts += [f'<path d="{d}" vector-effect="non-scaling-stroke"/>' for d in geo.kecamatan.values()]
        parts.append("</g>")
    parts.append("</svg>")
    step = 10 ** -decimals  # a class holds (its lower edge, its upper edge]: the legend starts one step up
    items = []
    for i, (lo, hi) in enumerate(cls):
        first = lo if i == 0 else round(lo + step, decimals)
        items.append((sc.swatch(palette[i]), f"{fmt(first)} – {fmt(hi)}" if first < hi else fmt(hi)))
    items.append((sc.swatch("", hatched=True), f"{text['suppressed']} ({counts['suppressed']} {text['villages']})"))
    if counts["not_applicable"]:
        items.append((sc.swatch(sc.NA_FILL), f"{text['not_applicable']} ({counts['not_applicable']} {text['villages']})"))
    if counts["no_data"]:
        items.append((sc.swatch("#ffffff"), f"{text['no_data']} ({counts['no_data']} {text['villages']})"))
    items.append(('<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true" focusable="false" style="flex:none">'
                  '<line x1="0" x2="22" y1="7" y2="7" stroke="#212121" stroke-width="1.5"/></svg>', text["kecamatan_line"]))
    note = ""
    missing = [a for a in areas if a["code"] not in geo.desa]
    if missing:
        note = ('<p style="font-size:.75rem;margin:.2rem 0">' + sc.esc(text["without_boundary"].format(
            n=len(missing), names=", ".join(f"{a['name']} ({a['code']})" for a in missing))) + "</p>")
    rows = [(a["kecamatan"], a["name"], a["code"], fmt(a["value"]) if a["value"] is not None else "—",
             text.get(a["status"], a["status"])) for a in sorted(areas, key=lambda a: a["code"])]
    table = sc.data_table(text["table_summary"], f"{title} ({caption_unit})", text["table_head"], rows, numeric={3})
    return sc.figure(parts[0], "".join(parts[1:]), sc.legend(items, text["legend"].format(unit=caption_unit)),
                     note, table)


def map_notice(areas: list[dict], fmt, text: dict, title: str, caption_unit: str) -> str:
    """Without boundaries: a visible notice, and the same figures as a table."""
    rows = [(a["kecamatan"], a["name"], a["code"], fmt(a["value"]) if a["value"] is not None else "—",
             text.get(a["status"], a["status"])) for a in sorted(areas, key=lambda a: a["code"])]
    notice = (f'<p role="note" style="border-left:4px solid #616161;background:#f5f5f5;padding:.6rem .8rem">'
              f'<strong>{sc.esc(text["no_map_title"])}</strong> {sc.esc(text["no_map"])}</p>')
    return sc.figure(notice, sc.data_table(text["table_summary"], f"{title} ({caption_unit})", text["table_head"], rows,
                                           numeric={3}) if rows else "")
