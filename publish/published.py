"""What a release says about itself: data package, Datasette metadata, and the checks on both."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import yaml

from . import downloads
from .schemas import ROOT, output_package, output_schema

METADATA_YML = ROOT / "metadata.yml"
WILAYAH_LICENCE = Path(__file__).parent / "data" / "LICENSE-wilayah.md"
DB_KEY = "bansos-terbuka"
SYNTHETIC_HTML = ("<p class=\"synthetic-notice\"><strong>Data sintetis</strong> — bukan data orang sungguhan. "
                  "<strong>Synthetic data</strong> — not real people.</p>")
SUPPRESSION_HTML = ("<p>Kolom <code>status</code> atau <code>*_status</code> = <code>suppressed</code>: nilai "
                    "disembunyikan (kosong, bukan nol) untuk melindungi kelompok kecil (1–4 orang), atau agar "
                    "tidak dapat dihitung dari angka terbit lain. / A <code>status</code> or <code>*_status</code> "
                    "of <code>suppressed</code> means the value is hidden (empty, not zero) to protect small groups "
                    "(1–4 people), or so that it cannot be worked out from other published figures. "
                    "<a href=\"/docs/protection.html\">Perlindungan data / data protection</a></p>")


def table_order(names: list[str]) -> list[str]:
    """The order of schemas/output.datapackage.json: referenced tables first, for foreign keys."""
    order = [r["name"] for r in output_package()["resources"]]
    return [n for n in order if n in names]


def site_meta() -> dict:
    return yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))


def publication() -> dict:
    """What the served release says about itself (title, licence, source), for JSON-LD and feeds."""
    meta = site_meta()
    return {k: meta[k] for k in ("title", "description", "synthetic_notice", "license", "license_url", "source")}


def _licence(schema: dict, meta: dict) -> tuple[str, str]:
    lic = schema.get("x-license")
    if lic:
        return lic, meta["licenses"][lic]
    return meta["license"], meta["license_url"]


def write_datapackage(out: Path, order: list[str], index: dict) -> Path:
    """datapackage.json for the release's CSVs, with the output Table Schemas beside them."""
    meta = site_meta()
    (out / "schemas").mkdir(exist_ok=True)
    resources = []
    for name in order:
        schema = output_schema(name)
        shutil.copy(ROOT / "schemas" / "output" / f"{name}.schema.json", out / "schemas" / f"{name}.schema.json")
        lic, url = _licence(schema, meta)
        resources.append({
            "name": name, "path": f"csv/{name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "title": schema.get("x-title"), "description": schema.get("x-description"),
            "schema": f"schemas/{name}.schema.json",
            "licenses": [{"name": lic, "path": url}],
            "sources": [{"title": schema.get("x-source", meta["source"])}],
        })
    pkg = {
        "name": f"bansos-terbuka-{index['regency']['code'].replace('.', '')}",
        "title": meta["title"], "description": meta["description"]
        + (" " + meta["synthetic_notice"] if index.get("synthetic") else ""),
        "version": index["release_id"], "created": index["built_at"],
        "licenses": [{"name": meta["license"], "path": meta["license_url"]}],
        "resources": resources,
    }
    path = out / "datapackage.json"
    path.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + "\n")
    return path


