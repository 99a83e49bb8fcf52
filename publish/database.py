"""Stage 5: the published SQLite database (sqlite-utils) and one CSV per table, from the schemas."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import sqlite_utils

from .schemas import output_schema

_TYPES = {"integer": int, "number": float, "boolean": int, "string": str, "date": str}


def columns(name: str) -> dict:
    return {f["name"]: _TYPES.get(f["type"], str) for f in output_schema(name)["fields"]}


def carried_rows(previous_db: Path | None, name: str, period: str) -> list[dict]:
    """Rows of earlier periods from the release being served, so that every trend keeps its points."""
    if not previous_db or not Path(previous_db).exists():
        return []
    if "period" not in columns(name):
        return []
    con = sqlite3.connect(f"file:{previous_db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        have = {r[1] for r in con.execute(f"PRAGMA table_info([{name}])")}
        if set(columns(name)) != have:
            return []  # the table changed shape: its history starts again
        return [dict(r) for r in con.execute(f"SELECT * FROM [{name}] WHERE period != ? ORDER BY period", [period])]
    finally:
        con.close()


def write_database(db_path: Path, tables: dict[str, list[dict]], order: list[str]) -> dict[str, int]:
    db = sqlite_utils.Database(db_path, recreate=True)
    counts = {}
    for name in order:
        schema = output_schema(name)
        fks = [(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
               for fk in schema.get("foreignKeys", []) if fk["reference"]["resource"] in tables]
        table = db[name]
        table.create(columns(name), pk=tuple(schema["primaryKey"]) if len(schema["primaryKey"]) > 1
                     else schema["primaryKey"][0], foreign_keys=fks)
        table.insert_all(tables[name], batch_size=5000)
        for col in {c for c, *_ in fks} | ({"period", "level"} & set(columns(name))):
            table.create_index([col], if_not_exists=True)
        counts[name] = table.count
    db.vacuum()
    db.close()
    return counts


def write_csv(path: Path, name: str, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns(name)))
        w.writeheader()
        w.writerows(rows)
