"""`make bench`: synthesise Sumbawa Barat at scale 1.0 once, then time every build stage.

Prints a table with the machine's description and appends the figures to bench/results.json.
Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from publish.accuracy import pairwise
from publish.pipeline import build
from publish.synth import synthesize

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"


def synth_version() -> str:
    """A cache key for synthetic inputs: they are made again when the generator changes."""
    import hashlib

    pkg = HERE.parent / "publish"
    h = hashlib.sha256()
    for p in [pkg / "synth.py", pkg / "nik.py", *sorted((pkg / "data").glob("*.csv"))]:
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def bench_validation(console: Console, regency: str, scale: float, seed: int, period: str) -> dict:
    """Validation alone (every row, every rule) of a large input: the Brebes-scale figure of #3."""
    import duckdb

    from publish.validated import Validator

    raw = HERE / "work" / f"{regency}-{scale}-{seed}-{period}-{synth_version()}" / "raw"
    t = time.perf_counter()
    if not (raw / "datapackage.json").exists():
        console.print(f"synthesising {regency} at scale {scale} (once, cached in {raw}) ...")
        synthesize(regency, raw, scale=scale, seed=seed, period=period)
    synth_s = time.perf_counter() - t
    work = raw.parent / "validate-work"
    shutil.rmtree(work, ignore_errors=True)
    con = duckdb.connect(config={"temp_directory": str(work / "duckdb-tmp")})
    t = time.perf_counter()
    results = Validator(con, raw, work).run()
    seconds = time.perf_counter() - t
    rows = sum(r.read for r in results.values())
    out = {"regency": regency, "scale": scale, "rows": rows, "seconds": round(seconds, 3),
           "rows_per_second": round(rows / seconds), "quarantined": sum(r.quarantined for r in results.values()),
           "synth_seconds": round(synth_s, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    console.print(f"validation of {regency} scale {scale}: {rows:,} rows in {seconds:.2f} s "
                  f"({out['rows_per_second']:,} rows/s; Frictionless-py reference: about 16,000 rows/s)")
    return out


def bench_accuracy(console: Console, regency: str, scale: float, seeds: list[int], period: str) -> list[dict]:
    """Linkage and indicator accuracy against the truth: three seeds at default defect rates, one doubled."""
    from publish.accuracy import indicator_accuracy
    from publish.synth import scaled_defects

    out = []
    for seed, factor in [(s, 1.0) for s in seeds] + [(seeds[0], 2.0)]:
        raw = HERE / "work" / f"{regency}-{scale}-{seed}-{period}-x{factor}-{synth_version()}" / "raw"
        if not (raw / "datapackage.json").exists():
            synthesize(regency, raw, scale=scale, seed=seed, period=period, defects=scaled_defects(factor))
        t = time.perf_counter()
        result = indicator_accuracy(raw, raw.parent / "accuracy-work")
        pct = [r for r in result["indicators"] if r["unit"] == "percent" and r["difference"] is not None]
        worst = max(pct, key=lambda r: abs(r["difference"]))
        entry = {"seed": seed, "defect_scale": factor, "precision": round(result["linkage"]["precision"], 5),
                 "recall": round(result["linkage"]["recall"], 5), "indicators_compared": len(pct),
                 "max_abs_difference_pp": abs(worst["difference"]),
                 "worst": f"{worst['indicator_id']}[{worst['breakdown']}]", "seconds": round(time.perf_counter() - t, 1),
                 "within_0_5_pp": sum(abs(r["difference"]) <= 0.5 for r in pct)}
        out.append(entry)
    table = Table(title=f"Accuracy against the planted truth, {regency} scale {scale} "
                        "(targets: precision >= 0.995, recall >= 0.99, indicators within 0.5 pp)")
    for col in ("seed", "defects", "precision", "recall", "indicators within 0.5 pp", "largest gap (pp)", "where"):
        table.add_column(col, justify="right")
    for e in out:
        table.add_row(str(e["seed"]), f"x{e['defect_scale']}", f"{e['precision']:.5f}", f"{e['recall']:.5f}",
                      f"{e['within_0_5_pp']}/{e['indicators_compared']}", f"{e['max_abs_difference_pp']:.3f}", e["worst"])
    console.print(table)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regency", default="52.07")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--no-brebes", action="store_true", help="skip the Brebes-scale validation run")
    ap.add_argument("--no-accuracy", action="store_true", help="skip the accuracy runs (3 seeds + doubled defects)")
    args = ap.parse_args()
    console = Console()
    root = HERE / "work" / f"{args.regency}-{args.scale}-{args.seed}-{args.period}-{synth_version()}"
    raw = root / "raw"
    t = time.perf_counter()
    if not (raw / "datapackage.json").exists():
        synthesize(args.regency, raw, scale=args.scale, seed=args.seed, period=args.period)
    synth_s = time.perf_counter() - t
    rows_in = sum(sum(1 for _ in open(p)) - 1 for p in raw.glob("*.csv"))
    shutil.rmtree(root / "dist", ignore_errors=True)
    shutil.rmtree(root / "work", ignore_errors=True)
    t = time.perf_counter()
    result = build(raw, root / "dist", root / "work", progress=lambda s: console.print(f"▶ {s}"))
    total = time.perf_counter() - t
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accuracy = {k: round(v, 5) for k, v in pairwise(raw, root / "work" / "linked_records.csv").items()
                if k in ("precision", "recall")}

    m = machine()
    table = Table(title=f"Build of {args.regency} scale {args.scale}: {rows_in:,} input rows — "
                        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}")
    for col in ("stage", "seconds", "rows", "rows/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in result.stages:
        rate = f"{s.rows / s.seconds:,.0f}" if s.rows and s.seconds else ""
        table.add_row(s.name, f"{s.seconds:.2f}", "" if s.rows is None else f"{s.rows:,}", rate, f"{s.peak_rss_mb:,.0f}")
    table.add_row("[bold]build total[/bold]", f"[bold]{total:.2f}[/bold]", f"{rows_in:,}", f"{rows_in / total:,.0f}",
                  f"{peak_self:,.0f}")
    console.print(table)
    console.print(f"synth: {synth_s:.1f} s (0 when cached) · peak RSS build {peak_self:,.0f} MB, "
                  f"linkage precision {accuracy['precision']}, "
                  f"recall {accuracy['recall']} · target: 52.07 at scale 1.0 under 20 s (issue #8)")

    validation = None if args.no_brebes else bench_validation(console, "33.29", 1.0, args.seed, args.period)
    acc = None if args.no_accuracy else bench_accuracy(console, args.regency, args.scale,
                                                        [args.seed, args.seed + 1, args.seed + 2], args.period)

    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": m,
             "input": vars(args) | {"rows": rows_in}, "build_seconds": round(total, 3),
             "peak_rss_mb": round(peak_self, 1), "stages": [{"name": s.name, "seconds": round(s.seconds, 3), "rows": s.rows} for s in result.stages],
             "linkage": accuracy, "validation_brebes": validation, "accuracy": acc}
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    history.append(entry)
    RESULTS.write_text(json.dumps(history, indent=2) + "\n")
    console.print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
