"""How fresh a release is: data period, source date, built at, last data change, next expected update.

"Last data change" is the build time of the earliest release that published exactly these
figures: a rebuild that changes nothing does not make the data look newer than it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path


def table_hash(rows: list[dict]) -> str:
    h = hashlib.sha256()
    for row in sorted(json.dumps(r, sort_keys=True, default=str) for r in rows):
        h.update(row.encode())
    return h.hexdigest()[:16]


def _previous_index(previous: Path | None) -> dict:
    if previous and (previous / "index.json").exists():
        return json.loads((previous / "index.json").read_text(encoding="utf-8"))
    return {}


def source_date(pkg: dict, input_dir: Path) -> str:
    """The date of the source export: the input package's `x-source-date`, else the file's date."""
    value = pkg.get("x-source-date") or pkg.get("created")
    if value:
        return str(value)[:10]
    path = Path(input_dir) / "datapackage.json"
    return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


def next_expected(period: str, config: dict) -> str:
    """The next period's release is due on day N of the month after that period ends."""
    day = int(config.get("publication", {}).get("next_update_day", 15))
    year, month = map(int, period.split("-"))
    month += 2  # period P+1 ends, and its release is due in the month after
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day, 28)).isoformat()


def compute(tables: dict[str, list[dict]], previous: Path | None, built_at: dt.datetime, pkg: dict,
            input_dir: Path, period: str, config: dict) -> dict:
    """Freshness of the release and of each table, compared with the release it replaces."""
    built = built_at.isoformat().replace("+00:00", "Z")
    prev = _previous_index(previous).get("freshness", {})
    prev_tables = prev.get("tables", {}) if prev.get("period") == period else {}
    per_table = {}
    for name, rows in tables.items():
        h = table_hash([r for r in rows if r.get("period", period) == period])
        old = prev_tables.get(name, {})
        per_table[name] = {"hash": h, "last_data_change": old["last_data_change"]
                           if old.get("hash") == h else built}
    return {
        "period": period,
        "source_date": source_date(pkg, input_dir),
        "built_at": built,
        "last_data_change": max(t["last_data_change"] for t in per_table.values()),
        "next_expected_update": next_expected(period, config),
        "tables": per_table,
    }


def release_row(release_id: str, period: str, fresh: dict, previous: Path | None,
                results: dict, audit: dict, pkg: dict) -> dict:
    return {
        "period": period, "release_id": release_id, "built_at": fresh["built_at"],
        "source_date": fresh["source_date"], "last_data_change": fresh["last_data_change"],
        "next_expected_update": fresh["next_expected_update"],
        "previous_release": previous.name if previous else None,
        "rows_read": sum(r.read for r in results.values()),
        "rows_quarantined": sum(r.quarantined for r in results.values()),
        "hidden_share": round(float(audit.get("hidden_share", 0.0)), 4),
        "synthetic": bool(pkg.get("synthetic", False)),
    }
