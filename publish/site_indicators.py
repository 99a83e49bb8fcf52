"""Site pages generated from the indicator catalogue and the release: one page per indicator
(definition, why it matters, the regency figure, a chart over periods, a ranking of kecamatan, a
map of villages, caveats, what is hidden, downloads and queries), an index, the poverty map of
the regency, and the record-linkage and protection pages with the figures the build measured.

Charts and maps are inline SVG drawn here at build time (publish/svg_charts.py,
publish/site_maps.py): the pages load nothing else and work offline.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from . import svg_charts as sc
from .catalogue import catalogue
from .site_maps import choropleth, load_geometry, map_notice

DB_PATH = "/bansos-terbuka"
POVERTY_PAGE = "poverty-map"

UNIT = {
    "id": {"percent": "persen", "per_10000": "per 10.000 penduduk", "share_of_target": "persen dari target",
           "rupiah_per_family": "rupiah per keluarga", "days": "hari"},
    "en": {"percent": "percent", "per_10000": "per 10,000 residents", "share_of_target": "percent of target",
           "rupiah_per_family": "rupiah per family", "days": "days"},
}
SUFFIX = {"percent": " %", "share_of_target": " %", "per_10000": "", "rupiah_per_family": "", "days": ""}
TEXT = {
    "id": {"index_title": "Indikator", "intro": "Setiap indikator didefinisikan sekali di katalog "
           "(`schemas/indicators.yml`) sebagai hasil bagi dua angka yang diterbitkan; nilai kosong berarti "
           "angka yang diperlukan disembunyikan untuk melindungi kelompok kecil.",
           "head": ("Indikator", "Nilai kabupaten", "Satuan"), "definition": "Definisi",
           "numerator": "Pembilang", "denominator": "Penyebut", "unit": "Satuan", "commitments": "Komitmen",
           "regency": "Nilai kabupaten, periode {period}", "kecamatan": "Per kecamatan, periode {period}",
           "kec_head": ("Kecamatan", "Rincian", "Pembilang", "Penyebut", "Nilai"), "query": "Buka datanya di Datasette",
           "factor": "dikali {factor}", "none": "—",
           "poverty_link": "Peta kemiskinan kabupaten: sebaran desil, cakupan dan keluarga miskin tanpa bantuan per desa",
           "why": "Mengapa penting", "measures": "Indikator ini dipakai untuk memantau komitmen OGP {ids}.",
           "better_high": "Makin tinggi nilainya, makin baik.", "better_low": "Makin rendah nilainya, makin baik.",
           "trend": "Perkembangan antarperiode (kabupaten)",
           "trend_desc": "Nilai kabupaten pada setiap periode di basis data rilis ini, terlama di kiri.",
           "trend_table": "Tabel data grafik", "period": "Periode", "value": "Nilai", "status": "Status",
           "series": "Rincian", "all": "semua",
           "ranking": "Peringkat kecamatan, periode {period}",
           "ranking_desc": "Kecamatan diurutkan dari nilai tertinggi; kecamatan tanpa nilai di bawah, tanpa batang.",
           "ranking_ref": "Garis putus-putus: nilai kabupaten ({value}).",
           "ranking_for": "Rincian {breakdown}",
           "map": "Peta desa, periode {period}",
           "map_desc": "Peta desa {regency}: warna menunjukkan kelas nilai (viridis, makin terang makin tinggi); "
                       "desa yang nilainya disembunyikan berwarna abu-abu berarsir.",
           "map_breakdown": "Indikator ini dirinci menurut {by}; peta hanya dibuat untuk indikator tanpa rincian. "
                            "Nilai per desa ada di tautan kueri di bawah.",
           "caveats": "Catatan dan keterbatasan",
           "hidden": "Nilai yang disembunyikan",
           "hidden_text": "Pada periode {period}, nilai {hk} dari {nk} kecamatan dan {hd} dari {nd} desa "
                          "disembunyikan karena angka yang dibutuhkannya disembunyikan (jumlah 1 sampai 4, atau sel "
                          "lain yang bisa membukanya lewat pengurangan); {na} desa tidak berlaku karena penyebutnya 0. "
                          "Nilai yang disembunyikan tampil sebagai celah pada grafik dan abu-abu berarsir pada peta: "
                          "**bukan nol**. Jangan menjumlah atau merata-ratakannya sebagai nol.",
           "protection_link": "Cara perlindungan bekerja: [Perlindungan data](../protection.md).",
           "links": "Unduh dan kueri",
           "dl_values": "Semua nilai indikator",
           "dl_table": "Tabel sumber `{table}`",
           "q_values": "Nilai indikator ini, periode {period}",
           "q_kec": "Per kecamatan (kueri siap pakai `indicator_by_region`)",
           "q_desa": "Per desa (kueri siap pakai `indicator_by_region`)",
           "q_trend": "Tren kabupaten (kueri siap pakai `indicator_trend`)",
           "q_table": "Tabel `{table}` per desa, periode {period}",
           "hidden_word": "arsir = disembunyikan (bukan nol)",
           "words": {"suppressed": "disembunyikan", "not_applicable": "tidak berlaku (penyebut 0)",
                     "no_data": "tidak ada data"},
           },
    "en": {"index_title": "Indicators", "intro": "Every indicator is defined once in the catalogue "
           "(`schemas/indicators.yml`) as a quotient of two published counts; an empty value means a count "
           "it needs is hidden to protect small groups.",
           "head": ("Indicator", "Regency value", "Unit"), "definition": "Definition",
           "numerator": "Numerator", "denominator": "Denominator", "unit": "Unit", "commitments": "Commitments",
           "regency": "Regency value, period {period}", "kecamatan": "Per kecamatan, period {period}",
           "kec_head": ("Kecamatan", "Breakdown", "Numerator", "Denominator", "Value"), "query": "Open the data in Datasette",
           "factor": "times {factor}", "none": "—",
           "poverty_link": "Poverty map of the regency: desil distribution, coverage and poor families without aid per village",
           "why": "Why it matters", "measures": "This indicator follows the OGP commitments {ids}.",
           "better_high": "A higher value is better.", "better_low": "A lower value is better.",
           "trend": "Over the periods (regency)",
           "trend_desc": "The regency value in every period of this release's database, oldest on the left.",
           "trend_table": "The chart's data", "period": "Period", "value": "Value", "status": "Status",
           "series": "Breakdown", "all": "all",
           "ranking": "Kecamatan ranked, period {period}",
           "ranking_desc": "Kecamatan ordered from the highest value; kecamatan without a value at the bottom, with no bar.",
           "ranking_ref": "Dashed line: the regency value ({value}).",
           "ranking_for": "Breakdown {breakdown}",
           "map": "Map of villages, period {period}",
           "map_desc": "Map of the villages of {regency}: colours are classes of the value (viridis, brighter is "
                       "higher); villages whose value is hidden are grey and hatched.",
           "map_breakdown": "This indicator is broken down by {by}; maps are drawn only for indicators without a "
                            "breakdown. The values per village are behind the query links below.",
           "caveats": "Caveats",
           "hidden": "Hidden values",
           "hidden_text": "In period {period}, the value of {hk} of {nk} kecamatan and {hd} of {nd} villages is hidden "
                          "because a count it needs is hidden (a count of 1 to 4, or another cell that subtraction "
                          "would reveal it from); {na} villages are not applicable because the denominator is 0. "
                          "A hidden value is a gap in the charts and grey with a hatch on the map: **not zero**. "
                          "Never add or average it as zero.",
           "protection_link": "How the protection works: [Data protection](../protection.md).",
           "links": "Download and query",
           "dl_values": "Every indicator value",
           "dl_table": "Source table `{table}`",
           "q_values": "This indicator's values, period {period}",
           "q_kec": "Per kecamatan (ready-made query `indicator_by_region`)",
           "q_desa": "Per village (ready-made query `indicator_by_region`)",
           "q_trend": "Regency trend (ready-made query `indicator_trend`)",
           "q_table": "Table `{table}` per village, period {period}",
           "hidden_word": "hatched = hidden (not zero)",
           "words": {"suppressed": "hidden", "not_applicable": "not applicable (denominator 0)",
                     "no_data": "no data"},
           },
}
MAP_TEXT = {
    "id": {"suppressed": "Disembunyikan (bukan nol)", "not_applicable": "Tidak berlaku (penyebut 0)",
           "no_data": "Tidak ada data", "published": "terbit", "villages": "desa",
           "kecamatan_line": "Batas kecamatan", "legend": "Keterangan peta ({unit})",
           "table_summary": "Tabel data peta (semua desa)",
           "table_head": ("Kecamatan", "Desa", "Kode", "Nilai", "Status"),
           "without_boundary": "Tidak tampak di peta karena tidak punya batas wilayah (nilainya ada di tabel): {names}.",
           "no_map_title": "Peta tidak tersedia.",
           "no_map": "Rilis ini dibangun tanpa batas wilayah desa (`publish build --boundaries`), jadi peta tidak "
                     "dibuat. Angka per desa tetap ada di tabel berikut."},
    "en": {"suppressed": "Hidden (not zero)", "not_applicable": "Not applicable (denominator 0)",
           "no_data": "No data", "published": "published", "villages": "villages",
           "kecamatan_line": "Kecamatan boundary", "legend": "Map legend ({unit})",
           "table_summary": "The map's data (every village)",
           "table_head": ("Kecamatan", "Village", "Code", "Value", "Status"),
           "without_boundary": "Not on the map for want of a boundary (the values are in the table): {names}.",
           "no_map_title": "No map.",
           "no_map": "This release was built without village boundaries (`publish build --boundaries`), so no map "
                     "is drawn. The figures per village are in the table below."},
}
# Caveats of particular indicators, beyond those every indicator shares.
CAVEATS = {
    "id": {
        "inclusion_error_rate": "Proksi: keluarga di luar desil sasaran bisa sah menerima (mis. data DTKS belum diperbarui).",
        "exclusion_rate": "Proksi: keluarga bisa menerima bantuan yang tidak tercatat di daftar yang diterima build ini.",
        "transfers_per_poor_family": "Rupiah yang dicantumkan untuk dibayar pada periode, bukan yang sudah cair; PKH dibayar per triwulan, jadi bulan tanpa tahap terlihat rendah.",
        "median_days_to_resolve": "Median hanya diterbitkan bila minimal 5 pengaduan selesai.",
        "gotong_royong_target": "Target tiga agen per RT berlaku di Sumbawa Barat.",
        "no_nik_per_10000": "Penyebutnya penduduk hidup di data kependudukan; orang tanpa NIK justru tidak ada di sana.",
    },
    "en": {
        "inclusion_error_rate": "A proxy: a family outside the target deciles may rightly receive (e.g. the welfare register is not yet updated).",
        "exclusion_rate": "A proxy: a family may receive aid that is not on the lists this build was given.",
        "transfers_per_poor_family": "Rupiah listed for payment in the period, not disbursed; PKH pays quarterly, so months without a tranche look low.",
        "median_days_to_resolve": "The median is published only over at least 5 resolved complaints.",
        "gotong_royong_target": "The target of three agents per neighbourhood is West Sumbawa's.",
        "no_nik_per_10000": "The denominator is the living residents of the population register, where people without an NIK are missing.",
    },
}
COMMON_CAVEATS = {
    "id": ["Data pada demo ini sintetis: angka tidak menggambarkan orang sungguhan.",
           "Nilai dihitung dari angka yang diterbitkan, dibulatkan dua desimal; angka kecil membuat nilai desa mudah berubah antarperiode.",
           "Periode terdahulu dibawa dari rilis sebelumnya; setiap periode dilindungi sendiri, jadi sel yang disembunyikan bisa berbeda antarperiode.",
           "Batas wilayah disederhanakan untuk tampilan; kelas warna adalah kuantil nilai desa yang terbit pada periode ini."],
    "en": ["The data in this demo is synthetic: the figures do not describe real people.",
           "Values are computed from published counts and rounded to two decimals; small counts make village values move between periods.",
           "Earlier periods are carried from the previous release; each period is protected on its own, so different cells can be hidden in different periods.",
           "Boundaries are simplified for display; the colour classes are quantiles of the village values published in this period."],
}


# --- the release's figures --------------------------------------------------------


class Release:
    """What the pages read from the release database, read once."""

    def __init__(self, db: Path, index: dict):
        self.index = index
        self.period = index["period"]
        self.regency = (index.get("regency") or {}).get("code")
        self.regency_name = (index.get("regency") or {}).get("name") or self.regency or ""
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        try:
            have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            self.tables = have

            def rows(sql, args=()):
                return [dict(r) for r in con.execute(sql, args)]

            self.regions = {r["code"]: r for r in rows("SELECT code, level, parent_code, name FROM regions")} \
                if "regions" in have else {}
            # Every level, every period: the charts show all periods in the database.
            self.values = rows("SELECT * FROM indicator_values ORDER BY period, region_code, breakdown") \
                if "indicator_values" in have else []
            self.desil = rows("SELECT * FROM families_by_region_desil WHERE period = ? ORDER BY region_code, desil",
                              [self.period]) if "families_by_region_desil" in have else []
            self.exclusion = {r["region_code"]: r for r in rows(
                "SELECT * FROM exclusion_by_region WHERE period = ?", [self.period])} \
                if "exclusion_by_region" in have else {}
            self.population = {r["region_code"]: r for r in rows(
                "SELECT * FROM population_by_region WHERE period = ?", [self.period])} \
                if "population_by_region" in have else {}
        finally:
            con.close()
        if not self.regency:
            self.regency = next((c for c, r in self.regions.items() if r["level"] == "kabupaten"), None)
        self.periods = sorted({v["period"] for v in self.values}) or [self.period]

    def level(self, level: str) -> list[dict]:
        """Regions of one level of the regency, by code."""
        prefix = (self.regency or "") + "."
        return sorted((r for r in self.regions.values() if r["level"] == level and r["code"].startswith(prefix)),
                      key=lambda r: r["code"])

    def name(self, code: str | None) -> str:
        return (self.regions.get(code) or {}).get("name", code or "")


def fmt(value, unit: str, lang: str, decimals: int | None = None) -> str:
    if value is None:
        return TEXT[lang]["none"]
    if unit == "count":
        s = f"{value:,.0f}"
        return s.replace(",", ".") if lang == "id" else s
    if unit == "rupiah_per_family":
        s = f"Rp {value:,.0f}"
        return s.replace(",", ".") if lang == "id" else s
    s = f"{value:,.{2 if decimals is None else decimals}f}"
    return s.replace(",", " ").replace(".", ",").replace(" ", ".") if lang == "id" else s


def decimals_of(unit: str) -> int:
    return 0 if unit in ("rupiah_per_family", "count") else 1


def short(unit: str, lang: str):
    """Formatter for chart labels and legend ranges: fewer decimals, the unit's sign."""
    d = decimals_of(unit)
    return lambda v: fmt(v, unit, lang, d) + SUFFIX.get(unit, "")


