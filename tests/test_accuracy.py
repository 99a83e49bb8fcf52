"""Linkage and indicators against the planted truth of the synthetic data."""

import pytest

from publish.accuracy import indicator_accuracy
from publish.synth import scaled_defects, synthesize

# A difference of 0.5 percentage points only means something over enough units.
MIN_DENOMINATOR = 200


def check(result, precision=0.995, recall=0.99):
    link = result["linkage"]
    assert link["precision"] >= precision, link
    assert link["recall"] >= recall, link
    compared = 0
    for row in result["indicators"]:
        if row["unit"] != "percent" or row["difference"] is None or (row["denominator"] or 0) < MIN_DENOMINATOR:
            continue
        compared += 1
        assert abs(row["difference"]) <= 0.5, row
    assert compared >= 10


def test_default_defects(raw, tmp_path):
    check(indicator_accuracy(raw["2026-10"], tmp_path / "work"))


@pytest.mark.parametrize("seed", [3])
def test_doubled_defects(seed, tmp_path):
    synthesize("52.07", tmp_path / "raw", scale=0.05, seed=seed, period="2026-10", defects=scaled_defects(2.0))
    check(indicator_accuracy(tmp_path / "raw", tmp_path / "work"))


def test_truth_differs_when_linkage_is_broken(raw, tmp_path):
    """The comparison can fail: with exact-NIK linkage only, some indicators drift from the truth."""
    from publish.pipeline import load_config

    config = load_config()
    config["linkage"]["match_probability"] = 0.999999999  # almost nothing links probabilistically
    result = indicator_accuracy(raw["2026-10"], tmp_path / "work", config)
    assert result["linkage"]["recall"] < 0.99
    assert any(abs(r["difference"] or 0) > 0.5 for r in result["indicators"])
