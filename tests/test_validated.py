"""Validation: every row checked, broken rows quarantined with reasons, structural problems stop."""

import csv
import json
import shutil

import duckdb
import pytest

from publish.errors import InputError
from publish.synth import synthesize
from publish.validated import Validator


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    path = tmp_path_factory.mktemp("clean")
    synthesize("52.07", path, scale=0.01, seed=11, period="2026-10")
    return path


@pytest.fixture
def pkg(clean, tmp_path):
    dst = tmp_path / "in"
    shutil.copytree(clean, dst)
    return dst


def edit(path, fn):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0].keys())
    rows, fields = fn(rows, fields)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def run(pkg, tmp_path):
    return Validator(duckdb.connect(), pkg, tmp_path / "work").run()


def test_every_row_is_counted(pkg, tmp_path):
    for r in run(pkg, tmp_path).values():
        assert r.read == r.used + r.quarantined


def test_unusable_rows_are_quarantined_with_their_reason(pkg, tmp_path):
    def break_rows(rows, fields):
        rows[0]["birth_date"] = "31/02/1970"
        rows[1]["desa_code"] = "99.99.99.9999"
        rows[2]["amount_rp"] = "dua ratus ribu"
        return rows, fields

    edit(pkg / "recipients_bpnt.csv", break_rows)
    res = run(pkg, tmp_path)["recipients_bpnt"]
    assert res.quarantined >= 3
    assert res.read == res.used + res.quarantined
    assert res.errors[("type", "birth_date")]["action"] == "quarantine"
    assert ("foreign_key", "desa_code") in res.errors
    assert ("type", "amount_rp") in res.errors
    with open(tmp_path / "work/quarantine/recipients_bpnt.csv", newline="") as fh:
        q = {r["row_number"]: r for r in csv.DictReader(fh)}
    assert "type:birth_date" in q["2"]["reasons"]
    assert "foreign_key:desa_code" in q["3"]["reasons"]
    ex = next(e for e in res.examples if e["row"] == 2)
    assert "baris 2" in ex["message_id"] and "row 2" in ex["message_en"]
    assert "birth_date" in ex["message_en"] and "31/02/1970" in ex["message_en"]


def test_invalid_nik_is_kept_and_flagged_not_quarantined(pkg, tmp_path):
    def mangle(rows, fields):
        rows[0]["nik"] = "3.32901E+15"
        return rows, fields

    before = run(pkg, tmp_path)["recipients_pkh"]
    edit(pkg / "recipients_pkh.csv", mangle)
    res = run(pkg, tmp_path)["recipients_pkh"]
    assert res.errors[("pattern", "nik")]["action"] == "flag"
    assert res.quarantined == before.quarantined
    assert res.used == before.used


def test_missing_column_stops_with_file_column_and_fix(pkg, tmp_path):
    def drop(rows, fields):
        for r in rows:
            r.pop("birth_date")
        return rows, [f for f in fields if f != "birth_date"]

    edit(pkg / "population.csv", drop)
    with pytest.raises(InputError) as e:
        run(pkg, tmp_path)
    text = e.value.text()
    assert "population.csv" in text and "birth_date" in text
    assert "Perbaikan" in text and "Fix" in text


def test_missing_file_and_missing_resource_stop(pkg, tmp_path):
    (pkg / "complaints.csv").unlink()
    with pytest.raises(InputError, match="complaints.csv"):
        run(pkg, tmp_path)
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["resources"] = [r for r in desc["resources"] if r["name"] != "referrals"]
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    with pytest.raises(InputError, match="referrals"):
        run(pkg, tmp_path)


def test_semicolon_csv_and_nik_stays_text(pkg, tmp_path):
    path = pkg / "population.csv"
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    con = duckdb.connect()
    res = Validator(con, pkg, tmp_path / "work").run()["population"]
    assert res.quarantined == 0
    assert con.execute("SELECT typeof(nik) FROM stg_population LIMIT 1").fetchone()[0] == "VARCHAR"


def test_duplicate_key_is_quarantined(pkg, tmp_path):
    def dup(rows, fields):
        rows.append(dict(rows[0]))
        return rows, fields

    edit(pkg / "welfare_families.csv", dup)
    res = run(pkg, tmp_path)["welfare_families"]
    assert ("unique", "record_id") in res.errors
    assert res.quarantined == 1
