"""Stage 5: the published SQLite database (sqlite-utils) and one CSV per table, from the schemas."""

from __future__ import annotations

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


def wanted_indexes(name: str, meta: dict) -> list[tuple[str, ...]]:
    """Indexes for every facet and for the canned queries (metadata.yml `indexes:`), so none scans."""
    cols = set(columns(name))
    want = [(c,) for c in meta.get("tables", {}).get(name, {}).get("facets", [])]
    want += [tuple(ix) for ix in meta.get("indexes", {}).get(name, [])]
    want += [(c,) for c in ("period", "level", "parent_code") if c in cols]
    out = []
    for ix in want:
        if ix not in out and set(ix) <= cols:
            out.append(ix)
    return out


def write_database(db_path: Path, tables: dict[str, list[dict]], order: list[str],
                   meta: dict | None = None, on_step=None) -> dict[str, int]:
    meta = meta or {}
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
        for ix in [(c,) for c, *_ in fks] + wanted_indexes(name, meta):
            table.create_index(list(ix), if_not_exists=True)
        counts[name] = table.count
        if on_step:
            on_step(name, counts[name])
    db.vacuum()
    db.close()
    return counts


def write_inspect(db_path: Path, inspect_path: Path) -> None:
    """What `datasette inspect` writes (hash, size, row counts), so an immutable server never
    counts rows. Written here rather than by that command: starting Datasette costs a second of
    every build (tests/test_publication.py compares the two)."""
    import hashlib
    import json

    db_path = Path(db_path)
    h = hashlib.sha256()
    with db_path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(block)
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {n: {"count": con.execute(f"SELECT count(*) FROM [{n}]").fetchone()[0]} for n in names}
    finally:
        con.close()
    data = {db_path.stem: {"hash": h.hexdigest(), "size": db_path.stat().st_size, "file": db_path.name,
                           "tables": counts}}
    Path(inspect_path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
