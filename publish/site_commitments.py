"""Commitment pages: one per OGP commitment with its milestones as an accessible Gantt chart.

The chart is an inline SVG drawn here at build time (no JavaScript, nothing from a CDN): it has
`role="img"`, a `<title>` and a `<desc>`, and the milestone table under it says the same in text.
Each status has a colour *and* a pattern and is written out beside its bar, so the chart reads
without colour; an overdue milestone also gets a marker and a dashed line up to the period end.

Status codes and their labels come from `milestones.statuses` in `publish/defaults.yml`; the codes
must be the enum of `status` in `schemas/input/milestones.schema.json`, which validation enforces.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

LANGS = ("id", "en")
DATASETTE_DB = "/bansos-terbuka"
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")  # an id that may become a file name
DONE = "finished"  # the status that counts as done, as in the overdue_milestones canned query

TEXT = {
    "id": {
        "index_title": "Pemantauan komitmen",
        "index_intro": ("Komitmen Open Government Partnership yang dipantau situs ini, dengan kemajuan tonggaknya "
                        "per akhir periode data ({end})."),
        "index_head": ("Id", "Judul", "Wilayah", "Masa komitmen", "Kemajuan", "Terlambat"),
        "national": "nasional",
        "period": "Masa komitmen",
        "region": "Wilayah",
        "ogp_value": "Nilai OGP",
        "institutions": "Lembaga",
        "problem": "Masalah",
        "action": "Tindakan",
        "source": "Sumber: halaman komitmen di situs OGP",
        "progress": "Kemajuan",
        "progress_line": "**{done} dari {total}** tonggak selesai ({share}).",
        "overdue_line": "Terlambat per akhir periode data ({end}): **{n}**.",
        "by_status": "Tonggak per status",
        "milestones": "Tonggak",
        "milestone_head": ("No", "Judul", "Mulai", "Selesai", "Status", "Status diperbarui", "Bukti"),
        "table_note": "Tabel ini memuat isi diagram di atas sebagai teks.",
        "evidence": "bukti",
        "no_milestones": "Belum ada tonggak.",
        "overdue": "Terlambat",
        "overdue_title": "Tonggak terlambat",
        "overdue_intro": "Tonggak yang tenggatnya sebelum akhir periode data ({end}) tetapi belum selesai:",
        "no_overdue": "Tidak ada tonggak yang terlambat per akhir periode data ({end}).",
        "days_late": "{days} hari lewat tenggat",
        "milestone_note": "Status tonggak pada demo ini sintetis, bukan penilaian OGP yang sebenarnya.",
        "indicators": "Indikator yang mengukur komitmen ini",
        "indicators_intro": "Nilai kabupaten {regency}, periode {period}. Setiap indikator punya halaman sendiri dan datanya dapat dibuka di Datasette.",
        "indicator_head": ("Indikator", "Nilai kabupaten", "Satuan", "Data"),
        "no_indicators": "Belum ada indikator di katalog yang mengukur komitmen ini.",
        "values": "nilai",
        "table": "tabel",
        "per_breakdown": "per rincian",
        "hidden": "tersembunyi",
        "not_applicable": "tidak berlaku",
        "none": "—",
        # The chart
        "chart_title": "Linimasa tonggak: {title}",
        "chart_desc": ("Tonggak: {total}, dari {start} sampai {end}. Selesai: {done}; terlambat: {overdue}{which}. "
                       "Garis tegak menandai akhir periode data ({period_end}). Tabel di bawah diagram memuat isi yang sama."),
        "chart_which": " (nomor {numbers})",
        "period_end": "akhir periode data {date}",
        "commitment_band": "masa komitmen",
        "legend_overdue": "terlambat",
        "figure_caption": "Linimasa tonggak. Setiap status punya warna dan pola sendiri, dan ditulis di bawah judul tonggak.",
    },
    "en": {
        "index_title": "Commitment tracker",
        "index_intro": ("The Open Government Partnership commitments this site follows, with the progress of their "
                        "milestones at the end of the data period ({end})."),
        "index_head": ("Id", "Title", "Region", "Commitment period", "Progress", "Overdue"),
        "national": "national",
        "period": "Commitment period",
        "region": "Region",
        "ogp_value": "OGP value",
        "institutions": "Institutions",
        "problem": "Problem",
        "action": "Action",
        "source": "Source: the commitment's page on the OGP website",
        "progress": "Progress",
        "progress_line": "**{done} of {total}** milestones finished ({share}).",
        "overdue_line": "Overdue at the end of the data period ({end}): **{n}**.",
        "by_status": "Milestones by status",
        "milestones": "Milestones",
        "milestone_head": ("No", "Title", "Start", "End", "Status", "Status updated", "Evidence"),
        "table_note": "This table holds what the chart above shows, as text.",
        "evidence": "evidence",
        "no_milestones": "No milestones yet.",
        "overdue": "Overdue",
        "overdue_title": "Overdue milestones",
        "overdue_intro": "Milestones due before the end of the data period ({end}) that are not finished:",
        "no_overdue": "No milestone is overdue at the end of the data period ({end}).",
        "days_late": "{days} days past due",
        "milestone_note": "Milestone statuses in this demo are synthetic, not a real OGP assessment.",
        "indicators": "Indicators that measure this commitment",
        "indicators_intro": "Values for {regency}, period {period}. Each indicator has its own page, and its data opens in Datasette.",
        "indicator_head": ("Indicator", "Regency value", "Unit", "Data"),
        "no_indicators": "No indicator in the catalogue measures this commitment yet.",
        "values": "values",
        "table": "table",
        "per_breakdown": "per breakdown",
        "hidden": "hidden",
        "not_applicable": "not applicable",
        "none": "—",
        "chart_title": "Milestone timeline: {title}",
        "chart_desc": ("Milestones: {total}, from {start} to {end}. Finished: {done}; overdue: {overdue}{which}. "
                       "The vertical line marks the end of the data period ({period_end}). The table under the chart holds the same content."),
        "chart_which": " (number {numbers})",
        "period_end": "end of data period {date}",
        "commitment_band": "commitment period",
        "legend_overdue": "overdue",
        "figure_caption": "Milestone timeline. Each status has its own colour and pattern, and is written under the milestone's title.",
    },
}

UNIT = {
    "id": {"percent": "persen", "per_10000": "per 10.000 penduduk", "share_of_target": "persen dari target",
           "rupiah_per_family": "rupiah per keluarga", "days": "hari"},
    "en": {"percent": "percent", "per_10000": "per 10,000 residents", "share_of_target": "percent of target",
           "rupiah_per_family": "rupiah per family", "days": "days"},
}

# Okabe-Ito colours (safe for colour-blind readers) with a darker outline for contrast on white,
# and a pattern per status so that no reader has to tell colours apart.
STYLE = {
    "finished": {"fill": "#009E73", "stroke": "#00664A", "pattern": "solid"},
    "in_progress": {"fill": "#0072B2", "stroke": "#004F7C", "pattern": "stripes"},
    "stuck": {"fill": "#E69F00", "stroke": "#8A5A00", "pattern": "cross"},
    "incomplete": {"fill": "#CC79A7", "stroke": "#8B3A6F", "pattern": "dots"},
    "not_started": {"fill": "#FFFFFF", "stroke": "#595959", "pattern": "empty"},
}
FALLBACK_STYLE = {"fill": "#999999", "stroke": "#4D4D4D", "pattern": "lines"}
OVERDUE_COLOUR = "#C0392B"


@dataclass
class Commitment:
    row: dict
    milestones: list[dict]


# --- the status vocabulary -----------------------------------------------------------


def schema_statuses(repo_root: Path) -> list[str]:
    """The status codes the milestones input schema allows (its enum): the source of truth."""
    schema = json.loads((repo_root / "schemas" / "input" / "milestones.schema.json").read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "status")
    return list(field["constraints"]["enum"])


def status_vocabulary(config: dict, repo_root: Path) -> dict[str, dict[str, str]]:
    """code -> {"id": label, "en": label} from the config, checked against the schema's enum."""
    vocab = (config.get("milestones") or {}).get("statuses") or {}
    enum = schema_statuses(repo_root)
    if set(vocab) != set(enum):
        raise ValueError(
            "milestones.statuses di konfigurasi tidak sama dengan enum status di schemas/input/milestones.schema.json "
            f"({sorted(vocab)} vs {sorted(enum)}) / milestones.statuses in the config differ from the status enum of "
            f"schemas/input/milestones.schema.json ({sorted(vocab)} vs {sorted(enum)})")
    for code, labels in vocab.items():
        if not isinstance(labels, dict) or not all(labels.get(lang) for lang in LANGS):
            raise ValueError(f"milestones.statuses.{code}: label 'id' dan 'en' wajib / needs labels 'id' and 'en'")
    return {code: {lang: str(vocab[code][lang]) for lang in LANGS} for code in enum}


