"""Every linear relation among the published numbers that an attacker could use, and where it comes from.

Two sources, one list:
- **derived** from the definitions that stand beside each schema field (`x-definition`) and from
  the schema itself (`x-levels`: a kecamatan is the sum of its villages; `x-additive`: a total and
  its parts in a row). The build checks every derived relation on the unprotected values and
  stops, naming it, if one fails: the SQL and the definitions cannot drift apart.
- **found** by searching the unprotected values for relations nobody declared: sums of up to
  three measures in a row, a constant ratio within one value of a dimension, a measure equal to
  the sum of another table's measure over the same region (all rows, grouped through a dimension
  or a reference table, or over a range of an ordinal dimension), `a <= b` in a row, and the same
  cell equal in two periods. A relation counts only where it holds on every row and where at
  least `min_support` rows have a non-zero cell in it: rows of zeros prove nothing.

Every relation, derived or found, goes into the disclosure audit (publish/audit.py). A found
relation the definitions do not derive is reported as undeclared, so that they can be completed.

A relation is instantiated over `tables` (name -> rows, all periods) as linear constraints over
cells `(table, row index, measure)`: `sum(coef * cell) = 0`, or `<= 0` for an inequality.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .schemas import output_schema

KEYS = ("period", "level", "region_code", "parent_code")
UP = {"desa": "kecamatan", "kecamatan": "kabupaten"}
TOL = 1e-9

Cell = tuple  # (table, row index, measure)
Constraint = tuple  # (((cell, coef), ...), sense) with sense "=" or "<="


def dims(schema: dict) -> list[str]:
    return [k for k in schema.get("primaryKey", []) if k not in KEYS]


def additive(schema: dict) -> list[str]:
    """Measures that add up across rows and levels: protected counts and rupiah sums, and counts
    published as they are (`protection: none`, summed), which relations may still tie to them."""
    return [f["name"] for f in schema["fields"] if f.get("protection") in ("count", "sum")
            or (f.get("protection") == "none" and f.get("x-aggregate", "sum") == "sum")]


def protected_measures(schema: dict) -> list[str]:
    """The measures that may be hidden."""
    return [f["name"] for f in schema["fields"] if f.get("protection") in ("count", "sum")]


def kind(schema: dict, measure: str) -> str:
    """'count' or 'sum' (rupiah): relations within a row compare like with like."""
    p = next(f.get("protection") for f in schema["fields"] if f["name"] == measure)
    return "sum" if p == "sum" else "count"


@dataclass(frozen=True)
class Relation:
    """One relation over whole tables. `form` names the shape; the other fields its parameters."""
    form: str            # hierarchy, row_sum, ratio, row_le, cross_sum, period_equal
    table: str
    measure: str         # the left-hand side (the total, the larger side of <=, the cell of period 1)
    terms: tuple = ()    # measures of the same row (row_sum, ratio, row_le)
    k: float = 1.0       # ratio: measure = k * sum(terms)
    scope: tuple = ()    # (dim, value): only the rows where dim = value
    other: tuple = ()    # cross_sum: (parts table, parts measure, grouping); period_equal: (p1, p2)
    source: str = "derived"

    def describe(self) -> str:
        where = f" [{self.scope[0]} = {self.scope[1]}]" if self.scope else ""
        t, m = self.table, self.measure
        if self.form == "hierarchy":
            return f"{t}.{m}: kecamatan = Σ desa, kabupaten = Σ kecamatan"
        if self.form == "row_sum":
            return f"{t}: {m} = {' + '.join(self.terms)}{where}"
        if self.form == "ratio":
            inner = " + ".join(self.terms)
            return f"{t}: {m} = {self.k:g} × ({inner}){where}"
        if self.form == "row_le":
            return f"{t}: {self.terms[0]} ≤ {m}{where}"
        if self.form == "cross_sum":
            p_table, p_measure, group = self.other
            return f"{t}.{m} = Σ {p_table}.{p_measure} {_group_text(group)}"
        if self.form == "period_equal":
            return f"{t}.{m}: {self.other[0]} = {self.other[1]} (every cell){where}"
        return repr(self)


def _group_text(group: tuple) -> str:
    if not group:
        return "over the region's rows"
    if group[0] == "dim":
        return f"by {group[2]} (= {group[1]})"
    if group[0] == "ref":
        _, t_dim, p_dim, ref, col = group
        return f"by {ref}.{col} of {p_dim} (= {t_dim})"
    if group[0] == "values":
        _, p_dim, values = group
        return f"where {p_dim} in {list(values)}"
    return str(group)


# ---------------------------------------------------------------------------------------------
# Derived relations: from the schemas and the definitions beside their fields

def derived(tables: dict[str, list[dict]], config: dict) -> list[Relation]:
    """Relations from the schemas of the published tables; rates are read from the reference tables."""
    refs = references(tables)
    out = []
    for name in tables:
        schema = output_schema(name)
        if "x-levels" not in schema:
            continue
        for m in additive(schema):
            out.append(Relation("hierarchy", name, m))
        for total, parts in schema.get("x-additive", {}).items():
            out.append(Relation("row_sum", name, total, tuple(parts)))
        for f in schema["fields"]:
            d = f.get("x-definition") or {}
            m = f["name"]
            if "sum_of" in d:
                out.append(Relation("row_sum", name, m, tuple(d["sum_of"])))
            for bigger in d.get("at_most", []):
                out.append(Relation("row_le", name, bigger, (m,)))
            if "rate" in d:
                out += _rate_relations(name, m, d["rate"], refs)
            totals = d.get("total_of") or []
            for spec in totals if isinstance(totals, list) else [totals]:
                out.append(_total_of(name, m, spec, config))
    return out


def _rate_relations(name: str, m: str, rate: dict, refs: dict) -> list[Relation]:
    """measure = the reference table's rate x terms, for each reference row where `when` holds."""
    out = []
    for row in refs.get(rate["reference"], []):
        if rate.get("when") and str(row.get(rate["when"])).lower() not in ("true", "1"):
            continue
        k = float(row[rate["column"]])
        if k:
            out.append(Relation("ratio", name, m, tuple(rate["times"]), k, (rate["key"], row[rate["key"]])))
    return out


