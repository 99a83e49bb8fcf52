"""The independent attacker (tests/attacker.py) on tiny hand-made databases: each plants one
kind of leak and the attacker must recover the hidden cell; a properly protected table must
give nothing away. No build, no server: each test writes a SQLite file in tmp_path."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from attacker import attack, measure_kind

# one kabupaten K, three kecamatan, two desa each: the hierarchy has four parent rows a period
DESA = ["K.1.1", "K.1.2", "K.2.1", "K.2.2", "K.3.1", "K.3.2"]
P1, P2 = "2026-01", "2026-02"


def rollup(period: str, desa_rows: list[dict], measures: list[str]) -> list[dict]:
    """Desa rows plus their kecamatan and kabupaten sums (per dimension values)."""
    out = [{"period": period, "level": "desa", "parent_code": r["region_code"].rsplit(".", 1)[0],
            **r} for r in desa_rows]
    for level, up in (("kecamatan", lambda c: c.rsplit(".", 1)[0]), ("kabupaten", lambda c: "K")):
        sums: dict = {}
        for r in desa_rows:
            dims = tuple((k, v) for k, v in r.items() if k not in measures and k != "region_code")
            acc = sums.setdefault((up(r["region_code"]), dims), dict.fromkeys(measures, 0))
            for m in measures:
                acc[m] += r[m]
        for (code, dims), acc in sums.items():
            out.append({"period": period, "level": level, "region_code": code,
                        "parent_code": code.rsplit(".", 1)[0] if level == "kecamatan" else "P",
                        **dict(dims), **acc})
    return out


def table(measures: dict[str, list], period: str = P1, **dims: list) -> list[dict]:
    """One value per desa (DESA order) for each measure, optionally for one dimension value."""
    rows = [{"region_code": d, **{k: v for k, v in dims.items()},
             **{m: vals[i] for m, vals in measures.items()}} for i, d in enumerate(DESA)]
    return rollup(period, rows, list(measures))


def hide(rows: list[dict], measure: str, regions: list[str], period: str = P1, **dims) -> None:
    for r in rows:
        if r["region_code"] in regions and r["period"] == period and \
                all(r.get(k) == v for k, v in dims.items()):
            r[measure] = None


def write_db(path, tables: dict[str, tuple[list[dict], list[str]]], refs: dict | None = None):
    """tables: name -> (rows, measures); a measure of None is hidden ('suppressed')."""
    con = sqlite3.connect(path)
    for name, rows in (refs or {}).items():
        cols = list(rows[0])
        con.execute(f'create table "{name}" ({", ".join(cols)})')
        con.executemany(f'insert into "{name}" values ({",".join("?" * len(cols))})',
                        [tuple(r.values()) for r in rows])
    for name, (rows, measures) in tables.items():
        keys = [k for k in rows[0] if k not in measures]
        decl = []
        for m in measures:
            sample = next(r[m] for r in rows if r[m] is not None)
            kind = "REAL" if isinstance(sample, float) else "INTEGER"
            decl += [f"{m} {kind}", f"{m}_status TEXT"]
        con.execute(f'create table "{name}" ({", ".join(keys + decl)})')
        for r in rows:
            vals = [r[k] for k in keys]
            for m in measures:
                vals += [r[m], "suppressed" if r[m] is None else "published"]
            con.execute(f'insert into "{name}" values ({",".join("?" * len(vals))})', vals)
    con.commit()
    con.close()
    return path


def cell(res, table_name, measure, region, period=P1, **dims):
    [c] = [c for c in res.hidden if c.table == table_name and c.measure == measure
           and c.key["region_code"] == region and c.key["period"] == period
           and all(c.key.get(k) == v for k, v in dims.items())]
    return c


def test_in_row_sum_recovers_duplicate_listings(tmp_path):
    rows = table({"listings": [50, 31, 22, 64, 18, 41], "recipients": [47, 30, 22, 60, 17, 41],
                  "duplicate_listings": [3, 1, 0, 4, 1, 0]})
    hide(rows, "duplicate_listings", ["K.1.1", "K.1.2"])   # the hierarchy alone gives their sum
    res = attack(write_db(tmp_path / "a.db", {"recipients_by_region": (
        rows, ["listings", "recipients", "duplicate_listings"])}))
    assert "recipients_by_region: listings = recipients + duplicate_listings" in res.relations
    c = cell(res, "recipients_by_region", "duplicate_listings", "K.1.1")
    assert (c.min, c.max) == (3, 3) and c in res.exact
    assert any("listings = recipients + duplicate_listings" in v for v in c.via)
    assert (cell(res, "recipients_by_region", "duplicate_listings", "K.1.2").max) == 1


def test_cross_table_sum_through_reference_table(tmp_path):
    amounts = {"A": [1200000, 800000, 450000, 990000, 310000, 720000],
               "B": [2500000, 1100000, 600000, 1750000, 420000, 900000],
               "C": [5000000, 250000, 2000000, 750000, 3000000, 1000000]}
    schemes = [{"scheme_code": "A", "budget_source": "APBN", "benefit_rp": 100000},
               {"scheme_code": "B", "budget_source": "APBN", "benefit_rp": 0},
               {"scheme_code": "C", "budget_source": "APBD", "benefit_rp": 0}]
    by_scheme = [r for s, v in amounts.items() for r in table({"amount_rp": v}, scheme_code=s)]
    hide(by_scheme, "amount_rp", ["K.1.1", "K.1.2"], scheme_code="A")
    apbn = [a + b for a, b in zip(amounts["A"], amounts["B"])]
    by_source = table({"amount_rp": apbn}, budget_source="APBN") + \
        table({"amount_rp": amounts["C"]}, budget_source="APBD")
    res = attack(write_db(tmp_path / "b.db", {
        "recipients_by_region_scheme": (by_scheme, ["amount_rp"]),
        "transfers_by_region_source": (by_source, ["amount_rp"])}, {"schemes": schemes}))
    assert res.families["cross-table"] == [
        "transfers_by_region_source.amount_rp = sum recipients_by_region_scheme.amount_rp"
        " by schemes.budget_source"]
    c = cell(res, "recipients_by_region_scheme", "amount_rp", "K.1.1", scheme_code="A")
    assert (c.min, c.max) == (1200000, 1200000) and c in res.narrow_sums


def test_fixed_amount_ratio_recovers_hidden_count(tmp_path):
    fixed = [12, 7, 30, 9, 15, 22]
    variable = [1500000, 2300000, 910000, 3300000, 1750000, 1210000]
    rows = table({"listings": fixed, "amount_rp": [200000 * n for n in fixed]}, scheme_code="FIX") \
        + table({"listings": [5, 8, 3, 11, 6, 4], "amount_rp": variable}, scheme_code="VAR")
    hide(rows, "listings", ["K.1.1", "K.1.2"], scheme_code="FIX")
    res = attack(write_db(tmp_path / "c.db", {"by_scheme": (rows, ["listings", "amount_rp"])}))
    assert "by_scheme[scheme_code=FIX]: amount_rp = 200000 * listings" in res.relations
    assert not any("VAR" in r for r in res.relations)
    c = cell(res, "by_scheme", "listings", "K.1.1", scheme_code="FIX")
    assert (c.min, c.max) == (12, 12) and c in res.narrow_counts


def test_inequality_narrows_a_hidden_count(tmp_path):
    rows = table({"multi_scheme": [1, 7, 5, 6, 12, 3], "recipients": [2, 9, 14, 6, 20, 11]})
    hide(rows, "multi_scheme", ["K.1.1", "K.1.2"])
    res = attack(write_db(tmp_path / "d.db", {"multi": (rows, ["multi_scheme", "recipients"])}))
    assert "multi: multi_scheme <= recipients" in res.families["inequality"]
    c = cell(res, "multi", "multi_scheme", "K.1.1")
    assert (c.min, c.max) == (1, 2)                 # 1 <= hidden <= recipients = 2
    assert c in res.narrow_counts and c not in res.exact
    assert (cell(res, "multi", "multi_scheme", "K.1.2").min,
            cell(res, "multi", "multi_scheme", "K.1.2").max) == (6, 7)


def test_hidden_rupiah_sum_pinned_by_a_total(tmp_path):
    rows = table({"amount_rp": [5000000, 100000, 3000000, 2500000, 800000, 1200000],
                  "amount_rp_poor": [4200000, 60000, 1000000, 2000000, 700000, 300000]})
    hide(rows, "amount_rp_poor", ["K.1.1", "K.1.2"])
    path = write_db(tmp_path / "e.db", {"transfers": (rows, ["amount_rp", "amount_rp_poor"])})
    res = attack(path)
    big, small = (cell(res, "transfers", "amount_rp_poor", r) for r in ("K.1.1", "K.1.2"))
    # K.1 = 4,260,000 and the small desa's share is at most its amount_rp, 100,000
    assert (big.min, big.max) == (4160000, 4260000) and (small.min, small.max) == (0, 100000)
    assert big in res.narrow_sums and small not in res.narrow_sums and not res.exact
    assert not attack(path, p_percent=1).narrow_sums


def test_hierarchy_single_hidden_desa(tmp_path):
    rows = table({"families": [120, 85, 240, 60, 150, 95],
                  "median_days": [2.5, 4.0, 3.5, 6.0, 1.5, 2.0]})
    for r in rows:
        if r["level"] != "desa":
            r["median_days"] = 3.0                    # a median, not the sum of its parts
    hide(rows, "families", ["K.2.1"])
    hide(rows, "median_days", ["K.2.1"])
    res = attack(write_db(tmp_path / "f.db", {"population": (rows, ["families", "median_days"])}))
    c = cell(res, "population", "families", "K.2.1")
    assert (c.min, c.max) == (240, 240)
    assert c.via == ("population.families: parent = sum of children",)
    # a median is not additive: the check on the published rows rejects it (and it is REAL)
    assert res.families["hierarchy"] == ["population.families: parent = sum of children"]
    assert cell(res, "population", "median_days", "K.2.1").width > 1


def test_same_cell_equal_in_two_periods(tmp_path):
    members = [15, 8, 23, 40, 12, 9]
    rows = table({"members": members}, P1) + table({"members": members}, P2)
    hide(rows, "members", ["K.1.1", "K.1.2"], period=P2)
    res = attack(write_db(tmp_path / "g.db", {"groups": (rows, ["members"])}))
    c = cell(res, "groups", "members", "K.1.1", period=P2)
    assert (c.min, c.max) == (15, 15)
    assert f"groups.members: {P1} = {P2}" in c.via


def test_properly_protected_table_gives_nothing_away(tmp_path):
    rows = table({"complaints": [3, 4, 10, 12, 9, 15]})
    hide(rows, "complaints", ["K.1.1", "K.1.2"])     # 3 + 4 = 7 under a published total
    res = attack(write_db(tmp_path / "h.db", {"complaints_by_region": (rows, ["complaints"])}))
    assert res.relations == ["complaints_by_region.complaints: parent = sum of children"]
    assert not res.exact and not res.narrow_counts
    assert [(c.min, c.max) for c in res.hidden] == [(1, 6), (1, 6)]


def test_measure_kind():
    ints = np.array([3.0, 0.0, np.nan, 12.0])
    assert measure_kind("amount_rp", ints) == "rupiah"
    assert measure_kind("benefit_rp_poor", ints) == "rupiah"
    assert measure_kind("recipients", ints) == "count"
    assert measure_kind("transfers", np.array([2.5e6, 4e6])) == "rupiah"   # far above counts
    assert measure_kind("median_days", np.array([2.0, 3.0]), "REAL") == "other"
    assert measure_kind("median_days", np.array([2.5, 3.0])) == "other"


@pytest.mark.parametrize("min_support", [3, 9])
def test_min_support_is_a_parameter(tmp_path, min_support):
    rows = table({"families": [120, 85, 240, 60, 150, 95]})
    hide(rows, "families", ["K.2.1"])
    res = attack(write_db(tmp_path / "i.db", {"population": (rows, ["families"])}),
                 min_support=min_support)
    assert bool(res.exact) == (min_support == 3)     # three full parent rows support it
