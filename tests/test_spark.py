"""Scale-out: the linkage and indicator SQL run unchanged on Spark (local mode) with DuckDB's results.

One small synthetic regency is staged, linked and aggregated on DuckDB exactly as the build does;
then the same SQL files, transpiled by publish.spark, run on Spark over copies of the same input
tables, and Splink's Spark backend scores the same records with the model DuckDB trained. Every
table is compared row for row: counts exactly, floats within 1e-9.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from publish import indicators, linked, spark as sp, unified
from publish.pipeline import load_config
from publish.sqlfiles import run_sql
from publish.synth import synthesize
from publish.validated import Validator

SPARK_CONF = {  # small inputs: compiling generated code costs more than it saves
    "spark.sql.codegen.wholeStage": "false", "spark.sql.adaptive.enabled": "false",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
}

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

try:
    import pyspark  # noqa: F401
    HAVE_PYSPARK = True
except ImportError:
    HAVE_PYSPARK = False

needs_spark = [
    pytest.mark.skipif(shutil.which("java") is None,
                       reason="no `java` on PATH: Spark needs a Java 17+ runtime (.ci/run installs "
                              "openjdk-17-jre-headless)"),
    pytest.mark.skipif(not HAVE_PYSPARK,
                       reason="pyspark is not installed (make test installs requirements-spark.lock)"),
]

TIMINGS: dict[str, float] = {}
ARTIFACTS = Path(__file__).parent / "artifacts"
RELEASE = "spark-test"


# ------------------------------------------------------------------------------------------
# Comparison


def _norm(v):
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(v, list):
        return tuple(_norm(x) for x in v)
    return v


def _sort_key(row):
    return tuple((v is None, "" if v is None else (round(v, 6) if isinstance(v, float) else v))
                 for v in row)


def duck_rows(con, table: str) -> tuple[list[str], list[tuple]]:
    t = con.sql(f"SELECT * FROM {table}").to_arrow_table()
    cols = t.column_names
    return cols, sorted((tuple(_norm(r[c]) for c in cols) for r in t.to_pylist()), key=_sort_key)


def spark_rows(df, cols: list[str]) -> list[tuple]:
    t = df.select(*cols).toArrow()
    return sorted((tuple(_norm(r[c]) for c in cols) for r in t.to_pylist()), key=_sort_key)


def assert_same_table(con, table: str, df, *, ignore: tuple[str, ...] = ()) -> int:
    """DuckDB's `table` and the Spark DataFrame hold the same rows (any order); returns the count."""
    cols, want = duck_rows(con, table)
    assert sorted(c.lower() for c in df.columns) == sorted(c.lower() for c in cols), \
        f"{table}: columns differ: DuckDB {cols}, Spark {df.columns}"
    got = spark_rows(df, cols)
    keep = [i for i, c in enumerate(cols) if c not in ignore]
    want = sorted((tuple(r[i] for i in keep) for r in want), key=_sort_key)
    got = sorted((tuple(r[i] for i in keep) for r in got), key=_sort_key)
    assert len(got) == len(want), f"{table}: {len(want)} rows on DuckDB, {len(got)} on Spark"
    for w, g in zip(want, got):
        for i, (a, b) in enumerate(zip(w, g)):
            col = cols[keep[i]]
            if isinstance(a, float) or isinstance(b, float):
                assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), \
                    f"{table}.{col}: DuckDB {a!r}, Spark {b!r} in row {w}"
            else:
                assert a == b, f"{table}.{col}: DuckDB {a!r}, Spark {b!r}\n  DuckDB row {w}\n  Spark row  {g}"
    return len(want)


