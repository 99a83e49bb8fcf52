"""The region list (Kemendagri codes): shipped for Brebes and Sumbawa Barat, or the user's own."""

from __future__ import annotations

import csv
from pathlib import Path

DEFAULT_REGIONS = Path(__file__).parent / "data" / "wilayah.csv"


def load_regions(path: Path | None = None) -> list[dict]:
    """Rows of a `code,level,parent_code,name` region list."""
    with Path(path or DEFAULT_REGIONS).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def kecamatan_of(desa_code: str) -> str:
    return desa_code[:8]
