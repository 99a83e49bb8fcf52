"""Site stage: generate the data and commitment pages, then build the MkDocs site.

Pages are written in both languages (`page.md` Indonesian, `page.en.md` English) into
a fresh copy of the hand-written docs, so the repository's docs are never touched.
Commitment pages come from `site_commitments`, release notes and licences from
`site_release_notes`, indicator pages from `site_indicators`; after the build,
`search_stemmed` adds Indonesian stems to the search index.
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

from . import site_figures
from .search_stemmed import stem_search_index
from .site_figures import park
from .site_commitments import (SAFE_ID, Commitment, cell, pick, read_indicators, status_vocabulary, table, text,
                               write_commitment_pages)
from .site_release_notes import write_licences_page, write_release_notes

LANGS = ("id", "en")
DATASETTE_DB = "/bansos-terbuka"

# Nav section titles: Indonesian in the nav itself, English via nav_translations.
SECTIONS = {
    "tables": {"id": "Tabel data", "en": "Data tables"},
    "commitments": {"id": "Pemantauan komitmen", "en": "Commitment tracker"},
    "quality": {"id": "Mutu data", "en": "Data quality"},
    "indicators": {"id": "Indikator", "en": "Indicators"},
    "release": {"id": "Rilis dan lisensi", "en": "Release and licences"},
}

VALIDATION_TEXT = {
    "id": {
        "title": "Validasi data masukan",
        "intro": ("Setiap baris masukan diperiksa terhadap Table Schema-nya dan aturan domain (struktur NIK/KK, "
                  "tanggal, besaran program). Tidak ada baris yang hilang: dibaca = dipakai + dikarantina. "
                  "Baris yang dikarantina disimpan terpisah (tidak diterbitkan) beserta alasannya agar dapat diperbaiki."),
        "files": "Baris per berkas pada rilis ini",
        "file_head": ("Berkas", "Dibaca", "Dipakai", "Dikarantina", "Ditandai"),
        "broken": "Aturan yang dilanggar pada rilis ini",
        "broken_head": ("Berkas", "Kolom", "Aturan", "Baris", "Tindakan"),
        "none": "Tidak ada.",
        "rules": "Daftar aturan",
        "rules_head": ("Kode", "Arti", "Tindakan"),
        "actions": {"stop": "build berhenti", "quarantine": "baris dikarantina",
                    "flag": "baris dipakai dan ditandai"},
        "warnings": "Peringatan pemeriksaan data",
        "flag_note": "Aturan skema pada kolom NIK dan KK menandai baris (tidak mengarantina): NIK yang rusak justru diukur indikator.",
    },
    "en": {
        "title": "Validation of the input data",
        "intro": ("Every input row is checked against its Table Schema and the domain rules (NIK/KK structure, "
                  "dates, scheme rates). No row is lost: read = used + quarantined. Quarantined rows are kept "
                  "apart (never published) with their reasons so that they can be fixed."),
        "files": "Rows per file in this release",
        "file_head": ("File", "Read", "Used", "Quarantined", "Flagged"),
        "broken": "Rules broken in this release",
        "broken_head": ("File", "Column", "Rule", "Rows", "Action"),
        "none": "None.",
        "rules": "The rules",
        "rules_head": ("Code", "Meaning", "Action"),
        "actions": {"stop": "the build stops", "quarantine": "the row is quarantined",
                    "flag": "the row is used and flagged"},
        "warnings": "Data assertion warnings",
        "flag_note": "Schema rules on the NIK and KK columns flag the row instead of quarantining it: a broken NIK is what the indicators measure.",
    },
}

TEXT = {
    "id": {
        "tables_title": "Tabel data",
        "tables_intro": ("Kamus data: semua tabel yang diterbitkan pada rilis ini. Halaman setiap tabel "
                         "menjelaskan arti, tipe dan satuan setiap kolomnya."),
        "release": "Rilis {release_id} (versi {version}), periode data {period}, dibuat {built_at}.",
        "synthetic": "Data pada rilis ini sintetis: tidak menggambarkan orang sungguhan.",
        "table": "Tabel",
        "rows": "Baris",
        "row_count": "Jumlah baris pada rilis ini: **{rows}**.",
        "fields": "Kolom",
        "field_head": ("Nama", "Tipe", "Satuan", "Judul", "Keterangan"),
        "primary_key": "Kunci utama",
        "browse": "Buka di Datasette",
        "csv": "Unduh seluruh tabel",
        "suppressed": (
            "Kolom `*_status` berisi `published` bila angka diterbitkan, atau `suppressed` "
            "bila angka disembunyikan (dikosongkan) untuk melindungi kelompok kecil: "
            "jumlah 1 sampai 4 tidak diterbitkan; nol tetap diterbitkan."
        ),
    },
    "en": {
        "tables_title": "Data tables",
        "tables_intro": ("Data dictionary: every table published in this release. Each table's page "
                         "explains what each column means, its type and its unit."),
        "release": "Release {release_id} (version {version}), data period {period}, built {built_at}.",
        "synthetic": "The data in this release is synthetic: it does not describe real people.",
        "table": "Table",
        "rows": "Rows",
        "row_count": "Rows in this release: **{rows}**.",
        "fields": "Fields",
        "field_head": ("Name", "Type", "Unit", "Title", "Description"),
        "primary_key": "Primary key",
        "browse": "Browse in Datasette",
        "csv": "Download the whole table",
        "suppressed": (
            "A `*_status` column holds `published` when the number is published, or "
            "`suppressed` when the number is hidden (left empty) to protect small groups: "
            "counts from 1 to 4 are not published; zeros are."
        ),
    },
}


# --- public API -------------------------------------------------------------------


def build_site(release_dir: Path, work_dir: Path, repo_root: Path | None = None,
               config: dict | None = None) -> Path:
    """Generate data pages from schemas and the release, run mkdocs build --strict, write release_dir/'site'. Returns that path.

    `config` is the build's configuration (publish/defaults.yml when not given): the site takes the
    milestone status vocabulary from it.
    """
    return render_site(write_site_sources(release_dir, work_dir, repo_root, config), release_dir)


def write_site_sources(release_dir: Path, work_dir: Path, repo_root: Path | None = None,
                       config: dict | None = None) -> Path:
    """The site's sources in work_dir/site-src: docs/ with the pages generated from the schemas
    and the release. Returns the mkdocs.yml to render."""
    release_dir, work_dir = Path(release_dir), Path(work_dir)
    repo_root = Path(repo_root) if repo_root else Path(__file__).resolve().parent.parent
    if config is None:
        config = yaml.safe_load((Path(__file__).parent / "defaults.yml").read_text(encoding="utf-8"))
    vocab = status_vocabulary(config, repo_root)
    src = copy_sources(repo_root, (work_dir / "site-src").resolve())
    docs = src / "docs"
    index = json.loads((release_dir / "index.json").read_text(encoding="utf-8"))
    db = release_dir / index.get("database", "bansos-terbuka.db")

    schemas = published_schemas(repo_root / "schemas" / "output", index)
    write_table_pages(docs, schemas, index)
    commitments = read_commitments(db)
    write_validation_pages(docs, release_dir, index)
    from .site_indicators import write_indicator_pages, write_linkage_page, write_protection_page

    indicator_pages = write_indicator_pages(docs, release_dir, index, write_page, cell, table,
                                            {c.row["commitment_id"] for c in commitments})
    write_linkage_page(docs, index, write_page, table)
    write_protection_page(docs, index, write_page, table)
    # After the indicator pages: a commitment page links only to indicator pages that exist.
    indicators, values = read_indicators(db, index["period"])
    commitment_pages = write_commitment_pages(docs, commitments, period_end(index["period"]), vocab,
                                              indicators, values, index, write_page)
    write_release_notes(docs, release_dir, index, write_page, vocab)
    write_licences_page(docs, release_dir, index, schemas, write_page)
    extend_config(src / "mkdocs.yml", {
        "indicators": indicator_pages,
        "tables": ["tables/index.md"] + [f"tables/{name}.md" for name in schemas],
        "commitments": commitment_pages,
        "quality": ["validation.md", "linkage.md", "protection.md"],
        "release": ["release-notes.md", "licences.md"],
    })
    return src / "mkdocs.yml"


def render_site(config_path: Path, release_dir: Path) -> Path:
    """MkDocs over the written sources, into release_dir/'site', then the stems for search."""
    site = run_mkdocs(Path(config_path), (Path(release_dir) / "site").resolve())
    stem_search_index(site, LANGS[1:])
    return site


# --- inputs -----------------------------------------------------------------------


def copy_sources(repo_root: Path, src: Path) -> Path:
    """Fresh copy of docs/ and mkdocs.yml, so stale generated pages never linger."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    shutil.copytree(repo_root / "docs", src / "docs")
    shutil.copy2(repo_root / "mkdocs.yml", src / "mkdocs.yml")
    return src


