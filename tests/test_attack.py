"""An attacker that reads only the published database (tests/attacker.py: it knows nothing of the
build's definitions) mines relations, bounds every hidden cell by LP, and must recover none.

A recovery counts when the attacker's interval is too narrow *and* holds the true value (kept
privately in WORK by the build): a relation that holds on the published rows only by coincidence
can mislead an attacker into a narrow interval around a wrong value, which reveals nothing."""

from __future__ import annotations

import json

import pytest
from attacker import attack
from conftest import PERIODS

from publish.pipeline import build
from publish.synth import synthesize

from publish import unprotected
from publish.relations import dims
from publish.schemas import output_schema




@pytest.fixture(scope="module")
def sumbawa(tmp_path_factory):
    """Sumbawa Barat at its real size (about 156,000 synthetic people), three periods: the release
    the issue names. The session's small regency (scale 0.03) is too sparse to be a fair target:
    nearly every village cell there is 1-4."""
    root = tmp_path_factory.mktemp("sumbawa")
    dist, work = root / "dist", root / "work"
    result = None
    for period in PERIODS:
        synthesize("52.07", root / "raw" / period, scale=1.0, seed=42, period=period)
        result = build(root / "raw" / period, dist, work, site=False)
    return {"release": result.release_dir, "work": work}


@pytest.mark.slow
def test_published_release_resists_the_attacker(sumbawa):
    built = sumbawa
    index = json.loads((built["release"] / "index.json").read_text())
    p = index["protection"]["settings"]["p_percent"]
    result = attack(built["release"] / index["database"], p_percent=p)
    assert result.hidden, "the release hides nothing: the attack proves nothing"
    assert len(index["protection"]["audit"]["periods"]) == 3
    kept = unprotected.load(built["work"])
    primary = unprotected.primary_keys(built["work"])
    leaks = []
    for cell in result.exact + result.narrow_counts + result.narrow_sums:
        key = [cell.key[k] for k in ("period", "level", "region_code", *dims(output_schema(cell.table)))]
        if cell in result.narrow_sums and cell not in result.exact and (cell.table, *key, cell.measure) not in primary:
            continue  # the p% rule protects dominated sums; a sum hidden beside others needs only not be exact
        row = kept.get(cell.table, {}).get(tuple(key))
        true = None if row is None else row.get(cell.measure)
        assert true is not None, f"no true value kept for {cell.table} {cell.key}"
        if cell.min - 1e-6 <= true <= cell.max + 1e-6:
            leaks.append((cell.table, cell.key, cell.measure, cell.min, cell.max, true, cell.via))
    assert not leaks, f"{len(leaks)} hidden cells recovered, e.g. {leaks[:3]}"
