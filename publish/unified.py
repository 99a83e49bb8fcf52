"""The unified layer: every person-level record in one table, and the NIK status of each."""

from __future__ import annotations

from .sqlfiles import run_sql


def recipients_view(con, resources) -> None:
    """stg_recipients: every scheme's list in one view, with the resource it came from."""
    names = [n for n in resources if n.startswith("recipients_")]
    con.execute("CREATE OR REPLACE VIEW stg_recipients AS " + " UNION ALL ".join(
        f"SELECT '{n}' AS resource, * FROM stg_{n}" for n in names))


def unify(con, mismatch_name_similarity: float) -> int:
    """person_records, population_records and nik_status; returns the number of person records."""
    con.execute("SET VARIABLE mismatch_name_similarity = ?", [float(mismatch_name_similarity)])
    run_sql(con, "person_records")
    run_sql(con, "nik_status")
    return con.execute("SELECT count(*) FROM person_records").fetchone()[0]
