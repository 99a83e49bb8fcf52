"""Stage 4: protected aggregates, the only thing that leaves the build.

Every measure in an output schema says how it is protected (`"protection"`):
- `count`: people or families; counts from 1 to `max_small_count` are hidden (zeros are published);
- `sum`: rupiah; hidden together with its count (`x-count`), since for a fixed-amount scheme the
  sum reveals the count;
- `median`: published only when its count (`x-count`) is at least `min_median_count`;
- `none`: counts of workers, not of beneficiaries.
Secondary suppression then hides more cells until no hidden cell can be recovered by subtraction
from a published total: within a row (a total and its parts, `x-additive`) and across levels (a
kecamatan is the sum of its villages, the kabupaten of its kecamatan). Inner cells are hidden
rather than totals, the smallest first. Every hidden cell looks the same: NULL in the measure and
"suppressed" in `<measure>_status`.

The linear-programming audit (publish/audit.py) then checks all published tables together and
hides more where these rules were not enough.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .schemas import output_schema

PUBLISHED, SUPPRESSED = "published", "suppressed"
_KEYS = {"period", "level", "region_code", "parent_code"}
_UP = {"desa": "kecamatan", "kecamatan": "kabupaten"}


@dataclass
class ProtectionReport:
    cells: int = 0
    suppressed: int = 0
    primary: int = 0
    tables: dict = field(default_factory=dict)
    primary_cells: set = field(default_factory=set)  # for the audit: a primary cell needs a wide interval

    def as_dict(self) -> dict:
        # How many cells the small-count rule hid is not published: where it equals the hidden
        # cells of a table, every one of them would be known to be 1-4.
        return {"cells": self.cells, "suppressed": self.suppressed,
                "suppressed_share": round(self.suppressed / self.cells, 4) if self.cells else 0,
                "tables": self.tables}


def measures(schema: dict, kinds=("count", "sum", "median")) -> list[str]:
    return [f["name"] for f in schema["fields"] if f.get("protection") in kinds]


def protect_table(name: str, rows: list[dict], max_small: int, report: ProtectionReport,
                  min_median_count: int = 5, p_percent: float = 10.0) -> list[dict]:
    """Rows in output-schema column order, with hidden cells set to None and their status columns."""
    schema = output_schema(name)
    fields = {f["name"]: f for f in schema["fields"]}
    counts, sums, medians = (measures(schema, (k,)) for k in ("count", "sum", "median"))
    additive_measures = counts + sums  # medians are not sums of anything
    hidden: set[tuple[int, str]] = set()
    small = [m for m in counts if fields[m].get("x-primary", True)]  # x-primary false: hidden only as secondary
    for i, row in enumerate(rows):
        hidden |= {(i, m) for m in small if row[m] is not None and 1 <= row[m] <= max_small}
        hidden |= {(i, m) for m in sums if _dominated(row, m, p_percent)}
    primary = len(hidden)
    report.primary_cells |= {(name, *(rows[i][k] for k in schema["primaryKey"]), m) for i, m in hidden}

    dims = [k for k in schema["primaryKey"] if k not in _KEYS]
    groups = _hierarchy(rows, dims) if "x-levels" in schema else []
    while True:
        before = len(hidden)
        for i, row in enumerate(rows):
            hidden |= _additive_secondary(i, row, hidden, schema.get("x-additive", {}))
            for m in sums:
                # A sum of 0 tells nothing of its hidden count (PKH pays only in tranche months).
                if (i, fields[m].get("x-count")) in hidden and row[m] != 0:
                    hidden.add((i, m))
            for m in medians:
                count = fields[m].get("x-count")
                if (i, count) in hidden or (row[count] or 0) < min_median_count:
                    hidden.add((i, m))
        for parent, children in groups:
            for m in additive_measures:
                hidden |= _hierarchy_secondary(rows, parent, children, m, hidden)
        if len(hidden) == before:
            break

    order = [f["name"] for f in schema["fields"]]
    out = []
    for i, row in enumerate(rows):
        new = dict(row)
        for m in counts + sums + medians:
            new[f"{m}_status"] = SUPPRESSED if (i, m) in hidden else PUBLISHED
            if (i, m) in hidden:
                new[m] = None
        out.append({c: new.get(c) for c in order})
    cells = len(rows) * len(counts + sums + medians)
    report.cells += cells
    report.suppressed += len(hidden)
    report.primary += primary
    report.tables[name] = {"cells": cells, "suppressed": len(hidden)}
    return out


def _dominated(row: dict, m: str, p: float) -> bool:
    """The p%-rule: the second-largest contributor, knowing its own share, would estimate the
    largest within p% (sum - largest - second < p% of largest)."""
    top1 = row.get(f"_top1_{m}")
    if not top1 or not row[m]:
        return False
    return row[m] - top1 - (row.get(f"_top2_{m}") or 0) < p / 100 * top1


def _hierarchy(rows: list[dict], dims: list[str]) -> list[tuple[int, list[int]]]:
    """(parent row, child rows) for every kecamatan and kabupaten row of a table."""
    index = {(r["period"], r["level"], r["region_code"], *(r[d] for d in dims)): i for i, r in enumerate(rows)}
    children = defaultdict(list)
    for i, r in enumerate(rows):
        up = _UP.get(r["level"])
        if up:
            parent = index.get((r["period"], up, r["parent_code"], *(r[d] for d in dims)))
            if parent is not None:
                children[parent].append(i)
    return list(children.items())


def _lone(hidden_parts: int, total_hidden: bool) -> bool:
    """True when subtraction would reveal a hidden cell."""
    return (not total_hidden and hidden_parts == 1) or (total_hidden and hidden_parts == 0)


def _hierarchy_secondary(rows, parent: int, children: list[int], m: str, hidden: set) -> set:
    extra: set = set()
    while True:
        h = hidden | extra
        n_hidden = sum((c, m) in h for c in children)
        if not _lone(n_hidden, (parent, m) in h):
            return extra
        # Hide the smallest other non-zero child: it costs the least information.
        candidates = sorted((rows[c][m], c) for c in children if (c, m) not in h and rows[c][m])
        if not candidates:
            extra.add((parent, m))
            return extra
        extra.add((candidates[0][1], m))


def _additive_secondary(i: int, row: dict, hidden: set, additive: dict) -> set:
    extra: set = set()
    for total, parts in additive.items():
        while True:
            h = hidden | extra
            n_hidden = sum((i, p) in h for p in parts)
            if not _lone(n_hidden, (i, total) in h):
                break
            candidates = sorted((row[p], p) for p in parts if (i, p) not in h and row[p])
            if not candidates:
                extra.add((i, total))
                break
            extra.add((i, candidates[0][1]))
    return extra


def information_lost(raw: dict[str, list[dict]], published: dict[str, list[dict]]) -> dict:
    """Per table, the share of the people counted at village level whose cell is hidden."""
    out = {}
    for name, rows in raw.items():
        schema = output_schema(name)
        counts = measures(schema, ("count",))
        if not counts or "x-levels" not in schema:
            continue
        total = hidden = 0
        for r, p in zip(rows, published[name][-len(rows):]):
            if r["level"] != "desa":
                continue
            for m in counts:
                total += r[m] or 0
                hidden += (r[m] or 0) if p[m] is None else 0
        # Whole percent: with more digits, share x the published total would pin the sum of the
        # hidden village cells (to within one person in a small regency), a relation the audit
        # does not know.
        out[name] = round(hidden / total, 2) if total else 0.0
    return out


def hidden_shares(tables: dict[str, list[dict]], period: str) -> dict:
    """Per table and level (this period): cells and those hidden; per indicator and level, the
    values hidden. Both follow from the published status columns, so they tell nothing new."""
    out: dict = {"tables": {}, "indicators": {}}
    for name, rows in tables.items():
        schema = output_schema(name)
        if "x-levels" not in schema or name == "indicator_values":
            continue
        ms = measures(schema, ("count", "sum"))
        per = out["tables"].setdefault(name, {})
        for r in rows:
            if r.get("period") != period:
                continue
            lv = per.setdefault(r["level"], {"cells": 0, "hidden": 0})
            for m in ms:
                lv["cells"] += 1
                lv["hidden"] += r[m] is None
    for r in tables.get("indicator_values", []):
        if r.get("period") != period:
            continue
        lv = out["indicators"].setdefault(r["indicator_id"], {}).setdefault(r["level"], {"values": 0, "hidden": 0})
        lv["values"] += 1
        lv["hidden"] += r["status"] == SUPPRESSED
    return out
