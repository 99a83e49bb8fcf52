"""Stage 1: every input row checked against its Table Schema, in DuckDB.

Each schema is compiled into one SQL pass that returns, per row, the list of rules it breaks.
Rows whose only defects are in fields marked `"x-on-error": "flag"` (NIK and KK: the defect is
what an indicator measures) are kept and flagged; every other broken row is quarantined with its
reasons. Nothing is dropped: read = used + quarantined, per file.

Row numbers follow Frictionless: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import InputError, rule_message
from .readers import Prepared, prepare
from .schemas import input_package, input_schema
from .sqlfiles import run_sql

# Resources the build cannot run without, in the order foreign keys need (input.datapackage.json).
ORDER = [r["name"] for r in input_package()["resources"] if "x-pattern" not in r]
REQUIRED = [r["name"] for r in input_package()["resources"] if r.get("x-required") and "x-pattern" not in r]

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


# The readers explain in English; the officer reads Indonesian first.
_READER_REASONS_ID = {
    "the file is empty": "berkas kosong (tidak ada baris judul)",
    "not a valid .xlsx": "bukan buku kerja .xlsx yang sah",
    "old .xls": "buku kerja .xls lama tidak didukung: simpan sebagai .xlsx atau CSV",
    "the first row has no column names": "baris pertama tidak berisi nama kolom",
    "NUL bytes": "berkas berisi byte NUL: ini berkas biner atau UTF-16, bukan CSV",
    "BOM but is not valid UTF-8": "berkas diawali BOM UTF-8 tetapi isinya bukan UTF-8",
    "not a readable .xlsx": "buku kerja .xlsx tidak dapat dibaca",
    "no worksheet": "buku kerja tidak berisi lembar kerja",
}


def _reader_reason_id(reason: str) -> str:
    return next((v for k, v in _READER_REASONS_ID.items() if k in reason), reason)


def period_end(period: str) -> dt.date:
    y, m = map(int, period.split("-"))
    return (dt.date(y + m // 12, m % 12 + 1, 1)) - dt.timedelta(days=1)


def _domain_checks(f: dict) -> list[tuple[str, str, str]]:
    """Checks beyond the Table Schema, declared by `x-` properties of the field."""
    v = _q(f["name"])
    out = []
    dom = f.get("x-domain")
    # One evaluation of the structure macro per value; the rule name carries its answer.
    if dom == "nik":
        sex = '"sex"' if f["name"] == "nik" else "NULL"
        out.append((f"'nik_' || nik_structure({v}, {sex})",
                    f"{v} IS NOT NULL AND nik_structure({v}, {sex}) <> 'ok'", "flag"))
    elif dom == "kk":
        out.append((f"'kk_' || kk_structure({v})", f"{v} IS NOT NULL AND kk_structure({v}) <> 'ok'", "flag"))
    elif dom == "scheme_rate":
        out.append(("'amount_rate'",
                    f"TRY_CAST({v} AS BIGINT) IS NOT NULL AND EXISTS (SELECT 1 FROM stg_schemes s "
                    f"WHERE s.scheme_code = r.scheme_code AND s.fixed_amount AND TRY_CAST({v} AS BIGINT) <> s.benefit_rp)",
                    "flag"))
    if f.get("x-not-after-period"):
        out.append(("'date_future'", f"TRY_STRPTIME({v}, '%Y-%m-%d')::DATE > getvariable('period_end')", "quarantine"))
    return out


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
    def __init__(self, con: duckdb.DuckDBPyConnection, input_dir: Path, work: Path,
                 regency: str | None = None, period: str | None = None, on_step=None,
                 keep_checks: bool = True):
        """`keep_checks=False` drops each file's table of per-row findings once it is counted and
        quarantined (the build does): a full copy of every input otherwise stays in memory, and
        on a large regency DuckDB then spills the later stages' tables to disk. `row_errors`
        needs them kept."""
        self.con, self.input_dir, self.work = con, Path(input_dir), Path(work)
        self.keep_checks = keep_checks
        self.on_step = on_step or (lambda label, rows: None)
        self.results: dict[str, ResourceResult] = {}
        self.regency, self.period = regency, period
        run_sql(con, "macros")

    def _set_context(self, pkg: dict) -> None:
        self.period = self.period or pkg.get("x-period")
        self.regency = self.regency or pkg.get("x-regency")
        # Dates after the end of the data period cannot be right: without a period, after today.
        end = period_end(self.period) if self.period else dt.date.today()
        self.con.execute("SET VARIABLE period_end = ?::DATE", [end.isoformat()])
        self.con.execute("SET VARIABLE regency_digits = ?", [(self.regency or "").replace(".", "")])

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
        self.package = pkg
        res = {r["name"]: r for r in pkg.get("resources", [])}
        for name in REQUIRED:
            if name not in res:
                raise InputError(str(pkg_path), None, None, None, "missing_resource",
                                 f"Tambahkan sumber data '{name}' ke datapackage.json.",
                                 f"Add the resource '{name}' to datapackage.json.")
        pattern = next(r["x-pattern"] for r in input_package()["resources"] if "x-pattern" in r)
        for n in res:
            if n not in ORDER and not re.match(pattern, n):
                raise InputError(str(pkg_path), None, None, None, "unknown_resource",
                                 f"Sumber data '{n}' tidak dikenal: gunakan salah satu dari {', '.join(ORDER)}, "
                                 f"atau recipients_<program> untuk daftar penerima.",
                                 f"The resource '{n}' is not known: use one of {', '.join(ORDER)}, "
                                 f"or recipients_<scheme> for a beneficiary list.")
        if not any(n.startswith("recipients_") for n in res):
            raise InputError(str(pkg_path), None, None, None, "missing_resource",
                             "Tambahkan minimal satu daftar penerima bernama recipients_<program>.",
                             "Add at least one beneficiary list named recipients_<scheme>.")
        ordered = [res[n] for n in ORDER] + sorted(
            (r for n, r in res.items() if n not in ORDER), key=lambda r: r["name"])
        return ordered

    def run(self) -> dict[str, ResourceResult]:
        resources = self.resources()
        self._set_context(self.package)
        qdir = self.work / "quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        for r in resources:
            self.results[r["name"]] = self.validate(r, qdir)
            self.on_step(r["name"], self.results[r["name"]].read)
        return self.results

    def _read(self, name: str, path: Path, schema: dict) -> Prepared:
        if not path.exists():
            raise InputError(str(path), None, None, None, "missing_file",
                             "Letakkan berkas di folder input atau perbaiki 'path' di datapackage.json.",
                             "Put the file in the input folder or fix its 'path' in datapackage.json.")
        try:
            prepared = prepare(path, self.work)
        except ValueError as e:
            raise InputError(str(path), None, None, None, "unreadable_file",
                             f"Simpan ulang sebagai CSV (UTF-8) atau XLSX. Penyebab: {_reader_reason_id(str(e))}",
                             f"Save it again as CSV (UTF-8) or XLSX. Cause: {e}") from e
        self._check_header(path, prepared.header, schema)
        # Everything is read as text: NIK and KK must never become numbers. Rows with too many
        # or too few cells are set aside by DuckDB (store_rejects) and quarantined below.
        columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in prepared.header) + "}"
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE raw_{name} AS SELECT row_number() OVER () AS _ord, * "
                f"FROM read_csv({_lit(str(prepared.path))}, header=true, all_varchar=true, "
                f"delim={_lit(prepared.delimiter)}, quote='\"', escape='\"', strict_mode=true, "
                f"store_rejects=true, rejects_table='rej_{name}', rejects_scan='rejscan_{name}', "
                f"auto_detect=false, columns={columns})")
        except duckdb.Error as e:
            raise InputError(str(path), None, None, None, "unreadable_file",
                             f"Berkas tidak dapat dibaca sebagai CSV: {e}",
                             f"The file cannot be read as CSV: {e}") from e
        self._number_rows(name)
        return prepared

    def _check_header(self, path: Path, header: list[str], schema: dict) -> None:
        import difflib

        seen = set()
        for col in header:
            if col in seen:
                raise InputError(str(path), 1, col, None, "duplicate_column",
                                 f"Kolom '{col}' muncul dua kali di baris judul; hapus salah satunya.",
                                 f"The column '{col}' appears twice in the header; remove one of them.")
            seen.add(col)
        wanted = [f["name"] for f in schema["fields"]]
        missing = [c for c in wanted if c not in header]
        if missing:
            col = missing[0]
            unknown = [c for c in header if c not in wanted]
            guess = difflib.get_close_matches(col, unknown, n=1, cutoff=0.0) if len(unknown) == len(missing) else \
                difflib.get_close_matches(col, unknown, n=1, cutoff=0.5)
            hint_id = f" Mungkin kolom '{guess[0]}' perlu diberi nama '{col}'." if guess else ""
            hint_en = f" Perhaps the column '{guess[0]}' should be named '{col}'." if guess else ""
            raise InputError(str(path), 1, col, None, "missing_column",
                             f"Tambahkan kolom '{col}'.{hint_id} Kolom yang ada: {', '.join(header)}.",
                             f"Add the column '{col}'.{hint_en} Columns found: {', '.join(header)}.")

    def _number_rows(self, name: str) -> None:
        """Give every accepted row its row number in the file (header = row 1), as Frictionless does."""
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE rejected_{name} AS
            SELECT line AS _row,
                   string_agg(DISTINCT CASE WHEN error_type ILIKE 'TOO MANY%' THEN 'extra_cell'
                                            WHEN error_type ILIKE 'MISSING%' THEN 'missing_cell'
                                            WHEN error_type ILIKE '%UNICODE%' THEN 'encoding'
                                            ELSE 'malformed_row' END, '; ') AS reason,
                   any_value(csv_line) AS csv_line
            FROM rej_{name} GROUP BY line""")
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE raw_{name} AS
            WITH lines AS (
                SELECT range AS _row FROM range(2, 2 + (SELECT count(*) FROM raw_{name})
                                                  + (SELECT count(*) FROM rejected_{name}))
                WHERE range NOT IN (SELECT _row FROM rejected_{name})
            ), numbered AS (SELECT _row, row_number() OVER (ORDER BY _row) AS _ord FROM lines)
            SELECT n._row, r.* EXCLUDE (_ord) FROM raw_{name} r JOIN numbered n USING (_ord)""")

    def validate(self, resource: dict, qdir: Path) -> ResourceResult:
        name = resource["name"]
        schema = input_schema(name)
        path = self.input_dir / resource["path"]
        self._read(name, path, schema)
        result = ResourceResult(name, resource["path"])
        structs = [f"CASE WHEN {cond} THEN {{'column': {_lit(col)}, 'rule': {rule}, 'action': {_lit(action)}}} END"
                   for col, rule, cond, action in self._checks(schema)]
        checks = "list_filter([" + ", ".join(structs) + "], lambda x: x IS NOT NULL)" if structs else "[]"
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE chk_{name} AS
            WITH c AS (SELECT *, {checks} AS _errors FROM raw_{name} r)
            SELECT *, len(list_filter(_errors, lambda x: x.action = 'quarantine')) > 0 AS _quarantined,
                   len(_errors) > 0 AS _flagged
            FROM c""")
        cols = [f["name"] for f in schema["fields"]]
        typed = ", ".join(typed_expr(f) for f in schema["fields"])
        self.con.execute(
            f"CREATE OR REPLACE TABLE stg_{name} AS SELECT _row, {typed}, "
            f"list_transform(_errors, lambda x: x.rule || ':' || x.column) AS _flags "
            f"FROM chk_{name} WHERE NOT _quarantined")
        used, quarantined, flagged = self.con.execute(
            f"SELECT count(*) FILTER (WHERE NOT _quarantined), count(*) FILTER (WHERE _quarantined), "
            f"count(*) FILTER (WHERE _flagged AND NOT _quarantined) FROM chk_{name}").fetchone()
        rejected = self.con.execute(f"SELECT count(*) FROM rejected_{name}").fetchone()[0]
        result.used, result.flagged = used, flagged
        result.quarantined = quarantined + rejected
        result.read = result.used + result.quarantined
        for rule, col, action, n in self.con.execute(
                f"SELECT e.rule, e.column, e.action, count(*) FROM (SELECT unnest(_errors) AS e FROM chk_{name}) "
                f"GROUP BY ALL").fetchall():
            result.errors[(rule, col)] = {"rows": n, "action": action}
        for reason, n in self.con.execute(f"SELECT reason, count(*) FROM rejected_{name} GROUP BY ALL").fetchall():
            result.errors[(reason, None)] = {"rows": n, "action": "quarantine"}
        self._write_quarantine(name, resource["path"], schema, cols, qdir / f"{name}.csv", result)
        self.con.execute(f"DROP TABLE raw_{name}")
        if not self.keep_checks:
            self.con.execute(f"DROP TABLE chk_{name}")
        if name == "regions":
            self._learn_regions()
        return result

    def _checks(self, schema: dict) -> list[tuple[str, str, str, str]]:
        """(column, rule, SQL condition true when broken, action) for the schema and domain rules."""
        flag_fields = {f["name"] for f in schema["fields"] if f.get("x-on-error") == "flag"}
        out = []
        for f in schema["fields"]:
            action = "flag" if f["name"] in flag_fields else "quarantine"
            out += [(f["name"], _lit(rule), cond, action) for rule, cond in _field_checks(f)]
            out += [(f["name"], rule, cond, act) for rule, cond, act in _domain_checks(f)]
        tables = self._tables()
        for fk in schema.get("foreignKeys", []):
            col = fk["fields"][0]
            ref, ref_col = fk["reference"]["resource"], fk["reference"]["fields"][0]
            if f"stg_{ref}" in tables:
                out.append((col, "'foreign_key'",
                            f"{_q(col)} IS NOT NULL AND {_q(col)} NOT IN "
                            f"(SELECT {_q(ref_col)} FROM stg_{ref} WHERE {_q(ref_col)} IS NOT NULL)", "quarantine"))
        return out

    def _write_quarantine(self, name, path, schema, cols, qpath: Path, result: ResourceResult) -> None:
        """Quarantined rows keep every original value and their reasons, for the officer to fix (WORK only)."""
        if not result.quarantined:
            qpath.unlink(missing_ok=True)
            return
        col_list = ", ".join(_q(c) for c in cols)
        nulls = ", ".join(f"NULL AS {_q(c)}" for c in cols)
        self.con.execute(f"""
            COPY (
                SELECT _row AS row_number, {col_list},
                       array_to_string(list_transform(list_filter(_errors, lambda x: x.action = 'quarantine'),
                                                      lambda x: x.rule || ':' || x.column), '; ') AS reasons,
                       NULL AS raw_line
                FROM chk_{name} WHERE _quarantined
                UNION ALL
                SELECT _row, {nulls}, reason, csv_line FROM rejected_{name}
                ORDER BY row_number
            ) TO {_lit(str(qpath))} (HEADER, DELIMITER ',')""")
        for row_no, errs, values in self.con.execute(
                f"SELECT _row, _errors, to_json(struct_pack({', '.join(f'{_q(c)} := {_q(c)}' for c in cols)})) "
                f"FROM chk_{name} WHERE _quarantined ORDER BY _row LIMIT 5").fetchall():
            values = json.loads(values)
            e = next(x for x in errs if x["action"] == "quarantine")
            result.examples.append(rule_message(path, row_no, e["column"], values.get(e["column"]), e["rule"], schema))
        for row_no, reason, line in self.con.execute(
                f"SELECT _row, reason, csv_line FROM rejected_{name} ORDER BY _row LIMIT 3").fetchall():
            result.examples.append(rule_message(path, row_no, None, None, reason.split('; ')[0], schema))

    def row_errors(self, name: str) -> set[tuple[int, str | None, str, str]]:
        """Every (row, column, rule, action) found in a resource, for reports and tests."""
        out = {(r, e["column"], e["rule"], e["action"]) for r, errs in
               self.con.execute(f"SELECT _row, _errors FROM chk_{name} WHERE _flagged").fetchall() for e in errs}
        out |= {(r, None, reason, "quarantine") for r, reason in
                self.con.execute(f"SELECT _row, reason FROM rejected_{name}").fetchall()}
        return out

    def _learn_regions(self) -> None:
        """The region list tells which kecamatan codes NIKs and KKs of this regency may carry."""
        self.con.execute("DELETE FROM known_kecamatan")
        self.con.execute("INSERT INTO known_kecamatan SELECT replace(code, '.', '') FROM stg_regions "
                         "WHERE level = 'kecamatan'")
        if self.regency is None:
            row = self.con.execute("SELECT min(code) FROM stg_regions WHERE level = 'kabupaten'").fetchone()
            self.regency = row[0]
        self.con.execute("SET VARIABLE regency_digits = ?", [(self.regency or "").replace(".", "")])

    def _tables(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}

    def _columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
