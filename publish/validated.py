"""Stage 1: every input row checked against its Table Schema, in DuckDB.

Each schema is compiled into one SQL pass that returns, per row, the list of rules it breaks.
Rows whose only defects are in fields marked `"x-on-error": "flag"` (NIK and KK: the defect is
what an indicator measures) are kept and flagged; every other broken row is quarantined with its
reasons. Nothing is dropped: read = used + quarantined, per file.

Row numbers follow Frictionless: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import InputError, rule_message
from .schemas import input_schema, schema_name_for

# Resources the build cannot run without, and the order foreign keys need.
REQUIRED = ["regions", "population", "welfare_families", "welfare_members", "schemes",
            "complaints", "referrals", "social_pillars", "commitments", "milestones"]
ORDER = ["regions", "schemes", "population", "welfare_families", "welfare_members",
         "complaints", "referrals", "social_pillars", "commitments", "milestones"]

_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")


@dataclass
class ResourceResult:
    name: str
    path: str
    read: int = 0
    used: int = 0
    quarantined: int = 0
    flagged: int = 0
    errors: dict = field(default_factory=dict)  # (rule, column) -> {"rows": n, "action": ...}
    examples: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "read": self.read, "used": self.used,
                "quarantined": self.quarantined, "flagged": self.flagged,
                "errors": [{"rule": r, "column": c, **v} for (r, c), v in sorted(self.errors.items())],
                "examples": self.examples}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _field_checks(f: dict) -> list[tuple[str, str]]:
    """(rule, SQL condition that is true when the rule is broken) for one field; v is the raw text."""
    v = _q(f["name"])
    c = f.get("constraints", {})
    present = f"({v} IS NOT NULL)"
    checks = []
    if c.get("required"):
        checks.append(("required", f"{v} IS NULL"))
    typ = f.get("type", "string")
    cast = None
    if typ == "integer":
        cast = f"TRY_CAST({v} AS BIGINT)"
        checks.append(("type", f"{present} AND NOT regexp_full_match({v}, '[+-]?[0-9]+')"))
    elif typ == "number":
        cast = f"TRY_CAST({v} AS DOUBLE)"
        checks.append(("type", f"{present} AND {cast} IS NULL"))
    elif typ == "date":
        cast = f"TRY_STRPTIME({v}, '%Y-%m-%d')"
        checks.append(("type", f"{present} AND ({cast} IS NULL OR NOT regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}'))"))
    elif typ == "boolean":
        allowed = ", ".join(_lit(x) for x in _TRUE + _FALSE)
        checks.append(("type", f"{present} AND {v} NOT IN ({allowed})"))
    if "enum" in c:
        vals = ", ".join(_lit(x) for x in c["enum"])
        checks.append(("enum", f"{present} AND {v} NOT IN ({vals})"))
    if "pattern" in c:
        checks.append(("pattern", f"{present} AND NOT regexp_full_match({v}, {_lit(c['pattern'])})"))
    if "minimum" in c and cast:
        checks.append(("minimum", f"{present} AND {cast} < {c['minimum']}"))
    if "maximum" in c and cast:
        checks.append(("maximum", f"{present} AND {cast} > {c['maximum']}"))
    if c.get("unique"):
        checks.append(("unique", f"{present} AND row_number() OVER (PARTITION BY {v} ORDER BY _row) > 1"))
    return checks


def typed_expr(f: dict) -> str:
    """The typed value of a field for the staging table (NULL where it does not parse)."""
    v = _q(f["name"])
    typ = f.get("type", "string")
    if typ == "integer":
        return f"TRY_CAST({v} AS BIGINT) AS {v}"
    if typ == "number":
        return f"TRY_CAST({v} AS DOUBLE) AS {v}"
    if typ == "date":
        return f"TRY_STRPTIME({v}, '%Y-%m-%d')::DATE AS {v}"
    if typ == "boolean":
        return f"({v} IN ({', '.join(_lit(x) for x in _TRUE)})) AS {v}"
    return f"{v}"


class Validator:
    def __init__(self, con: duckdb.DuckDBPyConnection, input_dir: Path, work: Path):
        self.con, self.input_dir, self.work = con, Path(input_dir), Path(work)
        self.results: dict[str, ResourceResult] = {}

    def resources(self) -> list[dict]:
        pkg_path = self.input_dir / "datapackage.json"
        if not pkg_path.exists():
            raise InputError(str(pkg_path), None, None, None, "missing_file",
                             "Buat datapackage.json yang menyebut setiap berkas (lihat README).",
                             "Create datapackage.json naming each file (see README).")
        try:
            pkg = json.loads(pkg_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise InputError(str(pkg_path), e.lineno, None, None, "unreadable_file",
                             "Perbaiki JSON pada baris tersebut.", "Fix the JSON at that line.") from e
        res = {r["name"]: r for r in pkg.get("resources", [])}
        for name in REQUIRED:
            if name not in res:
                raise InputError(str(pkg_path), None, None, name, "missing_resource",
                                 f"Tambahkan sumber data '{name}' ke datapackage.json.",
                                 f"Add the resource '{name}' to datapackage.json.")
        if not any(n.startswith("recipients_") for n in res):
            raise InputError(str(pkg_path), None, None, "recipients_*", "missing_resource",
                             "Tambahkan minimal satu daftar penerima bernama recipients_<program>.",
                             "Add at least one beneficiary list named recipients_<scheme>.")
        ordered = [res[n] for n in ORDER] + sorted(
            (r for n, r in res.items() if n not in ORDER), key=lambda r: r["name"])
        return ordered

    def run(self) -> dict[str, ResourceResult]:
        qdir = self.work / "quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        for r in self.resources():
            self.results[r["name"]] = self.validate(r, qdir)
        return self.results

    def _read(self, name: str, path: Path, schema: dict) -> None:
        if not path.exists():
            raise InputError(str(path), None, None, None, "missing_file",
                             "Letakkan berkas di folder input atau perbaiki 'path' di datapackage.json.",
                             "Put the file in the input folder or fix its 'path' in datapackage.json.")
        with path.open("rb") as fh:
            head = fh.readline().decode("utf-8-sig", errors="replace")
        delim = ";" if head.count(";") > head.count(",") else ","
        header = next(csv.reader([head.strip("\r\n")], delimiter=delim), [])
        wanted = [f["name"] for f in schema["fields"]]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise InputError(str(path), 1, missing[0], None, "missing_column",
                             f"Tambahkan kolom '{missing[0]}' (kolom yang ada: {', '.join(header)}).",
                             f"Add the column '{missing[0]}' (columns found: {', '.join(header)}).")
        # Everything is read as text: NIK and KK must never become numbers.
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE raw_{name} AS SELECT row_number() OVER () + 1 AS _row, * "
                f"FROM read_csv({_lit(str(path))}, header=true, all_varchar=true, delim={_lit(delim)}, "
                f"quote='\"', escape='\"', strict_mode=true, null_padding=false)")
        except duckdb.Error as e:
            raise InputError(str(path), None, None, None, "unreadable_file",
                             f"Berkas tidak dapat dibaca sebagai CSV: {e}",
                             f"The file cannot be read as CSV: {e}") from e

    def validate(self, resource: dict, qdir: Path) -> ResourceResult:
        name = resource["name"]
        schema = input_schema(name)
        path = self.input_dir / resource["path"]
        self._read(name, path, schema)
        result = ResourceResult(name, resource["path"])
        flag_fields = {f["name"] for f in schema["fields"] if f.get("x-on-error") == "flag"}
        structs = []
        for f in schema["fields"]:
            for rule, cond in _field_checks(f):
                action = "flag" if f["name"] in flag_fields else "quarantine"
                structs.append(f"CASE WHEN {cond} THEN {{'column': {_lit(f['name'])}, 'rule': {_lit(rule)}, "
                               f"'action': {_lit(action)}}} END")
        for fk in schema.get("foreignKeys", []):
            col = fk["fields"][0]
            ref, ref_col = fk["reference"]["resource"], fk["reference"]["fields"][0]
            if f"stg_{ref}" not in self._tables():
                continue
            structs.append(
                f"CASE WHEN {_q(col)} IS NOT NULL AND {_q(col)} NOT IN (SELECT {_q(ref_col)} FROM stg_{ref} "
                f"WHERE {_q(ref_col)} IS NOT NULL) THEN {{'column': {_lit(col)}, 'rule': 'foreign_key', "
                f"'action': 'quarantine'}} END")
        checks = "list_filter([" + ", ".join(structs) + "], lambda x: x IS NOT NULL)" if structs else "[]"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE chk_{name} AS SELECT *, {checks} AS _errors FROM raw_{name}")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE chk_{name} AS SELECT *, "
            f"len(list_filter(_errors, lambda x: x.action = 'quarantine')) > 0 AS _quarantined, "
            f"len(_errors) > 0 AS _flagged FROM chk_{name}")
        cols = [f["name"] for f in schema["fields"]]
        typed = ", ".join(typed_expr(f) for f in schema["fields"])
        self.con.execute(
            f"CREATE OR REPLACE TABLE stg_{name} AS SELECT _row, {typed}, "
            f"list_transform(_errors, lambda x: x.rule || ':' || x.column) AS _flags FROM chk_{name} WHERE NOT _quarantined")
        counts = self.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _quarantined), count(*) FILTER (WHERE _flagged AND NOT _quarantined) "
            f"FROM chk_{name}").fetchone()
        result.read, result.quarantined, result.flagged = counts
        result.used = self.con.execute(f"SELECT count(*) FROM stg_{name}").fetchone()[0]
        for rule, col, action, n in self.con.execute(
                f"SELECT e.rule, e.column, e.action, count(*) FROM (SELECT unnest(_errors) AS e FROM chk_{name}) "
                f"GROUP BY ALL").fetchall():
            result.errors[(rule, col)] = {"rows": n, "action": action}
        # Quarantined rows keep every original column and their reasons, for the officer to fix.
        qpath = qdir / f"{name}.csv"
        if result.quarantined:
            self.con.execute(
                f"COPY (SELECT _row AS row_number, {', '.join(_q(c) for c in cols)}, "
                f"array_to_string(list_transform(_errors, lambda x: x.rule || ':' || x.column), '; ') AS reasons "
                f"FROM chk_{name} WHERE _quarantined ORDER BY _row) TO {_lit(str(qpath))} (HEADER, DELIMITER ',')")
            for row_no, errs, *vals in self.con.execute(
                    f"SELECT _row, _errors, * EXCLUDE (_row, _errors, _quarantined, _flagged) FROM chk_{name} "
                    f"WHERE _quarantined ORDER BY _row LIMIT 5").fetchall():
                values = dict(zip([c for c in self._columns(f'raw_{name}') if c != '_row'], vals))
                e = next(x for x in errs if x["action"] == "quarantine")
                result.examples.append(rule_message(resource["path"], row_no, e["column"],
                                                    values.get(e["column"]), e["rule"], schema))
        elif qpath.exists():
            qpath.unlink()
        self.con.execute(f"DROP TABLE raw_{name}")
        return result

    def _tables(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}

    def _columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
