"""Charts drawn as inline SVG in Python at build time: no JavaScript, no library, no CDN.

Every chart is an accessible image (`role="img"` with `<title>` and `<desc>`), scales to its
container (`viewBox`, width 100%) and comes with its data as a table. Colours are colour-blind
safe: viridis steps for sequential classes, Okabe-Ito for categories, and never colour alone (line
markers differ, hidden values carry a hatch and a word). A hidden value is a gap or a grey hatched
mark, never a zero.
"""

from __future__ import annotations

import html
import math
from itertools import count

# Viridis, sampled evenly for 1..6 classes (dark purple = lowest, yellow = highest).
VIRIDIS = {
    1: ["#21918c"],
    2: ["#3b528b", "#5ec962"],
    3: ["#440154", "#21918c", "#fde725"],
    4: ["#440154", "#31688e", "#35b779", "#fde725"],
    5: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"],
    6: ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"],
}
# Okabe-Ito: distinguishable with every common colour-vision deficiency.
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
MARKERS = ["circle", "square", "triangle", "diamond"]
BAR = "#3b528b"          # contrast 8:1 on white
TEXT = "#212121"
MUTED = "#555555"         # 7.5:1 on white
GRID = "#d6d6d6"
HIDDEN_FILL = "#bdbdbd"
HIDDEN_LINE = "#616161"
NA_FILL = "#eeeeee"

_ids = count(1)


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def new_id(prefix: str) -> str:
    """An id unique within one build (several charts share a page)."""
    return f"{prefix}-{next(_ids)}"


def hatch_def(pid: str) -> str:
    """Grey with dark diagonal lines: the mark of a hidden value, in maps, bars and legends."""
    return (f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="{HIDDEN_FILL}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HIDDEN_LINE}" stroke-width="2.2"/></pattern>')


def swatch(fill: str, hatched: bool = False, stroke: str = "#757575") -> str:
    """A small legend key, decorative (the text beside it says what it means)."""
    if hatched:
        pid = new_id("hatch")
        return (f'<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true" focusable="false" '
                f'style="vertical-align:middle;flex:none"><defs>{hatch_def(pid)}</defs>'
                f'<rect x="0.5" y="0.5" width="21" height="13" fill="url(#{pid})" stroke="{stroke}"/></svg>')
    return (f'<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true" focusable="false" '
            f'style="vertical-align:middle;flex:none">'
            f'<rect x="0.5" y="0.5" width="21" height="13" fill="{fill}" stroke="{stroke}"/></svg>')


def legend(items: list[tuple[str, str]], label: str) -> str:
    """An HTML legend: (key svg, text) pairs; text stays readable at any screen width."""
    lis = "".join(f'<li style="display:flex;align-items:center;gap:.4rem;margin:0">{key}<span>{esc(text)}</span></li>'
                  for key, text in items)
    return (f'<ul aria-label="{esc(label)}" style="list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;'
            f'margin:.4rem 0 .8rem 0;padding:0;font-size:.75rem">{lis}</ul>')


def svg_open(width: int, height: int, title: str, desc: str, extra_defs: str = "",
             max_height: int | None = None) -> tuple[str, str]:
    """The opening of an accessible, responsive SVG; returns (markup, hatch pattern id).
    max_height caps a tall drawing (a map) by capping its width."""
    max_width = width if not max_height or height <= max_height else int(width * max_height / height)
    tid, did, pid = new_id("t"), new_id("d"), new_id("hatch")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{tid} {did}" '
            f'style="max-width:{max_width}px;height:auto;display:block;margin:0 auto;font-family:inherit">'
            f'<title id="{tid}">{esc(title)}</title><desc id="{did}">{esc(desc)}</desc>'
            f'<defs>{hatch_def(pid)}{extra_defs}</defs>'), pid