def published_schemas(schema_dir: Path, index: dict) -> dict[str, dict]:
    """Schemas of the tables this release publishes (listed in index.json), by name."""
    released = index.get("tables", {})
    schemas = {}
    for path in sorted(schema_dir.glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        if name in released:
            schemas[name] = json.loads(path.read_text(encoding="utf-8"))
    missing = sorted(set(released) - set(schemas))
    if missing:
        # Every published table gets a data-dictionary page, made from its schema.
        raise ValueError(f"tabel tanpa Table Schema di {schema_dir} / published tables without a Table Schema: {missing}")
    return schemas


def read_commitments(db_path: Path) -> list[Commitment]:
    """Commitments with their milestones, in a stable order."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT * FROM commitments ORDER BY commitment_id")]
        milestones = [dict(r) for r in con.execute(
            "SELECT * FROM milestones ORDER BY commitment_id, milestone_no")]
    finally:
        con.close()
    result = []
    for row in rows:
        if not SAFE_ID.match(str(row["commitment_id"])):
            # The id becomes a file name.
            raise ValueError(f"unsafe commitment_id: {row['commitment_id']!r}")
        own = [m for m in milestones if m["commitment_id"] == row["commitment_id"]]
        result.append(Commitment(row, own))
    return result


def period_end(period: str) -> date:
    """Last day of a YYYY-MM data period."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


# --- Markdown helpers -------------------------------------------------------------


# text, cell, table and pick come from site_commitments (plain text only, no HTML from the data).


def write_page(docs: Path, page: str, lang: str, content: str) -> None:
    """Write page.md (Indonesian) or page.en.md (English)."""
    path = docs / (f"{page}.md" if lang == "id" else f"{page}.{lang}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(park(docs, content).rstrip() + "\n", encoding="utf-8")


# --- table pages ------------------------------------------------------------------


def write_table_pages(docs: Path, schemas: dict[str, dict], index: dict) -> None:
    for lang in LANGS:
        write_page(docs, "tables/index", lang, tables_index_page(schemas, index, lang))
        for name, schema in schemas.items():
            write_page(docs, f"tables/{name}", lang, table_page(name, schema, index, lang))


def release_line(index: dict, lang: str) -> str:
    fields = {k: index.get(k, "") for k in ("release_id", "version", "period", "built_at")}
    return TEXT[lang]["release"].format(**fields)


def tables_index_page(schemas: dict[str, dict], index: dict, lang: str) -> str:
    t = TEXT[lang]
    rows = [
        (f"[{cell(schema_title(s, name, lang))}]({name}.md)", f"`{name}`",
         cell(index["tables"].get(name, "")))
        for name, s in schemas.items()
    ]
    parts = [f"# {t['tables_title']}", t["tables_intro"], release_line(index, lang)]
    if index.get("synthetic"):
        parts.append(t["synthetic"])
    parts += [table((t["table"], t["field_head"][0], t["rows"]), rows), t["suppressed"]]
    return "\n\n".join(parts)


def schema_title(schema: dict, name: str, lang: str) -> str:
    return pick(schema, lang, "x-title-id", "x-title") or name


def table_page(name: str, schema: dict, index: dict, lang: str) -> str:
    t = TEXT[lang]
    keys = schema.get("primaryKey", [])
    keys = [keys] if isinstance(keys, str) else keys
    parts = [
        f"# {text(schema_title(schema, name, lang))}",
        text(pick(schema, lang, "x-description-id", "x-description")),
        t["row_count"].format(rows=text(index["tables"].get(name, ""))),
        f"- [{t['browse']}]({DATASETTE_DB}/{name})\n"
        f"- {t['csv']}: [CSV](/downloads/csv/{name}.csv) · [CSV (Excel)](/downloads/csv-excel/{name}.csv) · "
        f"[XLSX](/downloads/xlsx/{name}.xlsx) · [Parquet](/downloads/parquet/{name}.parquet) · "
        f"[Table Schema](/downloads/schemas/{name}.schema.json)",
        f"## {t['fields']}",
        table(t["field_head"], [field_row(f, lang) for f in schema.get("fields", [])]),
    ]
    if keys:
        parts.append(f"{t['primary_key']}: " + ", ".join(f"`{k}`" for k in keys))
    if any(f["name"].endswith("_status") for f in schema.get("fields", [])):
        parts.append(t["suppressed"])
    defined = [f for f in schema.get("fields", []) if f.get("x-definition")]
    if defined:
        head, intro = DEFINITIONS[lang]
        parts += [f"## {head}", intro, "\n".join(
            f"- `{f['name']}`: {text(pick(f['x-definition'], lang, 'text_id', 'text'))}" for f in defined)]
    return "\n\n".join(parts)


# The definitions beside each measure (x-definition) are what the disclosure audit derives its
# relations from: the page says so, so that a reader knows every relation is known to it.
DEFINITIONS = {
    "id": ("Definisi", "Apa yang dihitung setiap angka dan hubungannya dengan angka lain. Audit perlindungan "
                       "memakai semua hubungan ini (lihat [Perlindungan data](../protection.md))."),
    "en": ("Definitions", "What each figure counts and how it relates to others. The disclosure audit uses every "
                          "one of these relations (see [Data protection](../protection.md))."),
}


def field_row(field: dict, lang: str) -> tuple[str, ...]:
    return (
        f"`{cell(field['name'])}`",
        cell(field.get("type", "")),
        cell(field.get("unit", "")),
        cell(pick(field, lang, "title_id", "title")),
        cell(pick(field, lang, "description_id", "description")),
    )


# --- config and build -------------------------------------------------------------


def write_validation_pages(docs: Path, release_dir: Path, index: dict) -> None:
    """The validation page: this release's row accounting and the catalogue of rules."""
    from .errors import RULES, rule_action

    report_path = release_dir / "validation-report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {"files": []}
    for lang in LANGS:
        t = VALIDATION_TEXT[lang]
        files = [tuple(map(cell, (f["path"], f["read"], f["used"], f["quarantined"], f["flagged"])))
                 for f in report["files"]]
        broken = [tuple(map(cell, (f["path"], e["column"] or "", e["rule"], e["rows"],
                                   t["actions"].get(e["action"], e["action"]))))
                  for f in report["files"] for e in f["errors"]]
        rules = [(f"`{code}`", cell(texts[0 if lang == "id" else 1].format_map(_Blank())),
                  t["actions"][rule_action(code)]) for code, texts in sorted(RULES.items())]
        parts = [f"# {t['title']}", "", t["intro"], "", release_line(index, lang), "",
                 f"## {t['files']}", "", table(t["file_head"], files) if files else t["none"], "",
                 f"## {t['broken']}", "", table(t["broken_head"], broken) if broken else t["none"], ""]
        warnings = index.get("warnings") or []
        if warnings:
            parts += [f"## {t['warnings']}", ""] + [f"- `{w['assertion']}`: {text(w['message_' + lang])}" for w in warnings] + [""]
        parts += [f"## {t['rules']}", "", t["flag_note"], "", table(t["rules_head"], rules), ""]
        write_page(docs, "validation", lang, "\n".join(parts))


class _Blank(dict):
    """Leave the {placeholders} of a rule text visible as '…' in the catalogue."""

    def __missing__(self, key):
        return "…"


def extend_config(config_path: Path, sections: dict[str, list[str]]) -> None:
    """Append the generated sections to the nav and translate their titles."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.setdefault("hooks", []).append(str(Path(site_figures.__file__).resolve()))
    nav = config.setdefault("nav", [])
    for key, pages in sections.items():
        nav.append({SECTIONS[key]["id"]: pages})
    for language in i18n_languages(config):
        if language.get("locale") != "id":
            translations = language.setdefault("nav_translations", {}) or {}
            language["nav_translations"] = translations
            for key in sections:
                translations[SECTIONS[key]["id"]] = SECTIONS[key][language["locale"]]
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")


def i18n_languages(config: dict) -> list[dict]:
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "i18n" in plugin:
            return plugin["i18n"].get("languages", [])
    return []


def run_mkdocs(config_path: Path, site_dir: Path) -> Path:
    """Build in a subprocess so a broken site fails loudly with mkdocs' own message."""
    # Silence Material's end-of-life banner so errors are easy to read.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict",
         "-f", str(config_path), "-d", str(site_dir)],
        capture_output=True, text=True, env=env,
    )
    if result.returncode != 0:
        # Warnings first: in strict mode they are the reason, buried among INFO lines.
        problems = [line for line in result.stderr.splitlines()
                    if line.startswith(("WARNING", "ERROR"))]
        raise RuntimeError("mkdocs build failed:\n" + "\n".join(problems)
                           + "\n\n" + result.stderr)
    # MkDocs' sitemaps need a fixed site_url, which a release served on any host cannot have:
    # the server's own /sitemap.xml lists the pages instead.
    for sitemap in site_dir.rglob("sitemap.xml*"):
        sitemap.unlink()
    return site_dir