def _total_of(name: str, m: str, spec: dict, config: dict) -> Relation:
    """`total_of`: this measure is the sum of another table's measure over the same region,
    `by` one of its dimensions (directly or through a reference table), or over `where` values."""
    table, measure = spec["table"], spec["measure"]
    group: tuple = ()
    for t_dim, source in (spec.get("by") or {}).items():
        if "." in source:  # through a reference table: schemes.budget_source
            ref, col = source.split(".")
            p_dim = spec.get("key", t_dim)
            group = ("ref", t_dim, p_dim, ref, col)
        else:
            group = ("dim", t_dim, source)
    for p_dim, cond in (spec.get("where") or {}).items():
        lo, hi = _setting(cond.get("min"), config), _setting(cond.get("max"), config)
        group = ("values", p_dim, tuple(range(int(lo), int(hi) + 1)))
    return Relation("cross_sum", name, m, other=(table, measure, group))


def _setting(value, config: dict):
    """A number, or `config:section.key` read from the build's configuration (never copied)."""
    if isinstance(value, str) and value.startswith("config:"):
        node = config
        for part in value.removeprefix("config:").split("."):
            node = node[part]
        return node
    return value


# ---------------------------------------------------------------------------------------------
# Instances: a relation over whole tables -> linear constraints over cells

