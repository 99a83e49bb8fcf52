"""Site stage: generate the data and commitment pages, then build the MkDocs site.

Pages are written in both languages (`page.md` Indonesian, `page.en.md` English) into
a fresh copy of the hand-written docs, so the repository's docs are never touched.
"""

from __future__ import annotations

import calendar
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

LANGS = ("id", "en")
DATASETTE_DB = "/bansos-terbuka"
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

# Nav section titles: Indonesian in the nav itself, English via nav_translations.
SECTIONS = {
    "tables": {"id": "Tabel data", "en": "Data tables"},
    "commitments": {"id": "Pemantauan komitmen", "en": "Commitment tracker"},
    "quality": {"id": "Mutu data", "en": "Data quality"},
    "indicators": {"id": "Indikator", "en": "Indicators"},
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
        "tables_intro": "Semua tabel yang diterbitkan pada rilis ini.",
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
        "commitments_title": "Pemantauan komitmen",
        "commitments_intro": "Komitmen Open Government Partnership yang dipantau situs ini.",
        "commitment_head": ("Id", "Judul", "Wilayah", "Mulai", "Selesai"),
        "national": "nasional",
        "period": "Masa komitmen",
        "region": "Wilayah",
        "ogp_value": "Nilai OGP",
        "institutions": "Lembaga",
        "problem": "Masalah",
        "source": "Sumber: halaman komitmen di situs OGP",
        "milestones": "Tonggak",
        "milestone_head": ("No", "Judul", "Mulai", "Selesai", "Status", "Status diperbarui", "Bukti"),
        "evidence": "bukti",
        "no_milestones": "Belum ada tonggak.",
        "overdue": "Terlambat",
        "overdue_title": "Tonggak terlambat",
        "overdue_intro": "Tonggak yang tenggatnya sebelum akhir periode data ({end}) tetapi belum selesai:",
        "milestone_note": "Status tonggak pada demo ini sintetis, bukan penilaian OGP yang sebenarnya.",
        "status": {
            "not_started": "belum mulai",
            "in_progress": "berjalan",
            "stuck": "macet",
            "finished": "selesai",
            "incomplete": "tidak tuntas",
        },
    },
    "en": {
        "tables_title": "Data tables",
        "tables_intro": "Every table published in this release.",
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
        "commitments_title": "Commitment tracker",
        "commitments_intro": "The Open Government Partnership commitments this site follows.",
        "commitment_head": ("Id", "Title", "Region", "Start", "End"),
        "national": "national",
        "period": "Commitment period",
        "region": "Region",
        "ogp_value": "OGP value",
        "institutions": "Institutions",
        "problem": "Problem",
        "source": "Source: the commitment's page on the OGP website",
        "milestones": "Milestones",
        "milestone_head": ("No", "Title", "Start", "End", "Status", "Status updated", "Evidence"),
        "evidence": "evidence",
        "no_milestones": "No milestones yet.",
        "overdue": "Overdue",
        "overdue_title": "Overdue milestones",
        "overdue_intro": "Milestones due before the end of the data period ({end}) that are not finished:",
        "milestone_note": "Milestone statuses in this demo are synthetic, not a real OGP assessment.",
        "status": {
            "not_started": "not started",
            "in_progress": "in progress",
            "stuck": "stuck",
            "finished": "finished",
            "incomplete": "incomplete",
        },
    },
}


@dataclass
class Commitment:
    row: dict
    milestones: list[dict]


# --- public API -------------------------------------------------------------------


def build_site(release_dir: Path, work_dir: Path, repo_root: Path | None = None) -> Path:
    """Generate data pages from schemas and the release, run mkdocs build --strict, write release_dir/'site'. Returns that path."""
    release_dir, work_dir = Path(release_dir), Path(work_dir)
    repo_root = Path(repo_root) if repo_root else Path(__file__).resolve().parent.parent
    src = copy_sources(repo_root, (work_dir / "site-src").resolve())
    docs = src / "docs"
    index = json.loads((release_dir / "index.json").read_text(encoding="utf-8"))

    schemas = published_schemas(repo_root / "schemas" / "output", index)
    write_table_pages(docs, schemas, index)
    commitments = read_commitments(release_dir / index.get("database", "bansos-terbuka.db"))
    write_commitment_pages(docs, commitments, period_end(index["period"]))
    write_validation_pages(docs, release_dir, index)
    from .site_indicators import write_indicator_pages, write_linkage_page, write_protection_page

    indicator_pages = write_indicator_pages(docs, release_dir, index, write_page, cell, table,
                                            {c.row["commitment_id"] for c in commitments})
    write_linkage_page(docs, index, write_page, table)
    write_protection_page(docs, index, write_page, table)
    extend_config(src / "mkdocs.yml", {
        "indicators": indicator_pages,
        "tables": ["tables/index.md"] + [f"tables/{name}.md" for name in schemas],
        "commitments": ["commitments/index.md"]
        + [f"commitments/{c.row['commitment_id']}.md" for c in commitments],
        "quality": ["validation.md", "linkage.md", "protection.md"],
    })
    return run_mkdocs(src / "mkdocs.yml", (release_dir / "site").resolve())


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
        if not SAFE_NAME.match(str(row["commitment_id"])):
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


def text(value) -> str:
    """Plain text for Markdown: no raw HTML from the data gets through."""
    return html.escape("" if value is None else str(value), quote=False)