# ------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def duck(tmp_path_factory):
    """A small regency staged, linked and aggregated on DuckDB as publish.pipeline does."""
    root = tmp_path_factory.mktemp("spark")
    raw, work = root / "raw", root / "work"
    synthesize("52.07", raw, scale=0.01, seed=3, period="2026-10")
    pkg = json.loads((raw / "datapackage.json").read_text())
    config = load_config()
    t = time.perf_counter()
    con = duckdb.connect(config={"threads": 1})
    results = Validator(con, raw, work).run()
    unified.recipients_view(con, results)
    unified.unify(con, config["linkage"]["mismatch_name_similarity"])
    threshold = float(config["linkage"]["match_probability"])
    summary = linked.link(con, work, threshold, RELEASE)
    indicators.compute(con, pkg["x-period"], pkg["x-regency"], config)
    TIMINGS["duckdb_stages_s"] = time.perf_counter() - t
    yield {"con": con, "config": config, "period": pkg["x-period"], "regency": pkg["x-regency"],
           "threshold": threshold, "model": work / "linkage" / RELEASE / "model.json", "summary": summary,
           "resources": list(results)}
    con.close()


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    t = time.perf_counter()
    session = sp.spark_session("bansos-terbuka-test", "local[1]", shuffle_partitions=1, driver_memory="1g",
                               conf=SPARK_CONF)
    TIMINGS["jvm_start_s"] = time.perf_counter() - t
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("checkpoints")))
    yield session
    session.stop()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "spark-timings.json").write_text(json.dumps(
        {k: round(v, 2) for k, v in TIMINGS.items()}, indent=2) + "\n")


@pytest.fixture(scope="module")
def staged(duck, tmp_path_factory) -> dict[str, Path]:
    """What the SQL reads, written by DuckDB as Parquet (as a cluster would be handed it)."""
    names = sorted(set(sp.indicator_inputs()) | set(sp.linkage_inputs()))
    return sp.export_parquet(duck["con"], names, tmp_path_factory.mktemp("parquet"))


def _variables(duck) -> dict:
    return sp.pipeline_variables(duck["period"], duck["regency"], duck["config"])


# ------------------------------------------------------------------------------------------
# The transpiler alone (sqlglot only)


def test_transpile_substitutes_variables_and_expands_macros():
    sql = ("CREATE OR REPLACE TABLE t AS SELECT age_at(birth_date, getvariable('period_end')) AS age, "
           "name_norm(name) AS n, count(*) FILTER (WHERE x > getvariable('k')) AS c FROM s GROUP BY ALL")
    out = sp.transpile(sql, {"period_end": dt.date(2026, 10, 31), "k": 3})
    low = out.lower()
    assert "create or replace temporary view t as" in low
    assert "getvariable" not in low and "age_at" not in low and "name_norm(" not in low
    assert "cast('2026-10-31' as date)" in low
    assert "year(cast('2026-10-31' as date)) - year(birth_date)" in low  # DuckDB's year boundaries
    assert "filter(where" in low.replace(" (", "(") and "group by all" in low
    with pytest.raises(sp.TranspileError, match="period_end"):
        sp.transpile(sql, {"k": 3})


def test_transpile_refuses_what_would_silently_differ():
    with pytest.raises(sp.TranspileError, match="first match"):
        sp.transpile("SELECT regexp_replace(a, 'x', 'y') FROM t")
    with pytest.raises(sp.TranspileError, match="decade"):
        sp.transpile("SELECT date_diff('decade', a, b) FROM t")
    out = sp.transpile("SELECT len(list(x)) AS n, len(s) AS m, isodow(d) AS i, md5(s)[1:12] AS h FROM t")
    low = out.lower()
    assert "size(collect_list(x))" in low and "length(s)" in low
    assert "weekday(d) + 1" in low and "substring(md5(s), 1, 12)" in low


def test_every_sql_file_transpiles(duck):
    """Each file of publish/sql/ has a Spark form with the build's own variables."""
    variables = sp.duckdb_variables(duck["con"])
    for path in sorted(sp.SQL_DIR.glob("*.sql")):
        out = sp.transpile(path.read_text(encoding="utf-8"), variables)
        assert "getvariable" not in out.lower(), path.name
        for macro in sp.load_macros():
            assert f"{macro}(" not in out.lower().replace(" (", "("), (path.name, macro)


