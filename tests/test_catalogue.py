from publish.catalogue import SCALE, catalogue, check_catalogue, values


def test_catalogue_refers_only_to_published_measures():
    assert check_catalogue() == []
    assert len({i["id"] for i in catalogue()}) == len(catalogue()) >= 20


OTHER = dict(mismatch=0, inactive=5, not_found=0, invalid=5, missing=0)


def key(level, region, parent):
    return {"period": "2026-10", "level": level, "region_code": region, "parent_code": parent}


def test_rate_is_left_empty_when_a_count_is_hidden():
    tables = {name: [] for name in {i["numerator"].split(".")[0] for i in catalogue()}
              | {i["denominator"].split(".")[0] for i in catalogue() if i.get("denominator")}}
    tables["nik_status_by_region"] = [
        {**key("desa", "52.07.01.2001", "52.07.01"), **OTHER, "records": 100, "matched_active": 90},
        {**key("desa", "52.07.01.2002", "52.07.01"), **OTHER, "records": 50, "matched_active": None},
    ]
    out = {(v["region_code"]): v for v in values(tables, "2026-10") if v["indicator_id"] == "nik_match_rate"}
    assert out["52.07.01.2001"]["value"] == 90.0 and out["52.07.01.2001"]["status"] == "published"
    assert out["52.07.01.2002"]["value"] is None and out["52.07.01.2002"]["status"] == "suppressed"
    assert SCALE["per_10000"] == 10_000
