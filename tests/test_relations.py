"""Relations among published numbers: derived from the definitions, checked on the data, found by
the search, and each leak they open closed by the audit (planted one by one)."""

from __future__ import annotations

import pytest

from publish import relations
from publish.audit import Model, audit, audit_and_repair, cell_key
from publish.errors import BuildError
from publish.pipeline import relations_for
from publish.schemas import output_names, output_schema
from test_audit import CONFIG, KAB, KEC, UPPER, blank, constraints_of, run_audit, village

SCHEMES = [  # the published reference table, as the build has it
    {"scheme_code": "BPNT", "budget_source": "APBN", "benefit_rp": 200000, "fixed_amount": True},
    {"scheme_code": "PKH", "budget_source": "APBN", "benefit_rp": 0, "fixed_amount": False},
    {"scheme_code": "RTLH", "budget_source": "APBD_KAB", "benefit_rp": 20000000, "fixed_amount": True},
    {"scheme_code": "SERAGAM", "budget_source": "APBD_KAB", "benefit_rp": 250000, "fixed_amount": True},
]


def scheme_row(region, scheme, recipients, duplicate_listings=0, amount=None, **kw):
    rate = next(s["benefit_rp"] for s in SCHEMES if s["scheme_code"] == scheme)
    amount = rate * (recipients + duplicate_listings) if amount is None else amount
    return blank("recipients_by_region_scheme", *region, scheme_code=scheme, recipients=recipients,
                 duplicate_listings=duplicate_listings, amount_rp=amount, **kw)


def hide(row, *measures):
    for m in measures:
        row[m], row[f"{m}_status"] = None, "suppressed"
    return row


def test_every_relation_names_existing_tables_and_measures():
    tables = {n: [] for n in output_names()}
    tables["schemes"] = SCHEMES
    for rel in relations.derived(tables, CONFIG):
        schema = output_schema(rel.table)
        names = {f["name"] for f in schema["fields"]}
        assert rel.measure in names and set(rel.terms) <= names, rel
        if rel.form == "cross_sum":
            assert rel.other[1] in {f["name"] for f in output_schema(rel.other[0])["fields"]}, rel


def test_fixed_amount_reveals_a_hidden_count():
    """amount = 200,000 x (recipients + duplicate listings): hidden recipients with the amount published."""
    rows = [hide(scheme_row(village(1), "BPNT", 3, 1), "recipients"), scheme_row(KEC, "BPNT", 3, 1)]
    rows[0]["amount_rp"], rows[0]["amount_rp_status"] = 800000, "published"
    t = {"recipients_by_region_scheme": rows, "schemes": SCHEMES}
    report, bounds = run_audit(t)
    assert bounds[("recipients_by_region_scheme", 0, "recipients")] == pytest.approx((3.0, 3.0))
    assert not report.passed


def test_budget_source_total_reveals_a_hidden_scheme_amount():
    """transfers.amount_rp per budget source = the sum of its schemes' amounts (schemes.budget_source)."""
    schemes = [hide(scheme_row(village(1), "RTLH", 3), "recipients", "amount_rp"),
               scheme_row(village(1), "SERAGAM", 40)]
    transfers = [blank("transfers_by_region_source", *village(1), budget_source="APBD_KAB", recipients=43,
                       amount_rp=60_000_000 + 40 * 250000, poor_families_reached=0, amount_rp_poor=0)]
    t = {"recipients_by_region_scheme": schemes, "transfers_by_region_source": transfers, "schemes": SCHEMES}
    report, bounds = run_audit(t)
    assert bounds[("recipients_by_region_scheme", 0, "amount_rp")] == pytest.approx((60e6, 60e6))
    assert bounds[("recipients_by_region_scheme", 0, "recipients")] == pytest.approx((3.0, 3.0))
    assert not report.passed
    # Repair hides more until neither can be found.
    report = audit_and_repair(t, constraints_of(t), "2026-10", UPPER)
    assert report.passed


def test_an_inequality_narrows_a_hidden_count():
    """covered <= eligible: a hidden covered count under 2 eligible people is 1 or 2."""
    rows = [blank("coverage_by_region_group", *village(1), target_group="elderly_disabled", eligible=2, covered=None),
            blank("coverage_by_region_group", *village(2), target_group="elderly_disabled", eligible=50, covered=None),
            blank("coverage_by_region_group", *KEC, target_group="elderly_disabled", eligible=52, covered=None)]
    t = {"coverage_by_region_group": rows}
    report, bounds = run_audit(t)
    assert bounds[("coverage_by_region_group", 0, "covered")] == pytest.approx((1.0, 2.0))
    assert report.narrow and not report.passed


def test_a_sum_pinned_within_p_percent_fails():
    """amount to the poor <= amount: two villages' hidden sums under a kecamatan total leave 5%."""
    def row(region, amount, poor):
        return blank("transfers_by_region_source", *region, budget_source="APBN", recipients=10, amount_rp=amount,
                     poor_families_reached=10, amount_rp_poor=poor)
    rows = [row(village(1), 1_000_000, None), row(village(2), 1_000_000, None), row(KEC, 2_000_000, 1_950_000)]
    t = {"transfers_by_region_source": rows}
    truth = {"transfers_by_region_source": [dict(r) for r in rows]}
    truth["transfers_by_region_source"][0]["amount_rp_poor"] = 975_000
    truth["transfers_by_region_source"][1]["amount_rp_poor"] = 975_000
    # Hidden by the p% rule (one contributor dominates): its range must be p% of its value wide.
    dominated = {cell_key("transfers_by_region_source", rows[0], "amount_rp_poor")}
    report, bounds = run_audit(t, truth, primary=dominated)
    lo, hi = bounds[("transfers_by_region_source", 0, "amount_rp_poor")]
    assert (lo, hi) == pytest.approx((950_000, 1_000_000))
    assert report.narrow_sums and not report.passed
    # Hidden only beside another cell, it needs not to be exact, and it is not.
    report, _ = run_audit(t, truth)
    assert report.passed


