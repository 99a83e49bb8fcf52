"""`publish`: a thin command line over the Python API (synth, build, serve)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import BuildError, InputError


@click.group()
@click.version_option(package_name="bansos-terbuka")
def cli():
    """Bansos Terbuka: build and serve the open social-assistance data publication."""


@cli.command()
@click.option("--regency", required=True, help="Regency code, e.g. 52.07 (Sumbawa Barat) or 33.29 (Brebes).")
@click.option("--scale", type=float, default=1.0, show_default=True, help="1.0 = the regency's real population.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--period", default="2026-10", show_default=True, help="Data period YYYY-MM.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder to write the raw data package to.")
@click.option("--regions", type=click.Path(exists=True, path_type=Path), help="Own region list (code,level,parent_code,name).")
@click.option("--defect-scale", type=float, default=1.0, show_default=True,
              help="Multiply every planted defect rate (2.0 = twice as messy).")
def synth(regency, scale, seed, period, out, regions, defect_scale):
    """Write a SYNTHETIC raw input data package for one regency and period."""
    from .synth import scaled_defects, synthesize

    try:
        pkg = synthesize(regency, out, scale=scale, seed=seed, period=period, regions_csv=regions,
                         defects=scaled_defects(defect_scale))
    except ValueError as e:
        raise click.ClickException(str(e))
    click.echo(f"Synthetic data package written to {out} ({len(pkg['resources'])} resources, period {period}).")


@cli.command()
@click.option("--input", "input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Folder with datapackage.json and the input CSV files.")
@click.option("--out", "dist", type=click.Path(path_type=Path), required=True, help="Publication folder (DIST).")
@click.option("--work", type=click.Path(path_type=Path), default=Path("work"), show_default=True,
              help="Private working folder: quarantined rows, linked records. Never published.")
@click.option("--config", "config_path", type=click.Path(exists=True, path_type=Path), help="Own rules (YAML).")
@click.option("--no-site", is_flag=True, help="Skip the documentation site.")
@click.option("--boundaries", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with boundaries-desa.geojson and boundaries-kecamatan.geojson (for the maps).")
def build(input_dir, dist, work, config_path, no_site, boundaries):
    """Validate, link, compute, protect and publish one release."""
    from rich.console import Console
    from rich.table import Table

    from .pipeline import build as run_build

    from .progress import RichReporter

    console = Console(stderr=True)
    try:
        with RichReporter(console) as reporter:
            result = run_build(input_dir, dist, work, config_path, progress=reporter, site=not no_site,
                               boundaries=boundaries)
    except InputError as e:
        console.print(f"[red]{e.text()}[/red]")
        console.print("Build berhenti; rilis yang sedang tayang tidak berubah. / "
                      "Build stopped; the release being served is unchanged.")
        sys.exit(2)
    except BuildError as e:
        console.print(f"[red]GALAT / ERROR: {e}[/red]")
        console.print("Build berhenti; rilis yang sedang tayang tidak berubah. / "
                      "Build stopped; the release being served is unchanged.")
        sys.exit(3)
    table = Table(title=f"Release {result.release_id}")
    for col in ("stage", "seconds", "rows", "peak MB"):
        table.add_column(col, justify="right" if col != "stage" else "left")
    for s in result.stages:
        table.add_row(s.name, f"{s.seconds:.2f}", "" if s.rows is None else f"{s.rows:,}", f"{s.peak_rss_mb:,.0f}")
    console.print(table)
    if not result.index["maps"]["available"]:
        console.print(f"[yellow]{result.index['maps']['notice']}[/yellow]")
    for w in result.index.get("warnings", []):
        console.print(f"[yellow]PERINGATAN / WARNING [{w['assertion']}]: {w['message_id']} / {w['message_en']}[/yellow]")
    q = sum(r["quarantined"] for r in result.index["rows"].values())
    console.print(f"Rows read {sum(r['read'] for r in result.index['rows'].values()):,}, "
                  f"quarantined {q:,} (see {work / 'quarantine'}). Latest -> {result.release_dir}")


@cli.command()
@click.argument("dist", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(dist, port, host):
    """Serve the latest release with Datasette, and its site at /docs/."""
    from .serve import serve as run_serve

    try:
        run_serve(dist, port=port, host=host)
    except FileNotFoundError as e:
        raise click.ClickException(str(e))
