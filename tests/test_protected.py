from publish.protected import ProtectionReport, protect_table


def row(level="desa", region="52.07.01.2001", parent="52.07.01", **kw):
    base = {"period": "2026-10", "level": level, "region_code": region, "parent_code": parent}
    base.update(kw)
    return base


def pop(**kw):
    base = dict(residents=100, families=30, elderly=10, disabled=5)
    base.update(kw)
    return base


def hidden(out, m):
    return [i for i, r in enumerate(out) if r[f"{m}_status"] == "suppressed"]


def test_counts_one_to_four_hidden_zeros_published():
    rep = ProtectionReport()
    out = protect_table("population_by_region", [row(**pop(residents=3, families=0)), row(**pop(residents=120))], 4, rep)
    assert out[0]["residents"] is None and out[0]["residents_status"] == "suppressed"
    assert out[0]["families"] == 0 and out[0]["families_status"] == "published"
    assert out[1]["residents"] == 120 and out[1]["residents_status"] == "published"
    assert rep.primary == 1


def test_sum_hidden_with_its_count():
    r = row(scheme_code="BPNT", recipients=2, amount_rp=400000, duplicate_listings=0, outside_target=0)
    out = protect_table("recipients_by_region_scheme", [r], 4, ProtectionReport())[0]
    assert out["recipients"] is None and out["amount_rp"] is None
    assert out["amount_rp_status"] == "suppressed"


def test_single_hidden_part_of_a_published_total_is_joined_by_another():
    parts = dict(matched_active=100, mismatch=2, inactive=9, not_found=0, invalid=7, missing=0)
    out = protect_table("nik_status_by_region", [row(records=118, **parts)], 4, ProtectionReport())[0]
    hid = [k for k in parts if out[f"{k}_status"] == "suppressed"]
    assert sorted(hid) == ["invalid", "mismatch"]  # the smallest other non-zero part joins
    assert out["records"] == 118


def test_lone_hidden_village_is_protected_by_a_second_one():
    villages = [row(region=f"52.07.01.200{i}", **pop(residents=n)) for i, n in enumerate([3, 50, 40, 200])]
    kec = row(level="kecamatan", region="52.07.01", parent="52.07", **pop(residents=293, families=120, elderly=40, disabled=20))
    rows = villages + [kec]
    out = protect_table("population_by_region", rows, 4, ProtectionReport())
    assert hidden(out, "residents") == [0, 2]  # 3 (primary) and 40, the smallest other village
    assert out[4]["residents"] == 293


def test_hidden_total_with_all_parts_published_hides_a_part():
    villages = [row(region=f"52.07.01.200{i}", **pop(residents=n, families=2 * n)) for i, n in enumerate([1, 2])]
    kec = row(level="kecamatan", region="52.07.01", parent="52.07", **pop(residents=3, families=6, elderly=20, disabled=10))
    out = protect_table("population_by_region", villages + [kec], 4, ProtectionReport())
    assert hidden(out, "residents") == [0, 1, 2]


def test_median_needs_enough_cases():
    base = dict(complaints=20, resolved=4, resolved_within_standard=0, resolved_at_desa=0, referrals=0,
                referrals_completed=0, median_days_to_resolve=7.0)
    out = protect_table("complaints_by_region", [row(**base), row(**{**base, "resolved": 9})], 4, ProtectionReport())
    assert out[0]["median_days_to_resolve"] is None and out[0]["median_days_to_resolve_status"] == "suppressed"
    assert out[1]["median_days_to_resolve"] == 7.0


def test_output_follows_schema_column_order():
    out = protect_table("population_by_region", [row(**pop())], 4, ProtectionReport())[0]
    assert list(out)[:6] == ["period", "level", "region_code", "parent_code", "residents", "residents_status"]


def test_p_percent_rule_hides_a_sum_dominated_by_one_recipient():
    base = dict(scheme_code="PKH", recipients=6, duplicate_listings=0, outside_target=0)
    dominated = row(**base, amount_rp=1_000_000, _top1_amount_rp=900_000, _top2_amount_rp=40_000)
    spread = row(**base, amount_rp=1_200_000, _top1_amount_rp=200_000, _top2_amount_rp=200_000)
    out = protect_table("recipients_by_region_scheme", [dominated, spread], 4, ProtectionReport())
    assert out[0]["amount_rp"] is None and out[0]["recipients"] == 6
    assert out[1]["amount_rp"] == 1_200_000
    assert "_top1_amount_rp" not in out[0]
