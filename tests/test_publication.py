"""The Datasette publication over HTTP: metadata, downloads, JSON-LD, feeds, freshness, hardening."""

from __future__ import annotations

import asyncio
import csv
import functools
import hashlib
import io
import json
import os
import sqlite3
import xml.etree.ElementTree as ET
import zipfile

import httpx
import openpyxl
import pandas as pd
import pytest
import rdflib

from publish import downloads, published
from publish.schemas import output_schema

from conftest import start_server, stop_server

DB = "bansos-terbuka"


@pytest.fixture(scope="module")
def index(built):
    return json.loads((built["release"] / "index.json").read_text())


@pytest.fixture(scope="module")
def tables(index):
    return list(index["tables"])


def db_rows(release, name):
    con = sqlite3.connect(f"file:{release / 'bansos-terbuka.db'}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    schema = output_schema(name)
    order = ", ".join(f"[{c}]" for c in schema["primaryKey"])
    rows = [dict(r) for r in con.execute(f"SELECT * FROM [{name}] ORDER BY {order}")]
    con.close()
    return rows


def as_text(value, ftype="string"):
    """How a value reads in a CSV cell (numbers compared as numbers: 1 and 1.0 are one value)."""
    if value is None or value == "":
        return ""
    if ftype == "boolean":
        return "true" if value in (True, 1, "true") else "false"
    if ftype in ("integer", "number"):
        return repr(float(value))
    return downloads.safe_text(value) if isinstance(value, str) and not value.startswith("'") else str(value)


# --- metadata -------------------------------------------------------------------------------------

def test_every_table_carries_its_own_metadata(server, tables):
    meta = httpx.get(f"{server}/-/metadata.json").json()["databases"][DB]
    for key in ("title", "license", "license_url", "source", "about"):
        assert meta.get(key), key
    for name in tables:
        t = meta["tables"][name]
        for key in ("title", "description_html", "license", "license_url", "source", "source_url",
                    "about", "about_url"):
            assert t.get(key), f"{name}: {key}"
        schema = output_schema(name)
        for f in schema["fields"]:
            text = t["columns"][f["name"]]
            assert f.get("title_id", f["name"]) in text and f.get("title", f["name"]) in text
            if f.get("unit"):
                assert f"[{f['unit']}]" in text, f"{name}.{f['name']} lacks its unit"
        protected = any(f.get("protection") for f in schema["fields"])
        assert ("suppressed" in t["description_html"]) == protected, name
        assert "Data sintetis" in t["description_html"]
        assert f"/downloads/xlsx/{name}.xlsx" in t["description_html"]
        assert "source date" in t["description_html"] and "next update" in t["description_html"]


def test_table_pages_show_notice_downloads_and_freshness(server, tables, index):
    for name in tables:
        html = httpx.get(f"{server}/{DB}/{name}").text
        assert "Synthetic data" in html and "Data sintetis" in html
        for fmt in ("csv", "csv-excel", "xlsx", "parquet"):
            assert downloads.links(name, index["release_id"])[fmt] in html
        assert index["freshness"]["next_expected_update"] in html


# --- downloads ------------------------------------------------------------------------------------

def test_every_download_opens_and_matches_the_database(server, built, tables):
    release = built["release"]
    for name in tables:
        rows = db_rows(release, name)
        schema = output_schema(name)
        cols = [f["name"] for f in schema["fields"]]
        types = [f["type"] for f in schema["fields"]]
        want = [[as_text(r[c], t) for c, t in zip(cols, types)] for r in rows]

        raw = httpx.get(f"{server}/downloads/csv/{name}.csv")
        assert raw.status_code == 200
        frame = pd.read_csv(io.BytesIO(raw.content), dtype=str, keep_default_na=False)
        assert list(frame.columns) == cols
        got = [[as_text(v, t) for v, t in zip(r, types)] for r in frame.values.tolist()]
        assert sorted(got) == sorted(want), f"{name}: CSV differs from the database"

        excel = httpx.get(f"{server}/downloads/csv-excel/{name}.csv").content
        assert excel.startswith(b"\xef\xbb\xbf") and excel[3:] == raw.content

        xlsx = httpx.get(f"{server}/downloads/xlsx/{name}.xlsx").content
        ws = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0]
        sheet = list(ws.iter_rows(values_only=True))
        assert list(sheet[0]) == cols
        # read-only openpyxl drops empty cells at a row's end: pad them back
        got = [[as_text(v, t) for v, t in zip(list(r) + [None] * (len(cols) - len(r)), types)] for r in sheet[1:]]
        assert sorted(got) == sorted(want), f"{name}: XLSX differs from the database"

        parquet = pd.read_parquet(io.BytesIO(httpx.get(f"{server}/downloads/parquet/{name}.parquet").content))
        assert list(parquet.columns) == cols and len(parquet) == len(rows)
        for f in schema["fields"]:
            if f["type"] in ("integer", "number"):
                a = parquet[f["name"]].astype("float64").fillna(-1).sum()
                b = sum(-1 if r[f["name"]] is None else r[f["name"]] for r in rows)
                assert a == pytest.approx(b), f"{name}.{f['name']}: Parquet differs"


