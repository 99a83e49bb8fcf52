"""What a release says about itself: data package, Datasette metadata, and the checks on both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from .schemas import ROOT, output_package, output_schema

METADATA_YML = ROOT / "metadata.yml"
DB_KEY = "bansos-terbuka"
SYNTHETIC_HTML = ("<p class=\"synthetic-notice\"><strong>Data sintetis</strong> — bukan data orang sungguhan. "
                  "<strong>Synthetic data</strong> — not real people.</p>")
SUPPRESSION_HTML = ("<p>Kolom <code>*_status</code> = <code>suppressed</code>: nilai disembunyikan (kosong) untuk "
                    "melindungi kelompok kecil (1–4 orang). / A <code>*_status</code> of <code>suppressed</code> "
                    "means the value is hidden (empty) to protect small groups (1–4 people).</p>")


def table_order(names: list[str]) -> list[str]:
    """The order of schemas/output.datapackage.json: referenced tables first, for foreign keys."""
    order = [r["name"] for r in output_package()["resources"]]
    return [n for n in order if n in names]


def _site_meta() -> dict:
    return yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))


def _licence(schema: dict, meta: dict) -> tuple[str, str]:
    lic = schema.get("x-license")
    if lic:
        return lic, meta["licenses"][lic]
    return meta["license"], meta["license_url"]


def write_datapackage(out: Path, order: list[str], index: dict) -> Path:
    """datapackage.json for the release's CSVs, with the output Table Schemas beside them."""
    meta = _site_meta()
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
    meta = _site_meta()
    notice = SYNTHETIC_HTML if index.get("synthetic") else ""
    freshness = (f"<p>Periode data / data period: <strong>{index['period']}</strong> · "
                 f"dibangun / built: {index['built_at']} · rilis / release: {index['release_id']}</p>")
    tables = {}
    for name in order:
        schema = output_schema(name)
        lic, url = _licence(schema, meta)
        extra = meta.get("tables", {}).get(name, {})
        cols = {}
        for f in schema["fields"]:
            unit = f" [{f['unit']}]" if f.get("unit") else ""
            text = " / ".join(x for x in (f.get("description_id"), f.get("description")) if x)
            cols[f["name"]] = f"{f.get('title_id', f['name'])} / {f.get('title', f['name'])}{unit}. {text}".strip()
        desc = f"<p>{schema.get('x-description-id', '')}</p><p>{schema.get('x-description', '')}</p>"
        if any(f.get("protection") in ("count", "sum") for f in schema["fields"]):
            desc += SUPPRESSION_HTML
        tables[name] = {
            "title": f"{schema.get('x-title-id')} / {schema.get('x-title')}",
            "description_html": notice + desc + freshness
            + f"<p><a href=\"/docs/tables/{name}.html\">Dokumentasi / documentation</a></p>",
            "license": lic, "license_url": url,
            "source": schema.get("x-source", meta["source"]), "source_url": meta.get("source_url"),
            "about": meta["about"], "about_url": meta["about_url"],
            "columns": cols, **extra,
        }
    db = {k: meta[k] for k in ("title", "license", "license_url", "source", "source_url", "about", "about_url")}
    db["description_html"] = notice + f"<p>{meta['description']}</p>" + freshness
    db["tables"] = tables
    if meta.get("queries"):
        db["queries"] = meta["queries"]
    top = {k: meta[k] for k in ("title", "license", "license_url", "source", "source_url", "about", "about_url")}
    top["description_html"] = notice + f"<p>{meta['description']}</p>"
    top["databases"] = {DB_KEY: db}
    path = out / "metadata.json"
    path.write_text(json.dumps(top, indent=2, ensure_ascii=False) + "\n")
    return path


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