# --- reading -------------------------------------------------------------------------


def _rows(con: sqlite3.Connection, table: str, sql: str, params=()) -> list[dict]:
    if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
        return []
    return [dict(r) for r in con.execute(sql, params)]


def read_indicators(db_path: Path, period: str) -> tuple[list[dict], dict]:
    """The indicator catalogue as published (table `indicators`), and regency values of the period."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        indicators = _rows(con, "indicators", "SELECT * FROM indicators ORDER BY rowid")
        values = _rows(con, "indicator_values",
                       "SELECT indicator_id, breakdown, value, status FROM indicator_values "
                       "WHERE level = 'kabupaten' AND period = ?", [period])
    finally:
        con.close()
    if not indicators:  # a database without the published catalogue: use the catalogue itself
        from .catalogue import catalogue

        indicators = [{"indicator_id": i["id"], "title_id": i["title_id"], "title_en": i["title_en"],
                       "numerator": i["numerator"], "unit": i["unit"],
                       "commitments": ",".join(i.get("commitments", []))} for i in catalogue()]
    by_indicator: dict = {}
    for v in values:
        by_indicator.setdefault(v["indicator_id"], {})[v["breakdown"]] = v
    return indicators, by_indicator


def measuring(indicators: list[dict], commitment_id: str) -> list[dict]:
    """The indicators whose `commitments` list names this commitment."""
    return [i for i in indicators
            if commitment_id in [c.strip() for c in str(i.get("commitments") or "").split(",")]]


# --- facts about milestones ------------------------------------------------------------


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def is_overdue(milestone: dict, end: date) -> bool:
    """Due before the end of the data period and not finished."""
    due = _date(milestone.get("end_date"))
    return due is not None and due < end and milestone.get("status") != DONE


def progress(milestones: list[dict], end: date) -> dict:
    done = sum(1 for m in milestones if m.get("status") == DONE)
    overdue = [m for m in milestones if is_overdue(m, end)]
    return {"done": done, "total": len(milestones), "overdue": overdue}


def share(done: int, total: int, lang: str) -> str:
    if not total:
        return TEXT[lang]["none"]
    return f"{round(100 * done / total)}%"


# --- Markdown helpers (plain text only: nothing from the data becomes HTML) -------------


def text(value) -> str:
    return html.escape("" if value is None else str(value), quote=False)


def cell(value) -> str:
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
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("|", "%7C")):
        url = url.replace(char, code)
    return f"[{label}]({url})"


def pick(item: dict, lang: str, id_key: str, en_key: str) -> str:
    first, second = (id_key, en_key) if lang == "id" else (en_key, id_key)
    return item.get(first) or item.get(second) or ""


def number(value, unit: str, lang: str) -> str:
    """A value as the indicator pages write it: Indonesian decimal comma, English decimal point."""
    if value is None:
        return TEXT[lang]["none"]
    digits = 0 if unit == "rupiah_per_family" else 2
    s = f"{value:,.{digits}f}"
    if lang == "id":
        s = s.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"Rp {s}" if unit == "rupiah_per_family" else s


# --- the Gantt chart -------------------------------------------------------------------

W = 760          # viewBox width
LABEL_W = 290    # left column: number, title, status
PLOT_X0 = LABEL_W + 10
PLOT_X1 = W - 16
TOP = 50         # room for the period-end label (first line) and the year labels (second)
ROW_H = 50
BAR_H = 18


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _patterns(prefix: str) -> str:
    out = []
    for code, st in list(STYLE.items()) + [("other", FALLBACK_STYLE)]:
        pid = f"{prefix}-{code}"
        fill, stroke, kind = st["fill"], st["stroke"], st["pattern"]
        if kind == "solid":
            body = f'<rect width="8" height="8" fill="{fill}"/>'
        elif kind == "stripes":
            body = (f'<rect width="8" height="8" fill="#D6E9F5"/>'
                    f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{fill}" stroke-width="2.2"/>')
        elif kind == "cross":
            body = (f'<rect width="8" height="8" fill="#FFF3D6"/>'
                    f'<path d="M0,0 L8,8 M8,0 L0,8" stroke="{stroke}" stroke-width="1.6"/>')
        elif kind == "dots":
            body = (f'<rect width="8" height="8" fill="#F6E4EE"/>'
                    f'<circle cx="4" cy="4" r="2" fill="{stroke}"/>')
        elif kind == "empty":
            body = f'<rect width="8" height="8" fill="{fill}"/>'
        else:
            body = (f'<rect width="8" height="8" fill="#EEEEEE"/>'
                    f'<path d="M0,4 L8,4" stroke="{stroke}" stroke-width="1.6"/>')
        out.append(f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">{body}</pattern>')
    return "<defs>" + "".join(out) + "</defs>"


def _style(status: str) -> tuple[dict, str]:
    return (STYLE[status], status) if status in STYLE else (FALLBACK_STYLE, "other")


def _years(t0: date, t1: date) -> list[date]:
    return [date(y, 1, 1) for y in range(t0.year + 1, t1.year + 1) if t0 < date(y, 1, 1) <= t1]


def gantt_svg(c: Commitment, end: date, vocab: dict, lang: str) -> str:
    """The milestones of one commitment as an inline SVG Gantt chart (one bar per milestone)."""
    t = TEXT[lang]
    cid = str(c.row["commitment_id"])
    prefix = f"gantt-{cid}"
    ms = [m for m in c.milestones if _date(m.get("start_date")) and _date(m.get("end_date"))]
    cs, ce = _date(c.row.get("start_date")), _date(c.row.get("end_date"))
    m_start = min((_date(m["start_date"]) for m in ms), default=None)
    m_end = max((_date(m["end_date"]) for m in ms), default=None)
    t0 = min(d for d in (cs, m_start, end) if d).replace(day=1)
    t1 = max(d for d in (ce, m_end, end) if d) + timedelta(days=31)
    span = max((t1 - t0).days, 1)

    def x(d: date) -> float:
        return round(PLOT_X0 + (d - t0).days / span * (PLOT_X1 - PLOT_X0), 1)

    status_codes = list(vocab)
    legend_rows = -(-(len(status_codes) + 2) // 3)
    height = TOP + ROW_H * max(len(ms), 1) + 18 + legend_rows * 26 + 8
    plot_bottom = TOP + ROW_H * max(len(ms), 1)
    info = progress(ms, end)
    numbers = ", ".join(str(m["milestone_no"]) for m in info["overdue"])
    title = t["chart_title"].format(title=pick(c.row, lang, "title_id", "title_en"))
    desc = t["chart_desc"].format(
        total=len(ms), start=m_start.isoformat() if m_start else "", end=m_end.isoformat() if m_end else "",
        done=info["done"], overdue=len(info["overdue"]),
        which=t["chart_which"].format(numbers=numbers) if numbers else "", period_end=end.isoformat())

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bt-gantt__svg" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" viewBox="0 0 {W} {height}" width="{W}" height="{height}" '
        f'data-commitment="{_attr(cid)}">',
        f'<title id="{prefix}-title">{text(title)}</title>',
        f'<desc id="{prefix}-desc">{text(desc)}</desc>',
        _patterns(prefix),
    ]
    # Commitment period band, year grid and labels.
    if cs and ce and cs <= ce:
        parts.append(f'<rect class="gantt-band" x="{x(cs)}" y="{TOP - 6}" width="{max(x(ce) - x(cs), 1)}" '
                     f'height="{plot_bottom - TOP + 6}" fill="#F2F2F2"/>')
    for y in _years(t0, t1):
        parts.append(f'<line x1="{x(y)}" y1="{TOP - 8}" x2="{x(y)}" y2="{plot_bottom}" stroke="#C8C8C8" stroke-width="1"/>')
        parts.append(f'<text x="{x(y) + 3}" y="{TOP - 12}" font-size="14" fill="currentColor">{y.year}</text>')
    # Rows.
    for i, m in enumerate(ms):
        top = TOP + i * ROW_H
        s, e = _date(m["start_date"]), _date(m["end_date"])
        st, key = _style(str(m.get("status")))
        label = vocab.get(m.get("status"), {}).get(lang, str(m.get("status")))
        overdue = is_overdue(m, end)
        name = pick(m, lang, "title_id", "title_en")
        if i % 2:
            parts.append(f'<rect x="0" y="{top}" width="{W}" height="{ROW_H}" fill="#000000" fill-opacity="0.03"/>')
        parts.append(f'<text x="4" y="{top + 21}" font-size="15" font-weight="bold" fill="currentColor">'
                     f'{text(m["milestone_no"])}.</text>')
        parts.append(f'<text x="28" y="{top + 21}" font-size="15" fill="currentColor">{text(_short(name, 31))}'
                     f'<title>{text(name)}</title></text>')
        state = label + (f" · {t['legend_overdue']}" if overdue else "")
        parts.append(f'<text x="28" y="{top + 40}" font-size="14" fill="currentColor" '
                     f'font-style="italic">{text(state)}</text>')
        bx, bw = x(s), max(x(e + timedelta(days=1)) - x(s), 3)
        by = top + (ROW_H - BAR_H) / 2
        dash = ' stroke-dasharray="4 3"' if key == "not_started" else ""
        parts.append(
            f'<rect class="gantt-bar" data-milestone="{_attr(m["milestone_no"])}" data-status="{_attr(m.get("status"))}"'
            f' data-overdue="{str(overdue).lower()}" x="{bx}" y="{by}" width="{round(bw, 1)}" height="{BAR_H}"'
            f' fill="url(#{prefix}-{key})" stroke="{st["stroke"]}" stroke-width="1.5"{dash}>'
            f'<title>{text(m["milestone_no"])}. {text(name)}: {text(m["start_date"])} – {text(m["end_date"])}, '
            f'{text(state)}</title></rect>')
        if overdue:
            ex = round(bx + bw, 1)
            mid = round(by + BAR_H / 2, 1)
            parts.append(f'<line class="gantt-overdue" x1="{ex}" y1="{mid}" x2="{x(end)}" y2="{mid}" '
                         f'stroke="{OVERDUE_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>')
            parts.append(f'<path d="M{ex},{by - 7} l7,12 h-14 z" fill="{OVERDUE_COLOUR}"/>'
                         f'<text x="{ex}" y="{by + 4}" font-size="10" font-weight="bold" fill="#FFFFFF" '
                         f'text-anchor="middle">!</text>')
    # The end of the data period: the "today" of this release.
    px = x(end)
    anchor = "end" if px > W - 240 else "start"
    tx = px - 4 if anchor == "end" else px + 4
    parts.append(f'<line class="gantt-today" x1="{px}" y1="4" x2="{px}" y2="{plot_bottom}" '
                 f'stroke="currentColor" stroke-width="2"/>')
    parts.append(f'<text x="{tx}" y="4" font-size="14" font-weight="bold" fill="currentColor" '
                 f'text-anchor="{anchor}" dominant-baseline="hanging">{text(t["period_end"].format(date=end.isoformat()))}</text>')
    # Legend: every status of the vocabulary, the commitment period, overdue and the period end.
    items = [(code, vocab[code][lang]) for code in status_codes]
    ly = plot_bottom + 22
    col_w = (W - 8) / 3
    entries = [("status", code, label) for code, label in items] + [("band", None, t["commitment_band"]),
                                                                      ("overdue", None, t["legend_overdue"])]
    for k, (kind, code, label) in enumerate(entries):
        lx = 4 + (k % 3) * col_w
        yy = ly + (k // 3) * 26
        if kind == "status":
            st, key = _style(code)
            dash = ' stroke-dasharray="4 3"' if key == "not_started" else ""
            parts.append(f'<rect x="{lx}" y="{yy - 12}" width="28" height="14" fill="url(#{prefix}-{key})" '
                         f'stroke="{st["stroke"]}" stroke-width="1.5"{dash}/>')
        elif kind == "band":
            parts.append(f'<rect x="{lx}" y="{yy - 12}" width="28" height="14" fill="#F2F2F2" stroke="#C8C8C8"/>')
        else:
            parts.append(f'<line x1="{lx}" y1="{yy - 5}" x2="{lx + 28}" y2="{yy - 5}" stroke="{OVERDUE_COLOUR}" '
                         f'stroke-width="2" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{lx + 36}" y="{yy}" font-size="14" fill="currentColor">{text(label)}</text>')
    parts.append("</svg>")
    return ('<figure class="bt-gantt">\n<div class="bt-gantt__scroll">'
            + "".join(parts)
            + f'</div>\n<figcaption>{text(t["figure_caption"])}</figcaption>\n</figure>')


# --- pages -----------------------------------------------------------------------------


def write_commitment_pages(docs: Path, commitments: list[Commitment], end: date, vocab: dict,
                           indicators: list[dict], values: dict, index: dict, write_page) -> list[str]:
    """commitments/index and commitments/<id>, both languages; returns their paths for the nav."""
    for lang in LANGS:
        write_page(docs, "commitments/index", lang, index_page(commitments, end, lang))
        for c in commitments:
            write_page(docs, f"commitments/{c.row['commitment_id']}", lang,
                       commitment_page(c, end, vocab, indicators, values, index, docs, lang))
    return ["commitments/index.md"] + [f"commitments/{c.row['commitment_id']}.md" for c in commitments]


def region_label(row: dict, lang: str) -> str:
    return text(row.get("region_code") or TEXT[lang]["national"])


def index_page(commitments: list[Commitment], end: date, lang: str) -> str:
    t = TEXT[lang]
    rows = []
    for c in commitments:
        p = progress(c.milestones, end)
        rows.append((f"[{cell(c.row['commitment_id'])}]({c.row['commitment_id']}.md)",
                     cell(pick(c.row, lang, "title_id", "title_en")),
                     cell(c.row.get("region_code") or t["national"]),
                     f"{cell(c.row.get('start_date'))} – {cell(c.row.get('end_date'))}",
                     f"{p['done']}/{p['total']} ({share(p['done'], p['total'], lang)})",
                     str(len(p["overdue"]))))
    return "\n\n".join([f"# {t['index_title']}", t["index_intro"].format(end=end.isoformat()),
                        table(t["index_head"], rows), t["milestone_note"]])


def status_text(m: dict, vocab: dict, lang: str) -> str:
    status = str(m.get("status") or "")
    return vocab.get(status, {}).get(lang, status)


def milestone_row(m: dict, end: date, vocab: dict, lang: str) -> tuple[str, ...]:
    t = TEXT[lang]
    status = cell(status_text(m, vocab, lang))
    if is_overdue(m, end):
        status += f" — **{t['overdue']}**"
    evidence = link(t["evidence"], m.get("evidence_url")) if m.get("evidence_url") else ""
    return (cell(m.get("milestone_no")), cell(pick(m, lang, "title_id", "title_en")),
            cell(m.get("start_date")), cell(m.get("end_date")), status,
            cell(m.get("status_updated")), evidence)


def commitment_page(c: Commitment, end: date, vocab: dict, indicators: list[dict], values: dict,
                    index: dict, docs: Path, lang: str) -> str:
    t, row = TEXT[lang], c.row
    institutions = [i.strip() for i in (row.get("institutions") or "").split(";") if i.strip()]
    ogp_values = [v.strip() for v in (row.get("ogp_value") or "").split(";") if v.strip()]
    p = progress(c.milestones, end)
    parts = [
        f"# {text(pick(row, lang, 'title_id', 'title_en'))}",
        f"- Id: `{text(row['commitment_id'])}`\n"
        f"- {t['region']}: {region_label(row, lang)}\n"
        f"- {t['period']}: {text(row.get('start_date'))} – {text(row.get('end_date'))}\n"
        f"- {t['ogp_value']}: {text('; '.join(ogp_values))}",
        f"## {t['progress']}",
        t["progress_line"].format(done=p["done"], total=p["total"], share=share(p["done"], p["total"], lang))
        + " " + t["overdue_line"].format(n=len(p["overdue"]), end=end.isoformat()),
    ]
    counts = [(vocab[code][lang], sum(1 for m in c.milestones if m.get("status") == code)) for code in vocab]
    counts += [(s, sum(1 for m in c.milestones if m.get("status") == s))
               for s in sorted({str(m.get("status")) for m in c.milestones} - set(vocab))]
    if c.milestones:
        parts.append(f"{t['by_status']}: " + ", ".join(f"{text(label)} **{n}**" for label, n in counts) + ".")
    parts += [f"## {t['problem']}", text(pick(row, lang, "problem_id", "problem_en")) or t["none"]]
    action = pick(row, lang, "action_id", "action_en")
    if action:
        parts += [f"## {t['action']}", text(action)]
    if institutions:
        parts += [f"## {t['institutions']}", "\n".join(f"- {text(i)}" for i in institutions)]
    parts.append(link(t["source"], row.get("source_url")))
    parts += [f"## {t['milestones']}", milestones_section(c, end, vocab, lang)]
    parts += [f"## {t['indicators']}", indicators_section(c, indicators, values, index, docs, lang)]
    return "\n\n".join(parts)


def milestones_section(c: Commitment, end: date, vocab: dict, lang: str) -> str:
    t = TEXT[lang]
    if not c.milestones:
        return f"{t['no_milestones']}\n\n{t['milestone_note']}"
    parts = [gantt_svg(c, end, vocab, lang),
             table(t["milestone_head"], [milestone_row(m, end, vocab, lang) for m in c.milestones]),
             t["table_note"]]
    overdue = [m for m in c.milestones if is_overdue(m, end)]
    parts.append(f"### {t['overdue_title']}")
    if overdue:
        items = "\n".join(
            f"- {t['milestone_head'][0]} {text(m.get('milestone_no'))}: "
            f"{text(pick(m, lang, 'title_id', 'title_en'))} "
            f"({text(m.get('end_date'))}, {text(status_text(m, vocab, lang))}, "
            f"{t['days_late'].format(days=(end - _date(m['end_date'])).days)})"
            for m in overdue)
        parts += [t["overdue_intro"].format(end=end.isoformat()), items]
    else:
        parts.append(t["no_overdue"].format(end=end.isoformat()))
    parts.append(f"!!! note\n    {t['milestone_note']}")
    return "\n\n".join(parts)


def indicators_section(c: Commitment, indicators: list[dict], values: dict, index: dict, docs: Path,
                       lang: str) -> str:
    t = TEXT[lang]
    mine = measuring(indicators, str(c.row["commitment_id"]))
    if not mine:
        return t["no_indicators"]
    rows = []
    for ind in mine:
        iid = str(ind["indicator_id"])
        title = cell(pick(ind, lang, "title_id", "title_en") or iid)
        page = docs / "indicators" / f"{iid}.md"
        name = f"[{title}](../indicators/{iid}.md)" if page.exists() else title
        table_name = str(ind.get("numerator") or "").split(".")[0]
        vals = values.get(iid, {})
        unit = str(ind.get("unit") or "")
        if "all" in vals:
            v = vals["all"]
            shown = (number(v["value"], unit, lang) if v["value"] is not None
                     else t["not_applicable"] if v.get("status") == "not_applicable" else t["hidden"])
        elif vals:
            shown = t["per_breakdown"]
        else:
            shown = t["none"]
        data = f"[{t['values']}]({DATASETTE_DB}/indicator_values?indicator_id={iid}&level=kabupaten)"
        if table_name:
            data += f" · [{t['table']} `{cell(table_name)}`]({DATASETTE_DB}/{table_name})"
        rows.append((name, shown, cell(UNIT[lang].get(unit, unit)), data))
    regency = (index.get("regency") or {}).get("name") or (index.get("regency") or {}).get("code") or ""
    return "\n\n".join([t["indicators_intro"].format(regency=text(regency), period=text(index.get("period", ""))),
                        table(t["indicator_head"], rows)])
