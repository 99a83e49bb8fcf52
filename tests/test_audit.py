"""The disclosure audit finds known leaks, and passes on what the build publishes."""

import json

import pytest

from publish import relations
from publish.audit import Model, audit, audit_and_repair, cell_key
from publish.pipeline import load_config
from publish.protected import ProtectionReport, protect_table
from publish.schemas import output_schema

UPPER = {"people": 10_000, "recipients": 10_000, "families": 10_000, "IDR": 1e13, "default": 100_000}


def blank(name, level, region, parent, **values):
    """A row of a published table with every measure published as 0 unless given (None = hidden)."""
    schema = output_schema(name)
    row = {"period": "2026-10", "level": level, "region_code": region, "parent_code": parent}
    for f in schema["fields"]:
        if f.get("protection") in ("count", "sum", "median"):
            row[f["name"]] = values.get(f["name"], 0)
            row[f["name"] + "_status"] = "suppressed" if row[f["name"]] is None else "published"
        elif f["name"] not in row:
            row[f["name"]] = values.get(f["name"])
    return row


KEC, KAB = ("kecamatan", "52.07.01", "52.07"), ("kabupaten", "52.07", "52")


def village(n):
    return ("desa", f"52.07.01.200{n}", "52.07.01")


CONFIG = load_config()


def constraints_of(tables, found=()):
    """The constraints the build derives from the tables' definitions (plus any found relations)."""
    return relations.constraints(relations.derived(tables, CONFIG) + list(found), tables)


def run_audit(tables, truth=None, found=(), primary=()):
    model = Model(tables, constraints_of(tables, found), UPPER)
    model.primary = set(primary)
    return audit(model, truth)


def primary_of(tables):
    return {cell_key(n, r, m) for n, rows in tables.items() for r in rows for m in r
            if r.get(f"{m}_status") == "suppressed"}


def test_two_hidden_under_a_total_of_two_are_exact():
    t = {"population_by_region": [
        blank("population_by_region", *village(1), residents=None),
        blank("population_by_region", *village(2), residents=None),
        blank("population_by_region", *KEC, residents=2),
    ]}
    report, bounds = run_audit(t)
    assert not report.passed and len(report.exact) == 2
    assert all(lo == hi == 1 for lo, hi in bounds.values())


def test_two_tables_safe_alone_reveal_a_cell_together():
    totals = [blank("complaints_by_region", *village(1), complaints=None),
              blank("complaints_by_region", *village(2), complaints=None),
              blank("complaints_by_region", *KEC, complaints=10)]
    alone, _ = run_audit({"complaints_by_region": totals})
    assert alone.passed  # village 1 lies anywhere in 1..9
    cats = [blank("complaints_by_region_category", *village(1), category=c, complaints=6 if c == "other" else 0)
            for c in ["not_registered", "wrong_target", "payment_not_received", "nik_problem", "data_update",
                      "service_request", "other"]]
    t = {"complaints_by_region": totals, "complaints_by_region_category": cats}
    together, bounds = run_audit(t)
    assert not together.passed
    assert bounds[("complaints_by_region", 0, "complaints")] == (6.0, 6.0)


def test_identity_across_tables_is_used():
    """People on several schemes = the sum over budget-source combinations (like elderly = age bands 60+)."""
    multi = [blank("multi_scheme_by_region", *village(1), recipients=50, multi_scheme=None),
             blank("multi_scheme_by_region", *village(2), recipients=50, multi_scheme=None),
             blank("multi_scheme_by_region", *KEC, recipients=100, multi_scheme=30)]
    sources = [blank("multi_scheme_by_region_sources", *village(1), budget_sources=s, multi_scheme=v)
               for s, v in [("APBN", 12), ("APBD_KAB+APBN", 9)]]
    t = {"multi_scheme_by_region": multi, "multi_scheme_by_region_sources": sources}
    report, bounds = run_audit(t)
    assert bounds[("multi_scheme_by_region", 0, "multi_scheme")] == (21.0, 21.0)
    assert not report.passed


def pattern():
    rows = [blank("population_by_region", *village(i), residents=n, families=0, elderly=0, disabled=0)
            for i, n in enumerate([3, 50, 40, 200])]
    rows.append(blank("population_by_region", *KEC, residents=293, families=0, elderly=0, disabled=0))
    rep = ProtectionReport()
    return protect_table("population_by_region", rows, 4, rep), rep.primary_cells


def test_protected_pattern_passes_and_fails_with_one_secondary_cell_unhidden():
    rows, primary = pattern()
    t = {"population_by_region": rows}
    report, bounds = run_audit(t)
    assert report.passed, report.as_dict()
    assert bounds[("population_by_region", 0, "residents")][1] - bounds[("population_by_region", 0, "residents")][0] >= 2
    rows[2]["residents"], rows[2]["residents_status"] = 40, "published"  # the secondary cell
    report, _ = run_audit(t)
    assert not report.passed and report.exact


