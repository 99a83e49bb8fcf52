"""Charts and maps go into the pages after MkDocs has rendered and indexed them.

An indicator page holds thousands of SVG elements. Markdown would parse them as raw HTML, and
the search plugin would parse them again, for no words worth finding: together that was about
half of the site's build time. So `park` swaps each `<figure>` block of a generated page for an
empty placeholder and keeps the figure in `figures/` beside the docs (never published as a file
of its own), and this module, loaded by MkDocs as a hook, puts it back into the finished HTML.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

# A figure is one line (svg_charts.figure writes no newline inside), and figures do not nest.
FIGURE = re.compile(r"<figure[ >].*?</figure>")
PLACEHOLDER = re.compile(r'<div class="bansos-figure" data-figure="([0-9a-f]{16})"></div>')
DIRNAME = "figures"


def park(docs: Path, content: str) -> str:
    """Content with each figure swapped for a placeholder; the figures go to docs/../figures/."""
    store = Path(docs).parent / DIRNAME

    def swap(m: re.Match) -> str:
        html = m.group(0)
        key = hashlib.sha256(html.encode("utf-8")).hexdigest()[:16]
        store.mkdir(exist_ok=True)
        path = store / f"{key}.html"
        if not path.exists():
            path.write_text(html, encoding="utf-8")
        return f'<div class="bansos-figure" data-figure="{key}"></div>'

    return FIGURE.sub(swap, content)


def restore(html: str, store: Path) -> str:
    def put(m: re.Match) -> str:
        path = store / f"{m.group(1)}.html"
        if not path.exists():
            raise FileNotFoundError(f"figure {m.group(1)} missing from {store}")
        return path.read_text(encoding="utf-8")

    return PLACEHOLDER.sub(put, html)


# --- MkDocs hook ------------------------------------------------------------------


def on_post_page(output: str, page, config) -> str:
    return restore(output, Path(config.config_file_path).parent / DIRNAME)
