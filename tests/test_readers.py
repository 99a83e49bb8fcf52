"""Input files as data officers send them, prepared and read back with real DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from openpyxl import Workbook

from publish.readers import cell_text, prepare, sniff_delimiter


def read(p):
    r = duckdb.connect().execute("SELECT * FROM read_csv(?, header=true, all_varchar=true, delim=?)",
                                 [str(p.path), p.delimiter])
    return [d[0] for d in r.description], r.fetchall()


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_delimiters_utf8_read_in_place(tmp_path, delim):
    src = write(tmp_path, "people.csv",
                delim.join(["record_id", "nik", "nama"]).encode() + b"\n"
                + delim.join(["1", "0329091203850007", "Sùsilo"]).encode() + b"\n")
    p = prepare(src, tmp_path / "work")
    assert (p.path, p.delimiter, p.encoding, p.converted) == (src, delim, "utf-8", False)
    assert p.header == ["record_id", "nik", "nama"]
    assert read(p) == (["record_id", "nik", "nama"], [("1", "0329091203850007", "Sùsilo")])


def test_delimiter_inside_quotes_is_not_counted():
    assert sniff_delimiter('"a;b;c";"d,e";f') == ";"
    assert sniff_delimiter('"a,b,c",d') == ","
    assert sniff_delimiter("only_one_column") == ","


@pytest.mark.parametrize("first", [b"record_id", b'"record_id"', b'"record,id"'])
def test_utf8_bom_gives_a_clean_header(tmp_path, first):
    src = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + first + b",nama\r\n1,Jos\xc3\xa9\r\n")
    p = prepare(src, tmp_path / "work")
    assert p.encoding == "utf-8-sig" and p.converted
    assert p.path == tmp_path / "work" / "converted" / "bom.csv"
    assert not p.path.read_bytes().startswith(b"\xef\xbb\xbf")
    name = first.strip(b'"').decode()
    assert p.header == [name, "nama"]
    assert read(p) == ([name, "nama"], [("1", "José")])


def test_cp1252_is_converted(tmp_path):
    text = "record_id;nama;catatan\r\n1;Sùsilo;biaya 5€\r\n2;Ñoman;José Café\r\n"
    src = write(tmp_path, "cp.csv", text.encode("cp1252"))
    assert b"\x80" in src.read_bytes()
    p = prepare(src, tmp_path / "work")
    assert (p.encoding, p.delimiter, p.converted) == ("cp1252", ";", True)
    assert p.path.read_bytes() == text.encode("utf-8")  # line endings kept
    assert read(p)[1] == [("1", "Sùsilo", "biaya 5€"), ("2", "Ñoman", "José Café")]


def test_cp1252_undefined_byte_falls_back_to_latin1(tmp_path):
    src = write(tmp_path, "odd.csv", b"a,b\n1,x\x81y\xe9\n")
    p = prepare(src, tmp_path / "work")
    assert p.encoding == "cp1252"
    assert read(p)[1] == [("1", "x\x81yé")]


def test_utf8_char_split_by_chunk_edge_is_still_utf8(tmp_path):
    data = "nama,kota\nSùsilo,Bima\n".encode()
    edge = data.index("ù".encode()) + 1  # between the two bytes of ù
    src = write(tmp_path, "split.csv", data)
    p = prepare(src, tmp_path / "work", chunk_size=edge)
    assert (p.encoding, p.converted) == ("utf-8", False)
    assert read(p)[1] == [("Sùsilo", "Bima")]


def test_utf8_truncated_at_end_is_not_utf8(tmp_path):
    src = write(tmp_path, "cut.csv", "nama\nSù".encode()[:-1])
    assert prepare(src, tmp_path / "work", chunk_size=4).encoding == "cp1252"


def test_xlsx_keeps_nik_as_exact_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["nik_text", "nik_int", "nik_float", "tanggal", "kosong", "ok"])
    ws.append(["3329091203850007", 3329091203850007, 3329091203850000.0, dt.date(2026, 10, 1), None, True])
    ws.append(["0329091203850007", 12, 1.5, dt.datetime(2026, 10, 1, 8, 30), "", False])
    ws.append([None] * 6)  # trailing empty rows are dropped
    ws.append([None] * 6)
    src = tmp_path / "penerima.xlsx"
    wb.save(src)
    p = prepare(src, tmp_path / "work")
    assert (p.encoding, p.delimiter, p.converted) == ("xlsx", ",", True)
    assert p.path == tmp_path / "work" / "converted" / "penerima.csv"
    assert p.header == ["nik_text", "nik_int", "nik_float", "tanggal", "kosong", "ok"]
    cols, rows = read(p)
    assert cols == p.header
    assert rows == [("3329091203850007", "3329091203850007", "3329091203850000", "2026-10-01", None, "true"),
                    ("0329091203850007", "12", "1.5", "2026-10-01T08:30:00", None, "false")]
    assert '3329091203850007,3329091203850007,3329091203850000,2026-10-01,,true' in p.path.read_text()


def test_xlsx_empty_rows_inside_are_kept_and_short_rows_padded(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["a", "b", "c"])
    ws.append([None, None, None])
    ws.append(["1"])
    src = tmp_path / "gaps.xlsx"
    wb.save(src)
    assert read(prepare(src, tmp_path / "work"))[1] == [(None, None, None), ("1", None, None)]


@pytest.mark.parametrize("value,text", [
    (None, ""), (7, "7"), (3329091203850007, "3329091203850007"), (3.32909e15, "3329090000000000"),
    (1e20, "100000000000000000000"), (-2.0, "-2"), (0.1, "0.1"), (True, "true"), (False, "false"),
    (dt.datetime(2026, 10, 1), "2026-10-01"), (dt.date(2026, 1, 2), "2026-01-02"), ("  x ", "  x "),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("name,data,reason", [
    ("bad.xlsx", b"this is not a zip", "xlsx"),
    ("bad2.xlsx", b"PK\x03\x04 broken zip", "xlsx"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n1,2\n", "header"),
    ("binary.csv", b"a,b\n\x00\x01\x02\n", "NUL"),
    ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), "NUL"),
    ("bom_bad.csv", b"\xef\xbb\xbfa,b\n1,\xe9\n", "BOM"),
])
def test_unreadable_input_raises_value_error(tmp_path, name, data, reason):
    with pytest.raises(ValueError, match=reason):
        prepare(write(tmp_path, name, data), tmp_path / "work")


def test_xlsx_with_empty_sheet_raises(tmp_path):
    src = tmp_path / "kosong.xlsx"
    Workbook().save(src)
    with pytest.raises(ValueError, match="header"):
        prepare(src, tmp_path / "work")
