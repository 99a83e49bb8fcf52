"""Site search that finds Indonesian word forms.

Material's built-in search (lunr) has no Indonesian stemmer, and it turns every query word into a
prefix query, so "menerima" never finds "penerima". After `mkdocs build` this module:

1. stems every word of every search document with Sastrawi (PySastrawi) and adds the stems that
   differ from their word as a `stems` field of the document (configured in `mkdocs.yml` under
   `plugins.search.fields`, so lunr indexes it; it is never shown);
2. writes `assets/javascripts/search-stems.json` for the browser: each word form of the corpus
   with its Sastrawi stem, and the Indonesian root words found in the corpus.

`docs/assets/javascripts/search-id.js` then adds the stem of each query word to the query before
it reaches lunr: from that table for a form in the corpus, else by removing Indonesian affixes
until a root of the corpus is left. "membantu", "dibantu" and "bantuan" all search for "bantu".
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

WORD = re.compile(r"[a-z]+")
TAG = re.compile(r"<[^>]+>")
STEMS_FILE = Path("assets") / "javascripts" / "search-stems.json"
MIN_WORD = 3  # shorter words are left alone, in the index and in the browser


@lru_cache(maxsize=1)
def _sastrawi():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    factory = StemmerFactory()
    return factory.create_stemmer(), frozenset(w.strip() for w in factory.get_words() if w.strip())


def stem(word: str) -> str:
    """Sastrawi's stem of one lower-case word."""
    stemmer, _ = _sastrawi()
    return stemmer.stem(word) or word


def words(fragment: str) -> list[str]:
    """The lower-case words of an HTML fragment of the search index."""
    plain = html.unescape(TAG.sub(" ", fragment or "")).lower()
    return [w for w in WORD.findall(plain) if len(w) >= MIN_WORD]


def stem_search_index(site_dir: Path, other_languages: tuple[str, ...] = ("en",)) -> dict:
    """Add Sastrawi stems to search/search_index.json and write the browser's table of forms.

    Only the Indonesian pages are stemmed: the pages of `other_languages` (under `en/` ...) are
    left as they are, so English words are not cut as if they were Indonesian ("belong" is not
    "bel-" + "ong"). Returns a summary: documents, documents with stems, word forms, roots.
    """
    skip = tuple(f"{lang}/" for lang in other_languages)
    site_dir = Path(site_dir)
    path = site_dir / "search" / "search_index.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    fields = data.setdefault("config", {}).setdefault("fields", {})
    if "stems" not in fields:
        raise RuntimeError("mkdocs.yml must declare plugins.search.fields.stems, or lunr ignores the stems")
    _, dictionary = _sastrawi()
    forms: dict[str, str] = {}
    roots: set[str] = set()
    stemmed_docs = 0
    for doc in data["docs"]:
        if str(doc.get("location", "")).startswith(skip):
            doc.pop("stems", None)
            continue
        found = set()
        for word in words(doc.get("title", "") + " " + doc.get("text", "")):
            if word not in forms:
                forms[word] = stem(word)
            root = forms[word]
            if root in dictionary:
                roots.add(root)
            if root != word:
                found.add(root)
        if found:
            doc["stems"] = " ".join(sorted(found))
            stemmed_docs += 1
        else:
            doc.pop("stems", None)
    path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    table = {"forms": {w: s for w, s in sorted(forms.items()) if s != w}, "roots": sorted(roots)}
    out = site_dir / STEMS_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return {"documents": len(data["docs"]), "stemmed_documents": stemmed_docs,
            "forms": len(table["forms"]), "roots": len(roots)}
