"""The disclosure audit that gates a release: can anyone recover a hidden cell from what is published?

The attacker assumed here reads everything the release publishes, in every period, and knows
every linear relation among the numbers (publish/relations.py: the hierarchy of levels, sums
within a row, fixed rates, sums across tables through reference tables, inequalities, relations
between periods, and whatever the relation search found in the data). They know that zeros are
published, so a hidden count is at least 1, and that no count exceeds the regency's size.

For every hidden cell of every period the audit bounds it by linear programming (HiGHS) under
all of that. The release fails unless
- no hidden cell is exact;
- every hidden count keeps an interval at least `min_interval` wide (2 by default: a hidden
  count is never pinned to one or two neighbouring values);
- every rupiah sum hidden by the p% rule keeps an interval at least `p_percent` of its value
  (and of the interval's top) wide; other hidden sums are widened to that too where the repair
  can, and are counted where it cannot;
- every solve is optimal.
Failures are repaired by hiding the cheapest published cell of this period beside them (a
village cell costs little, a kecamatan more, the kabupaten total most) and auditing again.
Earlier periods were published before and are never hidden again: a cell only they pin is
reported by name.

The constraints split into independent components (cells joined by a constraint); each is one
warm-started HiGHS model, solved in threads.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from . import relations as rel
from .schemas import output_schema

EXACT = 1e-6
SUM_SCALE = 1e6  # rupiah are solved in millions
# Rounds in which the repair also widens sums hidden beside other cells to p% (not required: a
# large kecamatan amount with its recipients published would need a tenth of them hidden).
SECONDARY_SUM_ROUNDS = 8
# A solution this close to a bound is at the bound (HiGHS's primal feasibility tolerance is 1e-7).
BOUND_TOL = 1e-7
# What hiding a published cell costs, per level: totals are hidden only when nothing lower will do.
LEVEL_COST = {"desa": 1.0, "kecamatan": 100.0, "kabupaten": 1e6}


@dataclass
class AuditReport:
    passed: bool = True
    cells: int = 0
    hidden: int = 0
    periods: list = field(default_factory=list)
    constraints: int = 0
    components: int = 0
    solves: int = 0
    exact: list = field(default_factory=list)
    narrow: list = field(default_factory=list)        # counts narrower than min_interval
    narrow_sums: list = field(default_factory=list)   # rupiah sums hidden by the p% rule, narrower than p%
    narrow_secondary_sums: list = field(default_factory=list)  # other hidden sums narrower than p%
    not_optimal: list = field(default_factory=list)
    min_width_count: float | None = None
    min_width_sum_share: float | None = None
    repairs: int = 0
    seconds: float = 0.0
    earlier_exposed: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"passed": self.passed, "cells": self.cells, "hidden": self.hidden,
                "hidden_share": round(self.hidden / self.cells, 4) if self.cells else 0,
                "periods": self.periods, "constraints": self.constraints,
                "components": self.components, "solves": self.solves, "repairs": self.repairs,
                "exactly_recoverable": len(self.exact), "counts_narrower_than_min": len(self.narrow),
                "sums_narrower_than_p": len(self.narrow_sums),
                "secondary_sums_narrower_than_p": len(self.narrow_secondary_sums),
                "not_optimal": len(self.not_optimal),
                "min_width_count": self.min_width_count,
                "min_width_sum_share": self.min_width_sum_share,
                "exposed_by_earlier_releases": [list(map(str, k)) for k in self.earlier_exposed],
                "seconds": round(self.seconds, 2)}


@lru_cache(maxsize=None)
def _protection(name: str, m: str) -> str:
    return next(f.get("protection") for f in output_schema(name)["fields"] if f["name"] == m)


class Model:
    """The published tables of every period, their hidden cells and the constraints among them."""

    def __init__(self, tables: dict[str, list[dict]], constraints: list, upper: dict[str, float]):
        self.tables, self.upper = tables, upper
        self.constraints = constraints
        self.measures = {n: rel.protected_measures(output_schema(n)) for n, rows in tables.items()
                         if rows and "x-levels" in output_schema(n)}
        self.cells = sum(len(tables[n]) * len(ms) for n, ms in self.measures.items())
        self._units = {}
        self.by_cell: dict = defaultdict(list)  # cell -> the constraints it is in
        for k, (terms, _) in enumerate(constraints):
            for c, _ in terms:
                self.by_cell[c].append(k)
        self.truth: dict | None = None
        self.min_interval, self.p_percent = 2.0, 10.0
        self.period: str | None = None
        self.settled: set = set()  # cells no cell of this period can protect (pinned by earlier releases)
        self.public: set = set()   # cells of this period whose value earlier releases already gave away
        self.beliefs: set = set()  # constraints an attacker would believe that the true values break
        self.primary: set = set()  # keys of the cells hidden by the primary rules (small, dominated)

    def true(self, cell):
        """The unprotected value, where the build has it (a feasible point for every solve)."""
        if not self.truth:
            return None
        name, i, m = cell
        return self.truth[name][i].get(m)

    def value(self, cell):
        name, i, m = cell
        return self.tables[name][i][m]

    def hideable(self, cell) -> bool:
        """A protected measure of the period being released: earlier periods were published
        before, and hiding them now would not take them back."""
        return (cell[2] in self.measures.get(cell[0], ()) and cell not in self.public
                and self.period in (None, self.tables[cell[0]][cell[1]].get("period")))

    def hidden(self, cell) -> bool:
        return self.value(cell) is None

    def hidden_cells(self) -> list[tuple]:
        return [(n, i, m) for n, ms in self.measures.items() for m in ms
                for i, r in enumerate(self.tables[n]) if r[m] is None]

    def key(self, cell) -> tuple:
        """A cell's identity independent of row order: table, primary-key values, measure."""
        name, i, m = cell
        return cell_key(name, self.tables[name][i], m)

    def lower(self, cell) -> float:
        """Zeros are published, so a hidden count is at least 1; a hidden sum may be Rp 0."""
        return 1.0 if _protection(cell[0], cell[2]) == "count" else 0.0

    def bound(self, cell) -> float:
        name, _, m = cell
        key = (name, m)
        if key not in self._units:
            unit = next(f.get("unit") for f in output_schema(name)["fields"] if f["name"] == m)
            self._units[key] = self.upper.get(unit, self.upper["default"])
        return self._units[key]