def _status(v: dict | None) -> str:
    return (v or {}).get("status") or "no_data"


# --- indicator pages --------------------------------------------------------------


def write_indicator_pages(docs: Path, release_dir: Path, index: dict, write_page, cell, table,
                          commitment_ids: set[str]) -> list[str]:
    """Pages indicators/index, indicators/<id> and the poverty map, both languages; returns their
    paths for the nav."""
    rel = Release(release_dir / index.get("database", "bansos-terbuka.db"), index)
    geo = load_geometry(release_dir, index)
    pages = ["indicators/index.md", f"{POVERTY_PAGE}.md"]
    for lang in ("id", "en"):
        t = TEXT[lang]
        rows = []
        for ind in catalogue():
            kab = [v for v in rel.values if v["indicator_id"] == ind["id"] and v["level"] == "kabupaten"
                   and v["period"] == rel.period]
            shown = "; ".join(f"{v['breakdown']}: {fmt(v['value'], ind['unit'], lang)}" if v["breakdown"] != "all"
                              else fmt(v["value"], ind["unit"], lang) for v in kab)
            rows.append((f"[{cell(ind['title_' + lang])}]({ind['id']}.md)", cell(shown), UNIT[lang][ind["unit"]]))
        write_page(docs, "indicators/index", lang, "\n".join(
            [f"# {t['index_title']}", "", t["intro"], "", f"[{t['poverty_link']}](../{POVERTY_PAGE}.md)", "",
             table(t["head"], rows)]))
        for ind in catalogue():
            write_page(docs, f"indicators/{ind['id']}", lang,
                       _indicator_page(ind, rel, geo, lang, cell, table, commitment_ids))
        write_page(docs, POVERTY_PAGE, lang, poverty_page(rel, geo, lang, cell, table))
    pages += [f"indicators/{ind['id']}.md" for ind in catalogue()]
    return pages