def test_release_zip_and_checksums(server, built, index):
    release = built["release"]
    sums = httpx.get(f"{server}/downloads/SHA256SUMS").text.splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
    zip_name = downloads.zip_name(index["release_id"])
    assert zip_name in listed and "bansos-terbuka.db" in listed and "datapackage.json" in listed
    for path, digest in listed.items():
        body = httpx.get(f"{server}/downloads/{path}").content
        assert hashlib.sha256(body).hexdigest() == digest, path
    blob = httpx.get(f"{server}/downloads/{zip_name}").content
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        names = set(z.namelist())
        assert {"datapackage.json", "SHA256SUMS", "LICENSE-wilayah.md"} <= names
        pkg = json.loads(z.read("datapackage.json"))
        for res in pkg["resources"]:
            assert res["path"] in names and res["schema"] in names
        for line in z.read("SHA256SUMS").decode().splitlines():
            digest, member = line.split("  ", 1)
            assert hashlib.sha256(z.read(member)).hexdigest() == digest
    assert (release / zip_name).exists()


def test_published_cells_cannot_run_as_formulas(tmp_path):
    rows = [{"code": "=HYPERLINK(\"http://x\")", "level": "desa", "parent_code": "+1", "name": "@SUM(A1)"},
            {"code": "52.07", "level": "kabupaten", "parent_code": "-2", "name": "Sumbawa Barat"}]
    downloads.write_csv(tmp_path / "r.csv", "regions", rows)
    downloads.write_xlsx(tmp_path / "r.xlsx", "regions", rows)
    with open(tmp_path / "r.csv", newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not any(c.startswith(downloads.FORMULA_START) for c in cells)
    assert "'=HYPERLINK(\"http://x\")" in cells and "Sumbawa Barat" in cells
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    values = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in values)
    assert not any(str(c.value).startswith("=") for c in values)


# --- JSON-LD, feeds, freshness --------------------------------------------------------------------

def test_dcat_json_ld_parses_and_points_at_table_schemas(server, tables):
    body = httpx.get(f"{server}/-/dcat.jsonld").text
    g = rdflib.Graph().parse(data=body, format="json-ld", base=server)
    sdo, dcat = rdflib.Namespace("https://schema.org/"), rdflib.Namespace("http://www.w3.org/ns/dcat#")
    described = rdflib.URIRef("http://www.w3.org/2007/05/powder-s#describedby")
    datasets = set(g.subjects(rdflib.RDF.type, dcat.Dataset))
    assert {str(d).rsplit("/", 1)[1] for d in datasets} == set(tables)
    for d in datasets:
        name = str(d).rsplit("/", 1)[1]
        schemas = list(g.objects(d, described))
        assert schemas == [rdflib.URIRef(f"{server}/downloads/schemas/{name}.schema.json")]
        assert httpx.get(str(schemas[0])).json() == output_schema(name)
        assert list(g.objects(d, sdo.license)), name
        assert len(list(g.objects(d, sdo.distribution))) >= 4
    catalog = rdflib.URIRef(f"{server}/-/dcat.jsonld")
    assert (catalog, rdflib.RDF.type, dcat.Catalog) in g


def test_table_pages_embed_their_json_ld(server, tables):
    for name in tables:
        html = httpx.get(f"{server}/{DB}/{name}").text
        start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
        doc = json.loads(html[start:html.index("</script>", start)])
        assert doc["alternateName"] == name and doc["describedBy"].endswith(f"/schemas/{name}.schema.json")
        g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
        assert len(g) > 10


