"""Accuracy against the planted truth of synthetic data (`truth/record_person.csv`).

Two measures: pairwise precision and recall of `person_key`, and every regency-level indicator
computed twice from the same validated input, once with the linkage's person keys and once with
the true persons. The difference is what linkage errors do to the published figures.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from . import catalogue, indicators, linked, unified
from .pipeline import load_config
from .validated import Validator


def pairwise(raw: Path, linked_csv: Path, memory_limit: str = "512MB", temp_directory: Path | None = None) -> dict:
    """Pairwise precision and recall of person_key against the true person (complaints aside).

    Counted, not listed: pairs sharing a key are sum(n*(n-1)/2) over keys, and so on, so that a
    regency of millions of records needs no list of its pairs in memory.
    """
    # Capped: the build runs this beside its own DuckDB, and the two share the machine's memory.
    config = {"memory_limit": memory_limit, "threads": 1}
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    con = duckdb.connect(config=config)
    try:
        con.execute(f"""
            CREATE TABLE j AS
            SELECT k.person_key, t.person_id
            FROM read_csv('{Path(linked_csv)}', all_varchar = true) k
            JOIN read_csv('{Path(raw) / "truth" / "record_person.csv"}', all_varchar = true) t
              USING (resource, record_id)
            WHERE k.resource <> 'complaints'""")

        def pairs(cols: str) -> int:
            return con.execute(f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM "
                               f"(SELECT count(*)::HUGEINT AS n FROM j GROUP BY {cols})").fetchone()[0]

        predicted, actual, tp = pairs("person_key"), pairs("person_id"), pairs("person_key, person_id")
    finally:
        con.close()
    return {"precision": tp / predicted if predicted else 1.0,
            "recall": tp / actual if actual else 1.0,
            "predicted_pairs": int(predicted), "true_pairs": int(actual)}


def truth_links(con, raw: Path) -> None:
    """Replace `linked` by the true persons, keyed as the linkage keys them ('P' = in the register)."""
    con.execute(f"""
        CREATE OR REPLACE TABLE truth AS
        SELECT * FROM read_csv('{Path(raw) / "truth" / "record_person.csv"}', all_varchar=true)""")
    con.execute("""
        CREATE OR REPLACE TABLE linked AS
        WITH reg AS (SELECT person_id, min(record_id) AS rid FROM truth WHERE resource = 'population' GROUP BY 1),
        used AS (
            SELECT resource, record_id FROM person_records
            UNION ALL SELECT 'population', record_id FROM stg_population
            UNION ALL SELECT 'complaints', record_id FROM stg_complaints)
        SELECT u.resource, u.record_id,
               CASE WHEN reg.rid IS NOT NULL THEN 'P' || reg.rid ELSE 'U' || t.person_id END AS person_key,
               'truth' AS method, 1.0::DOUBLE AS probability
        FROM used u JOIN truth t USING (resource, record_id) LEFT JOIN reg USING (person_id)""")


def _kabupaten_values(con, names: list[str], period: str) -> dict:
    tables = {}
    for name in names:
        cur = con.execute(f"SELECT * FROM ind_{name}")
        cols = [d[0] for d in cur.description]
        tables[name] = [dict(zip(cols, r)) for r in cur.fetchall()]
    return {(v["indicator_id"], v["breakdown"]): v for v in catalogue.values(tables, period) if v["level"] == "kabupaten"}


def indicator_accuracy(raw: Path, work: Path, config: dict | None = None) -> dict:
    """Linkage accuracy and, per regency-level indicator, the value with linkage and with the truth."""
    config = config or load_config()
    con = duckdb.connect()
    validator = Validator(con, raw, work, keep_checks=False)
    results = validator.run()
    unified.recipients_view(con, results)
    unified.unify(con, config["linkage"]["mismatch_name_similarity"])
    linked.link(con, work, float(config["linkage"]["match_probability"]))
    linked.write_linked_records(con, work)
    period = validator.period or _period(con)
    regency = con.execute("SELECT min(code) FROM stg_regions WHERE level = 'kabupaten'").fetchone()[0]
    names = indicators.compute(con, period, regency, config)
    with_linkage = _kabupaten_values(con, names, period)
    truth_links(con, raw)
    indicators.compute(con, period, regency, config)
    with_truth = _kabupaten_values(con, names, period)
    rows = []
    for key, v in sorted(with_linkage.items()):
        t = with_truth.get(key, {})
        a, b = v["value"], t.get("value")
        rows.append({"indicator_id": key[0], "breakdown": key[1], "unit": v["unit"], "linked": a, "truth": b,
                     "denominator": t.get("denominator"),
                     "difference": None if a is None or b is None else round(a - b, 4)})
    return {"linkage": pairwise(raw, Path(work) / "linked_records.csv"), "indicators": rows}


def _period(con) -> str:
    return con.execute("SELECT max(period) FROM stg_recipients").fetchone()[0]
