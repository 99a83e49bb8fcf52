"""The real server over HTTP: tables as HTML, JSON and CSV, the site at /docs/, the notices."""

import csv
import io

import re

import httpx


def test_table_as_html_json_csv(server):
    html = httpx.get(f"{server}/bansos-terbuka/recipients_by_region_scheme")
    assert html.status_code == 200
    assert "Data sintetis" in html.text and "Synthetic data" in html.text
    assert "Penerima per wilayah dan program" in html.text

    data = httpx.get(f"{server}/bansos-terbuka/recipients_by_region_scheme.json",
                     params={"_shape": "array", "scheme_code": "PBI_JK", "period": "2026-10", "level": "desa", "_size": "max"}).json()
    assert data and all(r["scheme_code"] == "PBI_JK" for r in data)
    assert {r["recipients_status"] for r in data} <= {"published", "suppressed"}
    assert all((r["recipients"] is None) == (r["recipients_status"] == "suppressed") for r in data)

    text = httpx.get(f"{server}/bansos-terbuka/nik_status_by_region.csv", params={"_size": "max"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and "matched_active" in rows[0]


def test_required_tables_are_served(server):
    tables = httpx.get(f"{server}/bansos-terbuka.json").json()["tables"]
    names = {t["name"] for t in tables}
    assert {"population_by_region", "recipients_by_region_scheme", "nik_status_by_region", "complaints_by_region"} <= names


def test_every_table_has_licence_source_and_column_descriptions(server):
    meta = httpx.get(f"{server}/-/metadata.json").json()
    for name, t in meta["databases"]["bansos-terbuka"]["tables"].items():
        assert t["license"] and t["source"] and t["description_html"], name
        assert t["columns"], name


def test_docs_served_and_linked_both_ways(server):
    r = httpx.get(f"{server}/docs/", follow_redirects=True)
    assert r.status_code == 200 and "Bansos Terbuka" in r.text
    assert "/bansos-terbuka" in r.text
    en = httpx.get(f"{server}/docs/en/index.html")
    assert en.status_code == 200
    page = httpx.get(f"{server}/bansos-terbuka/population_by_region").text
    assert "/docs/" in page
    assert httpx.get(f"{server}/docs/tables/population_by_region.html").status_code == 200


def test_no_write_paths(server):
    r = httpx.post(f"{server}/bansos-terbuka/-/create", json={})
    assert r.status_code in (403, 404, 405)


def test_validation_page_counts_every_file(server, built):
    import json

    report = json.loads((built["release"] / "validation-report.json").read_text())
    for lang in ("", "en/"):
        page = httpx.get(f"{server}/docs/{lang}validation.html").text
        for f in report["files"]:
            assert f["path"] in page
        assert "nik_excel" in page and "quarantine_threshold" in page


def test_every_level_is_served(server):
    from publish.pipeline import load_config, published_levels

    config = load_config()
    for table in ("population_by_region", "recipients_by_region_scheme", "complaints_by_region"):
        levels = published_levels(table, config)
        for level in ("desa", "kecamatan", "kabupaten"):
            rows = httpx.get(f"{server}/bansos-terbuka/{table}.json",
                             params={"_shape": "array", "level": level, "period": "2026-10"}).json()
            # protection.levels narrows some tables (complaints: kecamatan and up); the others have all
            assert bool(rows) == (level in levels), (table, level)


def test_indicator_values_are_quotients_of_published_counts(server):
    rows = httpx.get(f"{server}/bansos-terbuka/indicator_values.json",
                     params={"_shape": "array", "indicator_id": "nik_match_rate", "level": "kabupaten"}).json()
    assert rows
    for r in rows:
        if r["status"] == "published":
            assert abs(r["value"] - 100 * r["numerator"] / r["denominator"]) < 0.01
    kab = httpx.get(f"{server}/bansos-terbuka/nik_status_by_region.json",
                    params={"_shape": "array", "level": "kabupaten", "period": rows[-1]["period"]}).json()[0]
    assert rows[-1]["numerator"] == kab["matched_active"] and rows[-1]["denominator"] == kab["records"]


def test_indicator_and_linkage_pages(server):
    for lang in ("", "en/"):
        assert httpx.get(f"{server}/docs/{lang}indicators/index.html").status_code == 200
        assert httpx.get(f"{server}/docs/{lang}indicators/exclusion_rate.html").status_code == 200
        page = httpx.get(f"{server}/docs/{lang}linkage.html").text
        assert "Splink" in page and "0.9" in page
        # The blocking keys the page lists are the ones the linkage uses, one item per rule.
        from publish.linked import PREDICTION_RULES
        from publish.site_indicators import BLOCKING_WORDS

        words = BLOCKING_WORDS[lang.rstrip("/") or "id"]
        items = re.findall(r"<li>(.*?)</li>", page.split(words["heading"])[1].split("</ul>")[0])
        assert len(items) == len(PREDICTION_RULES)
        for item, rule in zip(items, PREDICTION_RULES):
            assert all(words[k] in item for k in rule), (item, rule)


def test_protection_page_reports_the_audit(server, built):
    import json

    audit_report = json.loads((built["release"] / "index.json").read_text())["protection"]["audit"]
    for lang in ("", "en/"):
        page = httpx.get(f"{server}/docs/{lang}protection.html").text
        assert str(audit_report["cells"]) in page and str(audit_report["hidden"]) in page
        assert ", ".join(audit_report["periods"]) in page
