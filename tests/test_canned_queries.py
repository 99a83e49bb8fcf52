"""Canned queries (metadata.yml `queries:`): listed, served over HTTP, right against the database, indexed.

Every figure a query returns is recomputed here straight from the published tables with sqlite3.
"""

from __future__ import annotations

import datetime
import re
import sqlite3

import httpx
import pytest
import yaml

from publish.schemas import OUTPUT_DIR, ROOT, output_schema

DB = "bansos-terbuka"
META = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
QUERIES: dict = META.get("queries") or {}
NAMES = sorted(QUERIES)
PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

# Tables with one row per period and region: the large ones, which must never be scanned.
PER_REGION = sorted(
    p.name.removesuffix(".schema.json") for p in OUTPUT_DIR.glob("*.schema.json")
    if {"period", "region_code"} <= {f["name"] for f in output_schema(p.name.removesuffix(".schema.json"))["fields"]}
)
# Tables whose counts can be hidden: a query reading one must say hidden values are never zero.
PROTECTED = sorted(
    p.name.removesuffix(".schema.json") for p in OUTPUT_DIR.glob("*.schema.json")
    if any(f.get("protection") in ("count", "sum", "median")
           for f in output_schema(p.name.removesuffix(".schema.json"))["fields"])
)
# Which example region a query's `code` takes (the others use their default, the kabupaten).
CODE_FOR = {"village_profile": "desa", "villages_in_kecamatan": "kecamatan"}


def close(a, b, tol=0.051) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def pct(num, den, factor=100.0):
    """The derived figure a query should show (before its rounding): empty unless both counts are there
    and den > 0."""
    if num is None or den is None or den <= 0:
        return None
    return factor * num / den


def tables_in(sql: str) -> dict[str, str]:
    """alias (or name) -> table for every table the SQL reads."""
    out = {}
    for table, alias in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+AS\s+(\w+))?", sql, flags=re.I):
        out[alias or table] = table
        out.setdefault(table, table)
    return out


def unindexed_scans(con: sqlite3.Connection, sql: str, params: dict) -> list[str]:
    """Plan lines that read a per-region table row by row without an index."""
    names = tables_in(sql)
    bad = []
    for *_, detail in con.execute("EXPLAIN QUERY PLAN " + sql, params):
        m = re.match(r"SCAN (\w+)", detail)
        if m and names.get(m.group(1), m.group(1)) in PER_REGION and "USING" not in detail:
            bad.append(detail)
    return bad


