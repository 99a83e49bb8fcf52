"""The build: explicit stages from raw input to a release, and the release switch.

A release is built in a temporary folder beside the others and becomes `latest` only when every
stage and check passed; a failed build leaves the release being served untouched.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from . import (__version__, assertions, audit, catalogue, database, downloads, freshness, geo, indicators, linked,
               protected, published, relations, report, unified, unprotected)
from .errors import BuildError, InputError
from .progress import CallbackReporter, Reporter
from .schemas import output_schema
from .validated import Validator

DB_NAME = "bansos-terbuka.db"
INSPECT = "inspect-data.json"  # row counts precomputed for immutable serving
DEFAULTS = Path(__file__).parent / "defaults.yml"


def load_config(path: Path | None = None) -> dict:
    config = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    if path:
        _merge(config, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
    return config


def _merge(base: dict, extra: dict) -> None:
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


@dataclass
class Stage:
    name: str
    seconds: float
    rows: int | None = None
    peak_rss_mb: float = 0.0


@dataclass
class BuildResult:
    release_dir: Path
    release_id: str
    index: dict
    stages: list[Stage] = field(default_factory=list)


# Libraries the later stages load. Imported in a thread while validation runs, which waits on
# DuckDB with the GIL released: about a second of the build otherwise spent importing.
_LATER_IMPORTS = ("splink", "splink.comparison_library", "highspy", "frictionless", "pyarrow.parquet",
                  "xlsxwriter")


def _warm_imports() -> None:
    import importlib
    import threading

    def load():
        for name in _LATER_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:  # the stage that needs it says so itself
                pass

    threading.Thread(target=load, name="warm-imports", daemon=True).start()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Background:
    """A stage run in a thread beside the next ones; join() waits, shows it and re-raises its error.

    Its row in the stage table is its own run time, which overlaps the stages run meanwhile.
    """

    def __init__(self, build: "Build", name: str, fn, seconds_before: float = 0.0):
        import threading

        self.build, self.name, self.fn = build, name, fn
        self.before, self.seconds, self.error, self.result = seconds_before, 0.0, None, None
        self.thread = threading.Thread(target=self._run, name=f"stage-{name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        t = time.perf_counter()
        try:
            self.result = self.fn()
        except BaseException as e:  # handed to the main thread by join()
            self.error = e
        self.seconds = self.before + time.perf_counter() - t

    def join(self):
        self.build.report.start(self.name, None)
        self.thread.join()
        self.build._finished(self.name, self.seconds, None)
        if isinstance(self.error, duckdb.OutOfMemoryException):
            raise self.build._out_of_memory(self.name) from self.error
        if self.error is not None:
            raise self.error
        return self.result


class Build:
    def __init__(self, input_dir: Path, dist: Path, work: Path, config: dict | None = None,
                 progress=None, site: bool = True, boundaries: Path | None = None):
        self.input_dir, self.dist, self.work = Path(input_dir), Path(dist), Path(work)
        self.boundaries = Path(boundaries) if boundaries else None
        self.config = copy.deepcopy(config or load_config())
        self.stages: list[Stage] = []
        if progress is None:
            progress = Reporter()
        elif not isinstance(progress, Reporter):
            progress = CallbackReporter(progress)
        self.report = progress
        self.site = site

    def _stage(self, name: str, fn, rows=None, steps: int | None = None):
        self.report.start(name, steps)
        t = time.perf_counter()
        try:
            out = fn()
        except duckdb.OutOfMemoryException as e:
            raise self._out_of_memory(name) from e
        n = rows(out) if rows else None
        self._finished(name, time.perf_counter() - t, n)
        return out

    def _finished(self, name: str, seconds: float, rows: int | None) -> None:
        self.report.finish(rows)
        self.stages.append(Stage(name, seconds, rows, _peak_rss_mb()))

    def _out_of_memory(self, stage: str) -> BuildError:
        limit = self.config.get("resources", {}).get("memory_limit", "2GB")
        tmp = self.work / "duckdb-tmp"
        return BuildError(
            f"Memori habis pada tahap '{stage}' (batas DuckDB {limit}). Naikkan resources.memory_limit "
            f"di berkas --config, atau kosongkan ruang disk untuk {tmp}, lalu jalankan lagi. / "
            f"Out of memory in stage '{stage}' (DuckDB limit {limit}). Raise resources.memory_limit in a "
            f"--config file, or free disk space for {tmp}, and run again.")

    def _background(self, name: str, fn, seconds_before: float = 0.0) -> "_Background":
        return _Background(self, name, fn, seconds_before)


    def _write_index(self, out: Path, index: dict) -> None:
        index["stages"] = [s.__dict__ for s in self.stages]
        (out / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")

    def step(self, label: str = "", rows: int = 0) -> None:
        self.report.step(label, rows)

    def run(self) -> BuildResult:
        if self.work.resolve() == self.dist.resolve() or self.dist.resolve() in self.work.resolve().parents:
            raise BuildError("WORK must not be inside DIST: private files would be published / "
                             "folder WORK tidak boleh di dalam DIST: berkas rahasia akan ikut terbit")
        self.work.mkdir(parents=True, exist_ok=True)
        (self.dist / "releases").mkdir(parents=True, exist_ok=True)
        for stale in (self.dist / "releases").glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        pkg = json.loads((self.input_dir / "datapackage.json").read_text(encoding="utf-8")) \
            if (self.input_dir / "datapackage.json").exists() else {}
        built_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        res = self.config.get("resources", {})
        con = duckdb.connect(config={"temp_directory": str(self.work / "duckdb-tmp"),
                                     "memory_limit": str(res.get("memory_limit", "2GB")),
                                     "threads": int(res.get("threads", 2))})
        _warm_imports()
        try:
            validator = Validator(con, self.input_dir, self.work, on_step=self.step, keep_checks=False)
            results = self._stage("validate", validator.run, lambda r: sum(x.read for x in r.values()),
                                  steps=len(pkg.get("resources", [])) or None)
            check_thresholds(results, self.config, self.work)
            unified.recipients_view(con, results)
            period, regency = self._period_regency(con, pkg)
            release_id = f"{period}-{built_at:%Y%m%dT%H%M%SZ}"
            n = 1
            while (self.dist / "releases" / release_id).exists():  # two builds within one second
                n += 1
                release_id = f"{period}-{built_at:%Y%m%dT%H%M%SZ}-{n}"
            tmp = self.dist / "releases" / f".tmp-{release_id}"
            final = self.dist / "releases" / release_id
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            try:
                index = self._build_release(con, results, period, regency, release_id, built_at, tmp, pkg)
                tmp.rename(final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            switch_latest(self.dist, final)
            return BuildResult(final, release_id, index, self.stages)
        finally:
            con.close()

    def _with_history(self, tables: dict, raw_rows: dict, previous_db, period: str) -> tuple[dict, dict]:
        """The earlier periods of the release being served, beside this period's rows: the audit
        covers everything the release publishes. `truth` holds the unprotected values in the same
        order (None where an earlier period's values were not kept in WORK)."""
        kept = unprotected.load(self.work)
        combined, truth = {}, {}
        for name, rows in tables.items():
            earlier = database.carried_rows(previous_db, name, period)
            combined[name] = earlier + rows
            truth[name] = [unprotected.lookup(kept, name, r) for r in earlier] + raw_rows.get(name, rows)
        return combined, truth

    def _audit(self, con, tables, truth, period, results, primary: set):
        """Every relation among the published numbers, then the LP audit of every period; repairs,
        or stops the release."""
        residents = con.execute(
            "SELECT residents FROM ind_population_by_region WHERE level = 'kabupaten'").fetchone()[0]
        rows_read = sum(r.read for r in results.values())
        # What an attacker may assume: no count of people exceeds the regency's residents.
        upper = {"people": residents, "recipients": residents, "families": residents,
                 "IDR": 1e13, "default": rows_read}
        cfg = self.config["protection"]
        declared, found, undeclared, dropped = relations_for(tables, truth, self.config)
        min_support = int(cfg["min_support"])
        # Declared relations hold by construction; found ones only where the values were checked
        # (an earlier period whose unprotected values were not kept is not).
        constraints = relations.constraints(declared, tables) + relations.true_instances(undeclared, tables, truth)
        cache_path = self.work / "audit-cache.pickle"
        cache = audit.load_cache(cache_path)
        known = {relations.plain(r) for r in found + declared}
        apparent: list = []
        repairs = solves = seconds = 0
        beliefs_at: set = set()  # constraints an attacker would believe that the true values break
        rounds = APPARENT_ROUNDS
        for round_no in range(rounds + 1):
            report = audit.audit_and_repair(tables, constraints, period, upper, truth, float(cfg["min_interval"]),
                                            float(cfg["p_percent"]), cache=cache, beliefs=beliefs_at, primary=primary)
            repairs, solves, seconds = repairs + report.repairs, solves + report.solves, seconds + report.seconds
            report.repairs, report.solves, report.seconds = repairs, solves, seconds
            if not report.passed or round_no == rounds:
                break
            # What the attacker sees: relations that hold on the published values alone. One that
            # is false somewhere among the hidden cells misleads them there, but where it is true
            # they would be right: those instances join the audit, and it runs again.
            new = [r for r in relations.search(tables, min_support) if relations.plain(r) not in known]
            new = [r for r in new if r.form != "period_equal" or period in r.other]
            if not new:
                break
            known |= {relations.plain(r) for r in new}
            apparent += new
            for c in relations.constraints(new, tables):
                if not relations.holds(c, truth):
                    beliefs_at.add(len(constraints))
                constraints.append(c)
        if report.passed and round_no == rounds and [
                r for r in relations.search(tables, min_support) if relations.plain(r) not in known]:
            report.passed = False  # relations kept appearing: do not publish what was not audited
        relation_rounds = round_no + 1
        audit.save_cache(cache_path, cache)
        relation_report = {
            "derived": len(declared), "found": len(found), "undeclared": [r.describe() for r in undeclared],
            "apparent": [r.describe() for r in apparent],
            "not_exact_this_release": dropped, "constraints": len(constraints), "min_support": min_support,
            "audit_rounds": relation_rounds,
        }
        if not report.passed:
            a = report.as_dict()
            raise BuildError(
                f"Audit perlindungan gagal: {a['exactly_recoverable']} sel tersembunyi dapat dihitung tepat, "
                f"{a['counts_narrower_than_min']} jumlah dan {a['sums_narrower_than_p']} nilai rupiah dapat "
                f"dipersempit, {a['not_optimal']} perhitungan tidak selesai, setelah {a['repairs']} sel tambahan "
                f"disembunyikan. Rilis tidak diterbitkan; laporkan ke pengembang. / Disclosure audit failed: "
                f"{a['exactly_recoverable']} hidden cells are exactly recoverable, {a['counts_narrower_than_min']} "
                f"counts and {a['sums_narrower_than_p']} rupiah sums can be narrowed, {a['not_optimal']} solves did "
                f"not finish, after {a['repairs']} more cells were hidden. The release is not published; report it "
                f"to the developers.")
        return report, relation_report

    def _period_regency(self, con, pkg: dict) -> tuple[str, str]:
        period = pkg.get("x-period") or con.execute("SELECT max(period) FROM stg_recipients").fetchone()[0]
        regency = pkg.get("x-regency") or con.execute(
            "SELECT min(code) FROM stg_regions WHERE level = 'kabupaten'").fetchone()[0]
        return period, regency

    def _build_release(self, con, results, period, regency, release_id, built_at, out: Path, pkg) -> dict:
        self._stage("unify", lambda: unified.unify(
            con, self.config["linkage"]["mismatch_name_similarity"]), lambda n: n)
        link_summary = self._stage("link", lambda: linked.link(
            con, self.work, float(self.config["linkage"]["match_probability"]), release_id, self.step),
            lambda s: s["records"], steps=3)
        linked_csv = linked.write_linked_records(con, self.work)
        truth = self.input_dir / "truth" / "record_person.csv"
        accuracy = None
        if truth.exists():  # synthetic input: say how well the linkage did against the planted truth
            from .accuracy import pairwise

            # Its own DuckDB connection over the files: it runs beside the indicators.
            accuracy = self._background("accuracy", lambda: pairwise(
                self.input_dir, linked_csv, temp_directory=self.work / "duckdb-tmp-accuracy"))
        try:
            names = self._stage("indicators", lambda: indicators.compute(
                con, period, regency, self.config, self.step), steps=len(indicators.output_names()))
        finally:
            if accuracy:
                acc = accuracy.join()
                link_summary["accuracy"] = {k: round(acc[k], 5) for k in ("precision", "recall")}

        prot = protected.ProtectionReport()
        previous = current_release(self.dist)
        previous_db = previous / DB_NAME if previous else None

        raw_rows = {}

        def protect():
            tables = {}
            k = int(self.config["protection"]["max_small_count"])
            for name in names:
                # A fixed row order: ties in secondary suppression break by row, so the same input
                # must always give the same release.
                key = ", ".join(output_schema(name)["primaryKey"])
                levels = published_levels(name, self.config)
                where = f" WHERE level IN ({', '.join(repr(x) for x in levels)})" if levels else ""
                cur = con.execute(f"SELECT * FROM ind_{name}{where} ORDER BY {key}")
                cols = [d[0] for d in cur.description]
                rows = [dict(zip(cols, r)) for r in cur.fetchall()]
                raw_rows[name] = rows
                tables[name] = protected.protect_table(
                    name, rows, k, prot, int(self.config["protection"]["min_median_count"]),
                    float(self.config["protection"]["p_percent"]))
                self.step(name, len(rows))
            return tables

        tables = self._stage("protect", protect, lambda t: sum(map(len, t.values())), steps=len(names))
        tables, truth = self._with_history(tables, raw_rows, previous_db, period)
        audit_report, relation_report = self._stage(
            "audit", lambda: self._audit(con, tables, truth, period, results, prot.primary_cells))
        unprotected.save(self.work, period, raw_rows, prot.primary_cells)
        information_lost = protected.information_lost(raw_rows, tables)
        # Indicators are quotients of the protected counts: computed after the audit, never before.
        tables["indicators"] = catalogue.catalogue_rows()
        tables["indicator_values"] = database.carried_rows(previous_db, "indicator_values", period) + \
            catalogue.values(tables, period)
        fresh = freshness.compute(tables, previous, built_at, pkg, self.input_dir, period, self.config)
        tables["releases"] = database.carried_rows(previous_db, "releases", period) + [freshness.release_row(
            release_id, period, fresh, previous, results, audit_report.as_dict(), pkg)]
        findings = self._stage("assertions", lambda: assertions.run(con, tables, previous_db, period, self.config))
        order = published.table_order(list(tables))
        counts = self._stage("database", lambda: database.write_database(
            out / DB_NAME, tables, order, published.site_meta(), self.step), lambda c: sum(c.values()),
            steps=len(order))
        database.write_inspect(out / DB_NAME, out / INSPECT)
        regions = {r[0]: {"level": r[1], "name": r[2]}
                   for r in con.execute("SELECT code, level, name FROM stg_regions").fetchall()}
        maps = self._stage("geo", lambda: geo.write_geo(out, self.boundaries, regency, regions))
        periods = sorted({r["period"] for rows in tables.values() for r in rows if "period" in r})
        index = {
            "release_id": release_id, "version": __version__, "period": period, "periods": periods,
            "built_at": built_at.isoformat().replace("+00:00", "Z"),
            "previous_release": previous.name if previous else None,
            "regency": {"code": regency, "name": con.execute(
                "SELECT name FROM stg_regions WHERE code = ?", [regency]).fetchone()[0]},
            "synthetic": bool(pkg.get("synthetic", False)),
            "database": DB_NAME,
            "freshness": fresh,
            "publication": published.publication(),
            "downloads": {"zip": downloads.zip_name(release_id), "formats": list(downloads.FORMATS),
                          "checksums": "SHA256SUMS"},
            "maps": maps,
            "tables": counts,
            "rows": {n: {"read": r.read, "used": r.used, "quarantined": r.quarantined} for n, r in results.items()},
            "linkage": {k: v for k, v in link_summary.items()},
            "protection": {**prot.as_dict(), "audit": audit_report.as_dict(), "relations": relation_report,
                           "hidden_share_after_audit": audit_report.as_dict()["hidden_share"],
                           "information_lost": information_lost,
                           "hidden": protected.hidden_shares(tables, period),
                           "settings": {k: self.config["protection"][k] for k in
                                        ("max_small_count", "p_percent", "min_interval", "min_median_count",
                                         "min_support")},
                           "levels": {n: published_levels(n, self.config) for n in order
                                      if output_schema(n).get("x-levels")}},
            "warnings": findings,
        }
        report.write_validation_report(out, results, index)
        published.write_datapackage(out, order, index)
        published.write_metadata(out, order, index)
        self._write_index(out, index)
        # The site needs the database and index.json, not the downloads. Its pages are written
        # here; MkDocs (a subprocess) renders them on the second core while this one writes the
        # downloads and checks them.
        site = None
        if self.site:
            from .site import render_site, write_site_sources

            started = time.perf_counter()
            mkdocs_yml = write_site_sources(out, self.work, config=self.config)
            site = self._background("site", lambda: render_site(mkdocs_yml, out), time.perf_counter() - started)
        try:
            self._stage("export", lambda: downloads.write_tables(out, tables, order, self.step), lambda n: n,
                        steps=len(order))
            self._stage("check", lambda: published.check_release(out, order), lambda n: n)
        finally:
            if site:
                site.join()  # also when export failed: nothing may still write into the release
        self._write_index(out, index)
        shutil.copy(published.WILAYAH_LICENCE, out / published.WILAYAH_LICENCE.name)
        downloads.write_zip(out, release_id, [out / "index.json", out / "validation-report.json",
                                              out / published.WILAYAH_LICENCE.name, out / "geo" / geo.LICENCE])
        downloads.write_checksums(out, downloads.published_files(out))
        return index


# Rounds of "audit, then search the published values for relations an attacker would see".
APPARENT_ROUNDS = 6


def published_levels(name: str, config: dict) -> list[str] | None:
    """The levels a table is published at: `protection.levels` narrows a table whose village cells
    would be nearly all hidden (complaints: about one a month per village) to kecamatan and up."""
    levels = output_schema(name).get("x-levels")
    if not levels:
        return None
    wanted = (config["protection"].get("levels") or {}).get(name)
    if wanted is None:
        return levels
    unknown = [x for x in wanted if x not in levels]
    if unknown or not wanted:
        # A misspelt level would otherwise publish every level, or none, without a word.
        raise BuildError(
            f"Konfigurasi protection.levels.{name}: {unknown or wanted} bukan tingkat tabel ini; pilih dari "
            f"{levels}. / Configuration protection.levels.{name}: {unknown or wanted} is not a level of this "
            f"table; choose from {levels}.")
    return [x for x in levels if x in wanted]


def relations_for(tables: dict, truth: dict, config: dict):
    """Derived relations (checked on the unprotected values: a failure stops the build) and the
    relations the search finds; returns (declared, found, undeclared, rates not exact this release)."""
    declared = relations.derived(tables, config)
    dropped = []
    for rel, bad in relations.check_derived(declared, truth):
        if rel.form == "ratio":
            # A fixed rate holds only while every listed amount is at the rate (amount_rate flags
            # are kept and counted): then it is no exact relation, for the attacker either.
            declared.remove(rel)
            dropped.append(rel.describe())
            continue
        raise BuildError(
            f"Angka yang akan terbit tidak sesuai definisinya: {rel.describe()} tidak berlaku pada "
            f"{'; '.join(bad)}. Ini kesalahan program, bukan data Anda: rilis tidak diterbitkan; laporkan "
            f"pesan ini ke pengembang. / The figures about to be published break their definition: "
            f"{rel.describe()} fails at {'; '.join(bad)}. This is a fault in the program, not in your data: "
            f"the release is not published; report this message to the developers.")
    found = relations.search(truth, int(config["protection"]["min_support"]))
    return declared, found, relations.undeclared(found, declared), dropped


def check_thresholds(results, config: dict, work: Path) -> None:
    """Stop when a file lost too much to quarantine: the month's data is then not worth publishing."""
    limit = float(config["validation"]["max_quarantined_share"])
    min_rows = int(config["validation"]["min_quarantined_rows"])
    for r in results.values():
        if r.read and r.quarantined / r.read > limit and r.quarantined >= min_rows:
            where = Path(work) / "quarantine" / f"{r.name}.csv"
            raise InputError(r.path, None, None, None, "quarantine_threshold",
                             f"{r.quarantined} dari {r.read} baris dikarantina (batas {limit:.0%}); "
                             f"perbaiki baris di {where} lalu jalankan lagi",
                             f"{r.quarantined} of {r.read} rows quarantined (limit {limit:.0%}); "
                             f"fix the rows listed in {where} and run again")


def current_release(dist: Path) -> Path | None:
    latest = Path(dist) / "latest"
    return latest.resolve() if latest.is_symlink() and latest.resolve().exists() else None


def switch_latest(dist: Path, release: Path) -> None:
    """Point DIST/latest at the release in one atomic rename."""
    tmp = Path(dist) / ".latest.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(Path("releases") / release.name, tmp)
    os.replace(tmp, Path(dist) / "latest")


def build(input_dir: Path, dist: Path, work: Path = Path("work"), config_path: Path | None = None,
          progress=None, site: bool = True, boundaries: Path | None = None) -> BuildResult:
    return Build(input_dir, dist, work, load_config(config_path), progress, site, boundaries).run()