def _big_figure(text: str) -> str:
    return f'<p style="font-size:2rem;font-weight:700;line-height:1.2;margin:.4rem 0 .8rem">{sc.esc(text)}</p>'


def _indicator_page(ind: dict, rel: Release, geo, lang: str, cell, table, commitment_ids) -> str:
    t, unit, period = TEXT[lang], ind["unit"], rel.period
    mine = [v for v in rel.values if v["indicator_id"] == ind["id"]]
    now = [v for v in mine if v["period"] == period]
    kab = [v for v in now if v["level"] == "kabupaten"]
    kec = [v for v in now if v["level"] == "kecamatan"]
    title = ind["title_" + lang]
    label = short(unit, lang)
    den = ind.get("denominator") or t["none"]
    if ind.get("factor", 1) != 1:
        den += " (" + t["factor"].format(factor=ind["factor"]) + ")"
    num_table = ind["numerator"].split(".")[0]
    count_unit = "count" if unit != "days" else "days"
    parts = [f"# {cell(title)}", "", cell(ind["description_" + lang]), ""]

    # The regency figure first: what most readers came for.
    parts += [f"## {t['regency'].format(period=period)}", ""]
    total = next((v for v in kab if v["breakdown"] == "all"), None)
    if total is not None:
        shown = fmt(total["value"], unit, lang) if total["value"] is not None else t["words"].get(_status(total), t["none"])
        parts += [_big_figure(f"{shown} {UNIT[lang][unit] if total['value'] is not None else ''}".strip()), ""]
    parts.append(table(t["kec_head"][1:], [(cell(v["breakdown"]), fmt(v["numerator"], count_unit, lang),
                                            fmt(v["denominator"], "count", lang), fmt(v["value"], unit, lang))
                                           for v in kab]) if kab else t["none"])

    parts += ["", f"## {t['definition']}", "",
              f"- {t['numerator']}: `{ind['numerator']}`" + (f", filter `{ind['filter']}`" if ind.get("filter") else ""),
              f"- {t['denominator']}: `{den}`", f"- {t['unit']}: {UNIT[lang][unit]}",
              f"- {t['commitments']}: " + ", ".join(f"[{c}](../commitments/{c}.md)" if c in commitment_ids else c
                                                    for c in ind.get("commitments", [])), ""]

    why = [cell(ind["description_" + lang])]
    if ind.get("commitments"):
        why.append(t["measures"].format(ids=", ".join(ind["commitments"])))
    if ind.get("higher_is_better") is not None:
        why.append(t["better_high"] if ind["higher_is_better"] else t["better_low"])
    parts += [f"## {t['why']}", "", " ".join(why), ""]

    # Over the periods: every period of the database, at regency level.
    parts += [f"## {t['trend']}", ""]
    kab_all = [v for v in mine if v["level"] == "kabupaten"]
    breakdowns = sorted({v["breakdown"] for v in kab_all}, key=lambda b: (b != "all", b))
    if kab_all:
        series = [(t["all"] if b == "all" else b, {v["period"]: v["value"] for v in kab_all if v["breakdown"] == b})
                  for b in breakdowns]
        desc = t["trend_desc"] + " " + "; ".join(
            f"{name}: " + ", ".join(f"{p} {label(pts[p]) if pts.get(p) is not None else t['words']['suppressed']}"
                                     for p in rel.periods if p in pts) for name, pts in series)
        svg, keys = sc.line_chart(rel.periods, series, label, f"{title}: {t['trend']}", desc, t["hidden_word"],
                                  UNIT[lang][unit], min_step=10 ** -decimals_of(unit))
        rows = [(p, t["all"] if v["breakdown"] == "all" else v["breakdown"], fmt(v["value"], unit, lang),
                 t["words"].get(v["status"], v["status"]) if v["value"] is None else MAP_TEXT[lang]["published"])
                for v in sorted(kab_all, key=lambda v: (v["breakdown"] != "all", v["breakdown"], v["period"]))
                for p in [v["period"]]]
        parts += [sc.figure(svg, sc.legend(keys, t["series"]) if len(series) > 1 else "",
                            sc.data_table(t["trend_table"], f"{title}: {t['trend']}",
                                          (t["period"], t["series"], t["value"], t["status"]), rows, numeric={2})), ""]
    else:
        parts += [t["none"], ""]

    # Kecamatan ranked.
    parts += [f"## {t['ranking'].format(period=period)}", ""]
    kecamatan = rel.level("kecamatan")
    if kec or kecamatan:
        for b in sorted({v["breakdown"] for v in kec} or {"all"}, key=lambda b: (b != "all", b)):
            by_code = {v["region_code"]: v for v in kec if v["breakdown"] == b}
            codes = [r["code"] for r in kecamatan] or sorted(by_code)
            rows = [(rel.name(c), (by_code.get(c) or {}).get("value"), _status(by_code.get(c))) for c in codes]
            ref = next((v for v in kab if v["breakdown"] == b and v["value"] is not None), None)
            desc = t["ranking_desc"] + " " + "; ".join(
                f"{n}: {label(v) if v is not None else t['words'].get(s, s)}" for n, v, s in rows)
            chart_title = f"{title}: {t['ranking'].format(period=period)}" + ("" if b == "all" else f" ({b})")
            svg = sc.ranking_chart(rows, label, chart_title, desc, t["words"],
                                   (t["all"], ref["value"]) if ref else None, min_step=10 ** -decimals_of(unit))
            note = (f'<p style="font-size:.75rem;margin:.2rem 0">{sc.esc(t["ranking_ref"].format(value=label(ref["value"])))}</p>'
                    if ref else "")
            if b == "all":
                parts += [sc.figure(svg, note), ""]
            else:
                parts += [f'<details><summary>{sc.esc(t["ranking_for"].format(breakdown=b))}</summary>'
                          f'{sc.figure(svg, note)}</details>', ""]
    parts += [f"### {t['kecamatan'].format(period=period)}", ""]
    parts.append(table(t["kec_head"], [(cell(f"{v['region_name']} ({v['region_code']})"), cell(v["breakdown"]),
                                        fmt(v["numerator"], count_unit, lang), fmt(v["denominator"], "count", lang),
                                        fmt(v["value"], unit, lang))
                                       for v in [{**v, "region_name": rel.name(v["region_code"])} for v in kec]])
                 if kec else t["none"])

    # Villages on a map.
    parts += ["", f"## {t['map'].format(period=period)}", ""]
    if ind.get("by"):
        parts += [t["map_breakdown"].format(by=f"`{ind['by']}`"), ""]
    else:
        desa = {v["region_code"]: v for v in now if v["level"] == "desa" and v["breakdown"] == "all"}
        parts += [_village_map(rel, geo, desa, unit, lang, f"{title}: {t['map'].format(period=period)}",
                               UNIT[lang][unit]), ""]

    parts += [f"## {t['caveats']}", ""]
    caveats = ([CAVEATS[lang][ind["id"]]] if ind["id"] in CAVEATS[lang] else []) + COMMON_CAVEATS[lang]
    parts += [f"- {c}" for c in caveats] + [""]

    desa_now = [v for v in now if v["level"] == "desa"]
    parts += [f"## {t['hidden']}", "", t["hidden_text"].format(
        period=period, hk=sum(v["status"] == "suppressed" for v in kec), nk=len(kec),
        hd=sum(v["status"] == "suppressed" for v in desa_now), nd=len(desa_now),
        na=sum(v["status"] == "not_applicable" for v in desa_now)), "", t["protection_link"], ""]

    tables = [num_table] + [d.split(".")[0] for d in [ind.get("denominator")] if d and d.split(".")[0] != num_table]
    iid = ind["id"]
    parts += [f"## {t['links']}", "",
              f"- {t['dl_values']}: [CSV](/downloads/csv/indicator_values.csv) · [XLSX](/downloads/xlsx/indicator_values.xlsx)"]
    parts += [f"- {t['dl_table'].format(table=tb)}: [CSV](/downloads/csv/{tb}.csv) · [XLSX](/downloads/xlsx/{tb}.xlsx)"
              for tb in tables]
    parts += [f"- [{t['query']}: {t['q_values'].format(period=period)}]"
              f"({DB_PATH}/indicator_values?indicator_id={iid}&period={period})",
              f"- [{t['q_kec']}]({DB_PATH}/indicator_by_region?indicator={iid}&period={period}&level=kecamatan)",
              f"- [{t['q_desa']}]({DB_PATH}/indicator_by_region?indicator={iid}&period={period}&level=desa)",
              f"- [{t['q_trend']}]({DB_PATH}/indicator_trend?indicator={iid}&code={rel.regency or ''})"]
    parts += [f"- [{t['q_table'].format(table=tb, period=period)}]({DB_PATH}/{tb}?period={period}&level=desa)"
              for tb in tables]
    parts += [f"- [`{num_table}`]({DB_PATH}/{num_table})", ""]
    return "\n".join(parts)