def nik_rows(period, planted: bool):
    """nik_status rows of one period; `planted` makes invalid = mismatch + inactive on every row."""
    rows = []
    for n, region in enumerate([village(1), village(2), village(3), village(4)]):
        mismatch, inactive = 5 + n, 7 + 2 * n
        invalid = mismatch + inactive if planted else 3 * n + 11
        rows.append(dict(blank("nik_status_by_region", *region, records=0, matched_active=100 + n,
                               mismatch=mismatch, inactive=inactive, invalid=invalid), period=period))
    for r in rows:
        r["records"] = sum(r[m] for m in ("matched_active", "mismatch", "inactive", "not_found", "invalid", "missing"))
    return rows


def test_search_finds_an_undeclared_sum_and_the_audit_uses_it():
    truth = {"nik_status_by_region": nik_rows("2026-10", planted=True)}
    declared, found, undeclared, _ = relations_for(truth, truth, CONFIG)
    described = [r.describe() for r in undeclared]
    assert "nik_status_by_region: invalid = mismatch + inactive" in described
    # A part never exceeds its declared total (records = the six outcomes): found, not undeclared.
    assert any(r.form == "row_le" and r.measure == "records" for r in found)
    assert not any(r.measure == "records" for r in undeclared)
    published = {"nik_status_by_region": [dict(r) for r in truth["nik_status_by_region"]]}
    hide(published["nik_status_by_region"][0], "invalid", "records")
    hide(published["nik_status_by_region"][1], "invalid", "records")
    model = Model(published, relations.constraints(declared, published), UPPER)
    assert audit(model, truth)[0].passed  # the definitions alone see no leak
    model = Model(published, relations.constraints(declared + undeclared, published), UPPER)
    report, bounds = audit(model, truth)
    assert bounds[("nik_status_by_region", 0, "invalid")] == pytest.approx((12.0, 12.0))
    assert not report.passed


def test_search_ignores_a_coincidence_of_zeros_and_a_broken_one():
    rows = nik_rows("2026-10", planted=False)
    rows[0]["invalid"] = rows[0]["mismatch"] + rows[0]["inactive"]  # holds on one row only
    found = relations.search({"nik_status_by_region": rows})
    assert not any(r.form == "row_sum" and r.measure == "invalid" for r in found)
    zeros = [dict(r, not_found=0, missing=0) for r in rows]
    found = relations.search({"nik_status_by_region": zeros})
    # not_found = missing holds on every row, but only on zeros: it proves nothing
    assert not any(r.measure in ("not_found", "missing") and r.terms in (("missing",), ("not_found",))
                   for r in found)


def test_same_cell_in_two_periods_is_found_and_audited():
    """A register that does not change between months: hidden in one period, published in the other."""
    aug = [dict(blank("families_by_region_desil", *village(n), desil=1, families=10 * n + 3), period="2026-09")
           for n in range(1, 5)]
    sep = [dict(r, period="2026-10") for r in aug]
    truth = {"families_by_region_desil": aug + sep}
    found = relations.search(truth)
    assert any(r.form == "period_equal" and r.measure == "families" for r in found)
    published = {"families_by_region_desil": [dict(r) for r in aug + sep]}
    hide(published["families_by_region_desil"][4], "families")  # village 1 in 2026-10
    model = Model(published, relations.constraints(found, published), UPPER)
    report, bounds = audit(model, truth)
    assert bounds[("families_by_region_desil", 4, "families")] == pytest.approx((13.0, 13.0))
    assert not report.passed


def test_a_definition_that_does_not_hold_stops_the_build():
    rows = [blank("coverage_by_region_group", *village(1), target_group="pbi_target", eligible=5, covered=9)]
    tables = {"coverage_by_region_group": rows}
    with pytest.raises(BuildError) as e:
        relations_for(tables, tables, CONFIG)
    assert "covered ≤ eligible" in str(e.value) and "52.07.01.2001" in str(e.value)


def test_kabupaten_total_is_kept_when_lower_cells_will_do():
    """One hidden village: the repair hides another village, not the kecamatan or kabupaten total."""
    rows = [blank("population_by_region", *village(1), residents=None),
            blank("population_by_region", *village(2), residents=40),
            blank("population_by_region", *village(3), residents=60),
            blank("population_by_region", *KEC, residents=103),
            blank("population_by_region", *KAB, residents=103)]
    t = {"population_by_region": rows}
    report = audit_and_repair(t, constraints_of(t), "2026-10", UPPER)
    assert report.passed
    assert rows[1]["residents"] is None and rows[3]["residents"] == 103 and rows[4]["residents"] == 103


def test_a_misspelt_published_level_stops_the_build():
    import copy

    from publish.pipeline import published_levels

    config = copy.deepcopy(CONFIG)
    assert published_levels("complaints_by_region", config) == ["kecamatan", "kabupaten"]
    assert published_levels("population_by_region", config) == ["desa", "kecamatan", "kabupaten"]
    config["protection"]["levels"]["complaints_by_region"] = ["kecamatn"]
    with pytest.raises(BuildError) as e:
        published_levels("complaints_by_region", config)
    assert "protection.levels.complaints_by_region" in str(e.value) and "kecamatn" in str(e.value)