def test_variables_are_the_builds(duck):
    """pipeline_variables gives what the DuckDB build set, so Spark jobs need no DuckDB."""
    want = sp.duckdb_variables(duck["con"])
    got = sp.pipeline_variables(duck["period"], duck["regency"], duck["config"])
    assert set(got) == set(want)
    for k, v in want.items():
        if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
            assert math.isclose(float(got[k]), float(v)), k
        else:
            assert got[k] == v, k


# ------------------------------------------------------------------------------------------
# Spark


EDGE_CASES = """
CREATE OR REPLACE TABLE edge AS SELECT * FROM (VALUES
    (1, DATE '2026-10-02', DATE '2026-10-02', DATE '1966-10-31', '5207014112850003', 'P', 'Siti Djoeariah'),
    (2, DATE '2026-10-02', DATE '2026-10-05', DATE '1966-11-01', '5207010101900001', 'L', 'tjahja  o''neil'),
    (3, DATE '2026-10-03', DATE '2026-10-12', DATE '2000-02-29', '5207013102900001', 'L', NULL),
    (4, DATE '2026-10-05', NULL, DATE '1999-10-31', '5.20701E+15', 'L', ' Budi-Santoso '),
    (5, DATE '2026-10-31', DATE '2026-11-02', DATE '1966-10-30', '520701290200000', 'P', 'OEMAR'),
    (6, DATE '2026-10-09', DATE '2026-10-11', DATE '2026-10-31', '9907012902990001', 'P', 'A'),
    (7, DATE '2026-10-10', DATE '2026-10-10', DATE '1950-01-01', '5207014112850000', NULL, 'X'),
    (8, DATE '2026-10-12', DATE '2026-10-30', DATE '1980-03-01', '5207017112850003', 'P', 'Ni Luh')
) v(id, received, resolved, birth, nik, sex, name);

CREATE OR REPLACE TABLE edge_out AS
SELECT id, sex,
       date_diff('day', received, resolved) AS days,
       CASE WHEN resolved IS NOT NULL THEN
           len(list_filter(generate_series(received::TIMESTAMP, resolved::TIMESTAMP - INTERVAL 1 DAY, INTERVAL 1 DAY),
                           lambda d: isodow(d) < 6)) END AS working_days,
       isodow(received) AS dow,
       age_at(birth, getvariable('period_end')) AS age,
       date_diff('year', birth, received) AS year_boundaries,
       date_diff('month', birth, received) AS month_boundaries,
       nik_structure(nik, sex) AS nik_structure,
       kk_structure(nik) AS kk_structure,
       name_norm(name) AS name_norm,
       'U' || md5(nik)[1:12] AS key,
       regexp_full_match(nik, '[0-9]{16}') AS sixteen,
       jaro_winkler_similarity(name_norm(name), 'SITI JUARIAH') AS jw,
       strftime(received, '%Y-%m') AS month
FROM edge;

CREATE OR REPLACE TABLE edge_lists AS
SELECT sex, list_sort(list(DISTINCT name_norm)) AS names,
       array_to_string(list_sort(list(DISTINCT nik_structure)), '+') AS structures,
       count(*) FILTER (WHERE age >= 60) AS elderly, arg_min(id, age) AS youngest, any_value(month) AS month
FROM edge_out WHERE name_norm IS NOT NULL GROUP BY ALL;

CREATE OR REPLACE TABLE edge_sizes AS
SELECT sex, len(names) AS n, list_contains(names, 'A') AS has_a FROM edge_lists;
"""


