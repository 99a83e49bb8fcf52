import csv
import filecmp
import json

from publish.synth import Defects, synthesize


def rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_deterministic_for_a_seed(tmp_path):
    a = synthesize("52.07", tmp_path / "a", scale=0.01, seed=5, period="2026-10")
    synthesize("52.07", tmp_path / "b", scale=0.01, seed=5, period="2026-10")
    for r in a["resources"]:
        assert filecmp.cmp(tmp_path / "a" / r["path"], tmp_path / "b" / r["path"], shallow=False), r["path"]
    assert filecmp.cmp(tmp_path / "a/truth/record_person.csv", tmp_path / "b/truth/record_person.csv", shallow=False)
    synthesize("52.07", tmp_path / "c", scale=0.01, seed=6, period="2026-10")
    assert not filecmp.cmp(tmp_path / "a/population.csv", tmp_path / "c/population.csv", shallow=False)


def test_package_names_every_resource_with_schema_and_record_id(tmp_path):
    pkg = synthesize("52.07", tmp_path, scale=0.01, seed=1, period="2026-09")
    names = {r["name"] for r in pkg["resources"]}
    for needed in ["regions", "population", "welfare_families", "welfare_members", "schemes", "complaints",
                   "referrals", "social_pillars", "commitments", "milestones", "recipients_pkh", "recipients_bpnt",
                   "recipients_pbi_jk", "recipients_blt_dd", "recipients_jamsos_kab", "recipients_rtlh",
                   "recipients_seragam", "recipients_prokus"]:
        assert needed in names
    assert json.loads((tmp_path / "datapackage.json").read_text())["synthetic"] is True
    for r in pkg["resources"]:
        assert (tmp_path / r["schema"]).exists()
        header = rows(tmp_path / r["path"])[0].keys() if rows(tmp_path / r["path"]) else []
        assert "record_id" in header, r["name"]


def test_scale_one_is_the_real_population(tmp_path):
    # 1% of Sumbawa Barat's 156,059 people, within rounding of family sizes per village.
    synthesize("52.07", tmp_path, scale=0.01, seed=1, period="2026-10")
    n = len(rows(tmp_path / "population.csv"))
    assert 1400 < n < 1750


def test_truth_covers_every_person_level_row(tmp_path):
    pkg = synthesize("52.07", tmp_path, scale=0.01, seed=2, period="2026-10")
    truth = {(r["resource"], r["record_id"]) for r in rows(tmp_path / "truth/record_person.csv")}
    for r in pkg["resources"]:
        if r["name"] in ("population", "welfare_members", "complaints") or r["name"].startswith("recipients_"):
            for row in rows(tmp_path / r["path"]):
                assert (r["name"], row["record_id"]) in truth


def test_defects_are_planted_at_their_rates(tmp_path):
    synthesize("52.07", tmp_path, scale=0.05, seed=3, period="2026-10",
               defects=Defects(nik_typo=0.05, nik_excel=0.0, nik_missing=0.0))
    flags = rows(tmp_path / "truth/flags.csv")
    listed = sum(len(rows(p)) for p in tmp_path.glob("recipients_*.csv")) + len(rows(tmp_path / "welfare_members.csv"))
    typos = sum(f["flag"] == "nik_typo" for f in flags)
    assert 0.035 < typos / listed < 0.065
    assert not any(f["flag"] == "nik_excel" for f in flags)
    kinds = {f["flag"] for f in flags}
    assert {"name_variant", "duplicate_listing", "nik_inactive_dead", "inclusion_error", "excluded_poor"} <= kinds


def test_periods_share_the_population(tmp_path):
    synthesize("52.07", tmp_path / "a", scale=0.01, seed=4, period="2026-09")
    synthesize("52.07", tmp_path / "b", scale=0.01, seed=4, period="2026-10")
    a = {r["nik"] for r in rows(tmp_path / "a/population.csv")}
    b = {r["nik"] for r in rows(tmp_path / "b/population.csv")}
    assert len(a & b) / len(a | b) > 0.95
