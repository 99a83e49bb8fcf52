"""Site stage: generated pages in both languages, and the hand-written docs build strictly."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # lets plain `pytest` find the publish package
    sys.path.insert(0, str(REPO))

from publish.site import build_site  # noqa: E402

COMMITMENT = "IDWSB0005"
TITLE_ID = "Penguatan Perlindungan | Kelompok Rentan"
TITLE_EN = "Strengthening Protection | Vulnerable Groups"
SCHEMAS = sorted(p.name.removesuffix(".schema.json")
                 for p in (REPO / "schemas" / "output").glob("*.schema.json"))


def make_release(release_dir: Path) -> None:
    release_dir.mkdir()
    index = {
        "release_id": "2026-10-20261201T172500Z", "version": "0.1.0", "period": "2026-10",
        "periods": ["2026-08", "2026-09", "2026-10"], "built_at": "2026-12-01T17:25:00Z",
        "regency": {"code": "52.07", "name": "Kabupaten Sumbawa Barat"}, "synthetic": True,
        "database": "bansos-terbuka.db",
        "tables": {name: 7 for name in SCHEMAS},
        "rows": {"population": {"read": 100, "used": 99, "quarantined": 1}},
    }
    index["tables"]["regions"] = 76
    (release_dir / "index.json").write_text(json.dumps(index))
    con = sqlite3.connect(release_dir / "bansos-terbuka.db")
    con.execute("CREATE TABLE commitments (commitment_id, title_en, title_id, region_code,"
                " start_date, end_date, ogp_value, institutions, problem_en, problem_id,"
                " source_url)")
    con.execute("CREATE TABLE milestones (commitment_id, milestone_no, title_en, title_id,"
                " start_date, end_date, status, status_updated, evidence_url)")
    con.execute("INSERT INTO commitments VALUES (?,?,?,?,?,?,?,?,?,?,?)", (
        COMMITMENT, TITLE_EN, TITLE_ID, "52.07", "2021-08-01", "2027-11-30",
        "Civic Participation", "Social Office;Fitra NTB", "Data not integrated.",
        "Data belum terintegrasi.",
        "https://www.opengovpartnership.org/members/west-sumbawa-indonesia/commitments/IDWSB0005/"))
    con.executemany("INSERT INTO milestones VALUES (?,?,?,?,?,?,?,?,?)", [
        # Due before the end of 2026-10 and not finished: overdue.
        (COMMITMENT, 1, "Poverty map per region", "Peta kemiskinan per wilayah",
         "2021-08-01", "2022-06-30", "in_progress", "2026-09-15", ""),
        # Due after the period: not overdue.
        (COMMITMENT, 2, "Gotong Royong agents", "Agen Gotong Royong",
         "2026-01-01", "2027-06-30", "not_started", "2026-09-15", "https://example.org/a|b"),
    ])
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("release")
    release = base / "release"
    make_release(release)
    result = build_site(release, base / "work", REPO)
    assert result == (release / "site").resolve()
    return result


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [
    "index.html", "en/index.html", "methodology.html", "en/methodology.html",
    "tables/index.html", "en/tables/index.html", "tables/regions.html",
    "en/tables/regions.html", "commitments/index.html", "en/commitments/index.html",
    f"commitments/{COMMITMENT}.html", f"en/commitments/{COMMITMENT}.html",
])
def test_pages_exist_with_notice(site, page):
    html = read(site, page)
    assert "Data sintetis — bukan data orang sungguhan" in html
    assert "Synthetic data — not real people" in html


def test_every_schema_has_a_page(site):
    for name in SCHEMAS:
        assert (site / "tables" / f"{name}.html").exists()
        assert (site / "en" / "tables" / f"{name}.html").exists()


def test_table_page_content(site):
    id_page, en_page = read(site, "tables/regions.html"), read(site, "en/tables/regions.html")
    assert "Wilayah (kode Kemendagri)" in id_page and "Kode wilayah" in id_page
    assert "Regions (Kemendagri codes)" in en_page and "Region code" in en_page
    assert "76" in id_page
    assert 'href="/bansos-terbuka/regions"' in en_page
    for fmt in ('csv/regions.csv', 'csv-excel/regions.csv', 'xlsx/regions.xlsx', 'parquet/regions.parquet'):
        assert f'href="/downloads/{fmt}"' in en_page and f'href="/downloads/{fmt}"' in id_page


def test_suppression_explained(site):
    html = read(site, "en/tables/complaints_by_region.html")
    assert "suppressed" in html and "protect small groups" in html


def test_commitment_pages(site):
    id_page = read(site, f"commitments/{COMMITMENT}.html")
    en_page = read(site, f"en/commitments/{COMMITMENT}.html")
    # The pipe in the title must not break the Markdown.
    assert TITLE_ID in id_page and TITLE_EN in en_page
    assert "Terlambat" in id_page and "Overdue" in en_page
    assert "Peta kemiskinan per wilayah" in id_page
    assert "synthetic" in en_page
    assert "opengovpartnership.org" in en_page
    # The overdue list runs to the next section (the indicators that measure the commitment).
    overdue = en_page.split('id="overdue-milestones"', 1)[1].split("<h2", 1)[0]
    assert "Poverty map per region" in overdue and "Gotong Royong agents" not in overdue
    assert "%7C" in en_page  # evidence URL escaped inside the table


def test_nav_translated(site):
    assert "Data tables" in read(site, "en/index.html")
    assert "Tabel data" in read(site, "index.html")


def test_repo_docs_build_strict(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict",
         "-f", str(REPO / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "en" / "index.html").exists()
