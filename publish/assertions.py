"""Data assertions that stop a bad release (the pattern of OpenSanctions' zavod and OWID's etl).

Each assertion is named in `defaults.yml` with what it does when it fails: `error` stops the
build, `warn` records a warning in the release and the build goes on, `off` skips it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import BuildError

# Schemes paid every month or quarter must not disappear from one release to the next;
# one-off and yearly schemes (RTLH, uniforms, ProKUS) come and go by nature.
RECURRING = ("monthly", "quarterly")


def run(con, tables: dict[str, list[dict]], previous_db: Path | None, period: str, config: dict) -> list[dict]:
    """Check the release about to be made; raise BuildError on an `error`, return the warnings."""
    cfg = config["assertions"]
    findings = []
    for name, check in (("population_reconciles", population_reconciles),
                        ("register_within_population", register_within_population),
                        ("scheme_vanishes", scheme_vanishes),
                        ("change_within_bounds", change_within_bounds)):
        mode = cfg.get(name, "error")
        if mode == "off":
            continue
        for message_id, message_en in check(con, tables, previous_db, period, cfg):
            findings.append({"assertion": name, "level": mode, "message_id": message_id, "message_en": message_en})
    errors = [f for f in findings if f["level"] == "error"]
    if errors:
        raise BuildError("Pemeriksaan data gagal / data assertions failed:\n  " + "\n  ".join(
            f"[{f['assertion']}] {f['message_id']} / {f['message_en']}" for f in errors))
    return findings


def population_reconciles(con, tables, previous_db, period, cfg):
    """Published residents per kecamatan equal the population register's living residents."""
    register = dict(con.execute(
        "SELECT substr(desa_code, 1, 8), count(*) FROM stg_population "
        "WHERE status = 'alive' AND desa_code IN (SELECT code FROM villages) GROUP BY 1").fetchall())
    published = dict(con.execute(
        "SELECT region_code, residents FROM ind_population_by_region WHERE level = 'kecamatan'").fetchall())
    for kec in sorted(set(register) | set(published)):
        a, b = register.get(kec, 0), published.get(kec, 0)
        if a != b:
            yield (f"kecamatan {kec}: penduduk terbit {b} tidak sama dengan data kependudukan {a}",
                   f"kecamatan {kec}: published residents {b} differ from the population register's {a}")


def register_within_population(con, tables, previous_db, period, cfg):
    """The welfare register cannot hold more people in a kecamatan than live there."""
    tolerance = float(cfg.get("register_tolerance", 0.05))
    rows = con.execute("""
        WITH dtks AS (
            SELECT substr(f.desa_code, 1, 8) AS kec, count(*) AS n
            FROM stg_welfare_members m JOIN stg_welfare_families f USING (family_id) GROUP BY 1),
        pop AS (SELECT region_code AS kec, residents AS n FROM ind_population_by_region WHERE level = 'kecamatan')
        SELECT dtks.kec, dtks.n, coalesce(pop.n, 0) FROM dtks LEFT JOIN pop USING (kec)
        WHERE dtks.n > coalesce(pop.n, 0) * (1 + ?) ORDER BY 1""", [tolerance]).fetchall()
    for kec, members, residents in rows:
        yield (f"kecamatan {kec}: {members} anggota DTKS melebihi {residents} penduduk",
               f"kecamatan {kec}: {members} welfare-register members exceed its {residents} residents")


def _previous_period_rows(previous_db: Path | None, sql: str, period: str) -> list:
    if not previous_db or not Path(previous_db).exists():
        return []
    con = sqlite3.connect(f"file:{previous_db}?mode=ro", uri=True)
    try:
        (last,) = con.execute("SELECT max(period) FROM recipients_by_region_scheme WHERE period < ?", [period]).fetchone()
        return con.execute(sql, [last]).fetchall() if last else []
    except sqlite3.Error:
        return []
    finally:
        con.close()


def scheme_vanishes(con, tables, previous_db, period, cfg):
    """A recurring scheme that had recipients last period and has none now."""
    before = {code for code, n, hidden in _previous_period_rows(previous_db, """
        SELECT r.scheme_code, sum(r.recipients), sum(r.recipients_status = 'suppressed')
        FROM recipients_by_region_scheme r JOIN schemes s USING (scheme_code)
        WHERE r.period = ? AND r.level = 'desa' AND s.payment_frequency IN ('monthly', 'quarterly') GROUP BY 1""", period)
        if (n or 0) > 0 or hidden}
    now = dict(con.execute("SELECT scheme_code, sum(recipients) FROM ind_recipients_by_region_scheme "
                           "WHERE level = 'desa' GROUP BY 1").fetchall())
    for code in sorted(before):
        if not now.get(code):
            yield (f"program {code} punya penerima pada periode lalu tetapi tidak ada sekarang: periksa daftarnya",
                   f"scheme {code} had recipients last period and has none now: check its list")


def change_within_bounds(con, tables, previous_db, period, cfg):
    """Regency totals of published counts that moved more than `max_change` since the last period."""
    limit = float(cfg.get("max_change", 0.25))
    measures = {"population_by_region": "residents", "recipients_by_region_scheme": "recipients"}
    for table, measure in measures.items():
        prev = dict(_previous_period_rows(
            previous_db, f"SELECT 'all', sum({measure}) FROM {table} WHERE period = ? AND level = 'desa'", period))
        cur = sum(r[measure] or 0 for r in tables.get(table, []) if r.get("period") == period and r["level"] == "desa")
        before = prev.get("all")
        if before and abs(cur / before - 1) > limit:
            yield (f"{table}.{measure}: total berubah dari {before} menjadi {cur} ({cur / before - 1:+.0%})",
                   f"{table}.{measure}: total moved from {before} to {cur} ({cur / before - 1:+.0%})")