@needs_spark[0]
@needs_spark[1]
def test_expressions_agree_on_edge_cases(duck, spark):
    """The translated functions on the values where DuckDB and Spark differ by default: same-day and
    weekend spans, birthdays either side of the period end, leap days, mangled NIKs, Dutch spellings."""
    variables = {"period_end": dt.date(2026, 10, 31), "regency_digits": "5207"}
    known = duck["con"].sql("SELECT * FROM known_kecamatan").to_arrow_table()
    con = duckdb.connect()
    run_sql(con, "macros")
    con.register("known_src", known)
    con.execute("INSERT INTO known_kecamatan SELECT * FROM known_src")
    con.execute("SET VARIABLE period_end = DATE '2026-10-31'")
    con.execute("SET VARIABLE regency_digits = '5207'")
    con.execute(EDGE_CASES)
    runner = sp.SparkSQL(spark, variables)
    runner.register("known_kecamatan", known)
    runner.run(EDGE_CASES)
    for table in ("edge_out", "edge_lists", "edge_sizes"):
        assert assert_same_table(con, table, runner.table(table)) > 0
    # The cases are what they claim to be (so that agreement means something).
    got = {r["id"]: r for r in runner.table("edge_out").collect()}
    assert got[1]["working_days"] == 0 and got[2]["working_days"] == 1 and got[4]["working_days"] is None
    assert got[1]["age"] == 60 and got[5]["age"] == 60 and got[2]["age"] == 59
    assert {got[i]["nik_structure"] for i in got} >= {"ok", "excel", "length", "region", "serial", "date"}


def _name_pairs(n: int, seed: int = 1) -> list[tuple]:
    """Names and their typing variants: dropped, doubled, swapped and inserted letters."""
    import random

    rnd = random.Random(seed)
    letters = "ABDEHIKLMNOPRSTUWY "
    names = ["KENZIE HUTAPEA", "DEWI HALIMAH", "SITI JUARIAH", "PURWADI WIDODO", "NI LUH PUTU", "A", "AB"]
    out = [(None, "A"), ("", ""), ("", "A"), ("MARTHA", "MARHTA"), ("DIXON", "DICKSONX")]
    for _ in range(n):
        a = rnd.choice(names) if rnd.random() < 0.3 else "".join(
            rnd.choice(letters) for _ in range(rnd.randint(1, 16)))
        b = list(a)
        for _ in range(rnd.randint(0, 4)):
            op, k = rnd.random(), rnd.randint(0, len(b))
            if op < 0.3 and b:
                b.pop(min(k, len(b) - 1))
            elif op < 0.6:
                b.insert(k, rnd.choice(letters))
            elif k < len(b) - 1:
                b[k], b[k + 1] = b[k + 1], b[k]
        out.append((a, "".join(b)))
    return out


@needs_spark[0]
@needs_spark[1]
def test_jaro_winkler_is_duckdbs(spark):
    """jaro_winkler_similarity on Spark (a Spark SQL function) gives DuckDB's value for every pair;
    Splink's Scala jaro_winkler does not (it halves transpositions without rounding down)."""
    pairs = _name_pairs(3000)
    con = duckdb.connect()
    con.execute("CREATE TABLE p (id INTEGER, a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?, ?)", [(i, a, b) for i, (a, b) in enumerate(pairs)])
    sql = "CREATE OR REPLACE TABLE jw AS SELECT id, jaro_winkler_similarity(a, b) AS jw FROM p"
    con.execute(sql)
    runner = sp.SparkSQL(spark)
    runner.register("p", con.sql("SELECT * FROM p"))
    runner.run(sql)
    assert assert_same_table(con, "jw", runner.table("jw")) == len(pairs)
    jar = {r[0]: r[1] for r in spark.sql("SELECT id, jaro_winkler(a, b) FROM p WHERE a <> '' AND b <> ''").collect()}
    duck = dict(con.execute("SELECT id, jw FROM jw").fetchall())
    differ = sum(1 for i, v in jar.items() if abs(v - duck[i]) > 1e-9)
    assert differ > 0  # the reason for duckdb_jaro_winkler: if this ever fails, the jar would do


