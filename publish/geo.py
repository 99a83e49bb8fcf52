"""Boundaries for the maps: the user's desa and kecamatan GeoJSON, cut to the regency and checked.

The boundaries are an input like the region list. Without them the build still publishes
everything else, and says that the maps are left out.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

FILES = {"desa": "boundaries-desa.geojson", "kecamatan": "boundaries-kecamatan.geojson"}
LICENCE = "LICENSE-boundaries.md"
NOTICE_ABSENT = ("Batas wilayah tidak diberikan: peta tidak dibuat. / "
                 "No boundaries were given: the maps are left out.")


def _ring_area(ring: list) -> float:
    """Twice the signed planar area: > 0 for counter-clockwise in (lng, lat)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))


def _wound(polygon: list, outer_clockwise: bool) -> list:
    out = []
    for i, ring in enumerate(polygon):
        ccw = _ring_area(ring) > 0
        want_ccw = (i > 0) == outer_clockwise  # holes run against the outer ring
        out.append(ring if ccw == want_ccw else ring[::-1])
    return out


def rewind(geometry: dict, outer_clockwise: bool) -> dict:
    """RFC 7946 wants outer rings counter-clockwise; d3-geo (and so Vega) wants them clockwise."""
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": _wound(geometry["coordinates"], outer_clockwise)}
    if geometry["type"] == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [_wound(p, outer_clockwise) for p in geometry["coordinates"]]}
    return geometry


def find_boundaries(folder: Path | None) -> dict[str, Path]:
    if not folder:
        return {}
    return {level: Path(folder) / name for level, name in FILES.items() if (Path(folder) / name).exists()}


def write_geo(out: Path, folder: Path | None, regency: str, regions: dict[str, dict]) -> dict:
    """Write geo/<level>.geojson (RFC 7946) and geo/regions.map.json (both levels, for d3/Vega).

    Returns what the release says about its maps: which levels, how many areas matched the
    region list, and which regions have no boundary.
    """
    found = find_boundaries(folder)
    if not found:
        return {"available": False, "notice": NOTICE_ABSENT, "levels": {}}
    geo = out / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    prefix = regency + "."
    map_features, levels = [], {}
    for level, path in found.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        feats = [f for f in data.get("features", []) if str(f["properties"].get("code", "")).startswith(prefix)
                 and regions.get(f["properties"]["code"], {}).get("level") == level]
        unknown = sorted(str(f["properties"].get("code")) for f in data.get("features", [])
                         if str(f["properties"].get("code", "")).startswith(prefix)
                         and f["properties"]["code"] not in regions)
        have = {f["properties"]["code"] for f in feats}
        missing = sorted(c for c, r in regions.items() if r["level"] == level and c not in have)
        clean = [{"type": "Feature",
                  "properties": {"code": f["properties"]["code"], "name": regions[f["properties"]["code"]]["name"],
                                 "level": level},
                  "geometry": f["geometry"]} for f in feats]
        (geo / f"{level}.geojson").write_text(json.dumps(
            {"type": "FeatureCollection", "features": [
                {**f, "geometry": rewind(f["geometry"], outer_clockwise=False)} for f in clean]},
            ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        map_features += [{**f, "geometry": rewind(f["geometry"], outer_clockwise=True)} for f in clean]
        levels[level] = {"areas": len(clean), "without_boundary": missing, "not_in_region_list": unknown,
                         "file": f"geo/{level}.geojson"}
    (geo / "regions.map.json").write_text(json.dumps(
        {"type": "FeatureCollection", "features": map_features}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8")
    licence = Path(next(iter(found.values()))).parent / LICENCE
    if licence.exists():
        shutil.copy(licence, geo / LICENCE)
    return {"available": True, "levels": levels, "licence": f"geo/{LICENCE}" if licence.exists() else None,
            "notice": ("Batas wilayah disederhanakan, untuk tampilan, bukan pengukuran. / Boundaries are "
                       "simplified: for display, not for measurement.")}