def _village_map(rel: Release, geo, by_code: dict, unit: str, lang: str, title: str, unit_label: str,
                 value_of=None) -> str:
    """A village map (or its notice and table without boundaries) of one value per village."""
    m = MAP_TEXT[lang]
    areas = []
    for r in rel.level("desa"):
        v = by_code.get(r["code"])
        value = value_of(v) if value_of else (v or {}).get("value")
        status = "published" if value is not None else _status(v)
        if status == "published" and value is None:
            status = "no_data"
        areas.append({"code": r["code"], "name": r["name"], "kecamatan": rel.name(r["parent_code"]),
                      "value": value, "status": status})
    label = short(unit, lang)
    if geo is None:
        return map_notice(areas, label, m, title, unit_label)
    shown = [a for a in areas if a["value"] is not None]
    desc = (TEXT[lang]["map_desc"].format(regency=rel.regency_name) + " "
            + f"{len(shown)}/{len(areas)} " + m["villages"] + " " + m["published"] + ".")
    return choropleth(geo, areas, label, decimals_of(unit), m, title, desc, unit_label)


# --- the poverty map --------------------------------------------------------------

POVERTY = {
    "id": {
        "title": "Peta kemiskinan {regency}",
        "intro": "Halaman ini menggambarkan keluarga miskin di {regency} pada periode {period}: bagaimana keluarga "
                 "DTKS tersebar menurut desil kesejahteraan, di desa mana keluarga miskin paling banyak, di mana "
                 "mereka tidak dijangkau program apa pun, dan seberapa jauh program menjangkau kelompok sasarannya. "
                 "Warna peta memakai skema viridis yang dapat dibedakan oleh penyandang buta warna; setiap kelas "
                 "ditulis rentangnya, dan desa yang angkanya disembunyikan berwarna abu-abu berarsir, bukan nol.",
        "desil": "Sebaran desil kesejahteraan (kabupaten)",
        "desil_intro": "Keluarga DTKS/DTSEN per desil: desil 1 adalah 10% rumah tangga termiskin, desil 10 yang "
                       "terkaya (peringkat BPS). Desil 1–{max} dihitung sebagai keluarga miskin.",
        "desil_axis": "Desil (1 = termiskin)", "families": "Keluarga", "poor": "Desil 1–{max} (miskin)",
        "other": "Desil lain", "hidden": "Disembunyikan (bukan nol)",
        "desil_table": "Tabel data grafik", "desil_head": ("Desil", "Keluarga", "Status"),
        "desil_kec": "Sebaran desil per kecamatan",
        "desil_kec_intro": "Jumlah keluarga per desil; — berarti disembunyikan untuk melindungi kelompok kecil (bukan nol).",
        "no_desil": "Rilis ini belum menerbitkan sebaran desil (tabel `families_by_region_desil`).",
        "figures": "Angka utama kabupaten, periode {period}",
        "fig_head": ("Angka", "Nilai"),
        "fig_poor": "Keluarga DTKS desil 1–{max}", "fig_without": "Di antaranya tanpa bantuan apa pun",
        "fig_rate": "Keluarga miskin tanpa bantuan", "fig_pbi": "Cakupan PBI-JK (orang desil 1–5)",
        "fig_elderly": "Cakupan jaminan sosial lansia dan disabilitas",
        "map_poor": "Keluarga miskin per 100 keluarga, per desa",
        "map_poor_intro": "Keluarga DTKS desil 1–{max} (`exclusion_by_region.poor_families`) per 100 keluarga (KK) di "
                          "data kependudukan (`population_by_region.families`). Kosong bila salah satu angka disembunyikan.",
        "unit_poor": "keluarga miskin per 100 KK",
        "map_exclusion": "Keluarga miskin tanpa bantuan, per desa",
        "map_pbi": "Cakupan PBI-JK, per desa",
        "map_elderly": "Cakupan jaminan sosial lansia dan disabilitas, per desa",
        "more": "Definisi, grafik dan peringkat kecamatan: [{title}](indicators/{id}.md).",
        "read": "Cara membaca peta",
        "read_items": ["Makin terang warnanya, makin tinggi nilainya (viridis: ungu tua → kuning). Setiap warna "
                       "adalah satu kelas; rentangnya tertulis di keterangan.",
                       "Abu-abu berarsir: nilai disembunyikan karena angka yang dibutuhkannya 1 sampai 4 atau bisa "
                       "dihitung dari angka lain. Itu **bukan nol**.",
                       "Abu-abu muda: tidak berlaku (penyebutnya 0). Garis gelap: batas kecamatan.",
                       "Setiap peta punya tabel datanya di bawahnya, untuk pembaca layar dan untuk disalin."],
        "links": "Unduh dan kueri",
        "q_excl": "Keluarga miskin tanpa bantuan per kecamatan (kueri siap pakai)",
        "q_desil": "Keluarga per desil per desa, periode {period}",
        "q_map": "Peta interaktif di dasbor",
        "caveats": "Catatan",
        "caveat_items": ["Data pada demo ini sintetis.",
                         "Keluarga DTKS dan KK di data kependudukan tidak selalu satu lawan satu, jadi keluarga "
                         "miskin per 100 KK adalah perkiraan.",
                         "Batas wilayah disederhanakan untuk tampilan; kelas warna adalah kuantil nilai desa yang terbit."],
    },
    "en": {
        "title": "Poverty map of {regency}",
        "intro": "This page describes the poor families of {regency} in period {period}: how the welfare-register "
                 "families spread over the welfare deciles, which villages have the most poor families, where no "
                 "scheme reaches them, and how far the schemes reach their target groups. The maps use the viridis "
                 "colours, which people with colour-vision deficiencies can tell apart; every class has its range "
                 "written out, and villages whose figure is hidden are grey with a hatch, not zero.",
        "desil": "Welfare deciles (regency)",
        "desil_intro": "Welfare-register (DTKS/DTSEN) families per desil: desil 1 is the poorest tenth of households, "
                       "desil 10 the richest (BPS ranking). Desil 1–{max} count as poor families.",
        "desil_axis": "Desil (1 = poorest)", "families": "Families", "poor": "Desil 1–{max} (poor)",
        "other": "Other deciles", "hidden": "Hidden (not zero)",
        "desil_table": "The chart's data", "desil_head": ("Desil", "Families", "Status"),
        "desil_kec": "Deciles per kecamatan",
        "desil_kec_intro": "Families per desil; — means hidden to protect small groups (not zero).",
        "no_desil": "This release does not publish the desil distribution yet (table `families_by_region_desil`).",
        "figures": "Regency figures, period {period}",
        "fig_head": ("Figure", "Value"),
        "fig_poor": "Welfare-register families in desil 1–{max}", "fig_without": "Of them receiving no scheme",
        "fig_rate": "Poor families receiving nothing", "fig_pbi": "PBI-JK coverage (people in desil 1–5)",
        "fig_elderly": "Coverage of elderly and disabled people",
        "map_poor": "Poor families per 100 families, per village",
        "map_poor_intro": "Welfare-register families in desil 1–{max} (`exclusion_by_region.poor_families`) per 100 "
                          "families (KK) of the population register (`population_by_region.families`). Empty when "
                          "either count is hidden.",
        "unit_poor": "poor families per 100 KK",
        "map_exclusion": "Poor families receiving nothing, per village",
        "map_pbi": "PBI-JK coverage, per village",
        "map_elderly": "Coverage of elderly and disabled people, per village",
        "more": "Definition, chart and kecamatan ranking: [{title}](indicators/{id}.md).",
        "read": "Reading the maps",
        "read_items": ["The brighter the colour, the higher the value (viridis: dark purple → yellow). Each colour is "
                       "one class; its range is written in the legend.",
                       "Grey with a hatch: the value is hidden because a count it needs is 1 to 4 or could be "
                       "computed from other counts. It is **not zero**.",
                       "Light grey: not applicable (the denominator is 0). Dark lines: kecamatan boundaries.",
                       "Every map has its data table below it, for screen readers and for copying."],
        "links": "Download and query",
        "q_excl": "Poor families without aid per kecamatan (ready-made query)",
        "q_desil": "Families per desil per village, period {period}",
        "q_map": "Interactive map in the dashboard",
        "caveats": "Caveats",
        "caveat_items": ["The data in this demo is synthetic.",
                         "Welfare-register families and population-register family cards (KK) are not always one to "
                         "one, so poor families per 100 KK is an estimate.",
                         "Boundaries are simplified for display; the colour classes are quantiles of the published village values."],
    },
}


