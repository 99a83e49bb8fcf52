"""The naive reference of #8: Frictionless-py validates every row, sqlite-utils inserts the raw rows.

This is what a first pipeline would do. It has no linkage, indicators, protection or site, so it
does less work than `publish build`; the ratio printed beside it is therefore a lower bound on
what the build's design saves. With `fraction` < 1 only the first rows of each file are run and
the times are scaled up linearly (both tools stream row by row), and the result says so.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import time
from pathlib import Path


def _head(src: Path, dst: Path, fraction: float) -> int:
    """The first `fraction` of a CSV's rows (header kept); returns the rows written."""
    with src.open(encoding="utf-8-sig", newline="") as fh:
        total = sum(1 for _ in fh) - 1
    keep = max(1, int(total * fraction))
    with src.open(encoding="utf-8-sig", newline="") as fi, dst.open("w", encoding="utf-8", newline="") as fo:
        for i, line in enumerate(fi):
            if i > keep:
                break
            fo.write(line)
    return keep


def run(raw: Path, fraction: float = 1.0) -> dict:
    """Validate the whole package with Frictionless, then insert every raw row with sqlite-utils."""
    import sqlite_utils
    from frictionless import Package

    raw = Path(raw)
    pkg = json.loads((raw / "datapackage.json").read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp(prefix="naive-"))
    try:
        src = raw
        if fraction < 1:  # a cut copy of the package: the first rows of every file
            src = tmp / "raw"
            shutil.copytree(raw / "schemas", src / "schemas")
            shutil.copy(raw / "datapackage.json", src / "datapackage.json")
            for res in pkg["resources"]:
                (src / res["path"]).parent.mkdir(parents=True, exist_ok=True)
                _head(raw / res["path"], src / res["path"], fraction)
        t = time.perf_counter()
        report = Package(str(src / "datapackage.json")).validate(limit_errors=10**9)
        validate_s = time.perf_counter() - t
        errors = sum(len(task.errors) for task in report.tasks)
        t = time.perf_counter()
        db = sqlite_utils.Database(tmp / "naive.db")
        rows = 0
        for res in pkg["resources"]:
            with (src / res["path"]).open(encoding="utf-8-sig", newline="") as fh:
                batch = []
                for row in csv.DictReader(fh):
                    batch.append(row)
                    if len(batch) == 1000:
                        db[res["name"]].insert_all(batch, alter=True)
                        rows += len(batch)
                        batch = []
                if batch:
                    db[res["name"]].insert_all(batch, alter=True)
                    rows += len(batch)
        db.close()
        insert_s = time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    scale = 1 / fraction if fraction < 1 else 1.0
    return {"rows": round(rows * scale), "rows_run": rows, "fraction": fraction,
            "validate_seconds": round(validate_s * scale, 1), "insert_seconds": round(insert_s * scale, 1),
            "seconds": round((validate_s + insert_s) * scale, 1), "frictionless_errors_found": errors,
            "extrapolated": fraction < 1}