def test_atom_feeds_of_releases_and_milestones(server, built):
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(httpx.get(f"{server}/-/feeds/releases.atom").content)
    entries = feed.findall(f"{atom}entry")
    releases = db_rows(built["release"], "releases")
    assert len(entries) == len(releases) == 3
    assert {e.find(f"{atom}title").text.split()[1] for e in entries} == {r["period"] for r in releases}
    for e in entries:
        for tag in ("id", "updated", "summary"):
            assert e.find(f"{atom}{tag}").text
    feed = ET.fromstring(httpx.get(f"{server}/-/feeds/milestones.atom").content)
    milestones = db_rows(built["release"], "milestones")
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == len(milestones)
    assert len({e.find(f"{atom}id").text for e in entries}) == len(entries)


def test_freshness_in_json_and_in_the_releases_table(server, built, index):
    fresh = httpx.get(f"{server}/-/freshness.json").json()
    for key in ("period", "source_date", "built_at", "last_data_change", "next_expected_update"):
        assert fresh[key] == index["freshness"][key]
    assert set(fresh["tables"]) >= set(index["tables"]) - {"releases"}
    row = httpx.get(f"{server}/{DB}/releases.json?_shape=objects&period={index['period']}").json()["rows"][0]
    assert row["release_id"] == index["release_id"] and row["next_expected_update"] == fresh["next_expected_update"]
    assert row["source_date"] == json.loads((built["raw"] / "datapackage.json").read_text())["x-source-date"]


def test_last_data_change_survives_a_rebuild_that_changes_nothing(built, tmp_path):
    from publish.pipeline import build

    dist = tmp_path / "dist"
    first = build(built["raw"], dist, tmp_path / "work", site=False)
    second = build(built["raw"], dist, tmp_path / "work", site=False)
    assert second.index["built_at"] != first.index["built_at"] or second.release_id != first.release_id
    assert second.index["freshness"]["last_data_change"] == first.index["freshness"]["last_data_change"]
    assert not first.index["maps"]["available"] and "left out" in first.index["maps"]["notice"]
    meta = json.loads((second.release_dir / "metadata.json").read_text())
    for dash in meta.get("plugins", {}).get("datasette-dashboards", {}).values():
        assert not any("needs_boundaries" in c for c in dash.get("charts", {}).values())


def test_charts_needing_boundaries_are_dropped_without_them():
    plugins = {"datasette-dashboards": {"d": {"layout": [["map", "table"], ["map", "note"]], "charts": {
        "map": {"needs_boundaries": True}, "table": {}, "note": {}}}}}
    without = published.plugins_for(plugins, maps=False)["datasette-dashboards"]["d"]
    assert set(without["charts"]) == {"table", "note"} and without["layout"] == [[".", "table"], [".", "note"]]
    with_maps = published.plugins_for(plugins, maps=True)["datasette-dashboards"]["d"]
    assert set(with_maps["charts"]) == {"map", "table", "note"} and "needs_boundaries" not in with_maps["charts"]["map"]


# --- hardening ------------------------------------------------------------------------------------

def test_settings_indexes_and_precomputed_counts(server, built, tables):
    settings = httpx.get(f"{server}/-/settings.json").json()
    assert settings["suggest_facets"] is False
    assert settings["sql_time_limit_ms"] <= 5000 and settings["max_returned_rows"] <= 5000
    inspect = json.loads((built["release"] / "inspect-data.json").read_text())
    counts = inspect[DB]["tables"]
    con = sqlite3.connect(built["release"] / "bansos-terbuka.db")
    meta = published.site_meta()
    for name in tables:
        assert counts[name]["count"] == con.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
        indexed = set()
        for (ix,) in con.execute("SELECT name FROM pragma_index_list(?)", [name]):
            indexed.add(tuple(r[0] for r in con.execute("SELECT name FROM pragma_index_info(?)", [ix])))
        for facet in meta.get("tables", {}).get(name, {}).get("facets", []):
            assert any(ix[0] == facet for ix in indexed), f"{name}.{facet} has no index"
        for ix in meta.get("indexes", {}).get(name, []):
            assert tuple(ix) in indexed, f"{name}: index {ix} missing"