def max_desil() -> int:
    """The desil cut-off of the poor families (publish/defaults.yml exclusion.max_desil)."""
    import yaml

    path = Path(__file__).resolve().parent / "defaults.yml"
    try:
        return int(yaml.safe_load(path.read_text(encoding="utf-8"))["exclusion"]["max_desil"])
    except (OSError, KeyError, TypeError, ValueError):
        return 4


def poverty_page(rel: Release, geo, lang: str, cell, table) -> str:
    t, period = POVERTY[lang], rel.period
    top = max_desil()
    count = lambda v: fmt(v, "count", lang)  # noqa: E731
    parts = [f"# {cell(t['title'].format(regency=rel.regency_name))}", "",
             t["intro"].format(regency=cell(rel.regency_name), period=period), ""]

    # Regency figures.
    kab_values = {v["indicator_id"]: v for v in rel.values if v["level"] == "kabupaten" and v["period"] == period
                  and v["breakdown"] == "all"}
    excl = rel.exclusion.get(rel.regency or "", {})
    rows = [(t["fig_poor"].format(max=top), count(excl.get("poor_families"))),
            (t["fig_without"], count(excl.get("without_aid")))]
    for key, iid in (("fig_rate", "exclusion_rate"), ("fig_pbi", "pbi_coverage"), ("fig_elderly", "elderly_disabled_coverage")):
        v = kab_values.get(iid)
        rows.append((t[key], (fmt(v["value"], v["unit"], lang) + SUFFIX.get(v["unit"], "")) if v and v["value"] is not None
                     else TEXT[lang]["words"].get(_status(v), TEXT[lang]["none"])))
    parts += [f"## {t['figures'].format(period=period)}", "", table(t["fig_head"], [(cell(a), cell(b)) for a, b in rows]), ""]

    # Desil distribution.
    parts += [f"## {t['desil']}", "", t["desil_intro"].format(max=top), ""]
    kab = [r for r in rel.desil if r["level"] == "kabupaten" and r["region_code"] == rel.regency]
    if kab:
        poor_c, other_c = sc.VIRIDIS[5][1], sc.VIRIDIS[5][3]
        bars = [(str(r["desil"]), r["families"], poor_c if r["desil"] <= top else other_c) for r in kab]
        desc = t["desil_intro"].format(max=top) + " " + "; ".join(
            f"desil {r['desil']}: {count(r['families']) if r['families'] is not None else t['hidden']}" for r in kab)
        svg = sc.column_chart(bars, count, f"{t['desil']}, {period}", desc, t["desil_axis"], t["hidden"])
        keys = [(sc.swatch(poor_c), t["poor"].format(max=top)), (sc.swatch(other_c), t["other"]),
                (sc.swatch("", hatched=True), t["hidden"])]
        data = sc.data_table(t["desil_table"], f"{t['desil']}, {period}", t["desil_head"],
                             [(str(r["desil"]), count(r["families"]), MAP_TEXT[lang]["published"]
                               if r["families"] is not None else t["hidden"]) for r in kab], numeric={1})
        parts += [sc.figure(svg, sc.legend(keys, t["desil"]), data), ""]
        kec_rows = []
        for k in rel.level("kecamatan"):
            mine = {r["desil"]: r["families"] for r in rel.desil if r["level"] == "kecamatan" and r["region_code"] == k["code"]}
            kec_rows.append((k["name"], *(count(mine.get(d)) for d in range(1, 11))))
        parts += [f"### {t['desil_kec']}", "", t["desil_kec_intro"], "",
                  sc.html_table(f"{t['desil_kec']}, {period}", ("Kecamatan", *(f"D{d}" for d in range(1, 11))),
                                kec_rows, numeric=set(range(1, 11))), ""]
    else:
        parts += [t["no_desil"], ""]

    # Maps.
    def poor_per_100(v):
        if not v:
            return None
        poor, fam = v.get("poor_families"), v.get("families")
        return None if poor is None or not fam else round(100.0 * poor / fam, 2)

    joined = {}
    for code, e in rel.exclusion.items():
        p = rel.population.get(code, {})
        fam = p.get("families")
        status = ("suppressed" if e.get("poor_families") is None or fam is None else
                  "not_applicable" if fam == 0 else "published")
        joined[code] = {"poor_families": e.get("poor_families"), "families": fam, "status": status}
    parts += [f"## {t['map_poor']}", "", t["map_poor_intro"].format(max=top), "",
              _village_map(rel, geo, joined, "percent", lang, f"{t['map_poor']}, {period}", t["unit_poor"],
                           value_of=poor_per_100), ""]
    titles = {i["id"]: i["title_" + lang] for i in catalogue()}
    units = {i["id"]: i["unit"] for i in catalogue()}
    for key, iid in (("map_exclusion", "exclusion_rate"), ("map_pbi", "pbi_coverage"),
                     ("map_elderly", "elderly_disabled_coverage")):
        if iid not in titles:
            continue
        desa = {v["region_code"]: v for v in rel.values if v["indicator_id"] == iid and v["level"] == "desa"
                and v["period"] == period and v["breakdown"] == "all"}
        parts += [f"## {t[key]}", "", t["more"].format(title=cell(titles[iid]), id=iid), "",
                  _village_map(rel, geo, desa, units[iid], lang, f"{t[key]}, {period}", UNIT[lang][units[iid]]), ""]

    parts += [f"## {t['read']}", ""] + [f"- {x}" for x in t["read_items"]] + [""]
    parts += [f"## {t['caveats']}", ""] + [f"- {x}" for x in t["caveat_items"]] + [""]
    parts += [f"## {t['links']}", "",
              *(f"- `{tb}`: [CSV](/downloads/csv/{tb}.csv) · [XLSX](/downloads/xlsx/{tb}.xlsx)"
                for tb in ("families_by_region_desil", "exclusion_by_region", "coverage_by_region_group")),
              f"- [{t['q_desil'].format(period=period)}]({DB_PATH}/families_by_region_desil?period={period}&level=desa)",
              f"- [{t['q_excl']}]({DB_PATH}/excluded_poor_families_by_kecamatan?period={period})",
              f"- [{TEXT[lang]['q_desa']}: exclusion_rate]({DB_PATH}/indicator_by_region?indicator=exclusion_rate&period={period}&level=desa)",
              f"- [{t['q_map']}](/-/dashboards/peta?indicator=exclusion_rate&level=desa)", ""]
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


