"""Errors the data officer reads: always file, row, column, value and rule, in Indonesian and English."""

from __future__ import annotations

# rule -> (Indonesian, English); {detail} is filled from the schema.
RULES = {
    "required": ("wajib diisi, tetapi kosong", "is required but empty"),
    "type": ("bukan {type_id} yang sah", "is not a valid {type_en}"),
    "enum": ("bukan salah satu dari: {enum}", "is not one of: {enum}"),
    "pattern": ("tidak sesuai bentuk yang diminta (contoh: {example})", "does not have the required form (for example {example})"),
    "minimum": ("lebih kecil dari batas bawah {minimum}", "is below the minimum {minimum}"),
    "maximum": ("lebih besar dari batas atas {maximum}", "is above the maximum {maximum}"),
    "unique": ("sudah muncul di baris sebelumnya (harus unik)", "already appears in an earlier row (must be unique)"),
    "foreign_key": ("tidak ada di tabel rujukan {reference}", "is not in the referenced table {reference}"),
    "extra_cell": ("baris berisi lebih banyak sel daripada kolom judul (mungkin ada koma/titik koma di dalam teks tanpa tanda kutip)",
                   "the row has more cells than the header (perhaps a comma or semicolon inside unquoted text)"),
    "missing_cell": ("baris berisi lebih sedikit sel daripada kolom judul", "the row has fewer cells than the header"),
    "encoding": ("baris berisi karakter yang tidak terbaca", "the row holds characters that cannot be read"),
    "malformed_row": ("baris tidak dapat diurai sebagai CSV", "the row cannot be parsed as CSV"),
    "date_future": ("tanggal sesudah akhir periode data", "is a date after the end of the data period"),
    "amount_rate": ("tidak sama dengan besaran tetap program", "does not match the scheme's fixed rate"),
    "nik_missing": ("NIK kosong", "NIK is empty"),
    "nik_excel": ("NIK rusak oleh spreadsheet (mis. 3.32901E+15): ketik ulang sebagai teks",
                  "NIK mangled by a spreadsheet (e.g. 3.32901E+15): type it again as text"),
    "nik_length": ("NIK bukan 16 digit", "NIK is not 16 digits"),
    "nik_region": ("kode wilayah NIK tidak ada", "the NIK's region code does not exist"),
    "nik_serial": ("nomor urut NIK 0000 tidak mungkin", "an NIK serial of 0000 is impossible"),
    "nik_date": ("tanggal lahir dalam NIK bukan tanggal yang sah", "the birth date inside the NIK is not a real date"),
    "nik_sex": ("tanggal lahir dalam NIK (+40 untuk perempuan) tidak sesuai jenis kelamin",
                "the NIK's birth day (+40 for women) disagrees with the recorded sex"),
    "kk_excel": ("nomor KK rusak oleh spreadsheet", "KK number mangled by a spreadsheet"),
    "kk_length": ("nomor KK bukan 16 digit", "KK number is not 16 digits"),
    "kk_region": ("kode wilayah KK tidak ada", "the KK's region code does not exist"),
    "kk_serial": ("nomor urut KK 0000 tidak mungkin", "a KK serial of 0000 is impossible"),
    "kk_date": ("tanggal dalam nomor KK bukan tanggal yang sah", "the date inside the KK number is not a real date"),
    "duplicate_column": ("kolom judul muncul dua kali", "a header column appears twice"),
    "missing_file": ("berkas tidak ditemukan", "file not found"),
    "unknown_resource": ("sumber data tidak dikenal", "unknown resource"),
    "missing_resource": ("sumber data tidak disebut di datapackage.json", "resource not named in datapackage.json"),
    "missing_column": ("kolom wajib tidak ada", "required column is missing"),
    "unreadable_file": ("berkas tidak dapat dibaca", "file cannot be read"),
    "quarantine_threshold": ("terlalu banyak baris dikarantina", "too many rows quarantined"),
}

# What the build does when a rule is broken (see docs: the validation page is generated from this).
STOP_RULES = {"missing_file", "missing_resource", "unknown_resource", "missing_column", "duplicate_column",
              "unreadable_file", "quarantine_threshold"}
FLAG_PREFIXES = ("nik_", "kk_", "amount_rate")


def rule_action(rule: str) -> str:
    """stop, flag or quarantine. Schema rules on NIK and KK columns flag instead of quarantining."""
    if rule in STOP_RULES:
        return "stop"
    if rule.startswith(FLAG_PREFIXES):
        return "flag"
    return "quarantine"


_TYPES = {"date": ("tanggal (YYYY-MM-DD)", "date (YYYY-MM-DD)"), "integer": ("bilangan bulat", "whole number"),
          "number": ("angka", "number"), "boolean": ("nilai true/false", "true/false value"),
          "string": ("teks", "text")}


def _detail(rule: str, column: str | None, schema: dict | None) -> dict:
    f = next((f for f in (schema or {}).get("fields", []) if f["name"] == column), {})
    c = f.get("constraints", {})
    t = _TYPES.get(f.get("type", "string"), _TYPES["string"])
    ref = next((fk["reference"]["resource"] for fk in (schema or {}).get("foreignKeys", [])
                if column in fk["fields"]), "")
    return {"type_id": t[0], "type_en": t[1], "enum": ", ".join(map(str, c.get("enum", []))),
            "pattern": c.get("pattern", ""), "example": f.get("example", c.get("pattern", "")), "minimum": c.get("minimum", ""), "maximum": c.get("maximum", ""),
            "reference": ref}


def rule_message(path: str, row: int | None, column: str | None, value, rule: str,
                 schema: dict | None = None) -> dict:
    """One row error as a record with both languages."""
    id_, en = RULES.get(rule, (rule, rule))
    d = _detail(rule, column, schema)
    where_id = f"{path}" + (f", baris {row}" if row else "") + (f", kolom {column}" if column else "")
    where_en = f"{path}" + (f", row {row}" if row else "") + (f", column {column}" if column else "")
    shown = "" if value is None else f" nilai '{value}'"
    shown_en = "" if value is None else f" value '{value}'"
    return {"file": path, "row": row, "column": column, "value": value, "rule": rule,
            "message_id": f"{where_id}:{shown} {id_.format(**d)}".replace(": ", ": ", 1),
            "message_en": f"{where_en}:{shown_en} {en.format(**d)}"}


class InputError(Exception):
    """A structural problem that stops the build: the message names file, column and the fix."""

    def __init__(self, path: str, row: int | None, column: str | None, value, rule: str,
                 fix_id: str, fix_en: str, schema: dict | None = None):
        self.record = rule_message(path, row, column, value, rule, schema)
        self.record.update(fix_id=fix_id, fix_en=fix_en)
        super().__init__(self.text())

    def text(self) -> str:
        r = self.record
        return (f"GALAT / ERROR [{r['rule']}]\n"
                f"  ID: {r['message_id']}. Perbaikan: {r['fix_id']}\n"
                f"  EN: {r['message_en']}. Fix: {r['fix_en']}")


class BuildError(Exception):
    """A check that stops the release; the release being served stays as it is."""
