"""Stage 2: one person, one key, across the population register, the welfare register and every list.

1. Exact: a structurally valid NIK found in the population register, with a similar name.
2. Probabilistic (Splink, DuckDB backend): the rest against the population register, on name,
   birth date, sex, village, family card and the NIK itself (a mistyped NIK is still close).
3. Whatever is still unmatched (people the register does not know, such as people without
   an NIK) is deduplicated among itself with the same trained model.

The model and thresholds are written to WORK (private): linkage keys never leave the build.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb

from .sqlfiles import run_sql

log = logging.getLogger(__name__)

# An exact NIK join is trusted when the names agree at least this much (Jaro-Winkler):
# a mistyped NIK can be another real person's, and then the names differ.
EXACT_NAME_SIMILARITY = 0.8
TRAINING_SAMPLE = 10_000


# Candidate pairs: a record is compared only with register records that share one of these keys.
# Each rule is narrow (a birth date alone holds about 60 register people in Brebes, so blocking
# on it alone made 8 million pairs of 13 million), and together they still reach the true
# partner of 99.97 % of the records left after the exact step (98,951 of 98,976 on the
# synthetic Brebes input; the old rules reached 98,965). About 1 million pairs instead of 13:
# - same birth date and first letter of the name: the name is misspelled, the village may differ;
# - same birth date and village: the name starts differently (Muhammad / Moh.);
# - same village, start of the name and birth year: the birth date has a typo;
# - same NIK prefix (region, birth date and sex digits): the last digits are mistyped.
PREDICTION_RULES = [
    ("birth_text", "substr(name_norm, 1, 1)"),
    ("birth_text", "desa_code"),
    ("desa_code", "substr(name_norm, 1, 3)", "substr(birth_text, 1, 4)"),
    ("nik_prefix",),
]
# Expectation maximisation on a sample, one session per rule; between them every comparison is
# estimated (a session cannot estimate the columns its own rule fixes).
TRAINING_RULES = [
    ("birth_text", "sex"),
    ("desa_code", "substr(name_norm, 1, 3)"),
]
# Random pairs for the u probabilities (how often non-matches agree). Measured on the Sumbawa
# Barat and Brebes bench inputs: precision and recall against the planted truth as with
# 2,000,000 pairs (to 4 decimals), in a quarter of the time. `make bench` re-checks accuracy.
U_MAX_PAIRS = 500_000


def _settings(link_type: str):
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="uid",
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in PREDICTION_RULES],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_norm", [0.95, 0.88, 0.8]),
            cl.LevenshteinAtThresholds("birth_text", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("desa_code"),
            cl.ExactMatch("kk"),
            cl.LevenshteinAtThresholds("nik", [1, 2]),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _linker_input(con, table: str, where: str) -> None:
    con.execute(f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT resource || '/' || record_id AS uid, resource, record_id,
               CASE WHEN nik_structure = 'ok' THEN nik END AS nik,
               CASE WHEN nik_structure = 'ok' THEN substr(nik, 1, 12) END AS nik_prefix,
               kk, name_norm, sex, birth_text, desa_code
        FROM {where}""")


def link(con: duckdb.DuckDBPyConnection, work: Path, match_probability: float = 0.9,
         release_id: str = "latest", on_step=None) -> dict:
    """Fill table `linked` (resource, record_id, person_key, method, probability); return a summary.

    The trained model and thresholds go to WORK/linkage/<release_id>/ so that any link of a
    release can be explained later; they are private like the links themselves.
    """
    con.execute(f"SET VARIABLE exact_name_similarity = {EXACT_NAME_SIMILARITY}")
    step = on_step or (lambda label, rows: None)
    run_sql(con, "linked_exact")
    n_rest = con.execute("SELECT count(*) FROM link_rest").fetchone()[0]
    summary = {"exact": con.execute("SELECT count(*) FROM linked").fetchone()[0],
               "probabilistic": 0, "unmatched_clusters": 0, "threshold": match_probability}
    step("exact NIK", summary["exact"])
    if n_rest:
        summary.update(_probabilistic(con, Path(work) / "linkage" / release_id, match_probability))
    step("Splink", n_rest)
    run_sql(con, "linked_complaints")
    step("complaints", 0)
    summary["records"] = con.execute("SELECT count(*) FROM linked").fetchone()[0]
    summary["person_keys"] = con.execute("SELECT count(DISTINCT person_key) FROM linked").fetchone()[0]
    return summary