class Index:
    """Row lookups shared by every relation of one audit."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.tables = tables
        self.dims = {n: dims(output_schema(n)) for n in tables}
        self.refs = references(tables)
        self._by_key: dict = {}
        self._by_region: dict = {}

    def by_key(self, name: str) -> dict:
        if name not in self._by_key:
            d = self.dims[name]
            self._by_key[name] = {(r["period"], r["level"], r["region_code"], *(r[x] for x in d)): i
                                  for i, r in enumerate(self.tables[name])}
        return self._by_key[name]

    def by_region(self, name: str) -> dict:
        if name not in self._by_region:
            out = defaultdict(list)
            for i, r in enumerate(self.tables[name]):
                out[(r["period"], r["level"], r["region_code"])].append(i)
            self._by_region[name] = out
        return self._by_region[name]


def instances(rel: Relation, index: Index) -> list[Constraint]:
    tables = index.tables
    if rel.table not in tables:
        return []
    rows = tables[rel.table]
    t, m = rel.table, rel.measure
    out: list[Constraint] = []
    in_scope = (lambda r: r.get(rel.scope[0]) == rel.scope[1]) if rel.scope else (lambda r: True)
    if rel.form == "hierarchy":
        keys = index.by_key(t)
        d = index.dims[t]
        children = defaultdict(list)
        for i, r in enumerate(rows):
            up = UP.get(r["level"])
            parent = keys.get((r["period"], up, r["parent_code"], *(r[x] for x in d))) if up else None
            if parent is not None:
                children[parent].append(i)
        for parent, kids in children.items():
            out.append(((((t, parent, m), 1.0),) + tuple(((t, k, m), -1.0) for k in kids), "="))
    elif rel.form in ("row_sum", "ratio"):
        k = rel.k if rel.form == "ratio" else 1.0
        for i, r in enumerate(rows):
            if in_scope(r):
                out.append(((((t, i, m), 1.0),) + tuple(((t, i, p), -k) for p in rel.terms), "="))
    elif rel.form == "row_le":
        for i, r in enumerate(rows):
            if in_scope(r):
                out.append(((((t, i, rel.terms[0]), 1.0), ((t, i, m), -1.0)), "<="))
    elif rel.form == "cross_sum":
        p_table, p_measure, group = rel.other
        if p_table not in tables:
            return []
        parts = _groups(index, p_table, group)
        for i, r in enumerate(rows):
            key = (r["period"], r["level"], r["region_code"])
            if key not in index.by_region(p_table):
                continue  # that region and period is not in the parts table (an older release)
            g = r[group[1]] if group and group[0] in ("dim", "ref") else None
            kids = parts.get((*key, g), [])
            out.append(((((t, i, m), 1.0),) + tuple(((p_table, c, p_measure), -1.0) for c in kids), "="))
    elif rel.form == "period_equal":
        p1, p2 = rel.other
        keys = index.by_key(t)
        for i, r in enumerate(rows):
            if r["period"] != p1 or not in_scope(r):
                continue
            j = keys.get((p2, *list(keys_of(r, index.dims[t]))[1:]))
            if j is not None:
                out.append(((((t, i, m), 1.0), ((t, j, m), -1.0)), "="))
    return out


def references(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The published tables without periods and levels (schemes, regions, ...): they link dimensions."""
    return {n: rows for n, rows in tables.items() if rows and "x-levels" not in output_schema(n)}


def keys_of(r: dict, d: list[str]) -> tuple:
    return (r["period"], r["level"], r["region_code"], *(r[x] for x in d))


def _groups(index: Index, p_table: str, group: tuple) -> dict:
    """(period, level, region, group value) -> parts rows."""
    rows = index.tables[p_table]
    out = defaultdict(list)
    mapping = None
    if group and group[0] == "ref":
        _, _, p_dim, ref, col = group
        mapping = {row[p_dim]: row[col] for row in index.refs.get(ref, [])}
    for c, r in enumerate(rows):
        key = (r["period"], r["level"], r["region_code"])
        if not group:
            out[(*key, None)].append(c)
        elif group[0] == "dim":
            out[(*key, r[group[2]])].append(c)
        elif group[0] == "ref":
            out[(*key, mapping.get(r[group[2]]))].append(c)
        elif group[0] == "values":
            if r[group[1]] in group[2]:
                out[(*key, None)].append(c)
    return out


def constraints(relations: list[Relation], tables: dict[str, list[dict]]) -> list[Constraint]:
    index = Index(tables)
    out = []
    for rel in relations:
        out += instances(rel, index)
    return out


def _satisfied(terms, sense: str, values: list) -> bool:
    """Whether values satisfy a constraint, to rounding: relative to its largest term (a * value),
    so that Rp 10^8 x 5e-6 beside a count of 17 is judged on the scale of 17."""
    products = [a * v for (_, a), v in zip(terms, values)]
    lhs, scale = sum(products), max(1.0, max(abs(p) for p in products))
    return abs(lhs) <= 1e-9 * scale if sense == "=" else lhs <= 1e-9 * scale


def holds(constraint: Constraint, truth: dict[str, list[dict]]) -> bool | None:
    """Whether the unprotected values satisfy a constraint; None where one of them is unknown
    (an earlier period whose values this build did not keep)."""
    terms, sense = constraint
    values = [truth[c[0]][c[1]].get(c[2]) for c, _ in terms]
    return None if any(v is None for v in values) else _satisfied(terms, sense, values)


