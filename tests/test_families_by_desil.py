"""families_by_region_desil: welfare-register families per desil, protected like every count, and
tied to exclusion_by_region by an identity the disclosure audit knows."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

import yaml

from publish import relations
from publish.schemas import SCHEMAS_DIR, output_names, output_schema
from test_audit import CONFIG, KEC, blank, run_audit, village

UPPER = {"people": 10_000, "recipients": 10_000, "families": 10_000, "IDR": 1e13, "default": 100_000}
TABLE = "families_by_region_desil"


def max_desil() -> int:
    return int(yaml.safe_load((SCHEMAS_DIR.parent / "publish" / "defaults.yml").read_text())["exclusion"]["max_desil"])


def test_schema_follows_the_pattern():
    assert TABLE in output_names()
    schema = output_schema(TABLE)
    assert schema["primaryKey"] == ["period", "level", "region_code", "desil"]
    assert schema["x-levels"] == ["desa", "kecamatan", "kabupaten"]
    families = next(f for f in schema["fields"] if f["name"] == "families")
    assert families["protection"] == "count" and families["unit"] == "families"


def test_identity_with_poor_families_matches_the_desil_cut_off():
    """The definition reads the cut-off from the configuration: it cannot fall out of step."""
    tables = {TABLE: [], "exclusion_by_region": [blank("exclusion_by_region", *village(1))]}
    rel = next(r for r in relations.derived(tables, CONFIG) if r.form == "cross_sum" and r.other[0] == TABLE)
    assert (rel.table, rel.measure) == ("exclusion_by_region", "poor_families")
    assert rel.other[2] == ("values", "desil", tuple(range(1, max_desil() + 1)))
    other = {**CONFIG, "exclusion": {"max_desil": 3}}
    rel = next(r for r in relations.derived(tables, other) if r.form == "cross_sum" and r.other[0] == TABLE)
    assert rel.other[2] == ("values", "desil", (1, 2, 3))


def test_audit_recovers_a_hidden_desil_through_poor_families():
    """Poor families = desil 1..4: with desil 1, 2, 4 and the total published, desil 3 is exact."""
    desil = [blank(TABLE, *village(1), desil=d, families=None if d == 3 else 10 * d) for d in range(1, 11)]
    poor = [blank("exclusion_by_region", *village(1), poor_families=10 + 20 + 33 + 40, without_aid=0)]
    t = {TABLE: desil, "exclusion_by_region": poor}
    report, bounds = run_audit(t)
    assert bounds[(TABLE, 2, "families")] == (33.0, 33.0)
    assert not report.passed
    # Desil 5 and up are not part of the identity: hidden there, nothing pins it.
    desil = [blank(TABLE, *village(1), desil=d, families=None if d == 7 else 10 * d) for d in range(1, 11)]
    poor = [blank("exclusion_by_region", *village(1), poor_families=100, without_aid=0)]
    t = {TABLE: desil, "exclusion_by_region": poor}
    report, _ = run_audit(t)
    assert report.passed


def test_audit_ties_the_levels_of_the_table():
    rows = [blank(TABLE, *village(1), desil=1, families=None), blank(TABLE, *village(2), desil=1, families=30),
            blank(TABLE, *KEC, desil=1, families=33)]
    t = {TABLE: rows}
    report, bounds = run_audit(t)
    assert bounds[(TABLE, 0, "families")] == (3.0, 3.0) and not report.passed


def test_published_release(built):
    release = built["release"]
    index = json.loads((release / "index.json").read_text())
    assert index["protection"]["audit"]["passed"]
    assert index["tables"][TABLE] > 0
    con = sqlite3.connect(f"file:{release / index['database']}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute(f"SELECT * FROM {TABLE}")]
        poor = {(r["period"], r["region_code"]): r["poor_families"] for r in con.execute(
            "SELECT period, region_code, poor_families FROM exclusion_by_region")}
        regions = con.execute("SELECT count(*) FROM regions WHERE level IN ('desa', 'kecamatan', 'kabupaten')").fetchone()[0]
    finally:
        con.close()
    periods = {r["period"] for r in rows}
    assert len(rows) == 10 * regions * len(periods)
    for r in rows:
        assert (r["families"] is None) == (r["families_status"] == "suppressed")
        assert r["families"] is None or r["families"] == 0 or r["families"] > 4  # no small count leaves the build
    # Where every desil 1..max of a region is published, they add up to its poor families.
    sums, complete = defaultdict(int), defaultdict(lambda: True)
    for r in rows:
        if r["desil"] <= max_desil():
            key = (r["period"], r["region_code"])
            complete[key] &= r["families"] is not None
            sums[key] += r["families"] or 0
    checked = [k for k in sums if complete[k] and poor.get(k) is not None]
    assert checked, "no region with every poor desil published"
    for k in checked:
        assert sums[k] == poor[k], k
