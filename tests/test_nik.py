import datetime as dt
import random

import duckdb
import pytest

from publish import nik
from publish.sqlfiles import run_sql


@pytest.fixture
def con():
    c = duckdb.connect()
    run_sql(c, "macros")
    return c


def structure(con, value, sex="L"):
    return con.execute("SELECT nik_structure(?, ?)", [value, sex]).fetchone()[0]


def test_make_nik_encodes_region_birth_sex_serial():
    n = nik.make_nik("52.07.01", dt.date(1986, 6, 21), True, 12)
    assert n == "5207016106860012"
    assert nik.nik_birth(n) == (21, 6, 86, True)


def test_make_kk():
    assert nik.make_kk("33.29.09", dt.date(2014, 12, 2), 3) == "3329090212140003"


def test_structure_accepts_valid_and_names_each_defect(con):
    good = nik.make_nik("52.07.01", dt.date(1986, 6, 21), False, 1)
    assert structure(con, good) == "ok"
    assert structure(con, None) == "missing"
    assert structure(con, "3.32901E+15") == "excel"
    assert structure(con, good[:15]) == "length"
    assert structure(con, good[:12] + "0000") == "serial"
    assert structure(con, "0007012106860001") == "region"
    assert structure(con, "5207013502860001") == "date"      # day 35 exists for nobody
    assert structure(con, "5207013102860001") == "date"      # 31 February
    assert structure(con, good, "P") == "sex"                 # a man's day for a woman


def test_excel_mangle_is_what_spreadsheets_do():
    rng = random.Random(1)
    n = "3329091203850007"
    seen = {nik.excel_mangle(n, rng) for _ in range(50)}
    assert "3.32909E+15" in seen
    assert "3329091203850000" in seen


def test_mistype_changes_exactly_one_keying_step():
    rng = random.Random(3)
    n = "3329091203850007"
    for _ in range(200):
        m = nik.mistype(n, rng)
        assert m != n
        assert m[:6] == n[:6]
        assert len(m) in (15, 16)
