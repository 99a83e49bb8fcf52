"""The DuckDB validation finds the same rows and fields as `frictionless validate` on the same files."""

import shutil

import duckdb
import pytest
from frictionless import Package

from corpus import CASES
from publish.validated import Validator

# Our rules that Frictionless does not know (domain checks beyond the Table Schema).
DOMAIN = ("nik_", "kk_", "date_future", "amount_rate")
ROW_LEVEL = {"foreign-key", "primary-key", "extra-cell", "missing-cell"}
SCHEMA_CASES = [c for c in CASES if c.schema_level]


def frictionless_errors(pkg, resource):
    report = Package(str(pkg / "datapackage.json")).validate()
    task = next(t for t in report.tasks if t.name == resource)
    cells, rows = set(), set()
    for e in task.errors:
        if e.type in ROW_LEVEL:
            rows.add(e.row_number)
        else:
            cells.add((e.row_number, e.field_name))
    return cells, rows


def our_errors(pkg, tmp_path, resource):
    v = Validator(duckdb.connect(), pkg, tmp_path / "work")
    v.run()
    cells, rows = set(), set()
    for row, column, rule, _ in v.row_errors(resource):
        if rule.startswith(DOMAIN):
            continue
        if rule in ("foreign_key", "extra_cell", "missing_cell"):
            rows.add(row)
        else:
            cells.add((row, column))
    return cells, rows


def test_enough_schema_cases():
    assert len(SCHEMA_CASES) >= 15


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=[c.name for c in SCHEMA_CASES])
def test_same_errors_as_frictionless(case, tmp_path, request):
    clean = request.getfixturevalue("clean_package")
    pkg = tmp_path / "in"
    shutil.copytree(clean, pkg)
    case.change(pkg)
    f_cells, f_rows = frictionless_errors(pkg, case.resource)
    o_cells, o_rows = our_errors(pkg, tmp_path, case.resource)
    assert f_cells or f_rows, "Frictionless found nothing: the case is not a schema error"
    # The same rows, and where the errors are about cells, the same cells.
    assert {r for r, _ in f_cells} | f_rows == {r for r, _ in o_cells} | o_rows
    if not f_rows and not o_rows:
        assert f_cells == o_cells
