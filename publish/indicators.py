"""Stage 3: the indicator tables, one SQL file each, named after the published table they feed."""

from __future__ import annotations

from .schemas import output_names
from .sqlfiles import SQL_DIR, run_sql


def compute(con, period: str, regency: str, config: dict) -> list[str]:
    """Create ind_<table> for every published table; return their names."""
    con.execute("SET VARIABLE period = ?", [period])
    con.execute("SET VARIABLE regency = ?", [regency])
    con.execute("SET VARIABLE max_desil = ?", [int(config["exclusion"]["max_desil"])])
    con.execute("CREATE OR REPLACE TABLE forbidden_combinations (scheme_a VARCHAR, scheme_b VARCHAR)")
    for a, b in config["combinations"]["forbidden"]:
        con.execute("INSERT INTO forbidden_combinations VALUES (?, ?)", [a, b])
    run_sql(con, "areas")
    run_sql(con, "reference_tables")
    names = output_names()
    for name in names:
        if (SQL_DIR / f"{name}.sql").exists():
            run_sql(con, name)
    missing = [n for n in names if f"ind_{n}" not in
               {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}]
    if missing:
        raise RuntimeError(f"No SQL produces the published tables: {missing}")
    return names
