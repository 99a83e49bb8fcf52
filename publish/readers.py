"""Make the data officer's files readable by DuckDB: CSV in UTF-8 or Windows-1252, with or without BOM, or XLSX.

Everything stays text. NIK and KK that Excel stored as numbers are written as their exact integer digits,
even when Excel already rounded them to 15 significant digits: later checks must see that, not a repair.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
HEADER_LIMIT = 1 << 16
DELIMITERS = (",", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
BOM = codecs.BOM_UTF8


# cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; those bytes fall back to latin-1 (as browsers do).
# A full 256-character table gives cp1252 with that fallback at the speed of the built-in codec.
def _cp1252_char(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)


_CP1252 = "".join(_cp1252_char(b) for b in range(256))


@dataclass
class Prepared:
    path: Path          # a UTF-8 (no BOM) file DuckDB can read
    delimiter: str      # ',' or ';' (or '\t')
    encoding: str       # what the source was: 'utf-8', 'utf-8-sig', 'cp1252', 'xlsx'
    header: list[str]   # column names of the first row, stripped of BOM and surrounding whitespace
    converted: bool     # True when a converted copy was written to work_dir


def prepare(source: Path, work_dir: Path, *, chunk_size: int = CHUNK) -> Prepared:
    """Make a source file readable by DuckDB, converting only when needed."""
    source = Path(source)
    target = Path(work_dir) / "converted" / f"{source.stem}.csv"
    with source.open("rb") as fh:
        magic = fh.read(4)
    if not magic:
        raise ValueError("the file is empty (no header row)")
    if magic == ZIP_MAGIC:
        xlsx_to_csv(source, target)
        return _prepared(target, "xlsx", True, delimiter=",")
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        raise ValueError("not a valid .xlsx workbook (not a zip archive)")
    if magic == OLE_MAGIC:
        raise ValueError("old .xls workbooks are not supported: save it as .xlsx or CSV")

    encoding = detect_encoding(source, chunk_size)
    # DuckDB's strict parser (needed to catch rows with extra cells) stops at a file that mixes
    # CRLF and LF line ends, as files pasted together from several exports do.
    mixed = has_mixed_newlines(source, chunk_size)
    if encoding == "utf-8" and not mixed:
        return _prepared(source, encoding, False)
    target.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "utf-8-sig" and not mixed:
        # DuckDB 2.0.1 skips a BOM only in simple headers: a quoted first column name that holds the
        # delimiter makes its sniffer fail, so the BOM is always stripped in a copy.
        copy_without_bom(source, target, chunk_size)
    elif encoding == "cp1252" and not mixed:
        cp1252_to_utf8(source, target, chunk_size)
    else:
        copy_normalised(source, target, encoding, chunk_size)
    return _prepared(target, encoding, True)


def has_mixed_newlines(path: Path, chunk_size: int = CHUNK) -> bool:
    crlf = lf = 0
    prev_cr = False
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            pairs = chunk.count(b"\r\n") + (1 if prev_cr and chunk[:1] == b"\n" else 0)
            crlf += pairs
            lf += chunk.count(b"\n") - pairs
            prev_cr = chunk[-1:] == b"\r"
            if crlf and lf:
                return True
    return False


def copy_normalised(source: Path, target: Path, encoding: str, chunk_size: int = CHUNK) -> None:
    """A UTF-8 copy with every line ending as LF (and no BOM)."""
    decoder = codecs.getincrementaldecoder("utf-8")() if encoding != "cp1252" else None
    held = ""
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        if encoding == "utf-8-sig":
            src.seek(len(BOM))
        while chunk := src.read(chunk_size):
            text = held + (decoder.decode(chunk) if decoder else codecs.charmap_decode(chunk, "strict", _CP1252)[0])
            held = "\r" if text.endswith("\r") else ""  # its \n may open the next chunk
            dst.write((text[:-1] if held else text).replace("\r\n", "\n"))
        dst.write(held)


def _prepared(path: Path, encoding: str, converted: bool, delimiter: str | None = None) -> Prepared:
    record = first_record(path)
    if not record.strip():
        raise ValueError("the file is empty or its first line is blank (no header row)")
    delimiter = delimiter or sniff_delimiter(record)
    header = [name.replace("\ufeff", "").strip() for name in next(csv.reader([record], delimiter=delimiter))]
    if not any(header):
        raise ValueError("the first row has no column names (no header row)")
    return Prepared(path, delimiter, encoding, header, converted)


def detect_encoding(path: Path, chunk_size: int = CHUNK) -> str:
    """'utf-8', 'utf-8-sig' or 'cp1252', checking the whole file in chunks without loading it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as fh:
        has_bom = fh.read(len(BOM)) == BOM
        fh.seek(0)
        while chunk := fh.read(chunk_size):
            if b"\x00" in chunk:
                raise ValueError("the file contains NUL bytes: it is binary or UTF-16, not a CSV text file")
            if utf8:
                try:
                    decoder.decode(chunk)  # keeps a multi-byte sequence cut by the chunk edge for the next one
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if has_bom and not utf8:
        raise ValueError("the file starts with a UTF-8 BOM but is not valid UTF-8")
    return ("utf-8-sig" if has_bom else "utf-8") if utf8 else "cp1252"


def copy_without_bom(source: Path, target: Path, chunk_size: int = CHUNK) -> None:
    with source.open("rb") as src, target.open("wb") as dst:
        src.seek(len(BOM))
        shutil.copyfileobj(src, dst, chunk_size)


def cp1252_to_utf8(source: Path, target: Path, chunk_size: int = CHUNK) -> None:
    # Line endings are kept byte for byte: nothing but the encoding changes.
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(chunk_size):
            dst.write(codecs.charmap_decode(chunk, "strict", _CP1252)[0])


def first_record(path: Path) -> str:
    """The first CSV record of a UTF-8 file, up to the first line break outside quotes."""
    with path.open(encoding="utf-8", newline="") as fh:
        text = fh.read(HEADER_LIMIT)
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return text[:i]
    return text


def sniff_delimiter(record: str) -> str:
    """The most frequent of ',', ';' and tab outside quotes; ',' when there is none (a single column)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in record:
        if ch == '"':
            quoted = not quoted
        elif ch in counts and not quoted:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the earlier one: ',' before ';'
    return best if counts[best] else ","


def xlsx_to_csv(source: Path, target: Path) -> None:
    """First worksheet to a UTF-8 CSV, streamed row by row; trailing empty rows are dropped."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zip, XML and key errors alike for a broken workbook
        raise ValueError(f"not a readable .xlsx workbook ({type(e).__name__}: {e})") from e
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if not wb.worksheets:
            raise ValueError("the workbook has no worksheet")
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=",", lineterminator="\n")
            width, pending_empty = None, 0
            for values in wb.worksheets[0].iter_rows(values_only=True):
                row = _trim([cell_text(v) for v in values])
                if width is None:
                    width = len(row)
                if not row:
                    pending_empty += 1  # written only if a non-empty row follows
                    continue
                writer.writerows([[""] * width] * pending_empty)
                pending_empty = 0
                # Short rows are padded to the header; longer ones are kept so validation reports them.
                writer.writerow(row + [""] * (width - len(row)))
    finally:
        wb.close()


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row.pop()
    return row


def cell_text(v) -> str:
    """A cell as text: exact integer digits for whole numbers (never '.0' or an exponent), ISO dates."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format(v, ".0f") if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0, 0):
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)
