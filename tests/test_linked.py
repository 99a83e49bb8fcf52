"""Linkage against the planted truth: pairwise precision and recall of person_key."""

import csv
import itertools
from collections import defaultdict


def load(path, key):
    with open(path, newline="") as fh:
        return {(r["resource"], r["record_id"]): r[key] for r in csv.DictReader(fh)}


def pairs(groups):
    out = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


def test_linked_records_written_to_work_with_every_person_record(built):
    linked = load(built["work"] / "linked_records.csv", "person_key")
    truth = load(built["raw"] / "truth" / "record_person.csv", "person_id")
    release = built["release"]
    index_rows = __import__("json").loads((release / "index.json").read_text())["rows"]
    used = sum(v["used"] for k, v in index_rows.items()
               if k in ("population", "welfare_members", "complaints") or k.startswith("recipients_"))
    assert len(linked) == used
    assert set(linked) <= set(truth)


def test_pairwise_precision_and_recall(built):
    linked = load(built["work"] / "linked_records.csv", "person_key")
    truth = load(built["raw"] / "truth" / "record_person.csv", "person_id")
    # Complaints carry no name: they are linked by NIK alone and measured elsewhere.
    keys = [k for k in linked if k[0] != "complaints"]
    by_key, by_person = defaultdict(list), defaultdict(list)
    for k in keys:
        by_key[linked[k]].append(k)
        by_person[truth[k]].append(k)
    predicted, actual = pairs(by_key), pairs(by_person)
    tp = len(predicted & actual)
    precision, recall = tp / len(predicted), tp / len(actual)
    assert precision >= 0.99, precision
    assert recall >= 0.98, recall


def test_model_and_thresholds_kept_private(built):
    release_id = built["release"].name
    assert (built["work"] / "linkage" / release_id / "model.json").exists()
    assert (built["work"] / "linkage" / release_id / "thresholds.json").exists()
    assert not list(built["dist"].rglob("model.json"))