def _probabilistic(con, model_dir: Path, threshold: float) -> dict:
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    _linker_input(con, "splink_left", "link_rest")
    _linker_input(con, "splink_right", "(SELECT *, 'ok' AS nik_structure FROM population_records)")
    # Training needs a sample, not every record: EM on a few thousand candidates converges the
    # same, and a province-sized list would otherwise hold millions of pairs in memory.
    con.execute(f"CREATE OR REPLACE TABLE splink_train AS SELECT * FROM splink_left "
                f"ORDER BY hash(uid) LIMIT {TRAINING_SAMPLE}")
    db = DuckDBAPI(con)
    train, right = db.register("splink_train"), db.register("splink_right")
    linker = Linker([train, right], _settings("link_only"), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_norm", "birth_text")], recall=0.8)
    # u from random pairs of the whole register; one pass (no early-stopping probes) is faster.
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1, num_chunks=1)
    # EM sees only pairs of a sample record and a register record sharing a training key, so the
    # register is cut to the records that share one: the same pairs, a far smaller join (Splink
    # blocks a training session on the two tables stacked, so its cost grows with the register
    # squared otherwise).
    keys = " OR ".join(f"({', '.join(rule)}) IN (SELECT ({', '.join(rule)}) FROM splink_train)"
                       for rule in TRAINING_RULES)
    con.execute(f"CREATE OR REPLACE TABLE splink_right_train AS SELECT * FROM splink_right WHERE {keys}")
    trainer = Linker([db.register("splink_train", table_name="splink_train_em"),
                      db.register("splink_right_train")],
                     linker.misc.save_model_to_json(), log_level=logging.ERROR)
    for rule in TRAINING_RULES:
        trainer.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), fix_u_probabilities=True)
    model = trainer.misc.save_model_to_json()
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "model.json").write_text(json.dumps(model, indent=2))
    (model_dir / "thresholds.json").write_text(json.dumps(
        {"match_probability": threshold, "exact_name_similarity": EXACT_NAME_SIMILARITY}, indent=2))
    left = db.register("splink_left")
    right_all = db.register("splink_right", table_name="splink_right_predict")
    predictor = Linker([left, right_all], model, log_level=logging.ERROR)
    pred = predictor.inference.predict(threshold_match_probability=threshold)
    con.execute(f"CREATE OR REPLACE TABLE splink_pairs AS SELECT uid_l, uid_r, match_probability FROM {pred.physical_name}")
    run_sql(con, "linked_probabilistic")
    n_prob = con.execute("SELECT count(*) FROM linked WHERE method = 'probabilistic'").fetchone()[0]

    # People the register does not know: deduplicate what is left with the same model.
    left_over = con.execute("SELECT count(*) FROM link_unknown").fetchone()[0]
    clusters = 0
    if left_over:
        _linker_input(con, "splink_unknown", "link_unknown")
        db2 = DuckDBAPI(con)
        unknown = db2.register("splink_unknown")
        model["link_type"] = "dedupe_only"
        dedupe = Linker(unknown, model, log_level=logging.ERROR)
        pairs = dedupe.inference.predict(threshold_match_probability=threshold)
        cl = dedupe.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold)
        con.execute(f"CREATE OR REPLACE TABLE splink_clusters AS SELECT uid, cluster_id FROM {cl.physical_name}")
        run_sql(con, "linked_unknown")
        clusters = con.execute("SELECT count(DISTINCT person_key) FROM linked WHERE method = 'unknown'").fetchone()[0]
    return {"probabilistic": n_prob, "unmatched_records": left_over, "unmatched_clusters": clusters}


def write_linked_records(con, work: Path) -> Path:
    path = Path(work) / "linked_records.csv"
    con.execute(f"COPY (SELECT resource, record_id, person_key FROM linked ORDER BY resource, record_id) "
                f"TO '{path}' (HEADER, DELIMITER ',')")
    return path
