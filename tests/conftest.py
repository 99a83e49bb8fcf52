"""Shared fixtures: one small synthetic regency, built for three periods, served for real."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from publish.pipeline import build
from publish.synth import Defects, synthesize

PERIODS = ["2026-08", "2026-09", "2026-10"]
# Reference boundaries are read from ../shared when it is there, never copied into the project.
BOUNDARIES = Path(__file__).resolve().parents[2] / "shared" / "reference"
SCALE = 0.03  # about 4,700 people in Sumbawa Barat: every village, every scheme, seconds to build


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def raw(tmp_path_factory) -> dict[str, Path]:
    """Synthetic input packages, one per period."""
    root = tmp_path_factory.mktemp("raw")
    out = {}
    for p in PERIODS:
        synthesize("52.07", root / p, scale=SCALE, seed=7, period=p)
        out[p] = root / p
    return out


@pytest.fixture(scope="session")
def built(raw, tmp_path_factory) -> dict:
    """Three consecutive releases into one DIST; the last is latest."""
    root = tmp_path_factory.mktemp("build")
    dist, work = root / "dist", root / "work"
    results = [build(raw[p], dist, work, boundaries=BOUNDARIES if BOUNDARIES.exists() else None)
               for p in PERIODS]
    return {"dist": dist, "work": work, "results": results, "release": results[-1].release_dir,
            "raw": raw[PERIODS[-1]]}


def start_server(dist: Path, log: Path, env: dict | None = None):
    """`publish serve` on a free port; its log goes to a file (a pipe nobody reads fills and stalls it)."""
    port = free_port()
    fh = log.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "publish", "serve", str(dist), "--port", str(port)],
                            stdout=fh, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/-/versions.json", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
    proc.kill()
    raise RuntimeError("server did not start:\n" + log.read_text())


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="session")
def server(built, tmp_path_factory):
    """The real `publish serve` (Datasette over HTTP) on a free port."""
    proc, url = start_server(built["dist"], tmp_path_factory.mktemp("server") / "serve.log")
    yield url
    stop_server(proc)


NO_DEFECTS = Defects(nik_typo=0, nik_excel=0, nik_missing=0, name_variant=0, birth_typo=0,
                     duplicate_listing=0, no_nik_people=0, unusable_row=0)


@pytest.fixture(scope="session")
def clean_package(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus-clean")
    synthesize("52.07", path, scale=0.01, seed=21, period="2026-10", defects=NO_DEFECTS)
    return path