def violations(rel: Relation, index: Index, limit: int = 3) -> list[str]:
    """Rows of the unprotected values where a relation does not hold (none when it is sound)."""
    truth = index.tables
    bad = []
    for terms, sense in instances(rel, index):
        if holds((terms, sense), truth) is False:
            lhs = sum(a * truth[c[0]][c[1]][c[2]] for c, a in terms)
            c = terms[0][0]
            row = truth[c[0]][c[1]]
            bad.append(f"{row['period']} {row['level']} {row['region_code']}"
                       + "".join(f" {d}={row[d]}" for d in dims(output_schema(c[0]))) + f": {lhs:+g}")
            if len(bad) >= limit:
                break
    return bad


# ---------------------------------------------------------------------------------------------
# The search: relations that hold in the unprotected values, declared or not

@dataclass
class Frame:
    name: str
    rows: list[dict]
    measures: list[str]
    kinds: dict
    dims: list[str]
    X: np.ndarray  # rows x measures, NaN where the value is unknown


def frame(name: str, rows: list[dict]) -> Frame:
    schema = output_schema(name)
    ms = additive(schema)
    X = np.array([[np.nan if r.get(m) is None else float(r[m]) for m in ms] for r in rows], dtype=float)
    X = X.reshape(len(rows), len(ms))
    return Frame(name, rows, ms, {m: kind(schema, m) for m in ms}, dims(schema), X)


def _holds(lhs: np.ndarray, rhs: np.ndarray, min_support: int, sense: str = "=") -> bool:
    ok = ~(np.isnan(lhs) | np.isnan(rhs))
    if not ok.any():
        return False
    a, b = lhs[ok], rhs[ok]
    support = int(((a != 0) | (b != 0)).sum())
    if support < min_support:
        return False
    scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    if sense == "=":
        return bool((np.abs(a - b) <= TOL * scale).all())
    return bool((a <= b + TOL * scale).all())


def search(tables: dict[str, list[dict]], min_support: int = 3, max_terms: int = 3) -> list[Relation]:
    """Relations that hold on every row of the unprotected values (see the module's docstring)."""
    refs = references(tables)
    # Tables with nothing hidden (counts of workers) are left out: no relation among them reveals a cell.
    frames = {n: frame(n, rows) for n, rows in tables.items()
              if rows and "x-levels" in output_schema(n) and protected_measures(output_schema(n))}
    found: list[Relation] = []
    for f in frames.values():
        found += _row_sums(f, min_support, max_terms)
        found += _ratios(f, min_support)
        found += _row_le(f, min_support)
        found += _period_equal(f, min_support)
    found += _cross_sums(frames, refs, min_support)
    return found


def _row_sums(f: Frame, min_support: int, max_terms: int) -> list[Relation]:
    out = []
    col = {m: j for j, m in enumerate(f.measures)}
    for a in f.measures:
        others = [m for m in f.measures if m != a and f.kinds[m] == f.kinds[a]]
        for n in range(2, max_terms + 1):
            for terms in itertools.combinations(others, n):
                rhs = f.X[:, [col[t] for t in terms]].sum(axis=1)
                if _holds(f.X[:, col[a]], rhs, min_support):
                    out.append(Relation("row_sum", f.name, a, terms, source="found"))
    return out


def _scopes(f: Frame):
    yield (), np.ones(len(f.rows), dtype=bool)
    for d in f.dims:
        values = np.array([r[d] for r in f.rows], dtype=object)
        for v in sorted(set(values.tolist()), key=str):
            yield (d, v), values == v


def _ratios(f: Frame, min_support: int) -> list[Relation]:
    """a = k * (b [+ c]) within one scope; k = 1 over the whole table is a plain equality."""
    out = []
    col = {m: j for j, m in enumerate(f.measures)}
    for scope, mask in _scopes(f):
        X = f.X[mask]
        if len(X) < min_support:
            continue
        for a in f.measures:
            others = [m for m in f.measures if m != a]
            for terms in [(b,) for b in others] + list(itertools.combinations(others, 2)):
                if len(terms) == 2 and f.kinds[terms[0]] != f.kinds[terms[1]]:
                    continue
                lhs, rhs = X[:, col[a]], X[:, [col[t] for t in terms]].sum(axis=1)
                ok = ~(np.isnan(lhs) | np.isnan(rhs))
                nz = ok & (rhs != 0)
                if nz.sum() < min_support or (lhs[ok & (rhs == 0)] != 0).any():
                    continue
                ratios = lhs[nz] / rhs[nz]
                k = float(ratios[0])
                if k == 0 or not np.allclose(ratios, k, rtol=TOL, atol=0):
                    continue
                if scope and _ratio_holds_wider(out, f.name, a, terms, k):
                    continue
                out.append(Relation("ratio", f.name, a, terms, k, scope, source="found"))
    return out


