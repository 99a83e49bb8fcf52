"""NIK and KK numbers: how they are built, and how field data corrupts them.

NIK = PPRRSS (kecamatan of first registration) + DDMMYY (birth date, day + 40 for women)
+ 4-digit serial from 0001. KK = PPRRSS + DDMMYY (registration date) + serial.
The structural checks themselves run in DuckDB (sql/nik_checks.sql); these helpers are for
generating synthetic numbers and for checks on single values.
"""

from __future__ import annotations

import datetime as dt
import random
import re

_DIGITS16 = re.compile(r"^\d{16}$")


def region_digits(code: str) -> str:
    """'33.29.09' -> '332909'."""
    return code.replace(".", "")[:6]


def make_nik(kecamatan: str, birth: dt.date, female: bool, serial: int) -> str:
    day = birth.day + (40 if female else 0)
    return f"{region_digits(kecamatan)}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def make_kk(kecamatan: str, registered: dt.date, serial: int) -> str:
    return f"{region_digits(kecamatan)}{registered.day:02d}{registered.month:02d}{registered.year % 100:02d}{serial:04d}"


def nik_birth(nik: str) -> tuple[int, int, int, bool] | None:
    """(day, month, yy, female) encoded in a well-formed NIK, or None."""
    if not _DIGITS16.match(nik or ""):
        return None
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    return (day - 40 if female else day), month, yy, female


def excel_mangle(number: str, rng: random.Random) -> str:
    """What a spreadsheet does to a 16-digit number: scientific notation or a zeroed 16th digit."""
    if rng.random() < 0.5:
        return f"{int(number):.5E}"  # e.g. 3.32901E+15
    return number[:15] + "0"


def mistype(number: str, rng: random.Random) -> str:
    """One keying error: a changed digit, two swapped digits or a dropped digit."""
    kind = rng.random()
    # Keep the region prefix intact most of the time: officers copy it from the form header.
    i = rng.randrange(6, 16)
    if kind < 0.5:
        d = str((int(number[i]) + rng.randrange(1, 10)) % 10)
        return number[:i] + d + number[i + 1:]
    if kind < 0.85:
        i = min(i, 14)
        if number[i] == number[i + 1]:
            return number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1:]
        return number[:i] + number[i + 1] + number[i] + number[i + 2:]
    return number[:i] + number[i + 1:]