def solve_components(model: Model, report: AuditReport, cache: dict | None = None) -> dict[tuple, tuple[float, float]]:
    """(min, max) of every hidden cell. `cache` keeps each component's bounds by its cells and
    constraints, so that a repair round re-solves only the components it changed."""
    hidden = model.hidden_cells()
    var = {c: k for k, c in enumerate(hidden)}
    stable = [model.key(c) for c in hidden]  # row numbers move between releases; keys do not
    rows = []  # (coeffs {var: a}, lower, upper): published cells move to the right-hand side
    tables = model.tables
    touched = sorted({k for c in hidden for k in model.by_cell.get(c, ())})  # the rest hold no hidden cell
    for con in touched:
        if con in model.beliefs:
            continue  # beliefs are followed by believed_cells(), not bounded by LP
        terms, sense = model.constraints[con]
        coeffs, rhs = {}, 0.0
        for cell, a in terms:
            k = var.get(cell)
            if k is None:
                rhs -= a * tables[cell[0]][cell[1]][cell[2]]
            else:
                coeffs[k] = coeffs.get(k, 0.0) + a
        coeffs = {k: a for k, a in coeffs.items() if a != 0}
        if coeffs:
            rows.append((coeffs, rhs if sense == "=" else -float("inf"), rhs))
    parent = list(range(len(hidden)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for coeffs, *_ in rows:
        first, *rest = coeffs
        for k in rest:
            a, b = find(first), find(k)
            if a != b:
                parent[a] = b
    comp_rows, comp_vars = defaultdict(list), defaultdict(list)
    for k in range(len(hidden)):
        comp_vars[find(k)].append(k)
    for row in rows:
        comp_rows[find(next(iter(row[0])))].append(row)
    bounds = {}
    cache = {} if cache is None else cache
    jobs = []
    for root, members in comp_vars.items():
        report.components += 1
        cons = comp_rows.get(root, [])
        report.constraints += len(cons)
        signature = (frozenset(stable[k] for k in members),
                     frozenset((frozenset((stable[k], a) for k, a in c.items()), lo, hi) for c, lo, hi in cons))
        solved = cache.get(signature)  # once: comparing two equal signatures walks all of them
        if solved is not None:
            bounds.update({hidden[k]: solved[stable[k]] for k in members})
            continue
        lower = [model.lower(hidden[k]) for k in members]
        upper = [model.bound(hidden[k]) for k in members]
        if not cons:  # tied to nothing published: anywhere between its bounds
            bounds.update({hidden[k]: (lo, hi) for k, lo, hi in zip(members, lower, upper)})
            cache[signature] = {stable[k]: (lo, hi) for k, lo, hi in zip(members, lower, upper)}
            continue
        # Rupiah in millions and every row divided by its largest coefficient: HiGHS's tolerances
        # are absolute, and a row of Rp 10^10 beside counts of 3 is solved badly otherwise.
        scale = [SUM_SCALE if _protection(hidden[k][0], hidden[k][2]) == "sum" else 1.0 for k in members]
        local = {k: j for j, k in enumerate(members)}
        rows_local = []
        for c, lo, hi in cons:
            idx = [local[k] for k in c]
            coeffs = [a * scale[j] for j, a in zip(idx, c.values())]
            norm = max(abs(a) for a in coeffs)
            rows_local.append((idx, [a / norm for a in coeffs], lo / norm, hi / norm))
        start = [model.true(hidden[k]) for k in members]
        start = [float("nan") if v is None else v / s for v, s in zip(start, scale)]
        need = [("count", model.min_interval) if s == 1.0 else ("sum", model.p_percent / 100) for s in scale]
        lower_s, upper_s = [lo / s for lo, s in zip(lower, scale)], [hi / s for hi, s in zip(upper, scale)]
        jobs.append((signature, [(hidden[k], stable[k]) for k in members],
                     (lower_s, upper_s, rows_local, start, need), scale))
    results = _run_jobs([j[2] for j in jobs])
    for (signature, cells, _, scale), (lows, highs, optimal, solves) in zip(jobs, results):
        report.solves += solves
        solved = {}
        for (c, key), lo, hi, ok, s in zip(cells, lows, highs, optimal, scale):
            if not ok:
                report.not_optimal.append(c)
            bounds[c] = (lo * s, hi * s) if ok else (float("nan"), float("nan"))
            solved[key] = bounds[c]
        if all(optimal):
            cache[signature] = solved
    return bounds


def solve_component(lower: list[float], upper: list[float], rows: list) -> tuple[list, list, list, int]:
    """Min and max of each variable of one component: lo <= sum(a_i x_i) <= hi for each row.
    The build runs verify_component; this exact solver is its reference in the tests.

    One model, warm-started: between solves only two costs change. Every optimal solution is
    also a feasible point for all the other variables: one found at a variable's own bound
    proves that bound is its min (or max), so that variable's solve is skipped.
    """
    import highspy
    import numpy as np

    n = len(lower)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n, np.array(lower, dtype=float), np.array(upper, dtype=float))
    inf = highspy.kHighsInf
    for row in rows:
        idx, coeffs, lo, hi = row if len(row) == 4 else (*row, row[2])
        h.addRow(max(lo, -inf), min(hi, inf), len(idx), np.array(idx, dtype=np.int32), np.array(coeffs, dtype=float))
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


def verify_component(lower, upper, rows, start, need) -> tuple[list, list, list, int]:
    """Like solve_component, but solves only what the audit must know: whether each variable's
    range is wide enough. The true values are a feasible point, and so is every solution found:
    a variable already seen far enough apart in two feasible points needs no solve of its own.
    Returned intervals lie within the true (min, max); where a variable falls short, they are
    its exact min and max. `need`: ("count", width) or ("sum", share of the maximum)."""
    import highspy
    import numpy as np

    n = len(lower)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(n, np.array(lower, dtype=float), np.array(upper, dtype=float))
    inf = highspy.kHighsInf
    for idx, coeffs, lo, hi in rows:
        h.addRow(max(lo, -inf), min(hi, inf), len(idx), np.array(idx, dtype=np.int32), np.array(coeffs, dtype=float))
    x0 = np.array(start, dtype=float)
    seen_lo, seen_hi = x0.copy(), x0.copy()  # NaN where the true value is unknown
    solved_lo, solved_hi = [False] * n, [False] * n
    ok = [True] * n
    solves = 0

    def see(x):
        np.fmin(seen_lo, x, out=seen_lo)
        np.fmax(seen_hi, x, out=seen_hi)

    def wide(j) -> bool:
        lo, hi = seen_lo[j], seen_hi[j]
        if lo != lo or hi != hi:
            return False
        kind, amount = need[j]
        if kind == "count":
            return hi - lo >= amount - EXACT
        return hi > 0 and lo <= (1 - amount) * hi + EXACT and hi - lo >= 1.0 / SUM_SCALE

    def run(costs, sense) -> bool:
        nonlocal solves
        h.changeObjectiveSense(sense)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(costs, dtype=float))
        h.run()
        solves += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        see(np.asarray(h.getSolution().col_value))
        return True

    # Two sweeps over everything first: most variables are then seen far enough apart.
    run(np.ones(n), highspy.ObjSense.kMaximize)
    run(np.ones(n), highspy.ObjSense.kMinimize)

    unit = np.zeros(n)
    for j in range(n):
        if wide(j):
            continue
        unit[:] = 0.0
        unit[j] = 1.0
        for sense, flags in ((highspy.ObjSense.kMaximize, solved_hi), (highspy.ObjSense.kMinimize, solved_lo)):
            if wide(j):
                break
            if not run(unit, sense):
                ok[j] = False
                break
            flags[j] = True
            if sense == highspy.ObjSense.kMaximize:
                seen_hi[j] = h.getInfo().objective_function_value
            else:
                seen_lo[j] = h.getInfo().objective_function_value
    return list(seen_lo), list(seen_hi), ok, solves