def _ratio_holds_wider(found: list[Relation], table: str, a: str, terms: tuple, k: float) -> bool:
    return any(r.table == table and r.measure == a and r.terms == terms and not r.scope
               and abs(r.k - k) <= TOL * abs(k) for r in found)


def _row_le(f: Frame, min_support: int) -> list[Relation]:
    out = []
    col = {m: j for j, m in enumerate(f.measures)}
    for a, b in itertools.permutations(f.measures, 2):
        if f.kinds[a] != f.kinds[b]:
            continue
        if _holds(f.X[:, col[a]], f.X[:, col[b]], min_support, "<="):
            out.append(Relation("row_le", f.name, b, (a,), source="found"))
    return out


def _period_equal(f: Frame, min_support: int) -> list[Relation]:
    """The same cell in two periods, over the whole table or within one value of a dimension
    (a register that does not change between months, a scheme whose list did not change)."""
    out = []
    periods = sorted({r["period"] for r in f.rows})
    if len(periods) < 2:
        return out
    pos = {keys_of(r, f.dims): i for i, r in enumerate(f.rows)}
    for p1, p2 in itertools.combinations(periods, 2):
        pairs = [(i, pos.get((p2, *keys_of(r, f.dims)[1:]))) for i, r in enumerate(f.rows) if r["period"] == p1]
        pairs = [(i, j) for i, j in pairs if j is not None]
        if len(pairs) < min_support:
            continue
        i1, i2 = (np.array(x) for x in zip(*pairs))
        for j, m in enumerate(f.measures):
            if _holds(f.X[i1, j], f.X[i2, j], min_support):
                out.append(Relation("period_equal", f.name, m, other=(p1, p2), source="found"))
                continue
            for d in f.dims:
                values = np.array([f.rows[i][d] for i in i1], dtype=object)
                for v in sorted(set(values.tolist()), key=str):
                    mask = values == v
                    if _holds(f.X[i1[mask], j], f.X[i2[mask], j], min_support):
                        out.append(Relation("period_equal", f.name, m, scope=(d, v), other=(p1, p2), source="found"))
    return out


def _cross_sums(frames: dict[str, Frame], refs: dict, min_support: int) -> list[Relation]:
    """A measure of T equal to the sum of a measure of U over the same region, grouped or not."""
    out = []
    for u in frames.values():
        for group in _candidate_groups(u, frames, refs):
            sums = _group_sums(u, group, refs)
            for t in frames.values():
                if t.name == u.name:
                    continue
                if group and group[0] in ("dim", "ref"):
                    if t.dims != [group[1]]:
                        continue
                elif t.dims:
                    continue
                zero = np.zeros(len(u.measures))  # a region with no parts rows sums to 0
                S = np.array([sums.get((r["period"], r["level"], r["region_code"],
                                        r[group[1]] if group and group[0] in ("dim", "ref") else None),
                                       zero) for r in t.rows], dtype=float)
                if S.ndim != 2 or np.isnan(S).all():
                    continue
                for a_j, a in enumerate(t.measures):
                    for b_j, b in enumerate(u.measures):
                        if t.kinds[a] == u.kinds[b] and _holds(t.X[:, a_j], S[:, b_j], min_support):
                            out.append(Relation("cross_sum", t.name, a, other=(u.name, b, group), source="found"))
    return out


