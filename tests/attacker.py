"""An independent attacker on a published Bansos Terbuka database.

It knows nothing of the project's code: it reads the SQLite file the way a user of the
public SQL box would, mines linear relations that hold on every published row (identities
and coincidences alike), then bounds every hidden cell by linear programming (HiGHS).

    .venv/bin/python -m tests.attacker PATH.db

Public API: ``attack(db_path, p_percent=10, min_support=3, count_floor=1) -> AttackResult``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pandas as pd

KEYS = ("period", "level", "region_code", "parent_code")
INF = highspy.kHighsInf
# when mined relations contradict each other, the least trusted one is given up first
TRUST = {"period": 0, "ratio": 1, "inequality": 2, "in-row sum": 3, "cross-table": 4,
         "hierarchy": 5}


def measure_kind(name: str, values: np.ndarray, decltype: str = "") -> str:
    """'rupiah' for money (name has 'amount' or '_rp', or integer values whose median non-zero
    value is at least 100,000, far above any head count), 'count' for other integer measures
    (a hidden count is >= 1), 'other' for columns declared REAL or holding non-integers, such
    as medians (>= 0, not additive, never summed with counts)."""
    v = values[~np.isnan(values)]
    if any(x in decltype.upper() for x in ("REAL", "FLOA", "DOUB")) or not np.all(v == np.round(v)):
        return "other"
    if "amount" in name or "_rp" in name:
        return "rupiah"
    nz = v[v != 0]
    return "rupiah" if len(nz) and np.median(nz) >= 1e5 else "count"


@dataclass
class Table:
    name: str
    df: pd.DataFrame            # rows sorted by keys and dimensions
    dims: list[str]
    measures: list[str]
    cells: dict[str, np.ndarray]  # measure -> global cell id of each row
    kinds: dict[str, str]


@dataclass
class Relation:
    family: str                 # in-row sum, ratio, cross-table, inequality, hierarchy, period
    text: str
    idx: np.ndarray             # (instances, terms) global cell ids; padding is the zero cell
    coef: np.ndarray            # same shape; the relation is sum(coef * x) == 0 (or <= 0)
    ineq: bool = False
    support: int = 0
    every_term: bool = False    # each term must be non-zero on some supporting row

    def __str__(self) -> str:
        return self.text


@dataclass
class HiddenCell:
    table: str
    key: dict
    measure: str
    kind: str
    min: float
    max: float
    via: tuple = ()             # relations with a non-zero dual in the solves that bound it

    @property
    def width(self) -> float:
        return self.max - self.min


@dataclass
class AttackResult:
    hidden: list[HiddenCell]
    relations: list[str]        # mined relations that touch at least one hidden cell
    families: dict[str, list[str]]
    dropped: list[str] = field(default_factory=list)  # relations given up to restore feasibility
    p_percent: float = 10
    seconds: float = 0.0

    @property
    def exact(self) -> list[HiddenCell]:
        return [c for c in self.hidden if c.width < 1e-6]

    @property
    def narrow_counts(self) -> list[HiddenCell]:
        return [c for c in self.hidden if c.kind == "count" and c.width < 2]

    @property
    def narrow_sums(self) -> list[HiddenCell]:
        return [c for c in self.hidden if c.kind == "rupiah"
                and (c.width < 1e-6 or c.width < self.p_percent / 100 * c.max)]

    def summary(self) -> str:
        return (f"{len(self.hidden)} hidden cells: {len(self.exact)} exact, "
                f"{len(self.narrow_counts)} narrow counts (width < 2), {len(self.narrow_sums)} "
                f"narrow sums (width < {self.p_percent}%), {len(self.relations)} relations mined, "
                f"{self.seconds:.1f} s")


# ---------------------------------------------------------------- reading the database

def _key_columns(df: pd.DataFrame, others: list[str]) -> list[str]:
    """The dimension columns: the fewest that make (period, level, region_code, ...) unique,
    taken from the columns with the fewest distinct values first (a scheme code, not a count)."""
    base = ["period", "level", "region_code"]
    dims: list[str] = []
    for c in sorted(others, key=lambda c: (df[c].nunique(), c)):
        if not df.duplicated(base + dims).any():
            break
        dims.append(c)
    return [c for c in others if c in dims]


class Db:
    """All published cells as one flat vector (NaN = hidden); the last cell is a zero pad."""

    def __init__(self, path):
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        self.tables: list[Table] = []
        self.refs: dict[str, pd.DataFrame] = {}
        vals, self.meta = [], []     # meta: (table, row, measure) per cell
        for name in sorted(names):
            df = pd.read_sql_query(f'select * from "{name}"', con)
            decl = {r[1]: r[2] for r in con.execute(f'pragma table_info("{name}")')}
            cols = list(df.columns)
            if not {"period", "level"} <= set(cols):
                self.refs[name] = df       # reference table: links dimension values
                continue
            measures = [c for c in cols if f"{c}_status" in cols]
            if not measures or "region_code" not in cols:
                continue
            others = [c for c in cols if c not in KEYS and c not in measures and not c.endswith("_status")]
            dims = _key_columns(df, others)
            # a number published without a status column is a measure that is never hidden
            measures += [c for c in others if c not in dims and pd.api.types.is_numeric_dtype(df[c])]
            df = df.sort_values(["period", "level", "region_code", *dims]).reset_index(drop=True)
            t = Table(name, df, dims, measures, {}, {})
            for m in measures:
                v = pd.to_numeric(df[m], errors="coerce").to_numpy(float)
                t.cells[m] = np.arange(len(v)) + sum(map(len, vals))
                t.kinds[m] = measure_kind(m, v, decl.get(m) or "")
                vals.append(v)
                self.meta += [(t, i, m) for i in range(len(v))]
            self.tables.append(t)
        con.close()
        self.val = np.concatenate(vals + [np.zeros(1)])
        self.pad = len(self.val) - 1
        self.hid = np.isnan(self.val)
        self.val0 = np.where(self.hid, 0.0, self.val)
        self.holds: set[str] = set()   # texts of the relations accepted so far

    def check(self, rel: Relation, min_support: int) -> bool:
        """Exact on every row where all its cells are published, and >= min_support such rows
        that are not all zero. Sets rel.support."""
        hid = self.hid[rel.idx]
        full = ~hid.any(1)
        terms = rel.coef * self.val0[rel.idx]
        res, scale = terms.sum(1), np.abs(terms).sum(1)
        bad = (res if rel.ineq else np.abs(res)) > 1e-6 + 1e-12 * scale
        if (bad & full).any():
            return False
        sup = full & (scale > 0)
        rel.support = int(sup.sum())
        if rel.every_term and not (terms[sup] != 0).any(0).all():
            # a term that is zero wherever it is published is no evidence: small non-zero
            # values are exactly the hidden ones (e.g. a = b + c where c is published only as 0)
            return False
        return rel.support >= min_support


def _pad(lists: list, fill=-1) -> np.ndarray:
    k = max((len(x) for x in lists), default=1)
    out = np.full((len(lists), max(k, 1)), fill, dtype=np.int64)
    for i, x in enumerate(lists):
        out[i, :len(x)] = x
    return out


def _match(tkeys, groups: dict):
    """Rows whose key has a group: (their positions, the group's row positions padded)."""
    hits = [(i, groups.get(tuple(k))) for i, k in enumerate(tkeys)]
    hits = [(i, g) for i, g in hits if g is not None]
    return (np.array([i for i, _ in hits]), _pad([g for _, g in hits])) if hits else None


def _sum_rel(db: Db, family, text, tcells, trows, ucells, urows) -> Relation:
    """target cell = sum of the cells at urows (a padded row matrix, -1 = none)."""
    pad = urows < 0
    idx = np.column_stack([tcells[trows], np.where(pad, db.pad, ucells[np.maximum(urows, 0)])])
    coef = np.column_stack([np.ones(len(trows)), np.where(pad, 0.0, -1.0)])
    return Relation(family, text, idx, coef)


def _row_rel(family, text, t: Table, rows, terms, ineq=False) -> Relation:
    """sum(c * measure) over one row's measures; terms = [(coef, measure), ...]."""
    idx = np.column_stack([t.cells[m][rows] for _, m in terms])
    coef = np.tile(np.array([c for c, _ in terms], float), (len(rows), 1))
    return Relation(family, text, idx, coef, ineq, every_term=True)


# ---------------------------------------------------------------- mining

def _scopes(t: Table):
    """The whole table, then each value of each dimension: a coincidence may hold per scheme."""
    yield "", np.arange(len(t.df))
    for d in t.dims:
        for v, rows in t.df.groupby(d, sort=True).indices.items():
            yield f"[{d}={v}]", rows


def mine_in_row(db: Db, t: Table):
    """a = b, a = b + c, a = b + c + d among same-kind measures; a <= b."""
    for a in t.measures:
        others = [m for m in t.measures if m != a and t.kinds[m] == t.kinds[a]]
        for r in (1, 2, 3):
            for bs in itertools.combinations(others, r):
                if r == 1 and bs[0] < a:
                    continue       # a = b and b = a are the same relation
                yield _row_rel("in-row sum", f"{t.name}: {a} = {' + '.join(bs)}", t,
                               np.arange(len(t.df)), [(1, a)] + [(-1, b) for b in bs])
        for b in others:
            yield _row_rel("inequality", f"{t.name}: {a} <= {b}", t, np.arange(len(t.df)),
                           [(1, a), (-1, b)], ineq=True)


def mine_ratios(db: Db, t: Table):
    """a = k*b and a = k*(b + c) with one constant k per scope (e.g. a fixed benefit)."""
    found = set()                  # (a, bs) that hold with one k on the whole table
    for scope, rows in _scopes(t):
        for a in t.measures:
            others = [m for m in t.measures if m != a]
            pairs = [bc for bc in itertools.combinations(others, 2)
                     if t.kinds[bc[0]] == t.kinds[bc[1]]]      # never add rupiah to counts
            for bs in itertools.chain(((b,) for b in others), pairs):
                if (a, bs) in found:
                    continue       # already holds on the whole table
                va = db.val[t.cells[a][rows]]
                den = sum(db.val[t.cells[b][rows]] for b in bs)
                ok = ~np.isnan(va) & ~np.isnan(den) & (den != 0)
                if not ok.any():
                    continue
                k = float(va[ok][0] / den[ok][0])
                if k == 0 or (len(bs) == 1 and (abs(k) < 1 or (k == 1 and a > bs[0]))):
                    continue       # a = 0 contradicts hidden >= 1; b = a/k is the same as a = k*b
                if k == 1 and (not scope or f"{t.name}: {a} = {' + '.join(bs)}" in db.holds):
                    continue       # an in-row sum already found on the whole table
                rhs = " + ".join(bs) if len(bs) == 1 else f"({' + '.join(bs)})"
                rel = _row_rel("ratio", f"{t.name}{scope}: {a} = {k:.6g} * {rhs}",
                               t, rows, [(1, a)] + [(-k, b) for b in bs])
                yield rel
                if not scope and rel.support:
                    found.add((a, bs))


def _structure(t: Table, tkey, u: Table, ukey):
    """Match each row of t to u's rows of the same (period, level, region_code) and group."""
    where = ["period", "level", "region_code"]
    groups = u.df[where].assign(_g=ukey).groupby([*where, "_g"], sort=False).indices
    return _match(t.df[where].assign(_g=tkey).itertuples(index=False), groups)


def _mappings(db: Db, t: Table, u: Table):
    """Ways to group u's rows so that each group matches one row of t in the same region."""
    if not t.dims:
        yield "", 0.0, 0.0        # all of u's rows of the region
        for d in u.dims:
            vals = np.sort(u.df[d].dropna().unique())
            if len(vals) >= 3 and np.issubdtype(vals.dtype, np.integer):
                for lo, hi in itertools.combinations_with_replacement(vals, 2):  # ordinal ranges
                    if (lo, hi) != (vals[0], vals[-1]):
                        inr = u.df[d].between(lo, hi)
                        yield f"[{d} {lo}..{hi}]", 1.0, np.where(inr, 1.0, np.nan)
        return
    if len(t.dims) > 1:
        return
    td = set(t.df[t.dims[0]].dropna())
    for d in u.dims:
        ud = set(u.df[d].dropna())
        if ud == td:
            yield f" by {d}", t.df[t.dims[0]], u.df[d]
        for rname, r in db.refs.items():   # map u's value through a reference-table column
            for kc in r.columns:
                if not ud or not ud <= set(r[kc]) or not r[kc].is_unique:
                    continue
                sub = r[r[kc].isin(ud)]
                for vc in r.columns:
                    if vc != kc and set(sub[vc].dropna()) == td:
                        to = dict(zip(r[kc], r[vc]))
                        yield f" by {rname}.{vc}", t.df[t.dims[0]], u.df[d].map(to)


def mine_cross(db: Db, t: Table):
    """A measure of t = sum of a same-kind measure of another table u over matching rows."""
    for u in db.tables:
        if u is t:
            continue
        for label, tkey, ukey in _mappings(db, t, u):
            st = _structure(t, tkey, u, ukey)
            if st is None:
                continue
            for m, n in itertools.product(t.measures, u.measures):
                if t.kinds[m] == u.kinds[n]:
                    yield _sum_rel(db, "cross-table", f"{t.name}.{m} = sum {u.name}.{n}{label}",
                                   t.cells[m], st[0], u.cells[n], st[1])


def mine_hierarchy(db: Db, t: Table):
    """parent row = sum of the rows whose parent_code is its region_code (same dimensions)."""
    cols = ["period", *t.dims]
    kids = t.df[cols].assign(_p=t.df["parent_code"]).groupby([*cols, "_p"], sort=False).indices
    st = _match(t.df[cols].assign(_p=t.df["region_code"]).itertuples(index=False), kids)
    if st is not None:
        trows, urows = st
        for m in t.measures:
            yield _sum_rel(db, "hierarchy", f"{t.name}.{m}: parent = sum of children",
                           t.cells[m], trows, t.cells[m], urows)


def mine_periods(db: Db, t: Table):
    """The same cell equal in two periods (whole table, or within one dimension value)."""
    keys = ["level", "region_code", *t.dims]
    periods = sorted(t.df["period"].unique())
    for p, q in itertools.combinations(periods, 2):
        a = t.df[t.df.period == p].reset_index().merge(
            t.df[t.df.period == q].reset_index(), on=keys, suffixes=("", "_q"))
        for m in t.measures:
            found = False
            for scope, rows in [("", np.arange(len(a)))] + [
                    (f"[{d}={v}]", r) for d in t.dims for v, r in a.groupby(d).indices.items()]:
                if found:
                    break
                rel = _sum_rel(db, "period", f"{t.name}.{m}{scope}: {p} = {q}", t.cells[m],
                               a["index"].to_numpy()[rows], t.cells[m],
                               a["index_q"].to_numpy()[rows][:, None])
                yield rel
                found = not scope and rel.support > 0


def mine(db: Db, min_support: int = 3) -> list[Relation]:
    """Every candidate is checked as soon as it is yielded, so a generator can read
    rel.support when it resumes (to skip what already holds on the whole table)."""
    out = []
    for t in db.tables:
        for gen in (mine_in_row, mine_ratios, mine_cross, mine_hierarchy, mine_periods):
            for rel in gen(db, t):
                if db.check(rel, min_support):
                    out.append(rel)
                    db.holds.add(rel.text)
                else:
                    rel.support = 0
    return out


# ---------------------------------------------------------------- bounding by linear programming

def _constraints(db: Db, rels: list[Relation], var: np.ndarray):
    """COO entries (row, column, coef), row bounds and relation id of every instance that
    involves a hidden cell; published cells are moved to the right-hand side."""
    R, C, V, lo, hi, rid = [], [], [], [], [], []
    n = 0
    for r, rel in enumerate(rels):
        h = db.hid[rel.idx] & (rel.coef != 0)
        inst = np.flatnonzero(h.any(1))
        if not len(inst):
            continue
        rhs = -(rel.coef[inst] * db.val0[rel.idx[inst]]).sum(1)
        i, k = np.nonzero(h[inst])
        R.append(n + i)
        C.append(var[rel.idx[inst][i, k]])
        V.append(rel.coef[inst][i, k])
        lo.append(np.full(len(inst), -INF) if rel.ineq else rhs)
        hi.append(rhs)
        rid.append(np.full(len(inst), r))
        n += len(inst)
    if not n:
        return (np.zeros(0, int),) * 2 + (np.zeros(0),) * 3 + (np.zeros(0, int),)
    R, C, V = np.concatenate(R), np.concatenate(C), np.concatenate(V)
    # a cell twice in one instance: add its coefficients
    key, inv = np.unique(R * (len(var) + 1) + C, return_inverse=True)
    val = np.zeros(len(key))
    np.add.at(val, inv, V)
    return (key // (len(var) + 1), key % (len(var) + 1), val,
            np.concatenate(lo), np.concatenate(hi), np.concatenate(rid))


def _components(nv: int, R: np.ndarray, C: np.ndarray) -> list[np.ndarray]:
    """Cells joined by a constraint, by union-find; each component is a separate LP."""
    parent = list(range(nv))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    order = np.argsort(R, kind="stable")
    R, C = R[order].tolist(), C[order].tolist()
    for i in range(1, len(R)):
        if R[i] == R[i - 1]:
            a, b = find(C[i]), find(C[i - 1])
            if a != b:
                parent[a] = b
    roots = np.array([find(x) for x in range(nv)])
    order = np.argsort(roots, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)


def _bound(R, C, V, rlo, rhi, lb, ub, feasibility=False):
    """Minimise and maximise every column of one small LP: (lo, hi, rows with a non-zero dual
    per column), or None when infeasible; with feasibility=True only whether it is feasible."""
    nv, nr = len(lb), len(rlo)
    order = np.argsort(R, kind="stable")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nv, nr
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(nv), lb, ub
    lp.row_lower_, lp.row_upper_ = rlo, rhi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.searchsorted(R[order], np.arange(nr + 1)).astype(np.int32)
    lp.a_matrix_.index_ = C[order].astype(np.int32)
    lp.a_matrix_.value_ = V[order]
    h.passModel(lp)
    cols = np.arange(nv, dtype=np.int32)
    at_lo, at_hi = np.zeros(nv, bool), np.zeros(nv, bool)

    def run(cost, sense):
        h.changeColsCost(nv, cols, cost)
        h.changeObjectiveSense(sense)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        # every optimum is a feasible point: a column seen at its bound needs no solve there
        at_lo[:] |= x <= lb + 1e-9
        at_hi[:] |= x >= ub - 1e-9
        return x, np.flatnonzero(np.abs(np.asarray(sol.row_dual)) > 1e-9)

    mn, mx = highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize
    if run(np.ones(nv), mn) is None:
        return False if feasibility else None
    if feasibility:
        return True
    run(np.ones(nv), mx)
    lo, hi, via = lb.copy(), ub.copy(), [set() for _ in range(nv)]
    for j in range(nv):
        for sense, seen, out in ((mn, at_lo, lo), (mx, at_hi, hi)):
            if seen[j]:
                continue
            e = np.zeros(nv)
            e[j] = 1
            res = run(e, sense)
            if res is not None:    # otherwise keep the plain bound: never claim too much
                out[j] = res[0][j]
                via[j].update(res[1].tolist())
    return lo, hi, via


class _Component:
    """The constraint rows of one connected component, solvable for any subset of relations."""

    def __init__(self, comp, rows, order, at, C, V, rlo, rhi, rid, lb, ub, nvars):
        self.comp, self.rows, self.rid, self.lb, self.ub = comp, rows, rid, lb[comp], ub[comp]
        self.order, self.at, self.C, self.V, self.rlo, self.rhi = order, at, C, V, rlo, rhi
        self.local = np.full(nvars, -1)
        self.local[comp] = np.arange(len(comp))

    def solve(self, active: set, feasibility=False):
        keep = [r for r in self.rows if self.rid[r] in active]
        if not keep:               # no relation left: only the plain bounds
            return True if feasibility else (self.lb, self.ub, [()] * len(self.comp), keep)
        ent = np.concatenate([self.order[self.at[r]:self.at[r + 1]] for r in keep])
        rloc = np.repeat(np.arange(len(keep)), [self.at[r + 1] - self.at[r] for r in keep])
        res = _bound(rloc, self.local[self.C[ent]], self.V[ent], self.rlo[keep], self.rhi[keep],
                     self.lb, self.ub, feasibility)
        return res if feasibility or res is None else (*res, keep)


def attack(db_path, p_percent: float = 10, min_support: int = 3,
           count_floor: int = 1) -> AttackResult:
    """Mine relations from the published values of db_path and bound every hidden cell.

    count_floor: the least value of a hidden count (1: zeros are published; 0 if a release
    may hide zeros too)."""
    t0 = time.perf_counter()
    db = Db(db_path)
    rels = [r for r in mine(db, min_support) if (db.hid[r.idx] & (r.coef != 0)).any()]
    cells = np.flatnonzero(db.hid[:-1])
    var = np.full(len(db.val), -1)
    var[cells] = np.arange(len(cells))
    kinds = [db.meta[c][0].kinds[db.meta[c][2]] for c in cells]
    # a generous upper bound: 10 x the largest published value of the same kind anywhere (a
    # table whose totals are hidden may publish only small values)
    top = defaultdict(lambda: 100.0)
    for t in db.tables:
        for m in t.measures:
            v = db.val[t.cells[m]]
            if (~np.isnan(v)).any():
                top[t.kinds[m]] = max(top[t.kinds[m]], 10 * np.nanmax(v))
    lb = np.array([float(count_floor) if k == "count" else 0.0 for k in kinds])
    ub = np.array([top[k] for k in kinds])
    R, C, V, rlo, rhi, rid = _constraints(db, rels, var)
    order = np.argsort(R, kind="stable")           # entries of row r: order[at[r]:at[r + 1]]
    at = np.searchsorted(R[order], np.arange(len(rlo) + 1))
    comps = _components(len(cells), R, C)
    comp_of = np.empty(len(cells), int)
    for i, comp in enumerate(comps):
        comp_of[comp] = i
    rows_of = defaultdict(list)
    for r in range(len(rlo)):
        rows_of[comp_of[C[order[at[r]]]]].append(r)
    lo, hi, via, dropped = lb.copy(), ub.copy(), [()] * len(cells), []
    for i, rows in rows_of.items():
        part = _Component(comps[i], rows, order, at, C, V, rlo, rhi, rid, lb, ub, len(cells))
        active = {rid[r] for r in rows}
        while (res := part.solve(active)) is None:
            # coincidences that fail on the hidden cells: find an irreducible infeasible set of
            # relations (deletion filter) and give up its least trusted one
            iis = set(active)
            for r in sorted(active, key=lambda r: (-TRUST[rels[r].family], -rels[r].support)):
                if not part.solve(iis - {r}, feasibility=True):
                    iis.discard(r)
            weakest = min(iis, key=lambda r: (TRUST[rels[r].family], rels[r].support))
            active.discard(weakest)
            if rels[weakest].text not in dropped:
                dropped.append(rels[weakest].text)
        lo[comps[i]], hi[comps[i]] = res[0], res[1]
        for j, v in enumerate(comps[i]):
            via[v] = tuple(sorted({rels[rid[res[3][r]]].text for r in res[2][j]}))
    out = []
    for j, c in enumerate(cells):
        t, row, m = db.meta[c]
        mn, mx = lo[j], hi[j]
        if kinds[j] != "other":    # integers: the LP bounds round inwards
            mn, mx = math.ceil(mn - 1e-6), math.floor(mx + 1e-6)
        key = {k: t.df.at[row, k] for k in ("period", "level", "region_code", *t.dims)}
        key = {k: v.item() if isinstance(v, np.generic) else v for k, v in key.items()}
        out.append(HiddenCell(t.name, key, m, kinds[j], mn, mx, via[j]))
    fam = defaultdict(list)
    for r in rels:
        fam[r.family].append(r.text)
    return AttackResult(out, [r.text for r in rels], dict(fam), dropped, p_percent,
                        time.perf_counter() - t0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Attack a published Bansos Terbuka database.")
    ap.add_argument("db")
    ap.add_argument("--p-percent", type=float, default=10)
    ap.add_argument("--min-support", type=int, default=3)
    ap.add_argument("--count-floor", type=int, default=1)
    ap.add_argument("--show", type=int, default=20, help="recoveries to print")
    a = ap.parse_args(argv)
    res = attack(a.db, a.p_percent, a.min_support, a.count_floor)
    print(res.summary())
    for family, texts in res.families.items():
        print(f"{family} ({len(texts)}):" + "".join(f"\n    {t}" for t in texts))
    if res.dropped:
        print("given up, inconsistent with the hidden cells:" +
              "".join(f"\n    {t}" for t in res.dropped))
    recovered = res.exact + [c for c in res.narrow_counts + res.narrow_sums if c.width >= 1e-6]
    print(f"first {min(a.show, len(recovered))} of {len(recovered)} recoveries:")
    for c in recovered[:a.show]:
        key = ", ".join(f"{k}={v}" for k, v in c.key.items())
        print(f"  {c.table}({key}).{c.measure} in [{c.min:g}, {c.max:g}]"
              f"\n      via {'; '.join(c.via) or 'its own bounds'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
