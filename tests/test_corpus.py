"""Each broken input of the corpus gets its documented answer, and the row counts reconcile."""

import csv
import shutil

import duckdb
import pytest

from publish.errors import RULES, InputError
from publish.pipeline import check_thresholds, load_config
from publish.validated import Validator

from corpus import CASES

def rows_in(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def mutated(clean_package, tmp_path, case):
    pkg = tmp_path / "in"
    shutil.copytree(clean_package, pkg)
    case.change(pkg)
    return pkg


def test_corpus_is_large_enough():
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


def test_clean_package_has_no_errors(clean_package, tmp_path):
    v = Validator(duckdb.connect(), clean_package, tmp_path / "work")
    for name, r in v.run().items():
        assert r.quarantined == 0 and r.flagged == 0, (name, r.errors)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, clean_package, tmp_path):
    pkg = mutated(clean_package, tmp_path, case)
    kind, rule = case.expect[0], case.expect[1]
    con = duckdb.connect()
    v = Validator(con, pkg, tmp_path / "work")
    if kind == "stop":
        with pytest.raises(InputError) as e:
            check_thresholds(v.run(), load_config(), tmp_path / "work")
        rec = e.value.record
        assert rec["rule"] == rule
        assert rec["file"] and rule in RULES
        text = e.value.text()
        assert "Perbaikan:" in text and "Fix:" in text
        for extra in case.expect[2:]:
            assert extra in text
        return

    results = v.run()
    res = results[case.resource]
    clean_rows = rows_in(clean_package / f"{case.resource}.csv")
    expected_read = clean_rows + (1 if case.name == "duplicate record id" else 0)
    assert res.read == expected_read
    assert res.read == res.used + res.quarantined
    for name, r in results.items():
        if name != case.resource:
            # A quarantined family takes its members with it (their family is unknown): nothing else.
            assert r.flagged == 0 and set(r.errors) <= {("foreign_key", "family_id")}, (name, r.errors)
    if kind == "ok":
        assert res.quarantined == 0 and res.flagged == 0, res.errors
        if rule:  # a value that must survive the reader unchanged
            assert con.execute(f"SELECT count(*) FROM stg_{case.resource} WHERE name = ?", [rule]).fetchone()[0] == 1
        return
    column = case.expect[2]
    found = v.row_errors(case.resource)
    assert (case.row, column, rule, kind) in found, found
    assert {r for r, *_ in found} == {case.row}
    if kind == "quarantine":
        assert res.quarantined == 1
        with open(tmp_path / "work" / "quarantine" / f"{case.resource}.csv", newline="") as fh:
            q = list(csv.DictReader(fh))
        assert [int(r["row_number"]) for r in q] == [case.row]
        assert rule in q[0]["reasons"]
        ex = res.examples[0]
        assert f"row {case.row}" in ex["message_en"] and f"baris {case.row}" in ex["message_id"]
        if column:
            assert column in ex["message_en"]
    else:
        assert res.quarantined == 0 and res.flagged == 1
