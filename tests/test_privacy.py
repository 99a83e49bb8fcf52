"""No NIK, KK, name or birth date from the raw input appears in anything published."""

import csv
import re
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq

from publish.schemas import input_schema


def raw_cells(raw):
    """(column, value, personal?) of every non-empty cell of the raw input's CSV files."""
    for path in raw.glob("*.csv"):
        personal = {f["name"] for f in input_schema(path.stem)["fields"] if f.get("x-personal")}
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for col, v in row.items():
                    if v:
                        yield col, v, col in personal


def raw_identifiers(raw):
    """NIKs and KKs, full names and birth dates found in the personal columns of the raw input."""
    niks, names, dates, public_dates = set(), set(), set(), set()
    for col, v, personal in raw_cells(raw):
        if not personal:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                public_dates.add(v)
        elif re.fullmatch(r"\d{16}", v):
            niks.add(v)
        elif col == "name" and " " in v:
            names.add(v.upper())
        elif col == "birth_date":
            dates.add(v)
    # Dates that public inputs (commitments, milestones, complaint dates) carry are not birth dates.
    return niks, names, dates - public_dates


def published_texts(dist):
    for path in dist.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".db":
            con = sqlite3.connect(path)
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                yield f"{path}:{table}", "\n".join(" | ".join(map(str, row))
                                                   for row in con.execute(f"SELECT * FROM [{table}]"))
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                yield f"{path}:{ws.title}", "\n".join(" | ".join(map(str, row))
                                                     for row in ws.iter_rows(values_only=True))
        elif path.suffix == ".parquet":
            yield str(path), pq.read_table(path).to_pandas().to_csv(index=False)
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                for member in z.namelist():
                    yield f"{path}:{member}", z.read(member).decode("utf-8", errors="replace")
        elif path.suffix in (".png", ".gz", ".woff", ".woff2", ".ico"):
            continue  # the site theme's own images, fonts and compressed copies
        else:
            text = path.read_bytes()
            assert b"\0" not in text[:4096], f"{path}: a binary file type this scan cannot read"
            yield str(path), text.decode("utf-8", errors="replace")


def test_no_identifier_is_published(built):
    niks, names, dates = raw_identifiers(built["raw"])
    assert niks and names and dates
    digits = re.compile(r"\d{15,16}")
    iso = re.compile(r"\d{4}-\d{2}-\d{2}")
    for where, text in published_texts(built["dist"]):
        found = set(digits.findall(text)) & niks
        assert not found, f"NIK/KK in {where}"
        upper = text.upper()
        leaked = [n for n in names if n in upper]
        assert not leaked, f"names {leaked[:3]} in {where}"
        assert not (set(iso.findall(text)) & dates), f"birth date in {where}"


def project_words() -> set[str]:
    """Every word of the project's own text (schemas, catalogue, docs, metadata, page prose): an
    Indonesian word such as HARI (day) may also be a person's name."""
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("schemas/**/*.json"), *root.glob("schemas/*.yml"), *root.glob("docs/*.md"),
             root / "metadata.yml", *root.glob("publish/**/*.py"), *root.glob("publish/**/*.yml"),
             *root.glob("publish/data/*"), *root.glob("publish/templates/*.html"),
             *root.parent.glob("shared/reference/**/*.md"), *root.parent.glob("shared/reference/**/LICENSE*")]
    return {w for f in files if f.is_file()
            for w in re.findall(r"[A-Za-z']{4,}", f.read_text(encoding="utf-8", errors="replace").upper())}


def single_word_names(raw) -> set[str]:
    """Names of one word (about 40% of the synthetic names), less the words that public inputs or the
    project's own text use too (a village, a scheme or a page may share a word with a person)."""
    single, public = set(), set()
    for col, v, personal in raw_cells(raw):
        if col == "name" and personal and re.fullmatch(r"[A-Za-z']{4,}", v.strip()):
            single.add(v.strip().upper())
        elif not personal:
            public |= set(re.findall(r"[A-Za-z']{4,}", v.upper()))
    return single - public - project_words()


def test_no_single_word_name_is_published(built):
    names = single_word_names(built["raw"])
    assert names, "the synthetic input has no one-word names: this test proves nothing"
    words = re.compile(r"[A-Za-z']{4,}")
    for where, text in published_texts(built["dist"]):
        if where.endswith((".js", ".css", ".map", "search-stems.json", "search_index.json")):
            continue  # the theme's code, and search indexes made from the pages scanned here anyway
        leaked = names & set(words.findall(text.upper()))
        assert not leaked, f"one-word names {sorted(leaked)[:5]} in {where}"


def test_no_person_level_table_is_published(built):
    """Every published table is exactly an output schema, and none carries a personal column."""
    from publish.schemas import output_names, output_schema

    con = sqlite3.connect(built["release"] / "bansos-terbuka.db")
    objects = {name: kind for name, kind in con.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert "view" not in objects.values()
    assert set(objects) == set(output_names())
    personal = {"nik", "kk", "birth_date", "complainant_nik", "description", "record_id", "person_key", "family_id"}
    for table in objects:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info([{table}])")]
        assert cols == [f["name"] for f in output_schema(table)["fields"]], table
        assert not set(cols) & personal, table
        assert "name" not in cols or table == "regions", table
