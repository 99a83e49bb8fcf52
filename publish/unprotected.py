"""The unprotected aggregates of each period, kept privately in WORK (never published).

The next month's audit covers every period its release publishes: to check how narrowly an
earlier period's hidden cell can be pinned, and to search relations across periods, it needs that
period's true values. Only aggregates are kept, like the published tables, before protection.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from .relations import additive, dims
from .schemas import output_schema


def _folder(work: Path) -> Path:
    return Path(work) / "unprotected"


def save(work: Path, period: str, tables: dict[str, list[dict]], primary: set | None = None) -> Path:
    """Write one period's unprotected rows, and the keys of its cells the primary rules hid."""
    out: dict = {"_primary": sorted([list(k) for k in primary or ()], key=str)}
    for name, rows in tables.items():
        schema = output_schema(name)
        if "x-levels" not in schema:
            continue
        keep = ["period", "level", "region_code", "parent_code", *dims(schema), *additive(schema)]
        out[name] = [{k: r.get(k) for k in keep} for r in rows]
    path = _folder(work) / f"{period}.json.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(json.dumps(out, ensure_ascii=False).encode("utf-8"), compresslevel=3))
    tmp.replace(path)
    return path


def load(work: Path) -> dict[str, dict[tuple, dict]]:
    """table -> row key -> unprotected row, over every period kept."""
    kept: dict[str, dict[tuple, dict]] = {}
    for path in sorted(_folder(work).glob("*.json.gz")):
        try:
            data = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError):
            continue  # a damaged file only costs the audit an earlier period's true values
        for name, rows in data.items():
            if name.startswith("_"):
                continue
            try:
                d = dims(output_schema(name))
            except FileNotFoundError:
                continue
            index = kept.setdefault(name, {})
            for r in rows:
                index[_key(r, d)] = r
    return kept


def _key(r: dict, d: list[str]) -> tuple:
    return (r["period"], r["level"], r["region_code"], *(r.get(x) for x in d))


def lookup(kept: dict, name: str, published_row: dict) -> dict:
    """The unprotected row behind a published one; where it was not kept, the published row."""
    schema = output_schema(name)
    if "x-levels" not in schema:
        return published_row
    raw = kept.get(name, {}).get(_key(published_row, dims(schema)))
    # Kept from another input of the same period (a rebuild on corrected files)? Then its values
    # are not the truth behind this row: every published cell must agree.
    if raw is not None and all(published_row.get(m) is None or published_row.get(m) == raw.get(m)
                               for m in additive(schema)):
        return {**published_row, **raw}
    return published_row  # published cells are their true values; hidden ones stay unknown (None)


def primary_keys(work: Path) -> set:
    """Keys of the cells hidden by the primary rules, over every period kept."""
    out = set()
    for path in sorted(_folder(work).glob("*.json.gz")):
        try:
            out |= {tuple(k) for k in json.loads(gzip.decompress(path.read_bytes())).get("_primary", [])}
        except (OSError, ValueError):
            continue
    return out