def test_repair_hides_more_until_it_passes():
    t = {"population_by_region": [
        blank("population_by_region", *village(1), residents=None),
        blank("population_by_region", *village(2), residents=None),
        blank("population_by_region", *village(3), residents=30),
        blank("population_by_region", *KEC, residents=33),
        blank("population_by_region", *KAB, residents=33),
    ]}
    report = audit_and_repair(t, constraints_of(t), "2026-10", UPPER)
    assert report.passed and report.repairs >= 1
    assert t["population_by_region"][2]["residents"] is None  # the village of 30 now hides them


def test_release_passed_its_audit(built):
    index = json.loads((built["release"] / "index.json").read_text())
    audit_report = index["protection"]["audit"]
    assert audit_report["passed"] and audit_report["solves"] > 0
    assert audit_report["exactly_recoverable"] == 0 and audit_report["counts_narrower_than_min"] == 0
    assert audit_report["sums_narrower_than_p"] == 0 and len(audit_report["periods"]) == 3


def test_pre_pass_settles_identities_that_reveal_a_cell_alone():
    from publish.audit import hide_lone_cells

    # Three hidden villages under a published total of 4: each is 1 or 2, too narrow for a primary.
    t = {"population_by_region": [
        blank("population_by_region", *village(1), residents=None),
        blank("population_by_region", *village(2), residents=None),
        blank("population_by_region", *village(3), residents=None),
        blank("population_by_region", *village(4), residents=25),
        blank("population_by_region", *KEC, residents=29),
    ]}
    assert hide_lone_cells(Model(t, constraints_of(t), UPPER), "2026-10") >= 1
    assert t["population_by_region"][3]["residents"] is None
    report, _ = run_audit(t)
    assert report.passed


def _every_solve(lower, upper, rows):
    """Reference: one LP per variable and sense, nothing skipped."""
    import highspy
    import numpy as np

    out = []
    for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
        values = []
        for j in range(len(lower)):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.addVars(len(lower), np.array(lower, dtype=float), np.array(upper, dtype=float))
            for idx, coeffs, rhs in rows:
                h.addRow(rhs, rhs, len(idx), np.array(idx, dtype=np.int32), np.array(coeffs, dtype=float))
            h.changeObjectiveSense(sense)
            h.changeColCost(j, 1.0)
            h.run()
            values.append(h.getInfo().objective_function_value)
        out.append(values)
    return out


def test_skipped_solves_give_the_bounds_of_solving_every_variable():
    """A variable seen at its bound in another solve is not solved again: the bounds stay exact."""
    import random

    from publish.audit import solve_component

    rng = random.Random(7)
    skipped = 0
    for _ in range(30):
        n = rng.randint(3, 25)
        truth = [rng.randint(1, 9) for _ in range(n)]
        lower, upper = [1.0] * n, [float(rng.choice([20, 100, 10_000])) for _ in range(n)]
        rows = []
        for _ in range(rng.randint(1, n)):  # sums of hidden cells equal to a published total
            idx = sorted(rng.sample(range(n), rng.randint(2, min(n, 6))))
            rows.append((idx, [1.0] * len(idx), float(sum(truth[k] for k in idx))))
        lows, highs, ok, solves = solve_component(lower, upper, rows)
        ref_lo, ref_hi = _every_solve(lower, upper, rows)
        assert all(ok)
        assert lows == pytest.approx(ref_lo, abs=1e-6) and highs == pytest.approx(ref_hi, abs=1e-6)
        skipped += 2 * n - solves
    assert skipped > 0


def test_verification_agrees_with_the_full_bounds():
    """verify_component skips solves where feasible points already prove a range wide enough:
    it must judge every variable as the exact min and max would, and never claim a wider range."""
    import random

    from publish.audit import EXACT, solve_component, verify_component

    rng = random.Random(11)
    skipped = 0
    for _ in range(40):
        n = rng.randint(2, 20)
        truth = [rng.randint(1, 9) for _ in range(n)]
        lower, upper = [1.0] * n, [float(rng.choice([12, 100])) for _ in range(n)]
        rows = []
        for _ in range(rng.randint(1, n)):
            idx = sorted(rng.sample(range(n), rng.randint(1, min(n, 5))))
            total = float(sum(truth[k] for k in idx))
            if rng.random() < 0.3:  # an inequality: the parts at most a published total
                rows.append((idx, [1.0] * len(idx), -float("inf"), total + rng.randint(0, 3)))
            else:
                rows.append((idx, [1.0] * len(idx), total, total))
        lows, highs, ok, full = solve_component(lower, upper, rows)
        need = [("count", 2.0)] * n
        vlo, vhi, vok, solves = verify_component(lower, upper, rows, [float(t) for t in truth], need)
        assert all(ok) and all(vok)
        for j in range(n):
            assert lows[j] - EXACT <= vlo[j] <= vhi[j] <= highs[j] + EXACT
            if highs[j] - lows[j] < 2 - EXACT:  # too narrow: verification must report the exact bounds
                assert (vlo[j], vhi[j]) == pytest.approx((lows[j], highs[j]))
            else:
                assert vhi[j] - vlo[j] >= 2 - EXACT
        skipped += full - solves
    assert skipped > 0