@pytest.fixture(scope="module")
def db(built):
    con = sqlite3.connect(f"file:{built['release'] / 'bansos-terbuka.db'}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    yield con
    con.close()


def one(con, sql, *args):
    return con.execute(sql, args).fetchone()


def every(con, sql, *args):
    return [dict(r) for r in con.execute(sql, args)]


@pytest.fixture(scope="module")
def ex(db) -> dict:
    """Example values taken from the release itself."""
    latest = one(db, "SELECT max(period) FROM population_by_region")[0]
    earliest = one(db, "SELECT min(period) FROM population_by_region")[0]
    kab = one(db, "SELECT code FROM regions WHERE level = 'kabupaten' ORDER BY code")[0]
    desa = one(db, """SELECT p.region_code FROM population_by_region p
                      JOIN multi_scheme_by_region m USING (period, level, region_code)
                      WHERE p.period = ? AND p.level = 'desa' AND p.residents_status = 'published'
                        AND m.recipients_status = 'published'
                      ORDER BY p.residents DESC, p.region_code LIMIT 1""", latest)[0]
    kec = one(db, "SELECT parent_code FROM regions WHERE code = ?", desa)[0]
    return {"latest": latest, "earliest": earliest, "kabupaten": kab, "desa": desa, "kecamatan": kec}


def example_params(name: str, ex: dict) -> dict:
    values = {"period": ex["latest"], "level": "", "scheme": "", "indicator": "", "date": "",
              "code": ex[CODE_FOR[name]] if name in CODE_FOR else ""}
    return {p: values.get(p, "") for p in QUERIES[name]["params"]}


def run(server, name, **params) -> list[dict]:
    r = httpx.get(f"{server}/{DB}/{name}.json", params={"_shape": "objects", **params}, timeout=30)
    assert r.status_code == 200, (name, r.status_code, r.text[:500])
    body = r.json()
    assert body.get("ok", True), (name, body)
    assert not body.get("truncated"), name
    return body["rows"]


def by(rows, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


# ---------------------------------------------------------------------------------------------
# The catalogue of queries itself

def test_enough_queries():
    assert len(QUERIES) >= 12, sorted(QUERIES)
    required = {"villages_most_multi_scheme", "villages_lowest_nik_match_rate",
                "excluded_poor_families_by_kecamatan", "elderly_disabled_coverage",
                "referrals_not_completed_by_agency", "village_profile", "overdue_milestones"}
    assert required <= set(QUERIES)


@pytest.mark.parametrize("name", NAMES)
def test_query_is_documented_and_declares_its_params(name):
    q = QUERIES[name]
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", name)
    assert set(q) >= {"sql", "title", "params"} and ({"description", "description_html"} & set(q))
    title_id, _, title_en = q["title"].partition(" / ")
    assert title_id and title_en, "title must be 'Indonesian / English'"
    desc = q.get("description") or q.get("description_html")
    assert " / " in desc and len(desc) > 150
    # The SQL's named parameters are exactly the declared ones (Datasette would bind nothing else).
    assert sorted(set(PARAM.findall(q["sql"]))) == sorted(q["params"]), name
    assert len(set(q["params"])) == len(q["params"])
    # A query over tables with hidden values says, in both languages, that they are never zero.
    if set(tables_in(q["sql"]).values()) & set(PROTECTED):
        assert "tidak pernah dianggap nol" in desc and "never treated as zero" in desc, name
    if "period" in q["params"]:
        assert "nullif(:period, '')" in q["sql"] and "max(period)" in q["sql"], name
    if re.search(r"\bLIMIT\b", q["sql"]):
        assert re.search(r"\bORDER BY\b", q["sql"]), name


def test_queries_are_listed_by_datasette(server):
    listed = {q["name"]: q for q in httpx.get(f"{server}/{DB}.json").json()["queries"]}
    meta = httpx.get(f"{server}/-/metadata.json").json()["databases"][DB]["queries"]
    assert set(listed) == set(QUERIES) == set(meta)
    for name, q in QUERIES.items():
        for served in (listed[name], meta[name]):
            assert served["title"] == q["title"]
            assert served.get("description") == q.get("description")
            assert served["params"] == q["params"]
            assert served["sql"] == q["sql"]


def test_query_pages_show_their_form(server, ex):
    page = httpx.get(f"{server}/{DB}/village_profile", params={"code": ex["desa"]})
    assert page.status_code == 200
    assert QUERIES["village_profile"]["title"].split(" / ")[0] in page.text
    assert 'name="code"' in page.text and 'name="period"' in page.text


# ---------------------------------------------------------------------------------------------
# Every query over HTTP

@pytest.mark.parametrize("name", NAMES)
def test_query_runs_over_http_and_returns_rows(server, ex, name):
    rows = run(server, name, **example_params(name, ex))
    assert rows, name
    for r in rows:
        # Hidden is empty, published is a number: never a 0 standing in for a hidden value.
        for col, status in r.items():
            if col.endswith("_status") and col.removesuffix("_status") in r:
                assert (r[col.removesuffix("_status")] is None) == (status == "suppressed"), (name, col, r)
        if "value" in r and r.get("status") in ("suppressed", "not_applicable"):
            assert r["value"] is None, r


@pytest.mark.parametrize("name", [n for n in NAMES if "period" in QUERIES[n]["params"]])
def test_empty_period_means_latest(server, ex, name):
    params = example_params(name, ex)
    explicit = run(server, name, **params)
    default = run(server, name, **{**params, "period": ""})
    assert default == explicit
    assert {r["period"] for r in default} == {ex["latest"]}
    assert ex["earliest"] < ex["latest"]  # the test release carries earlier periods
    earlier = run(server, name, **{**params, "period": ex["earliest"]})
    assert earlier and {r["period"] for r in earlier} == {ex["earliest"]}


# ---------------------------------------------------------------------------------------------
# Plans: no per-region table read without an index

def test_plan_check_detects_a_scan(db):
    assert unindexed_scans(db, "SELECT * FROM population_by_region AS p WHERE p.residents > :n", {"n": 5})


def test_declared_indexes_exist(db):
    have = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for ix in db.execute(f"PRAGMA index_list([{table}])"):
            cols = tuple(c["name"] for c in db.execute(f"PRAGMA index_info([{ix['name']}])"))
            have.setdefault(table, set()).add(cols)
    assert META.get("indexes")
    for table, indexes in META["indexes"].items():
        for ix in indexes:
            assert tuple(ix) in have.get(table, set()), (table, ix)


@pytest.mark.parametrize("name", NAMES)
def test_query_plan_uses_indexes(db, ex, name):
    sql = QUERIES[name]["sql"]
    assert not unindexed_scans(db, sql, example_params(name, ex)), name


# ---------------------------------------------------------------------------------------------
# Figures against the database

def test_villages_most_multi_scheme(server, db, ex):
    rows = run(server, "villages_most_multi_scheme", period="")
    truth = every(db, """SELECT * FROM multi_scheme_by_region
                         WHERE period = ? AND level = 'desa'""", ex["latest"])
    ranked = sorted((t for t in truth if t["multi_scheme_status"] == "published"),
                    key=lambda t: (-t["multi_scheme"], t["region_code"]))
    assert len(rows) == min(20, len(ranked))
    assert [r["village_code"] for r in rows] == [t["region_code"] for t in ranked[:20]]
    top, t = rows[0], ranked[0]
    assert top["people_on_several_schemes"] == t["multi_scheme"] == max(x["multi_scheme"] for x in ranked)
    assert top["village"] == one(db, "SELECT name FROM regions WHERE code = ?", t["region_code"])[0]
    assert top["kecamatan"] == one(db, "SELECT name FROM regions WHERE code = ?", t["parent_code"])[0]
    truth = by(truth, "region_code")
    for r in rows:
        t = truth[r["village_code"]]
        assert r["recipients"] == t["recipients"]
        assert r["families_multi_scheme"] == t["families_multi_scheme"]
        assert close(r["multi_scheme_pct"], pct(t["multi_scheme"], t["recipients"]))


def test_villages_lowest_nik_match_rate(server, db, ex):
    rows = run(server, "villages_lowest_nik_match_rate", period=ex["latest"])
    truth = every(db, "SELECT * FROM nik_status_by_region WHERE period = ? AND level = 'desa'", ex["latest"])
    eligible = {t["region_code"]: 100.0 * t["matched_active"] / t["records"] for t in truth
                if t["records_status"] == "published" and t["matched_active_status"] == "published"
                and t["records"] > 0}
    hidden = {t["region_code"] for t in truth} - set(eligible)
    assert hidden, "the test release should have villages with hidden NIK counts"
    assert len(rows) == min(20, len(eligible))
    assert not {r["village_code"] for r in rows} & hidden
    assert close(rows[0]["nik_match_pct"], min(eligible.values()))
    rates = [r["nik_match_pct"] for r in rows]
    assert rates == sorted(rates)
    assert rates[-1] <= round(sorted(eligible.values())[len(rows) - 1], 1) + 0.051
    truth = by(truth, "region_code")
    for r in rows:
        t = truth[r["village_code"]]
        assert (r["records"], r["matched_active"], r["invalid"], r["missing"]) == \
            (t["records"], t["matched_active"], t["invalid"], t["missing"])
    # The same rate as the indicator catalogue gives for the worst village.
    value = one(db, """SELECT value FROM indicator_values WHERE period = ? AND region_code = ?
                       AND indicator_id = 'nik_match_rate' AND status = 'published'""",
                ex["latest"], rows[0]["village_code"])[0]
    assert close(rows[0]["nik_match_pct"], value)


def test_excluded_poor_families_by_kecamatan(server, db, ex):
    rows = run(server, "excluded_poor_families_by_kecamatan", period="")
    kecamatan = [r[0] for r in db.execute("SELECT code FROM regions WHERE level = 'kecamatan' ORDER BY code")]
    assert [r["kecamatan_code"] for r in rows] == kecamatan
    truth = by(every(db, "SELECT * FROM exclusion_by_region WHERE period = ? AND level = 'kecamatan'",
                     ex["latest"]), "region_code")
    for r in rows:
        t = truth[r["kecamatan_code"]]
        for col in ("poor_families", "poor_families_status", "without_aid", "without_aid_status"):
            assert r[col] == t[col], (col, r, t)
        assert close(r["without_aid_pct"], pct(t["without_aid"], t["poor_families"]))


def test_elderly_disabled_coverage(server, db, ex):
    rows = run(server, "elderly_disabled_coverage", period="", level="")
    truth = every(db, """SELECT c.*, p.elderly, p.disabled FROM coverage_by_region_group c
                         JOIN population_by_region p USING (period, level, region_code)
                         WHERE c.period = ? AND c.level = 'kecamatan' AND c.target_group = 'elderly_disabled'""",
                  ex["latest"])
    ranked = [t for t in truth if t["eligible_status"] == "published" and t["covered_status"] == "published"
              and t["eligible"] > 0]
    assert {r["region_code"] for r in rows} == {t["region_code"] for t in ranked}
    assert {r["level"] for r in rows} == {"kecamatan"}
    lowest = min(ranked, key=lambda t: t["covered"] / t["eligible"])
    assert close(rows[0]["coverage_pct"], 100.0 * lowest["covered"] / lowest["eligible"])
    assert [r["coverage_pct"] for r in rows] == sorted(r["coverage_pct"] for r in rows)
    truth = by(truth, "region_code")
    for r in rows:
        t = truth[r["region_code"]]
        assert (r["eligible"], r["covered"], r["elderly"], r["disabled"]) == \
            (t["eligible"], t["covered"], t["elderly"], t["disabled"])
        assert r["not_covered"] == t["eligible"] - t["covered"]
    desa = run(server, "elderly_disabled_coverage", period="", level="desa")
    assert desa and {r["level"] for r in desa} == {"desa"}


def test_referrals_not_completed_by_agency(server, db, ex):
    for code in ("", ex["kecamatan"]):
        rows = run(server, "referrals_not_completed_by_agency", period="", code=code)
        region = code or ex["kabupaten"]
        truth = by(every(db, "SELECT * FROM referrals_by_region_agency WHERE period = ? AND region_code = ?",
                         ex["latest"], region), "agency")
        assert truth and {r["agency"] for r in rows} == set(truth)
        assert {r["region_code"] for r in rows} == {region}
        for r in rows:
            t = truth[r["agency"]]
            assert (r["referrals"], r["completed"]) == (t["referrals"], t["completed"])
            expect = None if None in (t["referrals"], t["completed"]) else t["referrals"] - t["completed"]
            assert r["not_completed"] == expect
            assert close(r["completed_pct"], pct(t["completed"], t["referrals"]))
        known = [r["not_completed"] for r in rows if r["not_completed"] is not None]
        assert known == sorted(known, reverse=True)
        assert all(r["not_completed"] is None for r in rows[len(known):])


def test_village_profile(server, db, ex):
    rows = run(server, "village_profile", code=ex["desa"], period="")
    assert {r["region_code"] for r in rows} == {ex["desa"]}
    assert {r["period"] for r in rows} == {ex["latest"]}
    fig = by(rows, "figure")
    pop = one(db, "SELECT * FROM population_by_region WHERE period = ? AND region_code = ?", ex["latest"], ex["desa"])
    ms = one(db, "SELECT * FROM multi_scheme_by_region WHERE period = ? AND region_code = ?", ex["latest"], ex["desa"])
    exc = one(db, "SELECT * FROM exclusion_by_region WHERE period = ? AND region_code = ?", ex["latest"], ex["desa"])
    nik = one(db, "SELECT * FROM nik_status_by_region WHERE period = ? AND region_code = ?", ex["latest"], ex["desa"])
    residents = fig["Penduduk / Residents"]
    assert residents["value"] == pop["residents"] and residents["status"] == "published"
    assert (fig["Keluarga (KK) / Families"]["value"], fig["Keluarga (KK) / Families"]["status"]) == \
        (pop["families"], pop["families_status"])
    assert fig["Penerima program apa pun / Recipients of any scheme"]["value"] == ms["recipients"]
    assert fig["Penerima dua program atau lebih / People on several schemes"]["value"] == ms["multi_scheme"]
    assert fig["Keluarga miskin tanpa bantuan / Poor families without aid"]["value"] == exc["without_aid"]
    assert fig["NIK padan aktif / NIK matched active"]["value"] == nik["matched_active"]
    for r in rows:
        assert r["status"] in ("published", "suppressed")
        assert (r["value"] is None) == (r["status"] == "suppressed"), r
    # One rupiah row per budget source paying the village.
    sources = [s for (s,) in db.execute("SELECT budget_source FROM transfers_by_region_source "
                                        "WHERE period = ? AND region_code = ?", (ex["latest"], ex["desa"]))]
    assert sum(r["source_table"] == "transfers_by_region_source" for r in rows) == len(sources)
    # Any level: the kabupaten's profile is the kabupaten's row, not a sum of villages.
    kab = by(run(server, "village_profile", code=ex["kabupaten"], period=ex["earliest"]), "figure")
    assert kab["Penduduk / Residents"]["value"] == one(
        db, "SELECT residents FROM population_by_region WHERE period = ? AND region_code = ?",
        ex["earliest"], ex["kabupaten"])[0]
    assert run(server, "village_profile", code="99.99.99.9999", period="") == []


def test_overdue_milestones(server, db):
    today = datetime.datetime.now(datetime.timezone.utc).date()
    milestones = every(db, "SELECT * FROM milestones")
    for date in ("", "2022-06-30"):
        cut = datetime.date.fromisoformat(date) if date else today
        rows = run(server, "overdue_milestones", date=date)
        expect = {(m["commitment_id"], m["milestone_no"]): m for m in milestones
                  if m["end_date"] < cut.isoformat() and m["status"] != "finished"}
        assert expect, "the demo commitments have unfinished milestones past their end date"
        assert set(by(rows, "commitment_id", "milestone_no")) == set(expect)
        for r in rows:
            m = expect[(r["commitment_id"], r["milestone_no"])]
            assert r["status"] != "finished" and r["end_date"] == m["end_date"]
            assert r["days_overdue"] == (cut - datetime.date.fromisoformat(m["end_date"])).days > 0
            assert r["commitment_title_en"] == one(
                db, "SELECT title_en FROM commitments WHERE commitment_id = ?", m["commitment_id"])[0]
        assert [r["end_date"] for r in rows] == sorted(r["end_date"] for r in rows)
    assert len(run(server, "overdue_milestones", date="2022-06-30")) < len(run(server, "overdue_milestones", date=""))


def test_recipients_by_scheme_kecamatan(server, db, ex):
    truth = every(db, "SELECT * FROM recipients_by_region_scheme WHERE period = ? AND level = 'kecamatan'",
                  ex["latest"])
    rows = run(server, "recipients_by_scheme_kecamatan", period="", scheme="")
    assert len(rows) == len(truth)
    truth = by(truth, "region_code", "scheme_code")
    for r in rows:
        t = truth[(r["kecamatan_code"], r["scheme_code"])]
        assert (r["recipients"], r["amount_rp"]) == (t["recipients"], t["amount_rp"])
        assert close(r["rp_per_recipient"], pct(t["amount_rp"], t["recipients"], factor=1.0), tol=0.51)
    scheme = one(db, """SELECT scheme_code FROM recipients_by_region_scheme WHERE period = ? AND level = 'kabupaten'
                        AND recipients_status = 'published' ORDER BY recipients DESC LIMIT 1""", ex["latest"])[0]
    only = run(server, "recipients_by_scheme_kecamatan", period="", scheme=scheme)
    assert only and {r["scheme_code"] for r in only} == {scheme}
    assert len(only) == sum(1 for k in truth if k[1] == scheme)


def test_forbidden_combinations_by_village(server, db, ex):
    rows = run(server, "forbidden_combinations_by_village", period="")
    truth = every(db, "SELECT * FROM multi_scheme_by_region WHERE period = ? AND level = 'desa'", ex["latest"])
    published = [t for t in truth if t["forbidden_combination_status"] == "published"]
    assert len(rows) == min(50, len(published))
    assert rows[0]["people_on_forbidden_combination"] == max(t["forbidden_combination"] for t in published)
    hidden = {t["region_code"] for t in truth if t["forbidden_combination_status"] == "suppressed"}
    assert not {r["village_code"] for r in rows} & hidden
    counts = [r["people_on_forbidden_combination"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    truth = by(truth, "region_code")
    for r in rows:
        t = truth[r["village_code"]]
        assert r["people_on_forbidden_combination"] == t["forbidden_combination"]
        assert close(r["forbidden_pct"], pct(t["forbidden_combination"], t["recipients"]))


def test_people_without_nik_found(server, db, ex):
    shown = []
    for period in periods_of(db):  # a small regency hides much in one month: every period is checked
        rows = run(server, "people_without_nik_found", period=period, level="")
        truth = by(every(db, """SELECT n.*, p.residents FROM no_nik_by_region n
                                JOIN population_by_region p USING (period, level, region_code)
                                WHERE n.period = ? AND n.level = 'kecamatan'""", period), "region_code")
        assert {r["region_code"] for r in rows} == set(truth)
        for r in rows:
            t = truth[r["region_code"]]
            assert (r["without_nik"], r["found_in_register"]) == (t["without_nik"], t["found_in_register"])
            assert close(r["found_pct"], pct(t["found_in_register"], t["without_nik"]))
            assert close(r["without_nik_per_10000"], pct(t["without_nik"], t["residents"], factor=10000.0))
        shown += [r["found_pct"] for r in rows]
    assert any(v is not None for v in shown)
    kab = run(server, "people_without_nik_found", period="", level="kabupaten")
    assert [r["without_nik"] for r in kab] == [one(
        db, "SELECT without_nik FROM no_nik_by_region WHERE period = ? AND region_code = ?",
        ex["latest"], ex["kabupaten"])[0]]


def test_complaints_within_standard_by_kecamatan(server, db, ex):
    rows = run(server, "complaints_within_standard_by_kecamatan", period="")
    truth = by(every(db, "SELECT * FROM complaints_by_region WHERE period = ? AND level = 'kecamatan'",
                     ex["latest"]), "region_code")
    assert [r["kecamatan_code"] for r in rows] == sorted(truth)
    for r in rows:
        t = truth[r["kecamatan_code"]]
        for col in ("complaints", "resolved", "resolved_within_standard", "median_days_to_resolve",
                    "referrals", "referrals_completed"):
            assert (r[col], r[f"{col}_status"]) == (t[col], t[f"{col}_status"]), col
        expect = None if None in (t["complaints"], t["resolved"]) else t["complaints"] - t["resolved"]
        assert r["not_resolved"] == expect
        assert close(r["within_standard_pct"], pct(t["resolved_within_standard"], t["resolved"]))


def test_indicator_by_region(server, db, ex):
    rows = run(server, "indicator_by_region", period="", level="", indicator="")
    assert {r["indicator_id"] for r in rows} == {"nik_match_rate"}
    nik = by(every(db, "SELECT * FROM nik_status_by_region WHERE period = ? AND level = 'kecamatan'",
                   ex["latest"]), "region_code")
    assert {r["region_code"] for r in rows} == set(nik)
    checked = 0
    for r in rows:
        t = nik[r["region_code"]]
        if r["status"] == "published":
            assert close(r["value"], 100.0 * t["matched_active"] / t["records"], tol=0.006)
            checked += 1
        else:
            assert r["value"] is None
            assert "suppressed" in (t["records_status"], t["matched_active_status"]) or t["records"] == 0
    assert checked
    other = run(server, "indicator_by_region", period=ex["earliest"], level="desa", indicator="exclusion_rate")
    truth = by(every(db, """SELECT * FROM indicator_values WHERE period = ? AND level = 'desa'
                            AND indicator_id = 'exclusion_rate'""", ex["earliest"]), "region_code", "breakdown")
    assert len(other) == len(truth)
    for r in other:
        t = truth[(r["region_code"], r["breakdown"])]
        assert r["status"] == t["status"]
        assert close(r["value"], None if t["value"] is None else t["value"], tol=0.006)


def test_indicator_trend(server, db, ex):
    rows = run(server, "indicator_trend", code="", indicator="")
    periods = [p for (p,) in db.execute("SELECT DISTINCT period FROM nik_status_by_region ORDER BY period")]
    assert len(periods) >= 2
    assert [r["period"] for r in rows] == periods
    for r in rows:
        t = one(db, "SELECT * FROM nik_status_by_region WHERE period = ? AND region_code = ?",
                r["period"], ex["kabupaten"])
        assert r["region_code"] == ex["kabupaten"] and r["status"] == "published"
        assert close(r["value"], 100.0 * t["matched_active"] / t["records"], tol=0.006)
    desa = run(server, "indicator_trend", code=ex["desa"], indicator="no_nik_per_10000")
    assert {r["region_code"] for r in desa} == {ex["desa"]} and len(desa) == len(periods)


def test_transfers_to_poor_families_by_source(server, db, ex):
    shown = []
    for period in periods_of(db):  # a small regency hides much in one month: every period is checked
        for level in ("", "kabupaten"):
            rows = run(server, "transfers_to_poor_families_by_source", period=period, level=level)
            truth = by(every(db, """SELECT t.*, e.poor_families FROM transfers_by_region_source t
                                    LEFT JOIN exclusion_by_region e USING (period, level, region_code)
                                    WHERE t.period = ? AND t.level = ?""", period, level or "kecamatan"),
                       "region_code", "budget_source")
            assert len(rows) == len(truth)
            for r in rows:
                t = truth[(r["region_code"], r["budget_source"])]
                for col in ("recipients", "amount_rp", "amount_rp_poor", "poor_families_reached", "poor_families"):
                    assert r[col] == t[col], col
                assert close(r["poor_share_pct"], pct(t["amount_rp_poor"], t["amount_rp"]))
                assert close(r["poor_families_reached_pct"], pct(t["poor_families_reached"], t["poor_families"]))
            shown += [r["poor_share_pct"] for r in rows]
    assert any(v is not None for v in shown)


def periods_of(db) -> list[str]:
    return [p for (p,) in db.execute("SELECT DISTINCT period FROM transfers_by_region_source ORDER BY period")]


def test_inclusion_error_by_scheme(server, db, ex):
    rows = run(server, "inclusion_error_by_scheme", period="", code="")
    targeted = {s for (s,) in db.execute("SELECT scheme_code FROM schemes WHERE target_desil_max IS NOT NULL")}
    truth = by(every(db, "SELECT * FROM recipients_by_region_scheme WHERE period = ? AND region_code = ?",
                     ex["latest"], ex["kabupaten"]), "scheme_code")
    assert {r["scheme_code"] for r in rows} == targeted & set(truth)
    for r in rows:
        t = truth[r["scheme_code"]]
        assert (r["recipients"], r["outside_target"], r["duplicate_listings"]) == \
            (t["recipients"], t["outside_target"], t["duplicate_listings"])
        assert close(r["outside_target_pct"], pct(t["outside_target"], t["recipients"]))


def test_gotong_royong_agents_by_village(server, db, ex):
    rows = run(server, "gotong_royong_agents_by_village", period="")
    truth = every(db, """SELECT * FROM social_pillars_by_region WHERE period = ? AND level = 'desa'
                         AND pillar = 'gotong_royong' AND neighbourhoods > 0""", ex["latest"])
    shares = sorted(100.0 * t["members"] / (3 * t["neighbourhoods"]) for t in truth)
    assert len(rows) == min(20, len(truth))
    assert close(rows[0]["share_of_target_pct"], shares[0])
    assert [r["share_of_target_pct"] for r in rows] == sorted(r["share_of_target_pct"] for r in rows)
    truth = by(truth, "region_code")
    for r in rows:
        t = truth[r["village_code"]]
        assert (r["agents"], r["neighbourhoods"], r["target_agents"]) == \
            (t["members"], t["neighbourhoods"], 3 * t["neighbourhoods"])


def test_villages_in_kecamatan(server, db, ex):
    rows = run(server, "villages_in_kecamatan", code=ex["kecamatan"], period="")
    villages = [c for (c,) in db.execute("SELECT code FROM regions WHERE parent_code = ? AND level = 'desa' "
                                         "ORDER BY code", (ex["kecamatan"],))]
    assert [r["village_code"] for r in rows] == villages
    for r in rows:
        p = one(db, "SELECT * FROM population_by_region WHERE period = ? AND region_code = ?",
                ex["latest"], r["village_code"])
        m = one(db, "SELECT * FROM multi_scheme_by_region WHERE period = ? AND region_code = ?",
                ex["latest"], r["village_code"])
        n = one(db, "SELECT * FROM nik_status_by_region WHERE period = ? AND region_code = ?",
                ex["latest"], r["village_code"])
        assert (r["residents"], r["recipients"], r["people_on_several_schemes"]) == \
            (p["residents"], m["recipients"], m["multi_scheme"])
        assert close(r["nik_match_pct"], pct(n["matched_active"], n["records"]))
    assert ex["desa"] in {r["village_code"] for r in rows}


def test_every_query_has_a_figure_check():
    checked = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(QUERIES) <= checked, sorted(set(QUERIES) - checked)
