"""Serve the latest release: Datasette (immutable) at /, the documentation site at /docs/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .pipeline import DB_NAME, INSPECT, current_release

PACKAGE = Path(__file__).parent


def datasette_args(release: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    args = [sys.executable, "-m", "datasette", "serve", "-i", str(release / DB_NAME),
            "--metadata", str(release / "metadata.json"),
            "--template-dir", str(PACKAGE / "templates"),
            "--plugins-dir", str(PACKAGE / "plugins"),
            "--host", host, "--port", str(port),
            "--setting", "suggest_facets", "off",
            "--setting", "sql_time_limit_ms", "3000",
            "--setting", "max_returned_rows", "2000",
            "--setting", "facet_time_limit_ms", "500",
            "--setting", "default_cache_ttl", "3600",
            "--static", f"downloads:{release}",
            "--cors"]
    if (release / INSPECT).exists():
        args += ["--inspect-file", str(release / INSPECT)]
    if (release / "site").is_dir():
        args += ["--static", f"docs:{release / 'site'}"]
    return args


def serve(dist: Path, port: int = 8001, host: str = "127.0.0.1") -> None:
    release = current_release(Path(dist))
    if release is None:
        raise FileNotFoundError(f"No release in {dist}: run `publish build` first / "
                                f"belum ada rilis di {dist}: jalankan `publish build` dulu")
    args = datasette_args(release, port, host)
    print(f"Serving release {release.name} at http://{host}:{port}/ (docs at /docs/)", flush=True)
    os.execv(args[0], args)
