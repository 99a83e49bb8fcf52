"""The disclosure audit that gates a release: can anyone recover a hidden cell from what is published?

Every published number of a period is tied to others by linear identities: a kecamatan is the
sum of its villages and the kabupaten of its kecamatan (per table, measure and dimension value);
a total is the sum of its parts within a row (`x-additive`); and some measures of one table are
sums of another's (`schemas/identities.yml`). An attacker knows all of them, knows that zeros are
published (so every hidden cell is at least 1) and that no count exceeds the regency's size.
For each hidden cell the audit minimises and maximises it by linear programming (HiGHS) under
all of that. The release fails if a hidden cell is exactly recoverable, if a primary cell (a true
1-4) can be narrowed to an interval shorter than `min_interval`, or if a solve is not optimal.
Failures are repaired by hiding one more cell beside them and auditing again.

The identities split into independent components (one per table, measure and dimension value,
joined where rows or tables tie measures together); each is solved on its own, warm-started.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from .schemas import SCHEMAS_DIR, output_schema

_KEYS = ("period", "level", "region_code", "parent_code")
_UP = {"desa": "kecamatan", "kecamatan": "kabupaten"}
EXACT = 1e-6


@lru_cache(maxsize=None)
def identities() -> list[dict]:
    return yaml.safe_load((SCHEMAS_DIR / "identities.yml").read_text(encoding="utf-8")) or []


@dataclass
class AuditReport:
    passed: bool = True
    cells: int = 0
    hidden: int = 0
    components: int = 0
    solves: int = 0
    exact: list = field(default_factory=list)
    narrow: list = field(default_factory=list)
    not_optimal: list = field(default_factory=list)
    min_width_primary: float | None = None
    min_width_secondary: float | None = None
    repairs: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"passed": self.passed, "cells": self.cells, "hidden": self.hidden,
                "hidden_share": round(self.hidden / self.cells, 4) if self.cells else 0,
                "components": self.components, "solves": self.solves, "repairs": self.repairs,
                "exactly_recoverable": len(self.exact), "primary_narrower_than_min": len(self.narrow),
                "not_optimal": len(self.not_optimal),
                "min_width_primary": self.min_width_primary, "min_width_secondary": self.min_width_secondary,
                "seconds": round(self.seconds, 2)}


def _measures(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"] if f.get("protection") in ("count", "sum")]


def _dims(schema: dict) -> list[str]:
    return [k for k in schema["primaryKey"] if k not in _KEYS]


class Model:
    """The linear identities among the cells of one period's published tables."""

    def __init__(self, tables: dict[str, list[dict]], period: str, upper: dict[str, float]):
        self.tables, self.period, self.upper = tables, period, upper
        self.rows = {n: [(i, r) for i, r in enumerate(rows) if r.get("period") == period]
                     for n, rows in tables.items() if "x-levels" in output_schema(n)}
        self.equations: list[list[tuple[tuple, float]]] = []  # [(cell, coefficient)], = 0
        self.cells = 0
        for name, rows in self.rows.items():
            schema = output_schema(name)
            measures = _measures(schema)
            self.cells += len(rows) * len(measures)
            self._hierarchy(name, rows, _dims(schema), measures)
            for total, parts in schema.get("x-additive", {}).items():
                for i, _ in rows:
                    self.equations.append([((name, i, total), 1.0)] + [((name, i, p), -1.0) for p in parts])
        for ident in identities():
            self._identity(ident)

    def _hierarchy(self, name, rows, dims, measures):
        index = {(r["level"], r["region_code"], *(r[d] for d in dims)): i for i, r in rows}
        children = defaultdict(list)
        for i, r in rows:
            up = _UP.get(r["level"])
            parent = index.get((up, r["parent_code"], *(r[d] for d in dims))) if up else None
            if parent is not None:
                children[parent].append(i)
        for parent, kids in children.items():
            for m in measures:
                self.equations.append([((name, parent, m), 1.0)] + [((name, k, m), -1.0) for k in kids])

    def _identity(self, ident: dict):
        t_table, t_measure = ident["total"].split(".")
        p_table, p_measure = ident["parts"].split(".")
        if t_table not in self.rows or p_table not in self.rows:
            return
        where = ident.get("where", {})  # only the parts rows whose dimensions take these values
        parts = defaultdict(list)
        for i, r in self.rows[p_table]:
            if all(r.get(dim) in allowed for dim, allowed in where.items()):
                parts[(r["level"], r["region_code"])].append(i)
        for i, r in self.rows[t_table]:
            kids = parts.get((r["level"], r["region_code"]), [])
            if kids:
                self.equations.append([((t_table, i, t_measure), 1.0)] + [((p_table, k, p_measure), -1.0) for k in kids])

    def value(self, cell):
        name, i, m = cell
        return self.tables[name][i][m]

    def hidden(self, cell) -> bool:
        return self.value(cell) is None

    def hidden_cells(self) -> list[tuple]:
        out = []
        for name, rows in self.rows.items():
            for m in _measures(output_schema(name)):
                out += [(name, i, m) for i, r in rows if r[m] is None]
        return out