@needs_spark[0]
@needs_spark[1]
def test_indicator_facts_match_duckdb(duck, spark, staged):
    """Every indicator SQL file run on Spark gives DuckDB's fact_<table>, row for row."""
    con = duck["con"]
    tables = {n: staged[n] for n in sp.indicator_inputs()}
    t = time.perf_counter()
    runner = sp.SparkSQL(spark, _variables(duck))
    facts = sp.run_indicators_on_spark(spark, tables, _variables(duck),
                                       forbidden=sp.forbidden_combinations(duck["config"]), runner=runner)
    TIMINGS["spark_indicators_s"] = time.perf_counter() - t
    duck_facts = {r[0][len("fact_"):] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'fact_')").fetchall()}
    assert set(facts) == duck_facts and len(facts) >= 10
    counted = {}
    for name, df in facts.items():
        counted[name] = assert_same_table(con, f"fact_{name}", df)
    # The unit tables behind medians and the p%-rule, and the published reference tables, too.
    for table in [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'unit_') "
            "OR table_name IN ('ind_regions', 'ind_schemes', 'ind_commitments', 'ind_milestones')").fetchall()]:
        assert_same_table(con, table, runner.table(table))
    # Not a comparison of empty tables: the input gives every village and real counts.
    assert counted["population_by_region"] == con.execute("SELECT count(*) FROM villages").fetchall()[0][0]
    total = facts["recipients_by_region_scheme"].agg({"recipients": "sum"}).collect()[0][0]
    assert total > 100


@needs_spark[0]
@needs_spark[1]
def test_splink_predictions_match_duckdb(duck, spark):
    """Splink's Spark backend with the DuckDB-trained model finds DuckDB's pairs, same probabilities."""
    con = duck["con"]
    t = time.perf_counter()
    pairs = sp.predict_links_on_spark(spark, duck["model"], con.sql("SELECT * FROM splink_left"),
                                      con.sql("SELECT * FROM splink_right"), duck["threshold"])
    got = {frozenset((r["uid_l"], r["uid_r"])): r["match_probability"] for r in pairs.collect()}
    TIMINGS["spark_splink_predict_s"] = time.perf_counter() - t
    want = {frozenset((a, b)): p for a, b, p in con.execute(
        "SELECT uid_l, uid_r, match_probability FROM splink_pairs").fetchall()}
    assert want, "the DuckDB run found no probabilistic pairs: the comparison would be empty"
    assert set(got) == set(want), (f"only DuckDB: {sorted(map(sorted, set(want) - set(got)))[:5]}; "
                                   f"only Spark: {sorted(map(sorted, set(got) - set(want)))[:5]}")
    for k, p in want.items():
        assert math.isclose(got[k], p, rel_tol=1e-9, abs_tol=1e-12), (sorted(k), p, got[k])
    assert min(got.values()) >= duck["threshold"]
    # The fast path for national scale: Splink's Scala jaro_winkler (80 times faster, not DuckDB's
    # values). Near a threshold a pair may move; most stay.
    jar = sp.predict_links_on_spark(spark, duck["model"], con.sql("SELECT * FROM splink_left"),
                                    con.sql("SELECT * FROM splink_right"), duck["threshold"], jaro_winkler="jar")
    jar_pairs = {frozenset((r["uid_l"], r["uid_r"])) for r in jar.collect()}
    TIMINGS["jar_pairs_differing"] = len(jar_pairs ^ set(want))
    assert len(jar_pairs ^ set(want)) <= 0.1 * len(want)


@needs_spark[0]
@needs_spark[1]
def test_linkage_on_spark_matches_duckdb(duck, spark, staged):
    """The whole linkage on Spark from the staged lists (SQL steps, Splink scoring and the dedupe of
    people no register knows) gives DuckDB's person_records, nik_status and links."""
    con = duck["con"]
    tables = {n: staged[n] for n in sp.linkage_inputs()}
    t = time.perf_counter()
    runner = sp.link_on_spark(spark, tables, _variables(duck), duck["model"], duck["threshold"])
    TIMINGS["spark_linkage_s"] = time.perf_counter() - t
    for table in ("person_records", "population_records", "nik_status", "link_rest", "splink_pairs",
                  "link_unknown", "splink_clusters"):
        assert_same_table(con, table, runner.table(table))
    n = assert_same_table(con, "linked", runner.table("linked"))
    assert n == duck["summary"]["records"]
    methods = {r[0] for r in runner.table("linked").select("method").distinct().collect()}
    assert {"register", "exact", "probabilistic"} <= methods
    assert ("unknown" in methods) == bool(duck["summary"]["unmatched_records"])
