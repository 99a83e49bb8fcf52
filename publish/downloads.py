"""Stage: the release's downloads, baked once so that nobody meets Datasette's row or size limits.

Per table: csv/ (UTF-8, the data package's own files), csv-excel/ (UTF-8 with BOM, which Excel
opens with the right characters), xlsx/ and parquet/. Then one ZIP of the data package and a
SHA256SUMS file over everything a reader can download.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import zipfile
from pathlib import Path

from .schemas import output_schema

# A cell starting with one of these is run as a formula by spreadsheets (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"csv": "csv/{}.csv", "csv-excel": "csv-excel/{}.csv", "xlsx": "xlsx/{}.xlsx",
           "parquet": "parquet/{}.parquet"}


def safe_text(value):
    """Text that a spreadsheet shows as text: a leading quote defuses =, +, -, @, tab and CR."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _fields(name: str) -> list[dict]:
    return output_schema(name)["fields"]


def _cells(name: str, rows: list[dict]):
    fields = _fields(name)
    text = [f["name"] for f in fields if f["type"] in ("string", "date")]
    flags = [f["name"] for f in fields if f["type"] == "boolean"]
    for row in rows:
        out = dict(row)
        for col in text:  # dates as ISO text, as in the database: the same in every format
            v = out.get(col)
            out[col] = safe_text(v.isoformat() if isinstance(v, dt.date) else v)
        for col in flags:  # SQLite keeps 1/0; the Table Schema's own words are true/false
            out[col] = None if out.get(col) is None else ("true" if out[col] else "false")
        yield out


def write_csv(path: Path, name: str, rows: list[dict], bom: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=[f["name"] for f in _fields(name)])
        w.writeheader()
        w.writerows(_cells(name, rows))


def write_xlsx(path: Path, name: str, rows: list[dict]) -> None:
    """XLSX with xlsxwriter, row by row (constant memory); text is always written as text, never
    as a formula, URL or number, whatever it looks like."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    fields = _fields(name)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(name[:31])
    ws.freeze_panes(1, 0)
    for c, f in enumerate(fields):
        ws.write_string(0, c, f["name"])
    kinds = [(c, f["name"], f["type"] == "boolean") for c, f in enumerate(fields)]
    for r, row in enumerate(_cells(name, rows), start=1):
        for c, key, boolean in kinds:
            v = row.get(key)
            if v is None:
                continue
            if boolean:
                ws.write_boolean(r, c, v == "true")
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()


def write_parquet(path: Path, name: str, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "string": pa.string(),
             "date": pa.date32()}
    fields = _fields(name)
    schema = pa.schema([pa.field(f["name"], types.get(f["type"], pa.string()),
                                 metadata={"description": f.get("description", ""), "unit": f.get("unit", "")})
                        for f in fields])
    cols = {f["name"]: [r.get(f["name"]) for r in rows] for f in fields}
    convert = {"boolean": bool, "string": str,
               "date": lambda v: v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))}
    for f in fields:
        if f["type"] in convert:
            cols[f["name"]] = [None if v is None else convert[f["type"]](v) for v in cols[f["name"]]]
    pq.write_table(pa.table(cols, schema=schema), path, compression="zstd")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_checksums(out: Path, files: list[Path]) -> Path:
    lines = [f"{sha256(f)}  {f.relative_to(out).as_posix()}" for f in sorted(files)]
    path = out / "SHA256SUMS"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def zip_name(release_id: str) -> str:
    return f"bansos-terbuka-{release_id}.zip"


def write_zip(out: Path, release_id: str, extra: list[Path]) -> Path:
    """The data package in one file: datapackage.json, schemas/, csv/ and a SHA256SUMS of its own."""
    members = [out / "datapackage.json", *sorted((out / "schemas").glob("*.json")),
               *sorted((out / "csv").glob("*.csv")), *[p for p in extra if p.exists()]]
    sums = "".join(f"{sha256(p)}  {p.relative_to(out).as_posix()}\n" for p in members)
    path = out / zip_name(release_id)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in members:
            z.write(p, p.relative_to(out).as_posix())
        z.writestr("SHA256SUMS", sums)
    return path


def write_tables(out: Path, tables: dict[str, list[dict]], order: list[str], on_step=None) -> int:
    """Every table in every format; returns the number of files written."""
    n = 0
    for name in order:
        rows = tables[name]
        write_csv(out / FORMATS["csv"].format(name), name, rows)
        write_csv(out / FORMATS["csv-excel"].format(name), name, rows, bom=True)
        write_xlsx(out / FORMATS["xlsx"].format(name), name, rows)
        (out / "parquet").mkdir(exist_ok=True)
        write_parquet(out / FORMATS["parquet"].format(name), name, rows)
        n += len(FORMATS)
        if on_step:
            on_step(name, len(rows))
    return n


def links(name: str, release_id: str, base: str = "/downloads") -> dict[str, str]:
    """URLs of a table's downloads as served (`publish serve` mounts the release at /downloads/)."""
    out = {fmt: f"{base}/{pattern.format(name)}" for fmt, pattern in FORMATS.items()}
    out["zip"] = f"{base}/{zip_name(release_id)}"
    out["schema"] = f"{base}/schemas/{name}.schema.json"
    return out


def published_files(out: Path) -> list[Path]:
    """Everything under the release a reader downloads (the site excepted: it has its own build)."""
    keep = []
    for p in out.rglob("*"):
        rel = p.relative_to(out)
        if p.is_file() and rel.parts[0] != "site" and rel.name != "SHA256SUMS":
            keep.append(p)
    return keep
