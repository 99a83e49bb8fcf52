"""Run the stage SQL kept in publish/sql/<name>.sql."""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def sql_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(con, name: str) -> None:
    con.execute(sql_text(name))