def write_metadata(out: Path, order: list[str], index: dict) -> Path:
    """Datasette metadata: every table carries its own title, licence, source and column units.

    Nothing is left to inheritance, which Datasette 1.0 drops.
    """
    meta = site_meta()
    notice = SYNTHETIC_HTML if index.get("synthetic") else ""
    fresh = index.get("freshness", {})

    def freshness(name: str | None = None) -> str:
        changed = fresh.get("tables", {}).get(name, {}).get("last_data_change") if name else None
        return (f"<p class=\"bansos-freshness\">Periode data / data period: <strong>{index['period']}</strong> · "
                f"tanggal sumber / source date: {fresh.get('source_date', '')} · "
                f"dibangun / built: {index['built_at']} · "
                f"data terakhir berubah / last data change: {changed or fresh.get('last_data_change', '')} · "
                f"pembaruan berikutnya / next update: {fresh.get('next_expected_update', '')} · "
                f"rilis / release: {index['release_id']} · "
                f"<a href=\"/-/freshness.json\">JSON</a></p>")

    def download_links(name: str) -> str:
        links = downloads.links(name, index["release_id"])
        labels = {"csv": "CSV (UTF-8)", "csv-excel": "CSV untuk Excel / for Excel", "xlsx": "XLSX",
                  "parquet": "Parquet", "zip": "ZIP rilis / release ZIP", "schema": "Table Schema"}
        return ("<p class=\"bansos-downloads\"><strong>Unduh seluruh tabel / Download the whole table:</strong> "
                + " · ".join(f"<a href=\"{links[k]}\">{v}</a>" for k, v in labels.items())
                + " · <a href=\"/downloads/SHA256SUMS\">SHA-256</a></p>")
    tables = {}
    for name in order:
        schema = output_schema(name)
        lic, url = _licence(schema, meta)
        extra = dict(meta.get("tables", {}).get(name, {}))
        see_also = "".join(f" · <a href=\"{s['href']}\">{s['label']}</a>" for s in extra.pop("see_also", [])
                           if index.get("maps", {}).get("available") or not s.get("needs_boundaries"))
        cols = {}
        for f in schema["fields"]:
            unit = f" [{f['unit']}]" if f.get("unit") else ""
            text = " / ".join(x for x in (f.get("description_id"), f.get("description")) if x)
            cols[f["name"]] = f"{f.get('title_id', f['name'])} / {f.get('title', f['name'])}{unit}. {text}".strip()
        desc = f"<p>{schema.get('x-description-id', '')}</p><p>{schema.get('x-description', '')}</p>"
        if any(f.get("protection") for f in schema["fields"]):
            desc += SUPPRESSION_HTML
        tables[name] = {
            "title": f"{schema.get('x-title-id')} / {schema.get('x-title')}",
            "description_html": notice + desc + download_links(name) + freshness(name)
            + f"<p><a href=\"/docs/tables/{name}.html\">Dokumentasi / documentation</a> · "
            f"<a href=\"/-/jsonld/{name}.jsonld\">JSON-LD (DCAT)</a>{see_also}</p>",
            "license": lic, "license_url": url,
            "source": schema.get("x-source", meta["source"]), "source_url": meta.get("source_url"),
            "about": meta["about"], "about_url": meta["about_url"],
            "columns": cols, **extra,
        }
    db = {k: meta[k] for k in ("title", "license", "license_url", "source", "source_url", "about", "about_url")}
    db["description_html"] = notice + f"<p>{meta['description']}</p>" + freshness()
    db["tables"] = tables
    if meta.get("queries"):
        db["queries"] = meta["queries"]
    top = {k: meta[k] for k in ("title", "license", "license_url", "source", "source_url", "about", "about_url")}
    top["description_html"] = notice + f"<p>{meta['description']}</p>"
    top["databases"] = {DB_KEY: db}
    if meta.get("plugins"):
        top["plugins"] = plugins_for(meta["plugins"], index.get("maps", {}).get("available", False))
    path = out / "metadata.json"
    path.write_text(json.dumps(top, indent=2, ensure_ascii=False) + "\n")
    return path


def plugins_for(plugins: dict, maps: bool) -> dict:
    """Plugin configuration for this release: charts that need boundaries go when there are none."""
    plugins = copy.deepcopy(plugins)
    for dash in plugins.get("datasette-dashboards", {}).values():
        charts = dash.get("charts", {})
        dropped = {k for k, c in charts.items() if c.pop("needs_boundaries", False) and not maps}
        for k in dropped:
            del charts[k]
        if dropped and "layout" in dash:
            dash["layout"] = [row for row in ([c if c not in dropped else "." for c in r] for r in dash["layout"])
                              if any(c != "." for c in row)]
    return plugins


def check_release(out: Path, order: list[str]) -> int:
    """Frictionless validates every published CSV against its schema; any error stops the release."""
    from frictionless import Package

    from .errors import BuildError

    report = Package(str(out / "datapackage.json")).validate()
    if not report.valid:
        problems = []
        for task in report.tasks:
            for err in task.errors[:5]:
                problems.append(f"{task.name}: {err.message}")
        raise BuildError("Published data failed its own schemas / data terbit tidak lolos skemanya:\n  "
                         + "\n  ".join(problems[:20]))
    return sum(t.stats.get("rows", 0) or 0 for t in report.tasks)