# Words for the blocking keys of publish.linked.PREDICTION_RULES, so the page follows the code.
BLOCKING_WORDS = {
    "id": {"heading": "Catatan hanya dibandingkan dengan catatan data kependudukan yang sama pada salah satu kunci berikut:",
           "birth_text": "tanggal lahir", "desa_code": "desa", "nik_prefix": "12 angka pertama NIK",
           "substr(name_norm, 1, 1)": "huruf pertama nama", "substr(name_norm, 1, 3)": "3 huruf pertama nama",
           "substr(birth_text, 1, 4)": "tahun lahir", "sex": "jenis kelamin", "and": "dan"},
    "en": {"heading": "A record is compared only with population-register records that share one of these keys:",
           "birth_text": "birth date", "desa_code": "village", "nik_prefix": "the first 12 digits of the NIK",
           "substr(name_norm, 1, 1)": "first letter of the name", "substr(name_norm, 1, 3)": "first 3 letters of the name",
           "substr(birth_text, 1, 4)": "birth year", "sex": "sex", "and": "and"},
}


def blocking_list(lang: str) -> str:
    from .linked import PREDICTION_RULES

    w = BLOCKING_WORDS[lang]
    def key(rule: tuple) -> str:
        words = [w[k] for k in rule]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {w['and']} {words[-1]}"

    items = [f"- {key(rule)}" for rule in PREDICTION_RULES]
    return w["heading"] + "\n\n" + "\n".join(items)


