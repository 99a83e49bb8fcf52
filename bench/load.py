"""Serving under load (#8): wrk with 50 connections for 30 s against the real server, on loopback.

A mix of table pages, filtered JSON, facets and canned queries, drawn from the release itself.
The same mix runs against plain Datasette over the same database for comparison. wrk is bounded
by its duration and stops by itself; only 127.0.0.1 is ever a target.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

DB = "bansos-terbuka"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_mix(release: Path, n: int = 200, seed: int = 1) -> list[str]:
    """Paths a public audience asks for, with real codes and periods from the release."""
    con = sqlite3.connect(f"file:{release / 'bansos-terbuka.db'}?mode=ro", uri=True)
    period = con.execute("SELECT max(period) FROM population_by_region").fetchone()[0]
    desa = [r[0] for r in con.execute("SELECT code FROM regions WHERE level = 'desa' ORDER BY code")]
    kec = [r[0] for r in con.execute("SELECT code FROM regions WHERE level = 'kecamatan' ORDER BY code")]
    indicators = [r[0] for r in con.execute("SELECT indicator_id FROM indicators ORDER BY indicator_id")]
    con.close()
    rng = random.Random(seed)
    tables = ["population_by_region", "nik_status_by_region", "recipients_by_region_scheme",
              "multi_scheme_by_region", "exclusion_by_region", "indicator_values"]
    makers = [
        lambda: f"/{DB}/{rng.choice(tables)}",                                            # table page
        lambda: f"/{DB}/{rng.choice(tables)}.json?level=desa&parent_code={rng.choice(kec)}&_shape=objects",
        lambda: f"/{DB}/population_by_region.json?region_code={rng.choice(desa)}&period={period}",
        lambda: f"/{DB}/indicator_values?indicator_id={rng.choice(indicators)}&level=kecamatan&_facet=period",
        lambda: f"/{DB}/recipients_by_region_scheme?_facet=scheme_code&level=kecamatan&period={period}",
        lambda: f"/{DB}/villages_most_multi_scheme.json?period={period}",
        lambda: f"/{DB}/village_profile.json?code={rng.choice(desa)}&period={period}",
        lambda: f"/{DB}/excluded_poor_families_by_kecamatan.json?period=",
    ]
    return [rng.choice(makers)() for _ in range(n)]


LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def _wait(url: str, proc) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/-/versions.json", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError("server exited")
    raise RuntimeError("server did not start")


def parse_wrk(text: str) -> dict:
    def latency_ms(value: str) -> float:
        num, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
        return float(num) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    out = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
           "requests": int(re.search(r"(\d+) requests in", text).group(1))}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M)
        out[f"p{pct}_ms"] = round(latency_ms(m.group(1)), 1) if m else None
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["errors"] = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return out


def run_wrk(url: str, paths: list[str], seconds: int, connections: int) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA % ", ".join(json.dumps(p) for p in paths))
        script = fh.name
    res = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency",
                          "-s", script, url], capture_output=True, text=True, timeout=seconds + 60)
    Path(script).unlink()
    return parse_wrk(res.stdout)


def serve_ours(dist: Path, port: int):
    return subprocess.Popen([sys.executable, "-m", "publish", "serve", str(dist), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_plain(release: Path, port: int):
    """Datasette as it comes: immutable database, the same metadata (for canned queries), no plugins."""
    return subprocess.Popen([sys.executable, "-m", "datasette", "serve", "-i", str(release / "bansos-terbuka.db"),
                             "--metadata", str(release / "metadata.json"), "--port", str(port),
                             "--setting", "suggest_facets", "off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(dist: Path, seconds: int = 30, connections: int = 50) -> dict:
    release = (Path(dist) / "latest").resolve()
    paths = url_mix(release)
    out = {}
    for label, start in (("bansos_terbuka", lambda p: serve_ours(dist, p)),
                         ("plain_datasette", lambda p: serve_plain(release, p))):
        port = free_port()
        proc = start(port)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url, proc)
            for p in sorted(set(paths)):  # warm: each URL answered once before the clock starts, as behind a CDN
                httpx.get(url + p, timeout=30)
            out[label] = run_wrk(url, paths, seconds, connections)
        finally:
            proc.terminate()
            proc.wait(10)
    out["urls"] = len(set(paths))
    out["seconds"], out["connections"] = seconds, connections
    return out


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30), indent=2))