def _run_jobs(jobs: list) -> list:
    """Components side by side in threads: HiGHS releases the GIL while it solves."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(jobs) < 2:
        return [verify_component(*j) for j in jobs]
    from concurrent.futures import ThreadPoolExecutor

    order = sorted(range(len(jobs)), key=lambda k: -len(jobs[k][0]))  # big ones first
    with ThreadPoolExecutor(workers) as pool:
        results = dict(zip(order, pool.map(lambda k: verify_component(*jobs[k]), order)))
    return [results[k] for k in range(len(jobs))]


def audit(model: Model, truth: dict | None = None, min_interval: float = 2.0, p_percent: float = 10.0,
          cache: dict | None = None) -> tuple[AuditReport, dict]:
    """Bounds of every hidden cell and which of them are too narrow."""
    t = time.perf_counter()
    report = AuditReport()
    model.truth, model.min_interval, model.p_percent = truth, min_interval, p_percent
    bounds = solve_components(model, report, cache)
    report.cells, report.hidden = model.cells, len(bounds)
    for cell, (lo, hi) in bounds.items():
        width = hi - lo
        if width != width or cell in model.settled:  # nan: not optimal, already recorded
            continue
        is_count = _protection(cell[0], cell[2]) == "count"
        if width < (EXACT if is_count else 1.0):  # rupiah: within one rupiah is exact
            report.exact.append(cell)
            continue
        if is_count:
            if width < min_interval - EXACT:
                report.narrow.append(cell)
            report.min_width_count = width if report.min_width_count is None else min(report.min_width_count, width)
        else:
            true = truth[cell[0]][cell[1]][cell[2]] if truth else None
            top = max(hi, true or 0.0)
            share = width / top if top else 1.0
            if share >= p_percent / 100 - EXACT:
                pass
            elif model.key(cell) in model.primary:
                report.narrow_sums.append(cell)
            else:
                # A sum hidden beside other cells must only not be exact; the repair still tries
                # to widen it to p% (an attacker cannot tell it from a dominated one), but the
                # release does not fail on it.
                report.narrow_secondary_sums.append(cell)
            report.min_width_sum_share = share if report.min_width_sum_share is None else min(report.min_width_sum_share, share)
    for attr in ("min_width_count", "min_width_sum_share"):
        if getattr(report, attr) is not None:
            setattr(report, attr, round(float(getattr(report, attr)), 4))
    report.passed = not (report.exact or report.narrow or report.narrow_sums or report.not_optimal)
    report.seconds = time.perf_counter() - t
    return report, bounds


def cell_key(name: str, row: dict, measure: str) -> tuple:
    return (name, *(row[k] for k in output_schema(name)["primaryKey"]), measure)


def _cost(model: Model, cell, period: str) -> float:
    """What hiding a cell costs. Lower levels first. A count costs its value (the people it tells
    about), a rupiah sum half its count's. And a cell that would be the only hidden one of another
    equality costs once more for each: hiding it there forces yet another cell to be hidden."""
    name, i, m = cell
    row = model.tables[name][i]
    count = _count_of(name, m)
    value = 0.5 * float(row.get(count) or 1) if count else float(model.value(cell))
    forced = sum(1 for k in model.by_cell.get(cell, ()) if model.constraints[k][1] == "="
                 and not any(model.hidden(c) for c, _ in model.constraints[k][0]))
    return LEVEL_COST.get(row.get("level"), 1.0) * value * (1 + forced)


@lru_cache(maxsize=None)
def _count_of(name: str, m: str) -> str | None:
    return next((f.get("x-count") for f in output_schema(name)["fields"]
                 if f["name"] == m and f.get("protection") == "sum"), None)


def repair(model: Model, failing: list[tuple], period: str) -> int:
    """Hide one more cell for each failing one: the cheapest published non-zero cell of `period`
    nearest to it in the web of constraints (first the constraints it is in, then those of the
    hidden cells they hold, and so on, since a cell can be pinned down through a chain)."""
    by_cell = model.by_cell
    added = 0
    for cell in sorted(set(failing)):  # a fixed order: the same input always gives the same release
        if _given_away(model, cell, period):
            continue
        seen_cells, seen_cons, frontier = {cell}, set(), [cell]
        helped = False
        while frontier:
            cons = {k for c in frontier for k in by_cell.get(c, ())} - seen_cons
            seen_cons |= cons
            cells = {c for k in cons for c, _ in model.constraints[k][0]}
            candidates = [(_cost(model, c, period), c) for c in cells if model.value(c) and model.hideable(c)]
            if candidates:
                hide(model.tables, *min(candidates)[1])
                added += 1
                helped = True
                break
            frontier = [c for c in cells if c not in seen_cells and model.hidden(c)]
            seen_cells.update(cells)
        if not helped:
            # Nothing of this period left to hide around it: what pins it was published by an
            # earlier release (a relation that only enough months of data made visible), and this
            # one cannot undo it. It is reported by name, not repaired.
            model.settled.add(cell)
    return added


def _given_away(model: Model, cell, period: str) -> bool:
    """A hidden cell of this period that an equality pins to values nobody can hide any more (an
    earlier period's published figure: the same cell last month, when the register did not
    change). Hiding it protects nothing: it is published again, and the cells it was meant to
    protect are protected by others in the next round."""
    if model.tables[cell[0]][cell[1]].get("period") != period or model.truth is None:
        return False
    for k in model.by_cell.get(cell, ()):
        terms, sense = model.constraints[k]
        if sense != "=" or k in model.beliefs:  # a belief pins nothing the attacker can be sure of
            continue
        others = [c for c, _ in terms if c != cell]
        if all(not model.hidden(c) and (not model.hideable(c) or not model.value(c)) for c in others):
            name, i, m = cell
            if model.truth[name][i].get(m) is None:
                return False
            row = model.tables[name][i]
            row[m], row[f"{m}_status"] = model.truth[name][i][m], "published"
            model.public.add(cell)
            return True
    return False


def hide(tables: dict, name: str, i: int, m: str) -> None:
    """Hide a cell, and what would reveal it: sums and medians that follow its count."""
    row = tables[name][i]
    row[m], row[f"{m}_status"] = None, "suppressed"
    for f in output_schema(name)["fields"]:
        if f.get("x-count") == m and row.get(f["name"]) not in (None, 0):
            row[f["name"]], row[f"{f['name']}_status"] = None, "suppressed"


def hide_lone_cells(model: Model, period: str, min_interval: float = 2.0) -> int:
    """Before any LP, the cases one equality settles alone: a single hidden cell (subtraction
    reveals it), or hidden counts under a published total that leaves each less room than
    `min_interval`. Hide the cheapest published cell of `period` in that equality too."""
    added = 0
    while True:
        before = added
        for terms, sense in model.constraints:
            if sense != "=":
                continue
            hidden = [(c, a) for c, a in terms if model.hidden(c)]
            if not hidden:
                continue
            if len(hidden) > 1:
                if any(_protection(c[0], c[2]) != "count" for c, _ in hidden):
                    continue
                signs = {a > 0 for _, a in hidden}
                if len(signs) > 1 or any(abs(a) != 1 for _, a in hidden):
                    continue
                # sum of the hidden (all +1 or all -1) = what the published cells leave over
                rest = -sum(a * model.value(c) for c, a in terms if not model.hidden(c))
                total = rest if signs == {True} else -rest
                if total - len(hidden) >= min_interval:
                    continue
            candidates = [(_cost(model, c, period), c) for c, _ in terms if model.value(c) and model.hideable(c)]
            if candidates:
                hide(model.tables, *min(candidates)[1])
                added += 1
        if added == before:
            return added


def load_cache(path) -> dict:
    """Bounds of the components solved by earlier builds (WORK, private): the earlier periods'
    components are mostly unchanged, and their signature holds every cell, value and bound."""
    import pickle

    try:
        with open(path, "rb") as fh:
            cache = pickle.load(fh)
        return cache if isinstance(cache, dict) else {}
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        return {}


def save_cache(path, cache: dict, limit: int = 200_000) -> None:
    import pickle
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    items = list(cache.items())[-limit:]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(dict(items), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def believed_cells(model: Model) -> dict:
    """Hidden cells an attacker would claim to know by substitution: an equality with one unknown
    left gives it, and the value found is used in the next (the attacker's chain of reasoning,
    with the relations they believe as well as the true ones). Returns the cells whose chain uses
    a belief (the LP audit judges the rest), each with the constraint that gave it."""
    derived: dict = {}
    values: dict = {}
    tainted: set = set()  # derived with a belief somewhere in the chain
    equalities = [k for k, (_, sense) in enumerate(model.constraints) if sense == "="]
    todo = set(equalities)
    while todo:
        nxt = set()
        for k in sorted(todo):
            terms, _ = model.constraints[k]
            unknown = [(c, a) for c, a in terms if model.hidden(c) and c not in values]
            if len(unknown) != 1:
                continue
            (c, a), rest = unknown[0], 0.0
            for d, b in terms:
                if d != c:
                    rest += b * (values[d] if d in values else model.value(d))
            values[c], derived[c] = -rest / a, k
            if k in model.beliefs or any(d in tainted for d, _ in terms):
                tainted.add(c)
            nxt.update(model.by_cell.get(c, ()))
        todo = nxt & set(equalities)
    return {c: k for c, k in derived.items() if c in tainted}


def hide_believed(model: Model, period: str) -> int:
    """Break a chain an attacker could follow to a hidden cell: hide the cheapest published cell
    of the constraint that gave it."""
    added = 0
    for cell, k in sorted(believed_cells(model).items()):
        terms, _ = model.constraints[k]
        candidates = [(_cost(model, c, period), c) for c, _ in terms if model.value(c) and model.hideable(c)]
        if candidates:
            hide(model.tables, *min(candidates)[1])
            added += 1
            break  # one at a time: each hidden cell can break many chains
    return added


def audit_and_repair(tables: dict, constraints: list, period: str, upper: dict, truth: dict | None = None,
                     min_interval: float = 2.0, p_percent: float = 10.0, max_rounds: int = 40,
                     cache: dict | None = None, beliefs: set | None = None, primary: set | None = None) -> AuditReport:
    """Audit; while it fails, hide more cells and audit again. `beliefs`: the constraints an
    attacker would take from the published values that the true values break."""
    model = Model(tables, constraints, upper)
    model.period = period
    model.beliefs = set(beliefs or ())
    model.primary = set(primary or ())
    cache = {} if cache is None else cache
    repairs, solves, seconds = hide_lone_cells(model, period, min_interval), 0, 0.0
    while model.beliefs and (added := hide_believed(model, period)):
        repairs += added + hide_lone_cells(model, period, min_interval)
    report = AuditReport()
    for round_no in range(max_rounds):
        report, _ = audit(model, truth, min_interval, p_percent, cache)
        solves, seconds = solves + report.solves, seconds + report.seconds
        report.repairs, report.solves, report.seconds = repairs, solves, seconds
        widen = report.narrow_secondary_sums if round_no < SECONDARY_SUM_ROUNDS else []
        if (report.passed and not widen) or report.not_optimal:
            break
        settled, public = len(model.settled), len(model.public)
        added = repair(model, report.exact + report.narrow + report.narrow_sums + widen, period)
        if not added and len(model.settled) == settled and len(model.public) == public:
            break
        repairs += added + hide_lone_cells(model, period, min_interval)
        while model.beliefs and (added := hide_believed(model, period)):
            repairs += added + hide_lone_cells(model, period, min_interval)
    report.periods = sorted({r["period"] for rows in tables.values() for r in rows if "period" in r})
    report.earlier_exposed = [model.key(c) for c in sorted(model.settled)]
    return report
