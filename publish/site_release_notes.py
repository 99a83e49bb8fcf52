"""Release notes (what changed since the previous release) and the licences / data dictionary page.

The notes compare this release's `index.json` and database with those of the release it replaces:
`index.json` names it in `previous_release`, and releases sit side by side in `dist/releases/`,
so the previous one is a sibling of the folder being built.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .site_commitments import SAFE_ID, cell, number, pick, table, text

LANGS = ("id", "en")
TOLERANCE = 1e-9  # relative: two values closer than this are the same value

TEXT = {
    "id": {
        "title": "Catatan rilis",
        "this": "Rilis {release_id} (versi {version}), periode data {period}, dibuat {built_at}.",
        "first": "Ini rilis pertama: belum ada rilis sebelumnya, jadi tidak ada yang dapat dibandingkan.",
        "missing": "Rilis sebelumnya ({previous}) tidak ada lagi di folder rilis, jadi tidak ada yang dapat dibandingkan.",
        "compared": "Dibandingkan dengan rilis sebelumnya, {previous} (periode data {period}, dibuat {built_at}).",
        "periods": "Periode",
        "periods_added": "Periode baru: {periods}.",
        "no_periods_added": "Tidak ada periode baru.",
        "periods_removed": "Periode yang tidak ada lagi: {periods}.",
        "periods_now": "Periode dalam rilis ini: {periods}.",
        "tables": "Baris per tabel",
        "tables_head": ("Tabel", "Sebelumnya", "Sekarang", "Selisih"),
        "new": "baru",
        "gone": "tidak ada lagi",
        "inputs": "Baris masukan dan perlindungan",
        "inputs_head": ("", "Sebelumnya", "Sekarang", "Selisih"),
        "read": "Baris dibaca",
        "quarantined": "Baris dikarantina",
        "hidden_share": "Bagian sel tersembunyi",
        "points": "{sign}{value} poin persen",
        "moved": "Nilai indikator kabupaten yang berubah",
        "moved_intro": "{n} dari {total} nilai kabupaten berubah dari periode {before} ke periode {after}.",
        "moved_head": ("Indikator", "Rincian", "Sebelumnya", "Sekarang", "Perubahan"),
        "no_moved": "Tidak ada nilai indikator kabupaten yang berubah (dari {total} nilai).",
        "hidden": "tersembunyi",
        "not_applicable": "tidak berlaku (penyebut 0)",
        "absent": "tidak ada",
        "milestones": "Perubahan status tonggak",
        "milestones_head": ("Komitmen", "Tonggak", "Sebelumnya", "Sekarang", "Status diperbarui"),
        "no_milestones": "Tidak ada status tonggak yang berubah.",
        "none": "—",
    },
    "en": {
        "title": "Release notes",
        "this": "Release {release_id} (version {version}), data period {period}, built {built_at}.",
        "first": "This is the first release: there is no previous release, so there is nothing to compare.",
        "missing": "The previous release ({previous}) is no longer in the releases folder, so there is nothing to compare.",
        "compared": "Compared with the previous release, {previous} (data period {period}, built {built_at}).",
        "periods": "Periods",
        "periods_added": "New periods: {periods}.",
        "no_periods_added": "No new period.",
        "periods_removed": "Periods no longer present: {periods}.",
        "periods_now": "Periods in this release: {periods}.",
        "tables": "Rows per table",
        "tables_head": ("Table", "Before", "Now", "Change"),
        "new": "new",
        "gone": "no longer published",
        "inputs": "Input rows and protection",
        "inputs_head": ("", "Before", "Now", "Change"),
        "read": "Rows read",
        "quarantined": "Rows quarantined",
        "hidden_share": "Share of cells hidden",
        "points": "{sign}{value} percentage points",
        "moved": "Regency indicator values that moved",
        "moved_intro": "{n} of {total} regency values changed from period {before} to period {after}.",
        "moved_head": ("Indicator", "Breakdown", "Before", "Now", "Change"),
        "no_moved": "No regency indicator value changed (of {total} values).",
        "hidden": "hidden",
        "not_applicable": "not applicable (denominator 0)",
        "absent": "absent",
        "milestones": "Milestone status changes",
        "milestones_head": ("Commitment", "Milestone", "Before", "Now", "Status updated"),
        "no_milestones": "No milestone status changed.",
        "none": "—",
    },
}


# --- the comparison --------------------------------------------------------------------


def _connect(db: Path) -> sqlite3.Connection | None:
    if not db.exists():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    return con


def _rows(con: sqlite3.Connection | None, table_name: str, sql: str, params=()) -> list[dict]:
    if con is None or not con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table_name]).fetchone():
        return []
    return [dict(r) for r in con.execute(sql, params)]


def regency_values(con, period: str) -> dict[tuple[str, str], dict]:
    """(indicator_id, breakdown) -> {value, status, unit} at level kabupaten for one period."""
    rows = _rows(con, "indicator_values",
                 "SELECT indicator_id, breakdown, value, status, unit FROM indicator_values "
                 "WHERE level = 'kabupaten' AND period = ?", [period])
    return {(r["indicator_id"], r["breakdown"]): r for r in rows}


def milestone_statuses(con) -> dict[tuple[str, int], dict]:
    rows = _rows(con, "milestones", "SELECT commitment_id, milestone_no, title_id, title_en, status, "
                                    "status_updated FROM milestones")
    return {(r["commitment_id"], int(r["milestone_no"])): r for r in rows}


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def _sum(index: dict, key: str) -> int:
    return sum(int(r.get(key, 0)) for r in (index.get("rows") or {}).values())


def _hidden_share(index: dict):
    audit = (index.get("protection") or {}).get("audit") or {}
    return audit.get("hidden_share")


def compare(release_dir: Path, index: dict) -> dict:
    """What changed since the previous release. `state` is first, missing or compared."""
    prev_id = index.get("previous_release")
    if not prev_id:
        return {"state": "first"}
    # Resolved: `dist/latest` is a link into dist/releases/, where the previous release sits.
    prev_dir = Path(release_dir).resolve().parent / str(prev_id)
    if not (prev_dir / "index.json").is_file():
        return {"state": "missing", "previous": prev_id}
    prev = json.loads((prev_dir / "index.json").read_text(encoding="utf-8"))
    now_tables, before_tables = index.get("tables") or {}, prev.get("tables") or {}
    tables = [(name, before_tables.get(name), now_tables.get(name))
              for name in list(now_tables) + [n for n in before_tables if n not in now_tables]]
    cur = _connect(Path(release_dir) / index.get("database", "bansos-terbuka.db"))
    old = _connect(prev_dir / prev.get("database", "bansos-terbuka.db"))
    try:
        now_values = regency_values(cur, index["period"])
        before_values = regency_values(old, prev.get("period", ""))
        moved = []
        for key in sorted(set(now_values) | set(before_values)):
            a, b = before_values.get(key), now_values.get(key)
            if a is not None and b is not None and same(a["value"], b["value"]) and a["status"] == b["status"]:
                continue
            moved.append({"indicator_id": key[0], "breakdown": key[1], "before": a, "now": b})
        titles = {r["indicator_id"]: r for r in _rows(cur, "indicators", "SELECT * FROM indicators")}
        now_ms, before_ms = milestone_statuses(cur), milestone_statuses(old)
        milestones = [{"key": k, "before": before_ms.get(k), "now": now_ms.get(k)}
                      for k in sorted(set(now_ms) | set(before_ms))
                      if (before_ms.get(k) or {}).get("status") != (now_ms.get(k) or {}).get("status")]
    finally:
        for con in (cur, old):
            if con is not None:
                con.close()
    return {
        "state": "compared", "previous": prev_id, "previous_index": prev,
        "periods_added": sorted(set(index.get("periods", [])) - set(prev.get("periods", []))),
        "periods_removed": sorted(set(prev.get("periods", [])) - set(index.get("periods", []))),
        "tables": tables,
        "read": (_sum(prev, "read"), _sum(index, "read")),
        "quarantined": (_sum(prev, "quarantined"), _sum(index, "quarantined")),
        "hidden_share": (_hidden_share(prev), _hidden_share(index)),
        "values_total": len(set(now_values) | set(before_values)),
        "moved": moved, "titles": titles, "milestones": milestones,
    }


# --- the page --------------------------------------------------------------------------


def _int(value, lang: str) -> str:
    if value is None:
        return TEXT[lang]["none"]
    s = f"{int(value):,}"
    return s.replace(",", ".") if lang == "id" else s


def _delta(before, after, lang: str) -> str:
    if before is None or after is None:
        return TEXT[lang]["new"] if before is None else TEXT[lang]["gone"]
    d = int(after) - int(before)
    return ("+" if d > 0 else "") + _int(d, lang) if d else "0"


def _percent(value, lang: str) -> str:
    if value is None:
        return TEXT[lang]["none"]
    s = f"{100 * value:.1f}%"
    return s.replace(".", ",") if lang == "id" else s


def _value(v: dict | None, unit: str, lang: str) -> str:
    t = TEXT[lang]
    if v is None:
        return t["absent"]
    if v["value"] is None:
        return t["not_applicable"] if v.get("status") == "not_applicable" else t["hidden"]
    return number(v["value"], unit, lang)


def release_notes_page(release_dir: Path, index: dict, docs: Path, lang: str, changes: dict, vocab: dict) -> str:
    t = TEXT[lang]
    fields = {k: index.get(k, "") for k in ("release_id", "version", "period", "built_at")}
    parts = [f"# {t['title']}", t["this"].format(**fields)]
    if changes["state"] == "first":
        return "\n\n".join(parts + [t["first"]])
    if changes["state"] == "missing":
        return "\n\n".join(parts + [t["missing"].format(previous=text(changes["previous"]))])
    prev = changes["previous_index"]
    parts.append(t["compared"].format(previous=text(changes["previous"]), period=text(prev.get("period", "")),
                                      built_at=text(prev.get("built_at", ""))))
    # Periods.
    lines = [t["periods_added"].format(periods=", ".join(changes["periods_added"]))
             if changes["periods_added"] else t["no_periods_added"]]
    if changes["periods_removed"]:
        lines.append(t["periods_removed"].format(periods=", ".join(changes["periods_removed"])))
    lines.append(t["periods_now"].format(periods=", ".join(index.get("periods", []))))
    parts += [f"## {t['periods']}", "\n".join(f"- {line}" for line in lines)]
    # Rows per table.
    rows = [(f"[`{cell(name)}`](tables/{name}.md)" if (docs / "tables" / f"{name}.md").exists() else f"`{cell(name)}`",
             _int(before, lang), _int(now, lang), _delta(before, now, lang))
            for name, before, now in changes["tables"]]
    parts += [f"## {t['tables']}", table(t["tables_head"], rows)]
    # Input rows and the hidden share.
    hb, hn = changes["hidden_share"]
    points = t["none"]
    if hb is not None and hn is not None:
        d = 100 * (hn - hb)
        value = f"{abs(d):.1f}".replace(".", ",") if lang == "id" else f"{abs(d):.1f}"
        points = t["points"].format(sign="+" if d > 0 else ("−" if d < 0 else ""), value=value)
    rows = [(t["read"], *map(lambda v: _int(v, lang), changes["read"]), _delta(*changes["read"], lang)),
            (t["quarantined"], *map(lambda v: _int(v, lang), changes["quarantined"]),
             _delta(*changes["quarantined"], lang)),
            (t["hidden_share"], _percent(hb, lang), _percent(hn, lang), points)]
    parts += [f"## {t['inputs']}", table(t["inputs_head"], rows)]
    # Regency indicator values.
    parts.append(f"## {t['moved']}")
    moved = changes["moved"]
    if moved:
        parts.append(t["moved_intro"].format(n=len(moved), total=changes["values_total"],
                                             before=text(prev.get("period", "")), after=text(index["period"])))
        rows = []
        for m in moved:
            info = changes["titles"].get(m["indicator_id"], {})
            unit = (m["now"] or m["before"] or {}).get("unit") or info.get("unit") or ""
            title = cell(pick(info, lang, "title_id", "title_en") or m["indicator_id"])
            page = docs / "indicators" / f"{m['indicator_id']}.md"
            name = f"[{title}](indicators/{m['indicator_id']}.md)" if page.exists() else title
            a, b = m["before"], m["now"]
            change = t["none"]
            if a and b and a["value"] is not None and b["value"] is not None:
                d = b["value"] - a["value"]
                change = ("+" if d > 0 else "−" if d < 0 else "") + number(abs(d), unit, lang)
            rows.append((name, cell(m["breakdown"]), _value(a, unit, lang), _value(b, unit, lang), change))
        parts.append(table(t["moved_head"], rows))
    else:
        parts.append(t["no_moved"].format(total=changes["values_total"]))
    # Milestone statuses.
    parts.append(f"## {t['milestones']}")
    if changes["milestones"]:
        def status(m: dict | None) -> str:
            if m is None:
                return t["absent"]
            return cell(vocab.get(m["status"], {}).get(lang, m["status"]))

        rows = []
        for m in changes["milestones"]:
            cid, no = m["key"]
            info = m["now"] or m["before"]
            label = f"{no}. {pick(info, lang, 'title_id', 'title_en')}"
            commitment = (f"[{cell(cid)}](commitments/{cid}.md)"
                          if SAFE_ID.match(cid) and (docs / "commitments" / f"{cid}.md").exists() else cell(cid))
            rows.append((commitment, cell(label), status(m["before"]), status(m["now"]),
                         cell((m["now"] or {}).get("status_updated") or "")))
        parts.append(table(t["milestones_head"], rows))
    else:
        parts.append(t["no_milestones"])
    return "\n\n".join(parts)


def write_release_notes(docs: Path, release_dir: Path, index: dict, write_page, vocab: dict) -> dict:
    """release-notes.md in both languages; returns the comparison it shows."""
    changes = compare(release_dir, index)
    for lang in LANGS:
        page = release_notes_page(release_dir, index, docs, lang, changes, vocab)
        write_page(docs, "release-notes", lang, page)
    return changes


# --- licences and the data dictionary --------------------------------------------------

LICENCE_TEXT = {
    "id": {
        "title": "Lisensi dan kamus data",
        "data": "Data yang diterbitkan",
        "data_text": ("Agregat terlindungi pada rilis ini diterbitkan di bawah lisensi [{licence}]({url}). "
                      "Sebutkan sumbernya: {source}."),
        "regions": "Daftar wilayah (ODbL)",
        "regions_text": ("Tabel `regions` (kode dan nama wilayah Kemendagri) memuat informasi dari "
                         "[idn-area-data](https://github.com/fityannugroho/idn-area-data) 4.0.1, yang tersedia di bawah "
                         "[Open Database License (ODbL) 1.0](https://opendatacommons.org/licenses/odbl/1-0/). "
                         "Basis data turunan harus dibagikan di bawah lisensi yang sama. Teks lisensi lengkap: "
                         "[LICENSE-wilayah.md](/downloads/LICENSE-wilayah.md)."),
        "boundaries": "Batas wilayah (MIT)",
        "boundaries_text": ("Peta memakai batas desa dan kecamatan dari "
                            "[cahyadsn/wilayah_boundaries](https://github.com/cahyadsn/wilayah_boundaries), "
                            "di bawah lisensi MIT. Pemberitahuan lisensinya, yang wajib ikut setiap salinan "
                            "([LICENSE-boundaries.md](/downloads/{file})):"),
        "no_maps": "Rilis ini tidak memuat peta, jadi tidak memakai data batas wilayah.",
        "code": "Kode program",
        "code_text": "Kode program Bansos Terbuka berlisensi MIT.",
        "dictionary": "Kamus data",
        "dictionary_text": ("Setiap tabel yang diterbitkan punya halaman kamus data: arti setiap kolom, tipe, satuan, "
                            "kunci utama, dan unduhan Table Schema-nya."),
        "dictionary_head": ("Tabel", "Nama", "Baris", "Table Schema"),
    },
    "en": {
        "title": "Licences and data dictionary",
        "data": "Published data",
        "data_text": ("The protected aggregates of this release are published under the [{licence}]({url}) licence. "
                      "Credit the source: {source}."),
        "regions": "Region list (ODbL)",
        "regions_text": ("The `regions` table (Kemendagri region codes and names) contains information from "
                         "[idn-area-data](https://github.com/fityannugroho/idn-area-data) 4.0.1, which is made available "
                         "under the [Open Database License (ODbL) 1.0](https://opendatacommons.org/licenses/odbl/1-0/). "
                         "Derived databases must be shared under the same licence. Full licence text: "
                         "[LICENSE-wilayah.md](/downloads/LICENSE-wilayah.md)."),
        "boundaries": "Boundaries (MIT)",
        "boundaries_text": ("The maps use village and kecamatan boundaries from "
                            "[cahyadsn/wilayah_boundaries](https://github.com/cahyadsn/wilayah_boundaries), "
                            "under the MIT licence. Its notice, which must go with every copy "
                            "([LICENSE-boundaries.md](/downloads/{file})):"),
        "no_maps": "This release has no maps, so it uses no boundary data.",
        "code": "Program code",
        "code_text": "The program code of Bansos Terbuka is under the MIT licence.",
        "dictionary": "Data dictionary",
        "dictionary_text": ("Every published table has a data dictionary page: what each column means, its type, unit, "
                            "the primary key, and its Table Schema to download."),
        "dictionary_head": ("Table", "Name", "Rows", "Table Schema"),
    },
}


def boundaries_notice(release_dir: Path, index: dict) -> str | None:
    maps = index.get("maps") or {}
    if not maps.get("available") or not maps.get("licence"):
        return None
    path = Path(release_dir) / maps["licence"]
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _indent(block: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in block.strip("\n").splitlines())


def licences_page(release_dir: Path, index: dict, schemas: dict, lang: str) -> str:
    t = LICENCE_TEXT[lang]
    pub = index.get("publication") or {}
    parts = [f"# {t['title']}",
             f"## {t['data']}",
             t["data_text"].format(licence=text(pub.get("license", "CC-BY-4.0")),
                                   url=pub.get("license_url", "https://creativecommons.org/licenses/by/4.0/"),
                                   source=text(pub.get("source", "Bansos Terbuka"))),
             f"## {t['regions']}", t["regions_text"],
             f"## {t['boundaries']}"]
    notice = boundaries_notice(release_dir, index)
    if notice:
        parts += [t["boundaries_text"].format(file=index["maps"]["licence"]), _indent(notice)]
    else:
        parts.append(t["no_maps"])
    parts += [f"## {t['code']}", t["code_text"], f"## {t['dictionary']}", t["dictionary_text"]]
    rows = []
    for name, schema in schemas.items():
        title = pick(schema, lang, "x-title-id", "x-title") or name
        rows.append((f"[{cell(title)}](tables/{name}.md)", f"`{cell(name)}`",
                     cell((index.get("tables") or {}).get(name, "")),
                     f"[{cell(name)}.schema.json](/downloads/schemas/{name}.schema.json)"))
    parts.append(table(t["dictionary_head"], rows))
    return "\n\n".join(parts)


def write_licences_page(docs: Path, release_dir: Path, index: dict, schemas: dict, write_page) -> None:
    for lang in LANGS:
        write_page(docs, "licences", lang, licences_page(release_dir, index, schemas, lang))
