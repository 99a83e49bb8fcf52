"""Stage 3: the indicator tables, one SQL file each, named after the published table they feed.

Each SQL file makes `fact_<table>`: counts per village (desa) and the table's dimensions, every
village present (zeros included) and every unit counted in exactly one village. This module then
rolls the facts up to kecamatan and kabupaten by summation, so that the levels add up exactly, and
takes medians over `unit_<table>` rows where a schema asks for one.
"""

from __future__ import annotations

from .schemas import output_names, output_schema
from .sqlfiles import SQL_DIR, run_sql

LEVELS = [  # level, region code, parent code, from a village code
    ("desa", "desa_code", "substr(desa_code, 1, 8)"),
    ("kecamatan", "substr(desa_code, 1, 8)", "substr(desa_code, 1, 5)"),
    ("kabupaten", "substr(desa_code, 1, 5)", "substr(desa_code, 1, 2)"),
]


def compute(con, period: str, regency: str, config: dict, on_step=None) -> list[str]:
    """Create ind_<table> for every published table; return their names."""
    for name, value in {
        "period": period, "regency": regency,
        "max_desil": int(config["exclusion"]["max_desil"]),
        "elderly_scheme": config["coverage"]["elderly_disabled"]["scheme"],
        "elderly_min_age": int(config["coverage"]["elderly_disabled"]["min_age"]),
        "pbi_scheme": config["coverage"]["pbi_target"]["scheme"],
        "pbi_max_desil": int(config["coverage"]["pbi_target"]["max_desil"]),
    }.items():
        con.execute(f"SET VARIABLE {name} = ?", [value])
    con.execute("CREATE OR REPLACE TABLE forbidden_combinations (scheme_a VARCHAR, scheme_b VARCHAR)")
    for a, b in config["combinations"]["forbidden"]:
        con.execute("INSERT INTO forbidden_combinations VALUES (?, ?)", [a, b])
    run_sql(con, "areas")
    run_sql(con, "reference_tables")
    names = output_names()
    for name in names:
        if (SQL_DIR / f"{name}.sql").exists():
            run_sql(con, name)
            roll_up(con, name)
            if on_step:
                on_step(name, 0)
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = [n for n in names if f"ind_{n}" not in have and not output_schema(n).get("x-derived")]
    if missing:
        raise RuntimeError(f"No SQL produces the published tables: {missing}")
    return [n for n in names if not output_schema(n).get("x-derived")]


def roll_up(con, name: str) -> None:
    """fact_<name> (per village) -> ind_<name> at every level of the schema."""
    schema = output_schema(name)
    if "x-levels" not in schema:
        return
    keys = {"period", "level", "region_code", "parent_code"}
    dims = [k for k in schema["primaryKey"] if k not in keys]
    fields = [f for f in schema["fields"] if f["name"] not in keys and f["name"] not in dims
              and not f["name"].endswith("_status")]
    sums = [f["name"] for f in fields if f.get("x-aggregate", "sum") == "sum"]
    medians = [f["name"] for f in fields if f.get("x-aggregate") == "median"]
    dim_cols = "".join(f", {d}" for d in dims)
    parts = []
    for level, region, parent in LEVELS:
        measures = ", ".join(f"sum({m})::BIGINT AS {m}" for m in sums)
        parts.append(f"SELECT period, '{level}' AS level, {region} AS region_code, {parent} AS parent_code"
                     f"{dim_cols}, {measures} FROM fact_{name} GROUP BY ALL")
    con.execute(f"CREATE OR REPLACE TABLE ind_{name} AS " + " UNION ALL ".join(parts))
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for m in [f["name"] for f in fields if f.get("protection") == "sum"]:
        if f"unit_{name}_{m}" in have:
            _dominance(con, name, m, dims, dim_cols)
    for m in medians:
        con.execute(f"ALTER TABLE ind_{name} ADD COLUMN {m} DOUBLE")
        on = " AND ".join(["t.period = u.period", "t.region_code = u.region_code"] + [f"t.{d} = u.{d}" for d in dims])
        for level, region, _ in LEVELS:
            con.execute(f"""
                UPDATE ind_{name} t SET {m} = u.value FROM (
                    SELECT period, {region} AS region_code{dim_cols}, median({m}) AS value
                    FROM unit_{name} GROUP BY ALL) u
                WHERE t.level = '{level}' AND {on}""")


def _dominance(con, name: str, m: str, dims: list[str], dim_cols: str) -> None:
    """The two largest contributions to each sum (private columns _top1_<m>, _top2_<m>), for the p%-rule."""
    con.execute(f"ALTER TABLE ind_{name} ADD COLUMN _top1_{m} DOUBLE")
    con.execute(f"ALTER TABLE ind_{name} ADD COLUMN _top2_{m} DOUBLE")
    on = " AND ".join(["t.period = u.period", "t.region_code = u.region_code"] + [f"t.{d} = u.{d}" for d in dims])
    for level, region, _ in LEVELS:
        con.execute(f"""
            UPDATE ind_{name} t SET _top1_{m} = u.top[1], _top2_{m} = coalesce(u.top[2], 0) FROM (
                SELECT period, {region} AS region_code{dim_cols},
                       list_slice(list_sort(list({m}), 'DESC'), 1, 2) AS top
                FROM unit_{name}_{m} GROUP BY ALL) u
            WHERE t.level = '{level}' AND {on}""")
