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
import subprocess
import sys
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


def bench_regency_build(console: Console, regency: str, scale: float, seed: int, period: str,
                        boundaries: Path | None) -> dict:
    """A whole build in its own process, so that its peak memory is its own."""
    root = HERE / "work" / f"{regency}-{scale}-{seed}-{period}-{synth_version()}"
    raw = root / "raw"
    t = time.perf_counter()
    if not (raw / "datapackage.json").exists():
        console.print(f"synthesising {regency} at scale {scale} (once, cached in {raw}) ...")
        synthesize(regency, raw, scale=scale, seed=seed, period=period)
    synth_s = time.perf_counter() - t
    rows_in = sum(sum(1 for _ in open(p)) - 1 for p in raw.glob("*.csv"))
    for d in ("dist", "work"):
        shutil.rmtree(root / d, ignore_errors=True)
    cmd = [sys.executable, "-m", "publish", "build", "--input", str(raw), "--out", str(root / "dist"),
           "--work", str(root / "work")] + (["--boundaries", str(boundaries)] if boundaries else [])
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    index = json.loads(((root / "dist" / "latest") / "index.json").read_text())
    stages = {s["name"]: s["seconds"] for s in index["stages"]}
    table = Table(title=f"Build of {regency} scale {scale} in its own process: {rows_in:,} input rows")
    for col in ("stage", "seconds", "rows", "rows/s"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in index["stages"]:
        rate = f"{s['rows'] / s['seconds']:,.0f}" if s.get("rows") and s["seconds"] else ""
        table.add_row(s["name"], f"{s['seconds']:.2f}", "" if s.get("rows") is None else f"{s['rows']:,}", rate)
    table.add_row("[bold]total (process)[/bold]", f"[bold]{seconds:.1f}[/bold]", f"{rows_in:,}",
                  f"{rows_in / seconds:,.0f}")
    console.print(table)
    peak_mb = max(peak, before) / 1024
    audit_s = stages.get("audit", 0.0)
    console.print(f"{regency} x{scale}: {seconds:.1f} s in all, of which audit {audit_s:.1f} s; build without the "
                  f"audit {seconds - audit_s:.1f} s; peak RSS {peak_mb:,.0f} MB"
                  + ("" if before < peak else " (an earlier child process peaked higher: figure is an upper bound)"))
    return {"regency": regency, "scale": scale, "rows": rows_in, "seconds": round(seconds, 1),
            "audit_seconds": round(audit_s, 1), "without_audit_seconds": round(seconds - audit_s, 1),
            "peak_rss_mb": round(peak_mb), "peak_is_upper_bound": before >= peak, "stages": stages,
            "synth_seconds": round(synth_s, 1), "dist": str(root / "dist"),
            "hidden_share": index["protection"]["audit"]["hidden_share"]}


BOUNDARIES = HERE.parent.parent / "shared" / "reference"
TARGETS = {"sumbawa_build_s": 20, "brebes_build_s": 120, "brebes_audit_s": 120, "brebes_peak_mib": 3 * 1024,
           "province_peak_mib": 6 * 1024, "naive_ratio": 20, "requests_per_s": 300, "p99_ms": 500}


def verdict(value, target, below=True) -> str:
    if value is None:
        return "not run"
    ok = value < target if below else value >= target
    return "[green]met[/green]" if ok else f"[red]missed by {abs(value - target) / target:.0%}[/red]"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regency", default="52.07")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--no-brebes", action="store_true", help="skip the Brebes 1.0 build and the load test on it")
    ap.add_argument("--province", action="store_true", help="also build Brebes at scale 5.0 (a province; long)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive reference (Frictionless + sqlite-utils)")
    ap.add_argument("--no-load", action="store_true", help="skip the serving load test")
    ap.add_argument("--load-seconds", type=int, default=30)
    ap.add_argument("--no-accuracy", action="store_true", help="skip the accuracy runs (3 seeds + doubled defects)")
    ap.add_argument("--note", default="", help="a remark kept with the results, e.g. what else ran meanwhile")
    args = ap.parse_args()
    console = Console()
    boundaries = BOUNDARIES if BOUNDARIES.exists() else None
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
    result = build(raw, root / "dist", root / "work", boundaries=boundaries)
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
                  f"linkage precision {accuracy['precision']}, recall {accuracy['recall']}")

    naive_result = None
    if not args.no_naive:
        from bench import naive

        console.print("naive reference (Frictionless-py validation + sqlite-utils inserts of the raw rows) ...")
        naive_result = naive.run(raw)
        naive_result["ratio_end_to_end"] = round(naive_result["seconds"] / total, 1)
        ours_same_work = sum(s.seconds for s in result.stages if s.name in ("validate", "database"))
        naive_result["ratio_same_work"] = round(naive_result["seconds"] / ours_same_work, 1)
        console.print(f"naive: validate {naive_result['validate_seconds']} s + insert {naive_result['insert_seconds']} s "
                      f"= {naive_result['seconds']} s for {naive_result['rows']:,} rows · ours end to end {total:.1f} s "
                      f"(also links, protects, audits, exports, builds the site): "
                      f"[bold]{naive_result['ratio_end_to_end']}x[/bold] faster; validation + database alone "
                      f"{ours_same_work:.1f} s: {naive_result['ratio_same_work']}x")

    brebes = province = load = None
    if not args.no_brebes:
        brebes = bench_regency_build(console, "33.29", 1.0, args.seed, args.period, boundaries)
        if not args.no_load:
            from bench import load as load_bench

            console.print(f"load: wrk, 50 connections, {args.load_seconds} s, on the Brebes release ...")
            load = load_bench.measure(Path(brebes["dist"]), args.load_seconds, 50)
            lt = Table(title=f"Serving the Brebes release: {load['connections']} connections for {load['seconds']} s, "
                             f"{load['urls']} distinct URLs (table pages, filtered JSON, facets, canned queries)")
            for col in ("server", "requests/s", "p50 ms", "p90 ms", "p99 ms", "errors"):
                lt.add_column(col, justify="right")
            for name in ("bansos_terbuka", "plain_datasette"):
                r = load[name]
                lt.add_row(name, f"{r['requests_per_s']:,.0f}", str(r["p50_ms"]), str(r["p90_ms"]),
                           str(r["p99_ms"]), str(r["errors"]))
            console.print(lt)
    if args.province:
        try:
            province = bench_regency_build(console, "33.29", 5.0, args.seed, args.period, boundaries)
        except RuntimeError as e:  # a failed run is a result too: keep it and every other figure
            province = {"regency": "33.29", "scale": 5.0, "failed": True, "error": str(e)[-1500:]}
            console.print(f"[red]Brebes 5.0 failed:[/red] {str(e)[-600:]}")

    summary = Table(title="Issue #8 targets on this machine")
    for col in ("target", "measured", "verdict"):
        summary.add_column(col)
    summary.add_row("Sumbawa Barat 1.0 build < 20 s", f"{total:.1f} s", verdict(total, TARGETS["sumbawa_build_s"]))
    if brebes:
        summary.add_row("Brebes 1.0 build (without audit) < 120 s", f"{brebes['without_audit_seconds']} s",
                        verdict(brebes["without_audit_seconds"], TARGETS["brebes_build_s"]))
        summary.add_row("Brebes 1.0 audit < 120 s", f"{brebes['audit_seconds']} s",
                        verdict(brebes["audit_seconds"], TARGETS["brebes_audit_s"]))
        summary.add_row("Brebes 1.0 peak memory < 3 GiB", f"{brebes['peak_rss_mb']:,} MB",
                        verdict(brebes["peak_rss_mb"], TARGETS["brebes_peak_mib"]))
    if province:
        if province.get("failed"):
            summary.add_row("Brebes 5.0 completes, peak < 6 GiB", "failed: " + province["error"].splitlines()[-1][:80],
                            "[red]missed[/red]")
        else:
            summary.add_row("Brebes 5.0 completes, peak < 6 GiB",
                            f"{province['peak_rss_mb']:,} MB, {province['seconds']} s",
                            verdict(province["peak_rss_mb"], TARGETS["province_peak_mib"]))
    if naive_result:
        summary.add_row("naive reference / ours >= 20x", f"{naive_result['ratio_end_to_end']}x",
                        verdict(naive_result["ratio_end_to_end"], TARGETS["naive_ratio"], below=False))
    if load:
        ours = load["bansos_terbuka"]
        summary.add_row(">= 300 requests/s, 0 errors", f"{ours['requests_per_s']:,.0f}/s, {ours['errors']} errors "
                        f"(plain Datasette {load['plain_datasette']['requests_per_s']:,.0f}/s)",
                        verdict(ours["requests_per_s"], TARGETS["requests_per_s"], below=False)
                        if not ours["errors"] else "[red]errors[/red]")
        summary.add_row("p99 < 500 ms", f"{ours['p99_ms']} ms", verdict(ours["p99_ms"], TARGETS["p99_ms"]))
    console.print(summary)

    validation = None
    acc = None if args.no_accuracy else bench_accuracy(console, args.regency, args.scale,
                                                        [args.seed, args.seed + 1, args.seed + 2], args.period)

    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": m,
             "input": vars(args) | {"rows": rows_in}, "build_seconds": round(total, 3),
             "peak_rss_mb": round(peak_self, 1), "stages": [{"name": s.name, "seconds": round(s.seconds, 3), "rows": s.rows} for s in result.stages],
             "linkage": accuracy, "validation_brebes": validation, "accuracy": acc, "naive": naive_result,
             "brebes": brebes, "province": province, "load": load, "targets": TARGETS}
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    history.append(entry)
    RESULTS.write_text(json.dumps(history, indent=2) + "\n")
    console.print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
