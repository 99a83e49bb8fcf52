"""The release: its files, its accounting, its history, and that a failure never replaces it."""

import csv
import json
import shutil
import sqlite3

import pytest

from publish.errors import BuildError, InputError
from publish.pipeline import DB_NAME, build, current_release
from publish.schemas import output_names


def test_release_holds_database_csvs_package_report_index(built):
    rel = built["release"]
    assert (rel / DB_NAME).exists() and "-" in DB_NAME
    for name in output_names():
        assert (rel / "csv" / f"{name}.csv").exists()
    pkg = json.loads((rel / "datapackage.json").read_text())
    assert {r["name"] for r in pkg["resources"]} == set(output_names())
    assert (rel / "validation-report.json").exists() and (rel / "validation-report.md").exists()
    index = json.loads((rel / "index.json").read_text())
    for key in ("version", "period", "built_at", "rows", "tables"):
        assert key in index
    assert index["synthetic"] is True


def test_rows_reconcile_per_file(built):
    index = json.loads((built["release"] / "index.json").read_text())
    raw = built["raw"]
    for name, r in index["rows"].items():
        with open(raw / f"{name}.csv", newline="", encoding="utf-8") as fh:
            n = sum(1 for _ in csv.DictReader(fh))
        assert r["read"] == n, name
        assert r["read"] == r["used"] + r["quarantined"], name
    assert sum(r["quarantined"] for r in index["rows"].values()) > 0  # the planted unusable rows


def test_csv_equals_database(built):
    rel = built["release"]
    con = sqlite3.connect(rel / DB_NAME)
    for name in output_names():
        with open(rel / "csv" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            n = sum(1 for _ in csv.DictReader(fh))
        assert n == con.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0], name


def test_three_periods_carried_into_the_latest_release(built):
    con = sqlite3.connect(built["release"] / DB_NAME)
    periods = [p for (p,) in con.execute("SELECT DISTINCT period FROM population_by_region ORDER BY 1")]
    assert periods == ["2026-08", "2026-09", "2026-10"]
    assert json.loads((built["release"] / "index.json").read_text())["periods"] == periods


def test_private_files_stay_in_work(built):
    work, dist = built["work"], built["dist"]
    assert (work / "linked_records.csv").exists()
    assert (work / "quarantine").is_dir()
    names = {p.name for p in dist.rglob("*")}
    assert "linked_records.csv" not in names
    assert not any(p.parent.name == "quarantine" for p in dist.rglob("*"))


def test_latest_points_at_newest_release(built):
    assert current_release(built["dist"]) == built["release"].resolve()


def test_failed_build_keeps_latest(built, raw, tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(built["dist"], dist, symlinks=True)
    before = current_release(dist)
    bad = tmp_path / "bad"
    shutil.copytree(raw["2026-10"], bad)
    (bad / "population.csv").write_text("record_id,nik\n1,2\n")
    with pytest.raises(InputError):
        build(bad, dist, tmp_path / "work")
    assert current_release(dist) == before
    assert not [p for p in (dist / "releases").iterdir() if p.name.startswith(".tmp")]


def test_failure_in_the_site_keeps_latest(built, raw, tmp_path):
    """The site is rendered in a thread while the downloads are written: an error in building it
    stops the build, no thread is left running, and nothing half-built is left or served."""
    import threading

    dist = tmp_path / "dist"
    shutil.copytree(built["dist"], dist, symlinks=True)
    before = current_release(dist)
    work = tmp_path / "work"
    work.mkdir()
    (work / "site-src").write_text("a file where the site's sources go: copying them fails")
    with pytest.raises(NotADirectoryError):
        build(raw["2026-10"], dist, work)
    assert current_release(dist) == before
    assert not [p for p in (dist / "releases").iterdir() if p.name.startswith(".tmp")]
    assert not [t for t in threading.enumerate() if t.name.startswith("stage-")]


def test_out_of_memory_names_the_stage_and_the_setting(raw, tmp_path):
    """DuckDB running out of its memory limit is told in both languages with what to change."""
    config = tmp_path / "rules.yml"
    config.write_text("resources:\n  memory_limit: 1MB\n")
    with pytest.raises(BuildError, match="resources.memory_limit") as e:
        build(raw["2026-10"], tmp_path / "dist", tmp_path / "work", config_path=config, site=False)
    assert "Memori habis pada tahap" in str(e.value) and "Out of memory in stage" in str(e.value)
    assert current_release(tmp_path / "dist") is None


def test_quarantine_threshold_stops_the_build(raw, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(raw["2026-10"], bad)
    path = bad / "recipients_bpnt.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows[: len(rows) // 5]:
        r["desa_code"] = "00.00.00.0000"
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(InputError, match="recipients_bpnt"):
        build(bad, tmp_path / "dist", tmp_path / "work", site=False)
    assert current_release(tmp_path / "dist") is None


def test_work_inside_dist_is_refused(raw, tmp_path):
    with pytest.raises(BuildError):
        build(raw["2026-10"], tmp_path / "dist", tmp_path / "dist" / "work", site=False)


def tree_digest(path):
    import hashlib

    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        h.update(str(p.relative_to(path)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def next_month_without_bpnt(built, raw, tmp_path):
    """A copy of the served DIST, and an input for 2026-11 whose BPNT list is empty."""
    dist = tmp_path / "dist"
    shutil.copytree(built["dist"], dist, symlinks=True)
    bad = tmp_path / "bad"
    shutil.copytree(raw["2026-10"], bad)
    desc = json.loads((bad / "datapackage.json").read_text())
    desc["x-period"] = "2026-11"
    (bad / "datapackage.json").write_text(json.dumps(desc))
    header = (bad / "recipients_bpnt.csv").read_text().splitlines()[0]
    (bad / "recipients_bpnt.csv").write_text(header + "\n")
    return dist, bad


def test_vanished_scheme_stops_and_served_release_is_byte_for_byte_unchanged(built, raw, tmp_path):
    dist, bad = next_month_without_bpnt(built, raw, tmp_path)
    served = current_release(dist)
    before = tree_digest(served), (dist / "latest").readlink()
    with pytest.raises(BuildError, match="BPNT"):
        build(bad, dist, tmp_path / "work")
    assert (tree_digest(served), (dist / "latest").readlink()) == before
    assert sorted(p.name for p in (dist / "releases").iterdir()) == sorted(
        p.name for p in (built["dist"] / "releases").iterdir())


def test_assertion_can_be_turned_into_a_warning(built, raw, tmp_path):
    dist, bad = next_month_without_bpnt(built, raw, tmp_path)
    cfg = tmp_path / "rules.yml"
    cfg.write_text("assertions:\n  scheme_vanishes: warn\n")
    result = build(bad, dist, tmp_path / "work", config_path=cfg, site=False)
    assert any(w["assertion"] == "scheme_vanishes" and "BPNT" in w["message_en"] for w in result.index["warnings"])
    assert current_release(dist) == result.release_dir.resolve()


def test_stale_temporary_release_is_cleared(built, raw, tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(built["dist"], dist, symlinks=True)
    stale = dist / "releases" / ".tmp-2026-10-19990101T000000Z"
    stale.mkdir()
    (stale / "half.db").write_bytes(b"partial")
    build(raw["2026-10"], dist, tmp_path / "work", site=False)
    assert not stale.exists()