def cell(value) -> str:
    """Text safe inside a Markdown table cell."""
    return text(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def table(head, rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def link(label: str, url) -> str:
    """A Markdown link for http(s) URLs only; anything else is shown as text."""
    url = "" if url is None else str(url).strip()
    if not url.startswith(("http://", "https://")):
        return text(url)
    # Percent-encode what would end the link or split a table cell.
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("|", "%7C")):
        url = url.replace(char, code)
    return f"[{label}]({url})"


def pick(item: dict, lang: str, id_key: str, en_key: str) -> str:
    """Value in the page's language, falling back to the other one."""
    first, second = (id_key, en_key) if lang == "id" else (en_key, id_key)
    return item.get(first) or item.get(second) or ""


def write_page(docs: Path, page: str, lang: str, content: str) -> None:
    """Write page.md (Indonesian) or page.en.md (English)."""
    path = docs / (f"{page}.md" if lang == "id" else f"{page}.{lang}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content.rstrip() + "\n", encoding="utf-8")


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
    return "\n\n".join(parts)


def field_row(field: dict, lang: str) -> tuple[str, ...]:
    return (
        f"`{cell(field['name'])}`",
        cell(field.get("type", "")),
        cell(field.get("unit", "")),
        cell(pick(field, lang, "title_id", "title")),
        cell(pick(field, lang, "description_id", "description")),
    )


# --- commitment pages -------------------------------------------------------------


def write_commitment_pages(docs: Path, commitments: list[Commitment], end: date) -> None:
    for lang in LANGS:
        write_page(docs, "commitments/index", lang, commitments_index_page(commitments, lang))
        for c in commitments:
            write_page(docs, f"commitments/{c.row['commitment_id']}", lang,
                       commitment_page(c, end, lang))


def commitments_index_page(commitments: list[Commitment], lang: str) -> str:
    t = TEXT[lang]
    rows = [
        (f"[{cell(c.row['commitment_id'])}]({c.row['commitment_id']}.md)",
         cell(pick(c.row, lang, "title_id", "title_en")),
         cell(c.row.get("region_code") or t["national"]),
         cell(c.row.get("start_date")), cell(c.row.get("end_date")))
        for c in commitments
    ]
    return "\n\n".join([f"# {t['commitments_title']}", t["commitments_intro"],
                        table(t["commitment_head"], rows), t["milestone_note"]])


def is_overdue(milestone: dict, end: date) -> bool:
    """Due before the end of the data period and not finished."""
    try:
        due = date.fromisoformat(str(milestone.get("end_date")))
    except ValueError:
        return False
    return due < end and milestone.get("status") != "finished"


def status_label(milestone: dict, lang: str) -> str:
    status = milestone.get("status") or ""
    return TEXT[lang]["status"].get(status, status)


def milestone_row(m: dict, end: date, lang: str) -> tuple[str, ...]:
    t = TEXT[lang]
    status = cell(status_label(m, lang))
    if is_overdue(m, end):
        status += f" — **{t['overdue']}**"
    evidence = link(t["evidence"], m.get("evidence_url")) if m.get("evidence_url") else ""
    return (cell(m.get("milestone_no")), cell(pick(m, lang, "title_id", "title_en")),
            cell(m.get("start_date")), cell(m.get("end_date")), status,
            cell(m.get("status_updated")), evidence)


def commitment_page(c: Commitment, end: date, lang: str) -> str:
    t, row = TEXT[lang], c.row
    institutions = [i.strip() for i in (row.get("institutions") or "").split(";") if i.strip()]
    parts = [
        f"# {text(pick(row, lang, 'title_id', 'title_en'))}",
        f"- Id: `{text(row['commitment_id'])}`\n"
        f"- {t['region']}: {text(row.get('region_code') or t['national'])}\n"
        f"- {t['period']}: {text(row.get('start_date'))} – {text(row.get('end_date'))}\n"
        f"- {t['ogp_value']}: {text(row.get('ogp_value'))}",
        f"## {t['problem']}",
        text(pick(row, lang, "problem_id", "problem_en")),
    ]
    if institutions:
        parts += [f"## {t['institutions']}", "\n".join(f"- {text(i)}" for i in institutions)]
    parts.append(link(t["source"], row.get("source_url")))
    parts += [f"## {t['milestones']}", milestones_section(c.milestones, end, lang)]
    return "\n\n".join(parts)


def milestones_section(milestones: list[dict], end: date, lang: str) -> str:
    t = TEXT[lang]
    if not milestones:
        return f"{t['no_milestones']}\n\n{t['milestone_note']}"
    parts = [table(t["milestone_head"], [milestone_row(m, end, lang) for m in milestones])]
    overdue = [m for m in milestones if is_overdue(m, end)]
    if overdue:
        items = "\n".join(
            f"- {t['milestone_head'][0]} {text(m.get('milestone_no'))}: "
            f"{text(pick(m, lang, 'title_id', 'title_en'))} "
            f"({text(m.get('end_date'))}, {text(status_label(m, lang))})"
            for m in overdue)
        parts += [f"### {t['overdue_title']}", t["overdue_intro"].format(end=end.isoformat()),
                  items]
    parts.append(f"!!! note\n    {t['milestone_note']}")
    return "\n\n".join(parts)


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
    return site_dir
