"""Stage 4: protected aggregates, the only thing that leaves the build.

Every measure in an output schema says how it is protected (`"protection": "count" | "sum" | "none"`).
Primary suppression hides counts from 1 to `max_small_count` (zeros are published); a sum is hidden
with any hidden count of its row. Within a row, a total and its parts (`x-additive`) never leave a
single hidden cell that subtraction would reveal. Every hidden cell looks the same: NULL in the
measure and "suppressed" in `<measure>_status`.

Secondary suppression across tables and levels, and the linear-programming audit, are issue #5;
they plug in after `protect_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .schemas import output_schema

PUBLISHED, SUPPRESSED = "published", "suppressed"


@dataclass
class ProtectionReport:
    cells: int = 0
    suppressed: int = 0
    primary: int = 0
    secondary: int = 0
    tables: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"cells": self.cells, "suppressed": self.suppressed, "primary": self.primary,
                "secondary": self.secondary, "suppressed_share": round(self.suppressed / self.cells, 4) if self.cells else 0,
                "tables": self.tables}


def measures(schema: dict, kind: str | None = None) -> list[str]:
    return [f["name"] for f in schema["fields"]
            if f.get("protection") in (("count", "sum") if kind is None else (kind,))]


def protect_table(name: str, rows: list[dict], max_small: int, report: ProtectionReport) -> list[dict]:
    """Rows in output-schema column order, with hidden cells set to None and their status columns."""
    schema = output_schema(name)
    counts, sums = measures(schema, "count"), measures(schema, "sum")
    additive = schema.get("x-additive", {})
    order = [f["name"] for f in schema["fields"]]
    out = []
    t = {"cells": 0, "suppressed": 0}
    for row in rows:
        hidden = {m for m in counts if row[m] is not None and 1 <= row[m] <= max_small}
        primary = len(hidden)
        hidden |= _additive_secondary(row, hidden, additive)
        if hidden:
            # A sum beside a hidden count would reveal it for fixed-amount schemes.
            hidden |= set(sums)
        new = dict(row)
        for m in counts + sums:
            new[f"{m}_status"] = SUPPRESSED if m in hidden else PUBLISHED
            if m in hidden:
                new[m] = None
        out.append({c: new.get(c) for c in order})
        n_measures = len(counts) + len(sums)
        t["cells"] += n_measures
        t["suppressed"] += len(hidden)
        report.primary += primary
        report.secondary += len(hidden) - primary
    report.cells += t["cells"]
    report.suppressed += t["suppressed"]
    report.tables[name] = t
    return out


def _additive_secondary(row: dict, hidden: set[str], additive: dict) -> set[str]:
    """More cells to hide so that no hidden cell equals a published total minus published parts."""
    extra: set[str] = set()
    for total, parts in additive.items():
        while True:
            h = hidden | extra
            hidden_parts = [p for p in parts if p in h]
            lone_part = total not in h and len(hidden_parts) == 1
            lone_total = total in h and not hidden_parts
            if not (lone_part or lone_total):
                break
            # Hide the smallest other non-zero part: it costs the least information.
            candidates = sorted((row[p], p) for p in parts if p not in h and row[p])
            if not candidates:
                extra.add(total)
                break
            extra.add(candidates[0][1])
    return extra


def unprotected_tables() -> set[str]:
    """Tables without any protected measure (reference data: regions, schemes, commitments)."""
    from .schemas import output_names
    return {n for n in output_names() if not measures(output_schema(n))}