def write_linkage_page(docs: Path, index: dict, write_page, table) -> None:
    link = index.get("linkage", {})
    for lang, (title, paras, figures, head, accuracy) in LINKAGE.items():
        paras = paras[:4] + [blocking_list(lang)] + paras[4:]
        parts = [f"# {title}", ""] + [p + "\n" for p in paras] + [f"## {figures}", "",
                 table(head, [(str(link.get("exact", "")), str(link.get("probabilistic", "")),
                               str(link.get("unmatched_records", 0)), str(link.get("threshold", "")))]), ""]
        acc = link.get("accuracy")
        if acc:
            parts.append(accuracy.format(p=acc["precision"], r=acc["recall"]))
        write_page(docs, "linkage", lang, "\n".join(parts))


def protection_text() -> dict[str, dict]:
    """The protection page's prose (publish/text/protection.yml), per language."""
    doc = yaml.safe_load((Path(__file__).parent / "text" / "protection.yml").read_text(encoding="utf-8"))
    return {lang: {k: v[lang] for k, v in doc.items()} for lang in ("id", "en")}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def write_protection_page(docs: Path, index: dict, write_page, table) -> None:
    prot = index.get("protection", {})
    a = prot.get("audit", {})
    settings = prot.get("settings", {})
    fmt = {"k": settings.get("max_small_count", 4), "p": settings.get("p_percent", 10),
           "w": settings.get("min_interval", 2), "period": index.get("period", "")}
    full_levels = ["desa", "kecamatan", "kabupaten"]
    for lang, t in protection_text().items():
        parts = [f"# {t['title']}", ""] + [p.format(**fmt) + "\n" for p in t["intro"]]
        parts += [f"## {t['threat_title']}", ""] + [p.format(**fmt) + "\n" for p in t["threat"]]
        if a:
            sum_share = a.get("min_width_sum_share")
            parts += [f"## {t['figures']}", "", table(t["head"], [(
                ", ".join(a.get("periods", [])), str(a.get("cells")), str(a.get("hidden")),
                f"{100 * a.get('hidden_share', 0):.1f}%", str(a.get("min_width_count")),
                "–" if sum_share is None else f"{100 * sum_share:.1f}%", str(a.get("seconds")))]), ""]
        rel = prot.get("relations")
        if rel:
            parts += [f"## {t['relations_title']}", "", table(t["relations_head"], [(
                str(rel["derived"]), str(rel["found"]), str(len(rel["undeclared"])), str(rel["constraints"]))]), ""]
            if rel["undeclared"]:
                parts += [t["undeclared"], ""] + [f"- `{u}`" for u in rel["undeclared"]] + [""]
        narrowed = {n: lv for n, lv in (prot.get("levels") or {}).items() if lv and lv != full_levels}
        if narrowed:
            parts += [f"## {t['levels_title']}", "", t["levels"], ""]
            parts += [f"- `{n}`: {', '.join(lv)}" for n, lv in narrowed.items()] + [""]
        hidden = prot.get("hidden") or {}
        if hidden.get("tables"):
            rows = [(f"`{n}`", lv, str(c["cells"]), str(c["hidden"]), _pct(c["hidden"], c["cells"]))
                    for n, levels in hidden["tables"].items() for lv, c in levels.items()]
            parts += [f"## {t['shares_title'].format(**fmt)}", "", table(t["shares_head"], rows), ""]
        if hidden.get("indicators"):
            rows = [(f"`{i}`", *(_pct(lv[x]["hidden"], lv[x]["values"]) if x in lv else "–" for x in full_levels))
                    for i, lv in hidden["indicators"].items()]
            parts += [f"## {t['ind_title'].format(**fmt)}", "", table(t["ind_head"], rows), ""]
        lost = prot.get("information_lost", {})
        if lost:
            parts += [f"## {t['lost_title']}", "", table(("table", "%"), [(f"`{k}`", f"{100 * v:.1f}") for k, v in lost.items()]), ""]
        parts += [t["last"], ""]
        write_page(docs, "protection", lang, "\n".join(parts))