def _candidate_groups(u: Frame, frames, refs: dict):
    yield ()
    for d in u.dims:
        values = {r[d] for r in u.rows}
        for t in frames.values():
            if t.name != u.name and t.dims == [d]:
                yield ("dim", d, d)
                break
        for ref, rrows in refs.items():
            if not rrows or d not in rrows[0] or not values <= {r[d] for r in rrows}:
                continue
            for col in rrows[0]:
                if col == d:
                    continue
                targets = {r[col] for r in rrows}
                for t in frames.values():
                    if t.dims and t.dims[0] != d and len(t.dims) == 1 and \
                            {r[t.dims[0]] for r in t.rows} <= targets:
                        yield ("ref", t.dims[0], d, ref, col)
        ordered = sorted(values, key=str)
        if all(isinstance(v, int) for v in values):  # an ordinal dimension: every contiguous range
            ordered = sorted(values)
            for i, j in itertools.combinations(range(len(ordered) + 1), 2):
                if j - i < len(ordered):
                    yield ("values", d, tuple(ordered[i:j]))
        else:
            for v in ordered:
                yield ("values", d, (v,))


def _group_sums(u: Frame, group: tuple, refs: dict) -> dict:
    mapping = None
    if group and group[0] == "ref":
        _, _, p_dim, ref, col = group
        mapping = {row[p_dim]: row[col] for row in refs.get(ref, [])}
    sums: dict = {}
    for r, x in zip(u.rows, u.X):
        key = (r["period"], r["level"], r["region_code"])
        if not group:
            g = None
        elif group[0] == "dim":
            g = r[group[2]]
        elif group[0] == "ref":
            g = mapping.get(r[group[2]])
        else:
            if r[group[1]] not in group[2]:
                continue
            g = None
        k = (*key, g)
        sums[k] = sums[k] + x if k in sums else x.copy()
    return sums


# ---------------------------------------------------------------------------------------------
# Declared or not

def undeclared(found: list[Relation], declared: list[Relation]) -> list[Relation]:
    """Found relations that the declared ones do not imply."""
    return [r for r in found if not _implied(r, declared)]


def _implied(r: Relation, declared: list[Relation]) -> bool:
    if r.form in ("row_sum", "ratio"):
        return _in_row_span(r, declared)
    if r.form == "row_le":
        return _le_implied(r, declared)
    if r.form == "cross_sum":
        return any(d.form == "cross_sum" and d.table == r.table and d.measure == r.measure
                   and d.other == r.other for d in declared)
    return False


def _vector(r: Relation, measures: list[str]) -> np.ndarray:
    v = np.zeros(len(measures))
    v[measures.index(r.measure)] += 1.0
    for t in r.terms:
        v[measures.index(t)] -= r.k if r.form == "ratio" else 1.0
    return v


def _in_row_span(r: Relation, declared: list[Relation]) -> bool:
    measures = additive(output_schema(r.table))
    basis = [_vector(d, measures) for d in declared
             if d.table == r.table and d.form in ("row_sum", "ratio") and (not d.scope or d.scope == r.scope)]
    if not basis:
        return False
    B = np.array(basis)
    return np.linalg.matrix_rank(np.vstack([B, _vector(r, measures)]), tol=1e-6) == np.linalg.matrix_rank(B, tol=1e-6)


def _le_implied(r: Relation, declared: list[Relation]) -> bool:
    """a <= b follows from a declared `at_most` or from a being a part of b (parts are >= 0), chained."""
    edges = defaultdict(set)
    for d in declared:
        if d.table != r.table or (d.scope and d.scope != r.scope):
            continue
        if d.form == "row_le":
            edges[d.terms[0]].add(d.measure)
        elif d.form == "row_sum":
            for p in d.terms:
                edges[p].add(d.measure)
    seen, todo = {r.terms[0]}, [r.terms[0]]
    while todo:
        for nxt in edges[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return r.measure in seen


def plain(rel: Relation) -> Relation:
    """A relation without its source, to compare relations found in different ways."""
    return Relation(rel.form, rel.table, rel.measure, rel.terms, round(rel.k, 9), rel.scope, rel.other)


def true_instances(rels: list[Relation], tables: dict[str, list[dict]], truth: dict[str, list[dict]]) -> list[Constraint]:
    """The constraints of relations, kept where the unprotected values are known to satisfy them."""
    return [c for c in constraints(rels, tables) if holds(c, truth)]


def check_derived(relations: list[Relation], truth: dict[str, list[dict]]) -> list[tuple[Relation, list[str]]]:
    """Derived relations that do not hold on the unprotected values, with example rows."""
    index = Index(truth)
    return [(rel, bad) for rel in relations if (bad := violations(rel, index))]