def html_table(caption: str, head: tuple[str, ...], rows: list[tuple], numeric: set[int] = frozenset()) -> str:
    """A data table (already-formatted cells) in a keyboard-scrollable region: class bt-data keeps
    the theme from wrapping it in a scroll box of its own (styles in docs/overrides/main.html)."""
    th = "".join(f'<th scope="col" class="num">{esc(h)}</th>' if i in numeric else f'<th scope="col">{esc(h)}</th>'
                 for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(
        f'<td class="num">{esc(c)}</td>' if i in numeric else f"<td>{esc(c)}</td>"
        for i, c in enumerate(r)) + "</tr>" for r in rows)
    return (f'<div class="bt-scroll" role="region" aria-label="{esc(caption)}" tabindex="0">'
            f'<table class="bt-data"><caption>{esc(caption)}</caption><thead><tr>{th}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def data_table(summary: str, caption: str, head: tuple[str, ...], rows: list[tuple], numeric: set[int] = frozenset()) -> str:
    """The chart's data as a table, folded under a summary."""
    return f"<details><summary>{esc(summary)}</summary>{html_table(caption, head, rows, numeric)}</details>"


def figure(*parts: str) -> str:
    """One raw-HTML block for Markdown: no blank line inside, so Markdown leaves it alone."""
    return ('<figure style="display:block;width:100%;max-width:100%;margin:1rem 0">'
            + "".join(p.replace("\n", " ") for p in parts) + "</figure>")


# --- scales -----------------------------------------------------------------------


def nice_step(span: float, target: int = 4) -> float:
    if span <= 0:
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def nice_domain(values: list[float], zero: bool, min_step: float = 0.0) -> tuple[float, float, list[float]]:
    lo, hi = min(values), max(values)
    if zero:
        lo, hi = min(0.0, lo), max(0.0, hi)
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = (lo if zero and lo == 0 else lo - pad), hi + pad
    step = max(nice_step(hi - lo), min_step)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    ticks, t = [], lo
    while t <= hi + step / 1e6:
        ticks.append(round(t, 10))
        t += step
    return lo, hi, ticks


def classes(values: list[float], decimals: int, n: int = 5) -> list[tuple[float, float]]:
    """Quantile classes over the published values, as (low, high) with edges rounded as shown:
    the first class holds low..high, the others hold values above low up to high."""
    vals = sorted(round(v, decimals) for v in values)
    if not vals:
        return []
    n = max(1, min(n, len(set(vals))))
    uppers: list[float] = []
    for i in range(1, n + 1):
        u = vals[math.ceil(i * len(vals) / n) - 1]
        if not uppers or u > uppers[-1]:
            uppers.append(u)
    return list(zip([vals[0]] + uppers[:-1], uppers))


def class_of(value: float, cls: list[tuple[float, float]], decimals: int) -> int:
    v = round(value, decimals)
    for i, (_, hi) in enumerate(cls):
        if v <= hi:
            return i
    return len(cls) - 1


# --- charts -----------------------------------------------------------------------


def _marker(kind: str, x: float, y: float, fill: str, r: float = 4.5) -> str:
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{fill}" stroke="#fff"/>'
    if kind == "triangle":
        return (f'<path d="M{x:.1f},{y - r * 1.2:.1f}L{x + r * 1.1:.1f},{y + r * 0.8:.1f}L{x - r * 1.1:.1f},{y + r * 0.8:.1f}Z" '
                f'fill="{fill}" stroke="#fff"/>')
    if kind == "diamond":
        return (f'<path d="M{x:.1f},{y - r * 1.3:.1f}L{x + r * 1.3:.1f},{y:.1f}L{x:.1f},{y + r * 1.3:.1f}L{x - r * 1.3:.1f},{y:.1f}Z" '
                f'fill="{fill}" stroke="#fff"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="#fff"/>'


def line_chart(periods: list[str], series: list[tuple[str, dict]], fmt, title: str, desc: str,
               hidden_word: str, y_label: str, min_step: float = 0.0) -> tuple[str, list[tuple[str, str]]]:
    """Values over periods, one line per series ({period: value or None}); a hidden value breaks
    the line and is marked on the axis. Returns (svg, legend items)."""
    width, height = 640, 260
    left, right, top, bottom = 78, 24, 18, 48
    pw, ph = width - left - right, height - top - bottom
    values = [v for _, pts in series for v in pts.values() if v is not None]
    out, pid = svg_open(width, height, title, desc)
    if values:
        # From zero: a small change looks small.
        lo, hi, ticks = nice_domain(values, zero=True, min_step=min_step)
    else:
        lo, hi, ticks = 0.0, 1.0, []
    def x_of(i):
        return left + (pw / 2 if len(periods) == 1 else pw * i / (len(periods) - 1))
    def y_of(v):
        return top + ph - (v - lo) / (hi - lo) * ph
    parts = [out]
    for t in ticks:
        y = y_of(t)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{MUTED}">{esc(fmt(t))}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + ph}" y2="{top + ph}" stroke="{MUTED}"/>')
    parts.append(f'<text transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle" font-size="12" '
                 f'fill="{MUTED}">{esc(y_label)}</text>')
    for i, p in enumerate(periods):
        parts.append(f'<text x="{x_of(i):.1f}" y="{top + ph + 20}" text-anchor="middle" font-size="12" fill="{TEXT}">{esc(p)}</text>')
    legend_items = []
    hidden_any = False
    for k, (name, pts) in enumerate(series):
        colour, marker = CATEGORICAL[k % len(CATEGORICAL)], MARKERS[k % len(MARKERS)]
        dash = "" if k < len(CATEGORICAL) else ' stroke-dasharray="6 3"'
        run: list[str] = []
        segments = []
        for i, p in enumerate(periods):
            v = pts.get(p)
            if v is None:
                if len(run) > 1:
                    segments.append(run)
                run = []
                continue
            run.append(f"{x_of(i):.1f},{y_of(v):.1f}")
        if len(run) > 1:
            segments.append(run)
        for seg in segments:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for i, p in enumerate(periods):
            v = pts.get(p)
            if v is not None:
                parts.append(_marker(marker, x_of(i), y_of(v), colour))
            elif p in pts:
                hidden_any = True
                parts.append(f'<rect x="{x_of(i) - 7:.1f}" y="{top + ph - 14}" width="14" height="14" fill="url(#{pid})" '
                             f'stroke="{HIDDEN_LINE}"/>')
        key = (f'<svg width="30" height="14" viewBox="0 0 30 14" aria-hidden="true" focusable="false" style="flex:none">'
               f'<line x1="0" x2="30" y1="7" y2="7" stroke="{colour}" stroke-width="2.5"{dash}/>{_marker(marker, 15, 7, colour, 4)}</svg>')
        legend_items.append((key, name))
    if hidden_any:
        parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end" font-size="11" fill="{MUTED}">'
                     f'{esc(hidden_word)}</text>')
    parts.append("</svg>")
    return "".join(parts), legend_items


def ranking_chart(rows: list[tuple[str, float | None, str]], fmt, title: str, desc: str,
                  words: dict, reference: tuple[str, float] | None = None, min_step: float = 0.0) -> str:
    """Horizontal bars, largest first; rows without a value last, as a hatched stub with a word.
    rows: (label, value or None, status)."""
    shown = sorted([r for r in rows if r[1] is not None], key=lambda r: (-r[1], r[0]))
    gaps = sorted([r for r in rows if r[1] is None], key=lambda r: r[0])
    rows = shown + gaps
    width, row_h, top, label_w, right = 640, 28, 10, 190, 90
    height = top + row_h * len(rows) + 34
    pw = width - label_w - right
    values = [r[1] for r in shown] + ([reference[1]] if reference else [])
    lo, hi, ticks = nice_domain(values or [1.0], zero=True, min_step=min_step)
    def x_of(v):
        return label_w + (v - lo) / (hi - lo) * pw
    out, pid = svg_open(width, height, title, desc)
    parts = [out]
    base = top + row_h * len(rows)
    for t in ticks:
        x = x_of(t)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{base}" stroke="{GRID}"/>'
                     f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="12" fill="{MUTED}">{esc(fmt(t))}</text>')
    if reference:  # drawn first: bars and their labels stay on top of it
        x = x_of(reference[1])
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{base}" stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="5 3"/>')
    for i, (label, value, status) in enumerate(rows):
        y = top + i * row_h
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" font-size="13" fill="{TEXT}">{esc(short)}</text>')
        if value is not None:
            x0, x1 = x_of(max(lo, 0)), x_of(value)
            parts.append(f'<rect x="{min(x0, x1):.1f}" y="{y + 5}" width="{max(abs(x1 - x0), 1):.1f}" height="{row_h - 10}" fill="{BAR}">'
                         f'<title>{esc(label)}: {esc(fmt(value))}</title></rect>'
                         f'<text x="{max(x0, x1) + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" font-size="12" fill="{TEXT}">{esc(fmt(value))}</text>')
        else:
            word = words.get(status, words["suppressed"])
            parts.append(f'<rect x="{label_w}" y="{y + 5}" width="28" height="{row_h - 10}" fill="url(#{pid})" stroke="{HIDDEN_LINE}"/>'
                         f'<text x="{label_w + 34}" y="{y + row_h / 2 + 4:.1f}" font-size="12" fill="{MUTED}">{esc(word)}</text>')
    parts.append(f'<line x1="{label_w}" x2="{label_w}" y1="{top}" y2="{base}" stroke="{MUTED}"/></svg>')
    return "".join(parts)


def column_chart(bars: list[tuple[str, int | float | None, str]], fmt, title: str, desc: str, x_label: str,
                 hidden_word: str) -> str:
    """Vertical bars (e.g. families per desil); bars: (label, value or None, colour). A hidden value
    is a hatched stub at the base, labelled."""
    width, height, left, right, top, bottom = 640, 280, 70, 16, 24, 56
    pw, ph = width - left - right, height - top - bottom
    values = [v for _, v, _ in bars if v is not None]
    lo, hi, ticks = nice_domain(values or [1.0], zero=True, min_step=1)
    out, pid = svg_open(width, height, title, desc)
    parts = [out]
    def y_of(v):
        return top + ph - (v - lo) / (hi - lo) * ph
    for t in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y_of(t):.1f}" y2="{y_of(t):.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 8}" y="{y_of(t) + 4:.1f}" text-anchor="end" font-size="12" fill="{MUTED}">{esc(fmt(t))}</text>')
    slot = pw / max(1, len(bars))
    for i, (label, value, colour) in enumerate(bars):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        cx = x + w / 2
        if value is not None:
            y = y_of(value)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{max(y_of(0) - y, 0.5):.1f}" fill="{colour}" stroke="#fff">'
                         f'<title>{esc(label)}: {esc(fmt(value))}</title></rect>'
                         f'<text x="{cx:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="12" fill="{TEXT}">{esc(fmt(value))}</text>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y_of(0) - 16:.1f}" width="{w:.1f}" height="16" fill="url(#{pid})" stroke="{HIDDEN_LINE}"/>'
                         f'<text x="{cx:.1f}" y="{y_of(0) - 22:.1f}" text-anchor="middle" font-size="11" fill="{MUTED}">—</text>')
        parts.append(f'<text x="{cx:.1f}" y="{top + ph + 18}" text-anchor="middle" font-size="12" fill="{TEXT}">{esc(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="{MUTED}"/>'
                 f'<text x="{left + pw / 2:.0f}" y="{height - 10}" text-anchor="middle" font-size="12" fill="{MUTED}">{esc(x_label)}</text>')
    if any(v is None for _, v, _ in bars):
        parts.append(f'<text x="{width - right}" y="{top - 8}" text-anchor="end" font-size="11" fill="{MUTED}">{esc(hidden_word)}</text>')
    parts.append("</svg>")
    return "".join(parts)