def _field(name: str, m: str) -> dict:
    return next(f for f in output_schema(name)["fields"] if f["name"] == m)


def _bound(model: Model, cell) -> float:
    name, _, m = cell
    return model.upper.get(_field(name, m).get("unit"), model.upper["default"])


def _lower(cell) -> float:
    """Zeros are published, so a hidden count is at least 1; a hidden sum may still be 0 (Rp 0 paid)."""
    name, _, m = cell
    return 1.0 if _field(name, m).get("protection") == "count" else 0.0


def solve_components(model: Model, report: AuditReport, cache: dict | None = None) -> dict[tuple, tuple[float, float]]:
    """(min, max) of every hidden cell.

    `cache` keeps the bounds of each component by its set of cells and published values: a
    repair round re-solves only the components it changed.
    """
    hidden = model.hidden_cells()
    var = {c: k for k, c in enumerate(hidden)}
    # Equations over hidden cells only: published cells move to the right-hand side.
    rows = []
    for eq in model.equations:
        coeffs, rhs = {}, 0.0
        for cell, a in eq:
            if cell in var:
                coeffs[var[cell]] = coeffs.get(var[cell], 0.0) + a
            else:
                rhs -= a * (model.value(cell) or 0)
        if coeffs:
            rows.append((coeffs, rhs))
    # Components: cells joined by an equation.
    parent = list(range(len(hidden)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for coeffs, _ in rows:
        first, *rest = coeffs
        for k in rest:
            a, b = find(first), find(k)
            if a != b:
                parent[a] = b
    comp_rows, comp_vars = defaultdict(list), defaultdict(list)
    for k in range(len(hidden)):
        comp_vars[find(k)].append(k)
    for coeffs, rhs in rows:
        comp_rows[find(next(iter(coeffs)))].append((coeffs, rhs))
    bounds = {}
    cache = {} if cache is None else cache
    jobs = []
    for root, members in comp_vars.items():
        report.components += 1
        cons = comp_rows.get(root, [])
        signature = (frozenset(hidden[k] for k in members),
                     frozenset((frozenset((hidden[k], a) for k, a in c.items()), rhs) for c, rhs in cons))
        if signature in cache:
            bounds.update(cache[signature])
            continue
        if not cons:  # tied to nothing published: anywhere from 1 to the bound
            for k in members:
                bounds[hidden[k]] = (_lower(hidden[k]), _bound(model, hidden[k]))
            cache[signature] = {hidden[k]: bounds[hidden[k]] for k in members}
            continue
        local = {k: j for j, k in enumerate(members)}
        lower = [_lower(hidden[k]) for k in members]
        upper = [_bound(model, hidden[k]) for k in members]
        rows_local = [([local[k] for k in c], list(c.values()), rhs) for c, rhs in cons]
        jobs.append((signature, [hidden[k] for k in members], (lower, upper, rows_local)))
    results = _run_jobs([j[2] for j in jobs])
    for (signature, cells, _), (lows, highs, optimal, solves) in zip(jobs, results):
        report.solves += solves
        solved = {}
        for c, lo, hi, ok in zip(cells, lows, highs, optimal):
            if not ok:
                report.not_optimal.append(c)
            solved[c] = (lo, hi) if ok else (float("nan"), float("nan"))
        bounds.update(solved)
        cache[signature] = solved
    return bounds


def solve_component(lower: list[float], upper: list[float], rows: list) -> tuple[list, list, list, int]:
    """Min and max of each variable of one component: sum(a_i x_i) = rhs for each row, lower <= x <= upper.

    One model, warm-started: between solves only two costs change. Every optimal solution is
    also a feasible point for all the other variables: one found at a variable's own bound
    proves that bound is its min (or max), so that variable's solve is skipped. Vertices lie
    mostly on bounds, so most solves are skipped.
    """
    import highspy
    import numpy as np

    n = len(lower)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n, np.array(lower, dtype=float), np.array(upper, dtype=float))
    for idx, coeffs, rhs in rows:
        h.addRow(rhs, rhs, len(idx), np.array(idx, dtype=np.int32), np.array(coeffs, dtype=float))
    lo_arr, up_arr = np.array(lower, dtype=float), np.array(upper, dtype=float)
    lows, highs = [float("nan")] * n, [float("nan")] * n
    ok_lo, ok_hi = [False] * n, [False] * n

    def harvest():
        x = np.asarray(h.getSolution().col_value)
        for k in np.flatnonzero(x <= lo_arr + BOUND_TOL):
            if not ok_lo[k]:
                lows[k], ok_lo[k] = lower[k], True
        for k in np.flatnonzero(x >= up_arr - BOUND_TOL):
            if not ok_hi[k]:
                highs[k], ok_hi[k] = upper[k], True

    prev, solves = None, 0
    for sense, values, ok in ((highspy.ObjSense.kMinimize, lows, ok_lo),
                              (highspy.ObjSense.kMaximize, highs, ok_hi)):
        h.changeObjectiveSense(sense)
        for j in range(n):
            if ok[j]:
                continue
            if prev is not None:
                h.changeColCost(prev, 0.0)
            h.changeColCost(j, 1.0)
            prev = j
            h.run()
            solves += 1
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                values[j], ok[j] = h.getInfo().objective_function_value, True
                harvest()
    return lows, highs, [a and b for a, b in zip(ok_lo, ok_hi)], solves


# A solution this close to a bound is at the bound (HiGHS's primal feasibility tolerance is 1e-7).
BOUND_TOL = 1e-7


def _run_jobs(jobs: list) -> list:
    """Components side by side in threads: HiGHS releases the GIL while it solves (measured: two
    threads solve a batch 1.7 times faster than one), and threads need no process start-up."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(jobs) < 2:
        return [solve_component(*j) for j in jobs]
    from concurrent.futures import ThreadPoolExecutor

    order = sorted(range(len(jobs)), key=lambda k: -len(jobs[k][0]))  # big ones first
    with ThreadPoolExecutor(workers) as pool:
        results = dict(zip(order, pool.map(lambda k: solve_component(*jobs[k]), order)))
    return [results[k] for k in range(len(jobs))]


def audit(tables: dict[str, list[dict]], period: str, primary: set, upper: dict[str, float],
          min_interval: float = 2.0, cache: dict | None = None) -> tuple[AuditReport, Model, dict]:
    t = time.perf_counter()
    report = AuditReport()
    model = Model(tables, period, upper)
    bounds = solve_components(model, report, cache)
    report.cells = model.cells
    report.hidden = len(bounds)
    for cell, (lo, hi) in bounds.items():
        width = hi - lo
        is_primary = _key(model, cell) in primary
        if width != width:  # nan: not optimal, already recorded
            continue
        if width < EXACT:
            report.exact.append(cell)
        elif is_primary and width < min_interval - EXACT:
            report.narrow.append(cell)
        attr = "min_width_primary" if is_primary else "min_width_secondary"
        current = getattr(report, attr)
        setattr(report, attr, round(width, 3) if current is None else min(current, round(width, 3)))
    report.passed = not (report.exact or report.narrow or report.not_optimal)
    report.seconds = time.perf_counter() - t
    return report, model, bounds


def _key(model: Model, cell) -> tuple:
    """A cell's identity independent of row order: table, primary-key values, measure."""
    name, i, m = cell
    row = model.tables[name][i]
    return (name, *(row[k] for k in output_schema(name)["primaryKey"]), m)


def cell_key(name: str, row: dict, measure: str) -> tuple:
    return (name, *(row[k] for k in output_schema(name)["primaryKey"]), measure)


def repair(model: Model, failing: list[tuple]) -> int:
    """Hide one more cell for each failing one: the smallest published non-zero cell nearest to it.

    Nearest in the web of identities: first the equations the cell is in, then those of the
    hidden cells they hold, and so on, since a cell can be pinned down through a chain.
    """
    by_cell = defaultdict(list)
    for k, eq in enumerate(model.equations):
        for c, _ in eq:
            by_cell[c].append(k)
    added, tables, equations = 0, model.tables, model.equations
    for cell in sorted(set(failing)):  # a fixed order: the same input always gives the same release
        seen_cells, seen_eqs, frontier = {cell}, set(), [cell]
        while frontier:
            eqs = {k for c in frontier for k in by_cell[c]} - seen_eqs
            seen_eqs |= eqs
            cells = [c for k in eqs for c, _ in equations[k]]
            candidates = [(v, c) for c in cells if (v := tables[c[0]][c[1]][c[2]])]
            if candidates:
                hide(tables, *min(candidates)[1])
                added += 1
                break
            frontier = [c for c in cells if c not in seen_cells]
            seen_cells.update(frontier)
    return added


def hide(tables: dict, name: str, i: int, m: str) -> None:
    """Hide a cell, and what would reveal it: sums and medians that follow its count."""
    row = tables[name][i]
    row[m], row[f"{m}_status"] = None, "suppressed"
    for f in output_schema(name)["fields"]:
        if f.get("x-count") == m and row.get(f["name"]) not in (None, 0):
            row[f["name"]], row[f"{f['name']}_status"] = None, "suppressed"


def hide_lone_cells(model: Model, min_interval: float = 2.0) -> int:
    """Before any LP, the cases one identity settles alone: a single hidden cell (subtraction
    reveals it), or hidden parts under a published total that leaves each less room than
    `min_interval` (three hidden villages under a total of 4: each is 1 or 2). Hide the smallest
    published non-zero cell of that identity too. Cheap, and it spares the LP rounds."""
    added = 0
    while True:
        before = added
        for eq in model.equations:
            hidden = [c for c, _ in eq if model.hidden(c)]
            if not hidden:
                continue
            if len(hidden) > 1:
                total, a = eq[0]
                parts_hidden = [c for c, coef in eq[1:] if model.hidden(c)]
                if model.hidden(total) or len(parts_hidden) != len(hidden) or any(
                        _field(c[0], c[2]).get("protection") != "count" for c in hidden):
                    continue
                room = model.value(total) - sum(model.value(c) or 0 for c, _ in eq[1:]) - len(hidden)
                if room >= min_interval:
                    continue
            candidates = [(model.value(c), c) for c, _ in eq if model.value(c)]
            if candidates:
                hide(model.tables, *min(candidates)[1])
                added += 1
        if added == before:
            return added


def audit_and_repair(tables, period, primary, upper, min_interval=2.0, max_rounds=25) -> AuditReport:
    """Audit; while it fails, hide more and audit again. The final report says whether it passed."""
    repairs, cache, solves, seconds = 0, {}, 0, 0.0
    repairs += hide_lone_cells(Model(tables, period, upper), min_interval)
    for _ in range(max_rounds):
        report, model, _ = audit(tables, period, primary, upper, min_interval, cache)
        solves, seconds = solves + report.solves, seconds + report.seconds
        report.repairs, report.solves, report.seconds = repairs, solves, seconds
        if report.passed or report.not_optimal:
            return report
        added = repair(model, report.exact + report.narrow)
        if not added:
            return report
        repairs += added + hide_lone_cells(Model(tables, period, upper), min_interval)
    return report
