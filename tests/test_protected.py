from publish.protected import ProtectionReport, protect_table


def row(**kw):
    base = {"period": "2026-10", "desa_code": "52.07.01.2001", "kecamatan_code": "52.07.01"}
    base.update(kw)
    return base


def test_counts_one_to_four_hidden_zeros_published():
    rep = ProtectionReport()
    out = protect_table("population_by_desa", [row(residents=3, families=0), row(residents=120, families=31)], 4, rep)
    assert out[0]["residents"] is None and out[0]["residents_status"] == "suppressed"
    assert out[0]["families"] == 0 and out[0]["families_status"] == "published"
    assert out[1]["residents"] == 120 and out[1]["residents_status"] == "published"
    assert rep.primary == 1


def test_sum_hidden_with_its_count():
    out = protect_table("recipients_by_desa_scheme",
                        [row(scheme_code="BPNT", recipients=2, amount_rp=400000)], 4, ProtectionReport())[0]
    assert out["recipients"] is None and out["amount_rp"] is None
    assert out["amount_rp_status"] == "suppressed"


def test_single_hidden_part_of_a_published_total_is_joined_by_another():
    parts = dict(matched_active=100, mismatch=2, inactive=9, not_found=0, invalid=7, missing=0)
    out = protect_table("nik_status_by_desa", [row(records=118, **parts)], 4, ProtectionReport())[0]
    hidden = [k for k in parts if out[f"{k}_status"] == "suppressed"]
    assert "mismatch" in hidden and len(hidden) == 2
    assert out["records"] == 118
    # The hidden cells cannot be told apart by subtraction any more.
    assert "invalid" in hidden  # the smallest other non-zero part


def test_output_follows_schema_column_order():
    out = protect_table("population_by_desa", [row(residents=10, families=5)], 4, ProtectionReport())[0]
    assert list(out) == ["period", "desa_code", "kecamatan_code", "residents", "residents_status",
                         "families", "families_status"]
