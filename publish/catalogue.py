"""The indicator catalogue (schemas/indicators.yml) and the values it defines.

Every indicator is a quotient of two published counts, so computing it over the protected
tables reveals nothing new; where a count it needs is suppressed, its value is left empty.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import yaml

from .schemas import SCHEMAS_DIR, output_schema

SCALE = {"percent": 100, "per_10000": 10_000, "share_of_target": 100, "rupiah_per_family": 1, "days": 1}
_KEY = ("period", "level", "region_code", "parent_code")
ALL = "all"  # the breakdown of an indicator that is not broken down


@lru_cache(maxsize=None)
def catalogue() -> list[dict]:
    return yaml.safe_load((SCHEMAS_DIR / "indicators.yml").read_text(encoding="utf-8"))


def _split(ref: str) -> tuple[str, str]:
    table, measure = ref.split(".")
    return table, measure


def check_catalogue() -> list[str]:
    """Problems in the catalogue: unknown tables, measures, dimensions or units."""
    problems = []
    for ind in catalogue():
        for key in ("id", "title_id", "title_en", "description_id", "description_en", "numerator", "unit"):
            if key not in ind:
                problems.append(f"{ind.get('id')}: missing {key}")
        if ind.get("unit") not in SCALE:
            problems.append(f"{ind['id']}: unknown unit {ind.get('unit')}")
        for ref in filter(None, (ind.get("numerator"), ind.get("denominator"))):
            table, measure = _split(ref)
            try:
                names = {f["name"] for f in output_schema(table)["fields"]}
            except FileNotFoundError:
                problems.append(f"{ind['id']}: no table {table}")
                continue
            if measure not in names:
                problems.append(f"{ind['id']}: no measure {ref}")
        table = _split(ind["numerator"])[0]
        names = {f["name"] for f in output_schema(table)["fields"]}
        for dim in [ind.get("by"), *ind.get("filter", {})]:
            if dim and dim not in names:
                problems.append(f"{ind['id']}: no dimension {dim} in {table}")
    return problems


def _sums(rows: list[dict], measure: str, flt: dict, by: str | None) -> dict:
    """Sum of a measure per region (and breakdown); None where any summed cell is hidden."""
    out: dict = defaultdict(int)
    for r in rows:
        if any(dim in r and r[dim] not in allowed for dim, allowed in flt.items()):
            continue
        key = tuple(r[k] for k in _KEY) + ((r[by],) if by else (ALL,))
        v = r[measure]
        out[key] = None if v is None or out[key] is None else out[key] + v
    return out


def values(tables: dict[str, list[dict]], period: str) -> list[dict]:
    """indicator_values rows for one period."""
    rows_out = []
    for ind in catalogue():
        n_table, n_measure = _split(ind["numerator"])
        by, flt = ind.get("by"), ind.get("filter", {})
        scale = SCALE[ind["unit"]]
        rows = [r for r in tables[n_table] if r["period"] == period]
        num = _sums(rows, n_measure, flt, by)
        den = None
        if ind.get("denominator"):
            d_table, d_measure = _split(ind["denominator"])
            d_rows = [r for r in tables[d_table] if r["period"] == period]
            share = ind["denominator"] == ind["numerator"]  # a breakdown's share of the total
            den = _sums(d_rows, d_measure, flt if d_table == n_table else {}, None if share else
                        (by if d_table == n_table else None))
        for key, n in sorted(num.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
            d = None
            if den is not None:
                d = den.get(key[:4] + (ALL,)) if key[:4] + (ALL,) in den else den.get(key)
            value, status = _quotient(n, d, den is not None, scale * 1.0, float(ind.get("factor", 1)))
            rows_out.append(dict(zip(_KEY, key[:4]), indicator_id=ind["id"], breakdown=key[4],
                                 numerator=n, denominator=d, value=value, unit=ind["unit"], status=status))
    return rows_out


def _quotient(n, d, has_den: bool, scale: float, factor: float):
    if not has_den:
        return (None, "suppressed") if n is None else (round(n, 2), "published")
    if n is None or d is None:
        return None, "suppressed"
    if d == 0:
        return None, "not_applicable"
    v = n / (d * factor) * scale
    return round(v, 0 if scale == 1 and v > 1000 else 2), "published"


def catalogue_rows() -> list[dict]:
    """The catalogue as a published table."""
    return [{"indicator_id": i["id"], "title_id": i["title_id"], "title_en": i["title_en"],
             "description_id": i["description_id"], "description_en": i["description_en"],
             "numerator": i["numerator"], "denominator": i.get("denominator"), "unit": i["unit"],
             "breakdown": i.get("by"), "factor": i.get("factor", 1),
             "higher_is_better": i.get("higher_is_better"), "commitments": ",".join(i.get("commitments", []))}
            for i in catalogue()]