def test_precomputed_counts_are_what_datasette_inspect_writes(built, tmp_path):
    """The build writes inspect-data.json itself; the real `datasette inspect` must agree."""
    import subprocess
    import sys

    db = built["release"] / "bansos-terbuka.db"
    theirs = tmp_path / "inspect.json"
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file", str(theirs)],
                   check=True, capture_output=True)
    ours = json.loads((built["release"] / "inspect-data.json").read_text())
    expected = json.loads(theirs.read_text())
    assert ours.keys() == expected.keys() == {DB}
    for key in ("hash", "size", "tables"):
        assert ours[DB][key] == expected[DB][key], key


def test_robots_and_sitemap(server, tables):
    robots = httpx.get(f"{server}/robots.txt").text.splitlines()
    assert "Disallow: /*?" in robots and "Allow: /" in robots
    assert not any(line == "Disallow: /" for line in robots)
    sitemap = ET.fromstring(httpx.get(f"{server}/sitemap.xml").content)
    locs = {e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for name in tables:
        assert f"{server}/{DB}/{name}" in locs
        assert not any("?" in u for u in locs)


def test_cors_on_json(server):
    r = httpx.get(f"{server}/{DB}/regions.json")
    assert r.headers["access-control-allow-origin"] == "*"


def test_no_url_accepts_a_write(server, built, tables):
    db = built["release"] / "bansos-terbuka.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    urls = ["/", f"/{DB}", f"/{DB}.json", f"/{DB}/-/create", f"/{DB}/regions", f"/{DB}/regions/-/insert",
            f"/{DB}/regions/52.07/-/update", f"/{DB}/regions/52.07/-/delete", f"/{DB}/regions/-/drop",
            "/-/messages", "/-/permissions", "/-/logout", "/downloads/SHA256SUMS", "/docs/index.html"]
    urls += [f"/{DB}/{name}" for name in tables]
    for url in urls:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            r = httpx.request(method, server + url, json={"row": {"code": "99"}}, follow_redirects=False)
            assert r.status_code == 405, f"{method} {url} answered {r.status_code}"
    for sql in ("DELETE FROM regions", "DROP TABLE regions", "UPDATE regions SET name = 'x'",
                "INSERT INTO regions (code) VALUES ('99')", "ATTACH DATABASE '/tmp/x.db' AS x",
                "PRAGMA writable_schema = 1"):
        r = httpx.get(f"{server}/{DB}.json", params={"sql": sql})
        assert r.status_code >= 400, sql
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


SLOW = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) SELECT count(*) FROM c"


@pytest.fixture
def capped_server(built, tmp_path):
    """A second real server with one slot for ad-hoc SQL and a short queue."""
    env = {**os.environ, "BANSOS_SQL_CONCURRENCY": "1", "BANSOS_SQL_QUEUE_SECONDS": "0.05",
           "BANSOS_RETRY_AFTER": "7"}
    proc, url = start_server(built["dist"], tmp_path / "serve.log", env)
    yield url
    stop_server(proc)


def test_concurrent_sql_beyond_the_cap_gets_429(capped_server):
    async def burst():
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(*[client.get(f"{capped_server}/{DB}.json", params={"sql": SLOW})
                                          for _ in range(4)])

    answers = asyncio.run(burst())
    codes = sorted(r.status_code for r in answers)
    assert 200 in codes and 429 in codes, codes
    for r in answers:
        if r.status_code == 429:
            assert r.headers["retry-after"] == "7" and "Too many SQL queries" in r.text
    # Table pages and downloads are never capped, and the slot frees again.
    assert httpx.get(f"{capped_server}/{DB}/regions").status_code == 200
    assert httpx.get(f"{capped_server}/{DB}.json", params={"sql": "select 1"}).status_code == 200


def test_answers_are_cached_by_release_and_revalidate_with_304(server, index):
    # A generous timeout: this checks headers, not speed, and a busy CI machine is slow to start.
    get = functools.partial(httpx.get, timeout=60)
    url = f"{server}/{DB}/population_by_region?level=kecamatan"
    first, second = get(url), get(url)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert first.headers["etag"] == second.headers["etag"] and index["release_id"] in first.headers["etag"]
    assert first.headers.get_list("x-bansos-release") == [index["release_id"]]
    assert int(first.headers["content-length"]) == len(first.content)
    again = get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = get(f"{server}/{DB}/population_by_region?level=desa")
    assert other.headers["etag"] != first.headers["etag"]
    streamed = get(f"{server}/{DB}/indicator_values.csv?_stream=on&_size=max")
    assert streamed.status_code == 200
    assert streamed.text.count("\n") == index["tables"]["indicator_values"] + 1  # every row, past any cache limit
