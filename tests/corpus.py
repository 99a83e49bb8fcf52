"""A corpus of broken inputs, each the kind of thing an officer's export really contains.

Every case changes one thing in a clean synthetic package and says what the build must answer:
  ("stop", rule)                  the build stops with that rule (file, column and fix named)
  ("quarantine", rule, column)    the row is set aside with that reason, the build goes on
  ("flag", rule, column)          the row is kept and flagged
  ("ok", None)                    the file is read as if it were clean
`schema_level` marks cases a plain Frictionless validation should find in the same rows.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Case:
    name: str
    resource: str
    change: Callable[[Path], None]
    expect: tuple
    row: int | None = 2  # the row the defect is planted in (header = row 1)
    schema_level: bool = False


def read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames), list(r)


def write(path: Path, fields: list[str], rows: list[dict], **kw) -> None:
    with open(path, "w", newline="", encoding=kw.pop("encoding", "utf-8")) as fh:
        w = csv.DictWriter(fh, fieldnames=fields, **kw)
        w.writeheader()
        w.writerows(rows)


def set_cell(resource: str, column: str, value: str, index: int = 0):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        rows[index][column] = value
        write(pkg / f"{resource}.csv", fields, rows)
    return change


def edit_nik(resource: str, fn):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        row = next(r for r in rows[:1])
        row["nik"] = fn(row)
        write(pkg / f"{resource}.csv", fields, rows)
    return change


def raw_lines(resource: str, fn):
    def change(pkg: Path):
        path = pkg / f"{resource}.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(fn(lines)), encoding="utf-8")
    return change


def drop_column(resource: str, column: str, rename: str | None = None):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        for r in rows:
            v = r.pop(column)
            if rename:
                r[rename] = v
        new = [rename if (f == column and rename) else f for f in fields if f != column or rename]
        write(pkg / f"{resource}.csv", new, rows)
    return change


def delete_file(resource: str):
    return lambda pkg: (pkg / f"{resource}.csv").unlink()


def drop_resource(resource: str):
    def change(pkg: Path):
        desc = json.loads((pkg / "datapackage.json").read_text())
        desc["resources"] = [r for r in desc["resources"] if r["name"] != resource]
        (pkg / "datapackage.json").write_text(json.dumps(desc))
    return change


def rename_resource(old: str, new: str):
    def change(pkg: Path):
        desc = json.loads((pkg / "datapackage.json").read_text())
        for r in desc["resources"]:
            if r["name"] == old:
                r["name"] = new
        (pkg / "datapackage.json").write_text(json.dumps(desc))
    return change


def to_encoding(resource: str, encoding: str, name: str):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        rows[0]["name"] = name
        write(pkg / f"{resource}.csv", fields, rows, encoding=encoding)
    return change


def with_bom(resource: str):
    def change(pkg: Path):
        path = pkg / f"{resource}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return change


def semicolons(resource: str):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        write(pkg / f"{resource}.csv", fields, rows, delimiter=";")
    return change


def to_xlsx(resource: str):
    def change(pkg: Path):
        from openpyxl import Workbook

        fields, rows = read(pkg / f"{resource}.csv")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(fields)
        for r in rows:
            ws.append([r[f] for f in fields])  # every cell as text, as a careful officer saves it
        wb.save(pkg / f"{resource}.xlsx")
        (pkg / f"{resource}.csv").unlink()
        desc = json.loads((pkg / "datapackage.json").read_text())
        for res in desc["resources"]:
            if res["name"] == resource:
                res["path"], res["format"] = f"{resource}.xlsx", "xlsx"
        (pkg / "datapackage.json").write_text(json.dumps(desc))
    return change


def reorder_columns(resource: str):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        write(pkg / f"{resource}.csv", list(reversed(fields)), rows)
    return change


def garbage(resource: str, content: bytes):
    return lambda pkg: (pkg / f"{resource}.csv").write_bytes(content)


def bad_json(pkg: Path):
    (pkg / "datapackage.json").write_text('{"resources": [')


def duplicate_first_row(resource: str):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        rows.insert(1, dict(rows[0]))
        write(pkg / f"{resource}.csv", fields, rows)
    return change


def duplicate_header(resource: str, column: str):
    return raw_lines(resource, lambda lines: [lines[0].rstrip("\r\n") + f",{column}\r\n"]
                     + [ln.rstrip("\r\n") + ",x\r\n" for ln in lines[1:]])


def quarantine_many(resource: str, share: float):
    def change(pkg: Path):
        fields, rows = read(pkg / f"{resource}.csv")
        for r in rows[: max(6, int(len(rows) * share))]:
            r["desa_code"] = "00.00.00.0000"
        write(pkg / f"{resource}.csv", fields, rows)
    return change


def man_with_womans_nik(row):
    n = row["nik"]
    day = int(n[6:8])
    # Flip the +40 so the NIK's sex disagrees with the recorded sex.
    day = day - 40 if day > 40 else day + 40
    return n[:6] + f"{day:02d}" + n[8:]


CASES = [
    # Structural: the build stops with one clear message.
    Case("missing file", "complaints", delete_file("complaints"), ("stop", "missing_file"), None),
    Case("resource not in datapackage", "referrals", drop_resource("referrals"), ("stop", "missing_resource"), None),
    Case("resource with an unknown name", "regions", rename_resource("recipients_bpnt", "penerima_bpnt"),
         ("stop", "unknown_resource", "penerima_bpnt"), None),
    Case("datapackage.json broken", "regions", bad_json, ("stop", "unreadable_file"), None),
    Case("missing column", "population", drop_column("population", "birth_date"), ("stop", "missing_column"), None),
    Case("renamed column", "population", drop_column("population", "birth_date", "tgl_lahir"),
         ("stop", "missing_column", "tgl_lahir"), None),
    Case("duplicate header column", "schemes", duplicate_header("schemes", "unit"), ("stop", "duplicate_column"), None),
    Case("empty file", "referrals", garbage("referrals", b""), ("stop", "unreadable_file"), None),
    Case("binary file", "referrals", garbage("referrals", b"\x00\x01\x02PK\x00garbage\x00"), ("stop", "unreadable_file"), None),
    Case("too many rows quarantined", "recipients_bpnt", quarantine_many("recipients_bpnt", 0.2),
         ("stop", "quarantine_threshold"), None),
    # Unusable rows: quarantined with their reason.
    Case("date in dd/mm/yyyy", "recipients_bpnt", set_cell("recipients_bpnt", "birth_date", "31/02/1970"),
         ("quarantine", "type", "birth_date"), schema_level=True),
    Case("impossible date", "population", set_cell("population", "birth_date", "2023-02-30"),
         ("quarantine", "type", "birth_date"), schema_level=True),
    Case("birth date in the future", "welfare_members", set_cell("welfare_members", "birth_date", "2031-01-01"),
         ("quarantine", "date_future", "birth_date")),
    Case("amount written in words", "recipients_bpnt", set_cell("recipients_bpnt", "amount_rp", "dua ratus ribu"),
         ("quarantine", "type", "amount_rp"), schema_level=True),
    Case("amount with thousands separator", "recipients_pkh", set_cell("recipients_pkh", "amount_rp", "375.000"),
         ("quarantine", "type", "amount_rp"), schema_level=True),
    Case("negative amount", "recipients_pbi_jk", set_cell("recipients_pbi_jk", "amount_rp", "-42000"),
         ("quarantine", "minimum", "amount_rp"), schema_level=True),
    Case("village not in region list", "recipients_bpnt", set_cell("recipients_bpnt", "desa_code", "52.07.99.2999"),
         ("quarantine", "foreign_key", "desa_code"), schema_level=True),
    Case("village code cut short", "population", set_cell("population", "desa_code", "52.07.05"),
         ("quarantine", "pattern", "desa_code"), schema_level=True),
    Case("village empty", "welfare_families", set_cell("welfare_families", "desa_code", ""),
         ("quarantine", "required", "desa_code"), schema_level=True),
    Case("sex not L/P", "population", set_cell("population", "sex", "Laki-laki"),
         ("quarantine", "enum", "sex"), schema_level=True),
    Case("desil 11", "welfare_families", set_cell("welfare_families", "desil", "11"),
         ("quarantine", "maximum", "desil"), schema_level=True),
    Case("desil as text", "welfare_families", set_cell("welfare_families", "desil", "miskin"),
         ("quarantine", "type", "desil"), schema_level=True),
    Case("duplicate record id", "welfare_families", duplicate_first_row("welfare_families"),
         ("quarantine", "unique", "record_id"), row=3, schema_level=True),
    Case("member of unknown family", "welfare_members", set_cell("welfare_members", "family_id", "F9999999"),
         ("quarantine", "foreign_key", "family_id"), schema_level=True),
    Case("complaint status unknown", "complaints", set_cell("complaints", "status", "selesai"),
         ("quarantine", "enum", "status"), schema_level=True),
    Case("service standard not a class", "complaints", set_cell("complaints", "service_standard_days", "7"),
         ("quarantine", "enum", "service_standard_days"), schema_level=True),
    Case("extra cell (unquoted comma)", "recipients_bpnt",
         raw_lines("recipients_bpnt", lambda ls: [ls[0], ls[1].rstrip("\r\n") + ",extra\r\n"] + ls[2:]),
         ("quarantine", "extra_cell", None), schema_level=True),
    Case("missing cell", "recipients_bpnt",
         raw_lines("recipients_bpnt", lambda ls: [ls[0], ls[1].rsplit(",", 1)[0] + "\r\n"] + ls[2:]),
         ("quarantine", "missing_cell", None), schema_level=True),
    # Defects an indicator measures: kept and flagged.
    Case("NIK turned into 3.32901E+15", "recipients_pkh", edit_nik("recipients_pkh", lambda r: f"{int(r['nik']):.5E}"),
         ("flag", "nik_excel", "nik"), schema_level=True),
    Case("NIK lost a digit", "recipients_bpnt", edit_nik("recipients_bpnt", lambda r: r["nik"][:15]),
         ("flag", "nik_length", "nik"), schema_level=True),
    Case("NIK serial 0000", "welfare_members", edit_nik("welfare_members", lambda r: r["nik"][:12] + "0000"),
         ("flag", "nik_serial", "nik")),
    Case("NIK day disagrees with sex", "population", edit_nik("population", man_with_womans_nik),
         ("flag", "nik_sex", "nik")),
    Case("NIK with day 35", "recipients_pbi_jk", edit_nik("recipients_pbi_jk", lambda r: r["nik"][:6] + "35" + r["nik"][8:]),
         ("flag", "nik_date", "nik")),
    Case("NIK from no province", "recipients_pbi_jk", edit_nik("recipients_pbi_jk", lambda r: "99" + r["nik"][2:]),
         ("flag", "nik_region", "nik")),
    Case("NIK of a kecamatan the regency lacks", "welfare_members",
         edit_nik("welfare_members", lambda r: "520799" + r["nik"][6:]), ("flag", "nik_region", "nik")),
    Case("KK mangled by Excel", "welfare_families", set_cell("welfare_families", "kk", "5.20701E+15"),
         ("flag", "kk_excel", "kk"), schema_level=True),
    Case("amount off the scheme's rate", "recipients_bpnt", set_cell("recipients_bpnt", "amount_rp", "150000"),
         ("flag", "amount_rate", "amount_rp")),
    # What officers send that must simply work.
    Case("semicolon delimiter", "population", semicolons("population"), ("ok", None), None),
    Case("UTF-8 with BOM", "population", with_bom("population"), ("ok", None), None),
    Case("Windows-1252", "recipients_jamsos_kab", to_encoding("recipients_jamsos_kab", "cp1252", "Sùsilo Ñoman José"),
         ("ok", "Sùsilo Ñoman José"), None),
    Case("XLSX workbook", "welfare_families", to_xlsx("welfare_families"), ("ok", None), None),
    Case("columns in another order", "referrals", reorder_columns("referrals"), ("ok", None), None),
    Case("CRLF and LF line ends mixed", "population",
         raw_lines("population", lambda ls: [ln.rstrip("\r\n") + ("\r\n" if i % 2 else "\n") for i, ln in enumerate(ls)]),
         ("ok", None), None),
]
