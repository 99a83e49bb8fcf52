"""Site pages generated from the indicator catalogue and the release: one page per indicator,
an index, and the record-linkage page with the figures the build measured."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .catalogue import catalogue

UNIT = {
    "id": {"percent": "persen", "per_10000": "per 10.000 penduduk", "share_of_target": "persen dari target",
           "rupiah_per_family": "rupiah per keluarga", "days": "hari"},
    "en": {"percent": "percent", "per_10000": "per 10,000 residents", "share_of_target": "percent of target",
           "rupiah_per_family": "rupiah per family", "days": "days"},
}
TEXT = {
    "id": {"index_title": "Indikator", "intro": "Setiap indikator didefinisikan sekali di katalog "
           "(`schemas/indicators.yml`) sebagai hasil bagi dua angka yang diterbitkan; nilai kosong berarti "
           "angka yang diperlukan disembunyikan untuk melindungi kelompok kecil.",
           "head": ("Indikator", "Nilai kabupaten", "Satuan"), "definition": "Definisi",
           "numerator": "Pembilang", "denominator": "Penyebut", "unit": "Satuan", "commitments": "Komitmen",
           "regency": "Nilai kabupaten, periode {period}", "kecamatan": "Per kecamatan, periode {period}",
           "kec_head": ("Kecamatan", "Rincian", "Pembilang", "Penyebut", "Nilai"), "query": "Buka datanya di Datasette",
           "factor": "dikali {factor}", "none": "—"},
    "en": {"index_title": "Indicators", "intro": "Every indicator is defined once in the catalogue "
           "(`schemas/indicators.yml`) as a quotient of two published counts; an empty value means a count "
           "it needs is hidden to protect small groups.",
           "head": ("Indicator", "Regency value", "Unit"), "definition": "Definition",
           "numerator": "Numerator", "denominator": "Denominator", "unit": "Unit", "commitments": "Commitments",
           "regency": "Regency value, period {period}", "kecamatan": "Per kecamatan, period {period}",
           "kec_head": ("Kecamatan", "Breakdown", "Numerator", "Denominator", "Value"), "query": "Open the data in Datasette",
           "factor": "times {factor}", "none": "—"},
}


def _values(db: Path, period: str) -> list[dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'indicator_values'").fetchone():
            return []  # a release made before the catalogue existed
        return [dict(r) for r in con.execute(
            "SELECT v.*, r.name AS region_name FROM indicator_values v LEFT JOIN regions r ON r.code = v.region_code "
            "WHERE v.period = ? AND v.level IN ('kabupaten', 'kecamatan') ORDER BY v.region_code, v.breakdown", [period])]
    finally:
        con.close()


def fmt(value, unit: str, lang: str) -> str:
    if value is None:
        return TEXT[lang]["none"]
    if unit == "count":
        s = f"{value:,.0f}"
        return s.replace(",", ".") if lang == "id" else s
    if unit == "rupiah_per_family":
        s = f"Rp {value:,.0f}"
        return s.replace(",", ".") if lang == "id" else s
    s = f"{value:,.2f}"
    return s.replace(",", " ").replace(".", ",").replace(" ", ".") if lang == "id" else s


def write_indicator_pages(docs: Path, release_dir: Path, index: dict, write_page, cell, table,
                          commitment_ids: set[str]) -> list[str]:
    """Pages indicators/index and indicators/<id>, both languages; returns their paths for the nav."""
    values = _values(release_dir / index.get("database", "bansos-terbuka.db"), index["period"])
    pages = ["indicators/index.md"]
    for lang in ("id", "en"):
        t = TEXT[lang]
        rows = []
        for ind in catalogue():
            kab = [v for v in values if v["indicator_id"] == ind["id"] and v["level"] == "kabupaten"]
            shown = "; ".join(f"{v['breakdown']}: {fmt(v['value'], ind['unit'], lang)}" if v["breakdown"] != "all"
                              else fmt(v["value"], ind["unit"], lang) for v in kab)
            rows.append((f"[{cell(ind['title_' + lang])}]({ind['id']}.md)", cell(shown), UNIT[lang][ind["unit"]]))
        write_page(docs, "indicators/index", lang, "\n".join(
            [f"# {t['index_title']}", "", t["intro"], "", table(t["head"], rows)]))
        for ind in catalogue():
            write_page(docs, f"indicators/{ind['id']}", lang,
                       _indicator_page(ind, values, index, lang, cell, table, commitment_ids))
    pages += [f"indicators/{ind['id']}.md" for ind in catalogue()]
    return pages


def _indicator_page(ind: dict, values: list[dict], index: dict, lang: str, cell, table, commitment_ids) -> str:
    t = TEXT[lang]
    mine = [v for v in values if v["indicator_id"] == ind["id"]]
    kab = [v for v in mine if v["level"] == "kabupaten"]
    kec = [v for v in mine if v["level"] == "kecamatan"]
    den = ind.get("denominator") or t["none"]
    if ind.get("factor", 1) != 1:
        den += " (" + t["factor"].format(factor=ind["factor"]) + ")"
    table_name = ind["numerator"].split(".")[0]
    parts = [f"# {cell(ind['title_' + lang])}", "", cell(ind["description_" + lang]), "",
             f"## {t['definition']}", "",
             f"- {t['numerator']}: `{ind['numerator']}`" + (f", filter `{ind['filter']}`" if ind.get("filter") else ""),
             f"- {t['denominator']}: `{den}`", f"- {t['unit']}: {UNIT[lang][ind['unit']]}",
             f"- {t['commitments']}: " + ", ".join(f"[{c}](../commitments/{c}.md)" if c in commitment_ids else c
                                                   for c in ind.get("commitments", [])),
             "", f"## {t['regency'].format(period=index['period'])}", ""]
    parts.append(table(t["kec_head"][1:], [(cell(v["breakdown"]), fmt(v["numerator"], "count" if ind["unit"] != "days" else "days", lang),
                                            fmt(v["denominator"], "count", lang), fmt(v["value"], ind["unit"], lang))
                                           for v in kab]) if kab else t["none"])
    parts += ["", f"## {t['kecamatan'].format(period=index['period'])}", ""]
    parts.append(table(t["kec_head"], [(cell(f"{v['region_name']} ({v['region_code']})"), cell(v["breakdown"]),
                                        fmt(v["numerator"], "count" if ind["unit"] != "days" else "days", lang), fmt(v["denominator"], "count", lang),
                                        fmt(v["value"], ind["unit"], lang)) for v in kec]) if kec else t["none"])
    parts += ["", f"[{t['query']}](/bansos-terbuka/indicator_values?indicator_id={ind['id']}&period={index['period']}) · "
              f"[`{table_name}`](/bansos-terbuka/{table_name})", ""]
    return "\n".join(parts)


LINKAGE = {
    "id": ("Penautan data", [
        "Satu orang bisa muncul di data kependudukan (SIAK), DTKS dan banyak daftar penerima, kadang dengan "
        "NIK yang salah ketik atau tanpa NIK. Penautan data menentukan catatan mana milik orang yang sama.",
        "1. **Padan NIK**: NIK yang bentuknya benar dan ditemukan di data kependudukan dengan nama yang mirip "
        "langsung ditautkan.",
        "2. **Pencocokan probabilistik** (Splink): catatan lain dibandingkan dengan data kependudukan pada nama, "
        "tanggal lahir, jenis kelamin, desa, nomor KK dan NIK itu sendiri (NIK salah ketik masih mirip). Model "
        "dilatih dari data itu sendiri; pasangan dengan peluang di atas ambang dianggap orang yang sama.",
        "3. Catatan yang tetap tidak ditemukan (mis. orang tanpa NIK) dikelompokkan di antara mereka sendiri dengan model yang sama.",
        "Kunci penautan dan model tidak pernah diterbitkan.",
    ], "Angka rilis ini", ("Padan NIK", "Probabilistik", "Tidak dikenal data kependudukan", "Ambang peluang"),
        "Ketepatan terukur pada data sintetis (dibanding kebenaran yang ditanam): presisi {p:.4f}, recall {r:.4f}. "
        "Presisi: dari pasangan yang ditautkan, bagian yang benar orang yang sama; recall: dari pasangan orang yang sama, bagian yang ditemukan."),
    "en": ("Record linkage", [
        "One person can appear in the population register (SIAK), the welfare register and many beneficiary "
        "lists, sometimes with a mistyped NIK or none. Record linkage decides which records belong to the same person.",
        "1. **NIK match**: a well-formed NIK found in the population register with a similar name is linked directly.",
        "2. **Probabilistic matching** (Splink): the other records are compared with the population register on "
        "name, birth date, sex, village, family card and the NIK itself (a mistyped NIK is still close). The model "
        "is trained on the data itself; pairs whose probability is above the threshold are taken to be the same person.",
        "3. Records still not found (e.g. people without an NIK) are grouped among themselves with the same model.",
        "Linkage keys and the model are never published.",
    ], "Figures of this release", ("NIK match", "Probabilistic", "Unknown to the register", "Probability threshold"),
        "Accuracy measured on the synthetic data (against the planted truth): precision {p:.4f}, recall {r:.4f}. "
        "Precision: of the pairs linked, the share that are truly the same person; recall: of the pairs of the same person, the share found."),
}


def write_linkage_page(docs: Path, index: dict, write_page, table) -> None:
    link = index.get("linkage", {})
    for lang, (title, paras, figures, head, accuracy) in LINKAGE.items():
        parts = [f"# {title}", ""] + [p + "\n" for p in paras] + [f"## {figures}", "",
                 table(head, [(str(link.get("exact", "")), str(link.get("probabilistic", "")),
                               str(link.get("unmatched_records", 0)), str(link.get("threshold", "")))]), ""]
        acc = link.get("accuracy")
        if acc:
            parts.append(accuracy.format(p=acc["precision"], r=acc["recall"]))
        write_page(docs, "linkage", lang, "\n".join(parts))


PROTECTION = {
    "id": ("Perlindungan data", [
        "Situs ini menerbitkan angka tentang orang miskin tanpa membuka siapa mereka. Tidak ada nama, NIK, "
        "nomor KK, alamat atau tanggal lahir yang diterbitkan: hanya jumlah per desa, kecamatan dan kabupaten.",
        "**Angka kecil disembunyikan.** Jumlah 1 sampai 4 orang atau keluarga tidak diterbitkan: di desa kecil, "
        "angka sekecil itu bisa menunjuk tetangga tertentu. Nol tetap diterbitkan. Nilai rupiah disembunyikan "
        "bersama jumlah penerimanya, dan bila satu penerima menguasai hampir seluruh nilainya (aturan p%).",
        "**Angka lain ikut disembunyikan.** Bila total kecamatan terbit dan hanya satu desanya tersembunyi, "
        "angka desa itu bisa dihitung dengan pengurangan. Karena itu sel lain ikut disembunyikan, dalam satu "
        "baris, antartingkat wilayah, dan antartabel yang saling menjumlah.",
        "**Setiap rilis diaudit.** Sebelum terbit, program mencoba menghitung ulang setiap sel tersembunyi dari "
        "semua angka yang terbit, dengan pemrograman linear, seperti yang bisa dilakukan siapa pun lewat SQL. "
        "Rilis gagal bila ada sel yang dapat dihitung tepat, atau angka kecil yang dapat dipersempit ke rentang "
        "kurang dari 2.",
        "Sel tersembunyi selalu tampak sama: nilainya kosong dan kolom `*_status` berisi `suppressed`.",
    ], "Angka rilis ini", ("Sel", "Disembunyikan", "Bagian tersembunyi", "Diaudit (LP)", "Rentang tersempit sel kecil", "Waktu audit (detik)"),
        "Bagian orang (di tingkat desa) yang selnya tersembunyi, per tabel"),
    "en": ("Data protection", [
        "This site publishes figures about poor people without exposing who they are. No name, NIK, family-card "
        "number, address or birth date is published: only counts per village, kecamatan and kabupaten.",
        "**Small numbers are hidden.** Counts of 1 to 4 people or families are not published: in a small village "
        "such a number can point at particular neighbours. Zeros are published. Rupiah sums are hidden with the "
        "count of their recipients, and when one recipient holds nearly the whole sum (the p% rule).",
        "**Other numbers are hidden too.** When a kecamatan total is published and only one of its villages is "
        "hidden, the village can be found by subtraction. So more cells are hidden: within a row, between levels "
        "and between tables that add up to each other.",
        "**Every release is audited.** Before it is published, the program tries to recompute every hidden cell "
        "from all published numbers, by linear programming, as anyone could through SQL. The release fails if a "
        "cell can be found exactly, or a small number can be narrowed to a range shorter than 2.",
        "A hidden cell always looks the same: its value is empty and its `*_status` column says `suppressed`.",
    ], "Figures of this release", ("Cells", "Hidden", "Hidden share", "Audited (LP solves)", "Narrowest range of a small cell", "Audit time (s)"),
        "Share of the people (at village level) whose cell is hidden, per table"),
}


def write_protection_page(docs: Path, index: dict, write_page, table) -> None:
    prot = index.get("protection", {})
    a = prot.get("audit", {})
    for lang, (title, paras, figures, head, lost_title) in PROTECTION.items():
        parts = [f"# {title}", ""] + [p + "\n" for p in paras]
        if a:
            parts += [f"## {figures}", "", table(head, [(str(a.get("cells")), str(a.get("hidden")),
                                                         f"{100 * a.get('hidden_share', 0):.1f}%", str(a.get("solves")),
                                                         str(a.get("min_width_primary")), str(a.get("seconds")))]), ""]
        lost = prot.get("information_lost", {})
        if lost:
            parts += [f"## {lost_title}", "", table(("table", "%"), [(f"`{k}`", f"{100 * v:.1f}") for k, v in lost.items()]), ""]
        write_page(docs, "protection", lang, "\n".join(parts))
