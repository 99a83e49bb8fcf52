"""DCAT and schema.org Dataset descriptions (JSON-LD) of the release and of every table.

The context is written out in full, so that a harvester (CKAN's DCAT harvester, dataset search
engines) needs no network to read it. `describedBy` points at each table's Table Schema.
"""

from __future__ import annotations

import json

from . import downloads
from .schemas import output_schema

CONTEXT = {
    "@vocab": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "describedBy": {"@id": "http://www.w3.org/2007/05/powder-s#describedby", "@type": "@id"},
    "conformsTo": {"@id": "http://purl.org/dc/terms/conformsTo", "@type": "@id"},
    "downloadURL": {"@id": "http://www.w3.org/ns/dcat#downloadURL", "@type": "@id"},
    "mediaType": {"@id": "http://www.w3.org/ns/dcat#mediaType"},
    "landingPage": {"@id": "http://www.w3.org/ns/dcat#landingPage", "@type": "@id"},
    "license": {"@id": "https://schema.org/license", "@type": "@id"},
    "url": {"@id": "https://schema.org/url", "@type": "@id"},
    "contentUrl": {"@id": "https://schema.org/contentUrl", "@type": "@id"},
}
TABLE_SCHEMA_SPEC = "https://specs.frictionlessdata.io/table-schema/"
MEDIA = {"csv": "text/csv", "csv-excel": "text/csv",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "parquet": "application/vnd.apache.parquet"}


def _publisher(meta: dict) -> dict:
    return {"@type": ["Organization", "dct:Agent"], "name": meta.get("source", "Dinas Sosial")}


def table_dataset(name: str, base: str, db: str, index: dict, meta: dict) -> dict:
    """One table as a Dataset with its distributions (one per baked download format)."""
    schema = output_schema(name)
    table_meta = meta.get("databases", {}).get(db, {}).get("tables", {}).get(name, {})
    links = downloads.links(name, index["release_id"], base=f"{base}/downloads")
    fresh = index.get("freshness", {})
    periods = index.get("periods") or [index.get("period")]
    dists = []
    for fmt, media in MEDIA.items():
        dists.append({
            "@type": ["DataDownload", "dcat:Distribution"],
            "name": f"{name} ({fmt})", "encodingFormat": media, "mediaType": media,
            "contentUrl": links[fmt], "downloadURL": links[fmt],
            "describedBy": links["schema"], "conformsTo": TABLE_SCHEMA_SPEC,
            "license": table_meta.get("license_url"),
        })
    dists.append({"@type": ["DataDownload", "dcat:Distribution"], "name": f"{name} (JSON API)",
                  "encodingFormat": "application/json", "mediaType": "application/json",
                  "contentUrl": f"{base}/{db}/{name}.json", "describedBy": links["schema"]})
    return {
        "@type": ["Dataset", "dcat:Dataset"],
        "@id": f"{base}/{db}/{name}",
        "name": f"{schema.get('x-title-id')} / {schema.get('x-title')}",
        "alternateName": name,
        "description": " ".join(x for x in (schema.get("x-description-id"), schema.get("x-description"),
                                            meta.get("synthetic_notice") if index.get("synthetic") else None)
                                if x),
        "url": f"{base}/{db}/{name}", "landingPage": f"{base}/{db}/{name}",
        "license": table_meta.get("license_url") or meta.get("license_url"),
        "isAccessibleForFree": True,
        "inLanguage": ["id", "en"],
        "version": index["release_id"],
        "datePublished": index.get("built_at"),
        "dateModified": fresh.get("tables", {}).get(name, {}).get("last_data_change", fresh.get("last_data_change")),
        "temporalCoverage": f"{periods[0]}/{periods[-1]}" if len(periods) > 1 else periods[0],
        "spatialCoverage": {"@type": "Place", "name": index["regency"]["name"],
                            "identifier": index["regency"]["code"]},
        "publisher": _publisher(meta), "creator": _publisher(meta),
        "describedBy": links["schema"],
        "conformsTo": TABLE_SCHEMA_SPEC,
        "variableMeasured": [
            {"@type": "PropertyValue", "name": f["name"],
             "description": " / ".join(x for x in (f.get("description_id"), f.get("description")) if x),
             **({"unitText": f["unit"]} if f.get("unit") else {})}
            for f in schema["fields"]],
        "distribution": dists,
        "isPartOf": {"@id": f"{base}/-/dcat.jsonld"},
    }


def catalog(base: str, db: str, index: dict, meta: dict) -> dict:
    """The release as a DataCatalog / dcat:Catalog of its tables, with the release ZIP."""
    tables = list(index.get("tables", {}))
    zip_url = f"{base}/downloads/{downloads.zip_name(index['release_id'])}"
    return {
        "@context": CONTEXT,
        "@type": ["DataCatalog", "dcat:Catalog", "Dataset"],
        "@id": f"{base}/-/dcat.jsonld",
        "name": meta.get("title"),
        "description": meta.get("description", "") + (" " + meta.get("synthetic_notice", "")
                                                       if index.get("synthetic") else ""),
        "url": f"{base}/", "landingPage": f"{base}/docs/index.html",
        "license": meta.get("license_url"),
        "version": index["release_id"],
        "datePublished": index.get("built_at"),
        "dateModified": index.get("freshness", {}).get("last_data_change"),
        "inLanguage": ["id", "en"],
        "publisher": _publisher(meta),
        "distribution": [{"@type": ["DataDownload", "dcat:Distribution"], "name": "Release ZIP (data package)",
                          "encodingFormat": "application/zip", "mediaType": "application/zip",
                          "contentUrl": zip_url, "downloadURL": zip_url,
                          "describedBy": f"{base}/downloads/datapackage.json"}],
        "dataset": [table_dataset(t, base, db, index, meta) for t in tables],
    }


def table_document(name: str, base: str, db: str, index: dict, meta: dict) -> dict:
    return {"@context": CONTEXT, **table_dataset(name, base, db, index, meta)}


def script_tag_json(doc: dict) -> str:
    """JSON safe inside <script>: no `</` can close the tag early."""
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")
