"""Access to the Table Schemas in `schemas/`: the single source of truth for every column."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "schemas"
INPUT_DIR = SCHEMAS_DIR / "input"
OUTPUT_DIR = SCHEMAS_DIR / "output"

# Every scheme's beneficiary list shares one schema: recipients_pkh, recipients_bpnt, ...
_PREFIXED = ("recipients",)


def schema_name_for(resource: str) -> str:
    """The input schema a resource is checked against."""
    for prefix in _PREFIXED:
        if resource.startswith(prefix + "_"):
            return prefix
    return resource


@lru_cache(maxsize=None)
def input_schema(name: str) -> dict:
    return json.loads((INPUT_DIR / f"{schema_name_for(name)}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def output_schema(name: str) -> dict:
    return json.loads((OUTPUT_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def input_package() -> dict:
    """What an input package must hold (schemas/input.datapackage.json)."""
    return json.loads((SCHEMAS_DIR / "input.datapackage.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def output_package() -> dict:
    """The published tables, in the order they are published (schemas/output.datapackage.json)."""
    return json.loads((SCHEMAS_DIR / "output.datapackage.json").read_text(encoding="utf-8"))


def input_names() -> list[str]:
    return sorted(p.name.removesuffix(".schema.json") for p in INPUT_DIR.glob("*.schema.json"))


def output_names() -> list[str]:
    return [r["name"] for r in output_package()["resources"]]
