"""Scale-out: the linkage and indicator SQL of publish/sql/ on Spark, unchanged.

The SQL files are written for DuckDB and stay the only copy. For Spark they are transpiled with
sqlglot (DuckDB -> Spark SQL) statement by statement, with what sqlglot cannot know done here:

- `getvariable('x')` becomes the literal value of `x` (the same values the DuckDB build sets with
  `SET VARIABLE`; `duckdb_variables(con)` reads them from a DuckDB connection);
- the macros of macros.sql (`name_norm`, `nik_structure`, `age_at`, ...) are expanded inline;
- functions that sqlglot leaves as they are or translates with other semantics are mapped:
  `jaro_winkler_similarity` -> `duckdb_jaro_winkler`, DuckDB's algorithm as a Spark SQL function
  (Splink's Scala `jaro_winkler` differs for about one name variant in ten, and gives 0.0 for
  NULL), `regexp_replace(s, p, r, 'g')` -> `regexp_replace` (without 'g' DuckDB replaces only the
  first match: refused), `regexp_full_match` -> an anchored `RLIKE`, `try_strptime` -> `try_to_timestamp`,
  `date_diff('year' | 'quarter' | 'month' | 'day', a, b)` -> boundary counts as DuckDB does (Spark's
  `datediff(YEAR, ...)` counts whole years elapsed), `isodow` -> `weekday(d) + 1` (sqlglot writes
  `dayofweek(d) % 7 + 1`, which is not ISO), `len(list)` -> `size(list)`, `s[a:b]` -> `substring`,
  and `generate_series(a, b)` with `b < a` gives an empty list as in DuckDB (Spark's `sequence`
  raises);
- projections without a name in a query with `QUALIFY` get one, because sqlglot's rewrite of
  `QUALIFY` into a subquery refers to them by their text.

`GROUP BY ALL`, `FILTER (WHERE ...)`, `ANTI JOIN`, `* EXCLUDE`, `QUALIFY`, `DISTINCT ON`,
`arg_min`, `list(...)`, `unnest`, `starts_with` and the rest are translated by sqlglot itself or
exist in Spark 4 as they are.

Tables: `CREATE OR REPLACE TABLE t AS q` runs `q` and keeps the result as the temporary view `t`
(materialised, so that the next statements do not recompute the chain); `INSERT INTO t q` appends
to it. A statement that needs something this module does not translate fails with an error that
names it, never silently with other results.

Nothing here is imported by the DuckDB build: pyspark is an extra (requirements-spark.lock).
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import sqlglot
from sqlglot import exp

from .sqlfiles import SQL_DIR, sql_text

# The functions of Splink's Scala jar that the linkage SQL and Splink's comparisons use.
SPLINK_UDFS = {
    "jaro_winkler": "uk.gov.moj.dash.linkage.JaroWinklerSimilarity",
    "jaro_sim": "uk.gov.moj.dash.linkage.JaroSimilarity",
    "damerau_levenshtein": "uk.gov.moj.dash.linkage.LevDamerauDistance",
}

# The SQL that makes the unified layer and the links (publish/linked.py, publish/unified.py) and
# the indicator layer (publish/indicators.py), in the order the DuckDB build runs it.
LINKAGE_FILES = ["person_records", "nik_status", "linked_exact"]
INDICATOR_SHARED_FILES = ["areas", "reference_tables"]


# DuckDB's jaro_winkler_similarity in Spark SQL. DuckDB (like Winkler's strcmp95 and RapidFuzz)
# halves the transpositions with integer division; Splink's Scala jaro_winkler does not, and gives
# lower values for about one name variant in ten seen here (9 of 96 register matches of the test
# input), some across the 0.88, 0.9 and 0.95 thresholds of the linkage. Interpreted higher-order
# functions make it about 80 times slower than the jar (4,400 against 360,000 pairs a second on
# one core): exact for the SQL files (a few calls per record), optional for Splink's scoring. The characters of b are matched in
# order to the first free equal character of a within the window; the result is bound once through
# one-element aggregate() calls, Spark SQL having no LET.
DUCKDB_JARO_WINKLER = "duckdb_jaro_winkler"
_JW_BODY = """CASE
  WHEN a IS NULL OR b IS NULL THEN CAST(NULL AS DOUBLE)
  WHEN length(a) = 0 OR length(b) = 0 THEN 0.0D
  WHEN a = b THEN 1.0D
  ELSE aggregate(
    array(aggregate(
      sequence(1, length(b)),
      named_struct('fp', array_repeat(false, length(a)), 'tj', CAST(array() AS ARRAY<INT>)),
      (acc, j) -> aggregate(
        array(array_min(filter(
          sequence(greatest(1, j - {W}),
                   greatest(1, j - {W},
                            least(length(a), j + {W}))),
          i -> i <= least(length(a), j + {W})
               AND NOT element_at(acc.fp, i) AND substr(a, i, 1) = substr(b, j, 1)))),
        acc,
        (s, c) -> CASE WHEN c IS NULL THEN s
                       ELSE named_struct('fp', transform(s.fp, (f, k) -> f OR k + 1 = c),
                                         'tj', concat(s.tj, array(j))) END))),
    CAST(NULL AS DOUBLE),
    (r, st) -> CASE WHEN size(st.tj) = 0 THEN 0.0D ELSE aggregate(
      array((size(st.tj) / length(a) + size(st.tj) / length(b)
             + (size(st.tj) - size(filter(sequence(1, size(st.tj)),
                   k -> substr(a, element_at(filter(sequence(1, length(a)), i -> element_at(st.fp, i)), k), 1)
                        <> substr(b, element_at(st.tj, k), 1))) div 2) / size(st.tj)) / 3.0D),
      CAST(NULL AS DOUBLE),
      (r2, jaro) -> CASE WHEN jaro > 0.7D THEN jaro + aggregate(
          sequence(1, least(4, length(a), length(b))), named_struct('n', 0, 'go', true),
          (p, k) -> CASE WHEN p.go AND substr(a, k, 1) = substr(b, k, 1) THEN named_struct('n', p.n + 1, 'go', true)
                         ELSE named_struct('n', p.n, 'go', false) END,
          p -> p.n) * 0.1D * (1.0D - jaro)
        ELSE jaro END) END)
END""".replace("{W}", "CAST(greatest(greatest(length(a), length(b)) div 2 - 1, 0) AS INT)")


def register_functions(spark) -> None:
    """The SQL functions the transpiled SQL calls: DuckDB's Jaro-Winkler as a Spark SQL function."""
    spark.sql(f"CREATE OR REPLACE TEMPORARY FUNCTION {DUCKDB_JARO_WINKLER}(a STRING, b STRING) "
              f"RETURNS DOUBLE RETURN {_JW_BODY}")


class TranspileError(ValueError):
    """A DuckDB construct this module cannot express in Spark SQL."""


# --------------------------------------------------------------------------------------------
# Macros and variables


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...]
    body: exp.Expression


def load_macros(sql: str | None = None) -> dict[str, Macro]:
    """The `CREATE MACRO` definitions of macros.sql (or of `sql`), by lower-case name."""
    out: dict[str, Macro] = {}
    for stmt in sqlglot.parse(sql if sql is not None else sql_text("macros"), read="duckdb"):
        if isinstance(stmt, exp.Create) and str(stmt.args.get("kind", "")).upper() == "MACRO":
            udf = stmt.this
            name = udf.this.name if isinstance(udf.this, exp.Table) else udf.name
            params = tuple(p.name for p in udf.expressions)
            out[name.lower()] = Macro(name.lower(), params, stmt.expression)
    return out


def duckdb_variables(con) -> dict[str, Any]:
    """Every `SET VARIABLE` of a DuckDB connection with its typed value (date, int, str, ...)."""
    names = [r[0] for r in con.execute("SELECT name FROM duckdb_variables() ORDER BY name").fetchall()]
    out = {}
    for name in names:
        out[name] = con.execute(f"SELECT getvariable('{name}')").fetchall()[0][0]
    return out


def pipeline_variables(period: str, regency: str, config: dict, period_end: dt.date | None = None) -> dict:
    """The variables the linkage and indicator SQL read, as the DuckDB build sets them (validator,
    publish.unified.unify, publish.linked.link, publish.indicators.compute)."""
    from .linked import EXACT_NAME_SIMILARITY

    if period_end is None:
        from .validated import period_end as end_of

        period_end = end_of(period)
    cov = config["coverage"]
    return {
        "period": period, "regency": regency, "period_end": period_end,
        "regency_digits": regency.replace(".", ""),
        "max_desil": int(config["exclusion"]["max_desil"]),
        "elderly_scheme": cov["elderly_disabled"]["scheme"],
        "elderly_min_age": int(cov["elderly_disabled"]["min_age"]),
        "pbi_scheme": cov["pbi_target"]["scheme"],
        "pbi_max_desil": int(cov["pbi_target"]["max_desil"]),
        "mismatch_name_similarity": float(config["linkage"]["mismatch_name_similarity"]),
        "exact_name_similarity": EXACT_NAME_SIMILARITY,
    }


def _literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, decimal.Decimal)):
        return exp.Literal.number(str(value))
    if isinstance(value, float):
        return exp.Literal.number(repr(value))
    if isinstance(value, dt.datetime):
        return exp.Cast(this=exp.Literal.string(value.isoformat(sep=" ")), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, dt.date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TranspileError(f"getvariable: no Spark literal for a value of type {type(value).__name__}")


def _func_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return ""


def _wrap(node: exp.Expression) -> exp.Expression:
    """Parenthesise an expression put in place of a macro parameter unless it is atomic."""
    if isinstance(node, (exp.Column, exp.Literal, exp.Func, exp.Paren, exp.Null, exp.Boolean, exp.Cast)):
        return node
    return exp.Paren(this=node)


def _expand_macros(node: exp.Expression, macros: dict[str, Macro], depth: int = 0) -> exp.Expression:
    if depth > 20:
        raise TranspileError("macro expansion does not end (recursive macro?)")

    def replace(n):
        name = _func_name(n)
        if name in macros:
            macro = macros[name]
            args = list(n.expressions)
            if len(args) != len(macro.params):
                raise TranspileError(f"macro {name} takes {len(macro.params)} arguments, got {len(args)}")
            mapping = {p: _wrap(a) for p, a in zip(macro.params, args)}

            def bind(c):
                if isinstance(c, exp.Column) and not c.table and c.name in mapping:
                    return mapping[c.name].copy()
                return c

            body = macro.body.copy().transform(bind)
            return _expand_macros(exp.Paren(this=body), macros, depth + 1)
        return n

    return node.transform(replace)


def _substitute_variables(node: exp.Expression, variables: dict[str, Any]) -> exp.Expression:
    def replace(n):
        if _func_name(n) == "getvariable":
            arg = n.expressions[0] if n.expressions else None
            if not isinstance(arg, exp.Literal) or not arg.is_string:
                raise TranspileError("getvariable() needs a constant name")
            if arg.this not in variables:
                raise TranspileError(f"getvariable('{arg.this}'): no value given for this variable")
            return _literal(variables[arg.this])
        return n

    return node.transform(replace)


# --------------------------------------------------------------------------------------------
# Function mappings


_ARRAY_NODES = tuple(getattr(exp, n) for n in (
    "Array", "ArrayAgg", "ArraySort", "ArrayFilter", "ArrayConcat", "ArrayUniqueAgg", "GenerateSeries",
    "Split", "ArraySlice", "ArrayDistinct", "ArrayCompact", "ArrayIntersect", "ArrayExcept", "ArrayUnion",
    "ArrayReverse", "List",
) if hasattr(exp, n))
_ARRAY_FUNCS = {"list_filter", "list_transform", "list_sort", "list_distinct", "list", "array_agg",
                "string_split", "str_split", "list_slice", "list_concat", "range", "generate_series",
                "sequence", "filter", "transform", "array_sort", "collect_list", "collect_set"}


def _is_array(node: exp.Expression, arrays: set[str]) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, _ARRAY_NODES):
        return True
    if isinstance(node, exp.Column):
        return node.name.lower() in arrays
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DataType.Type.ARRAY) or node.to.this == exp.DataType.Type.ARRAY
    if isinstance(node, exp.Anonymous):
        return _func_name(node) in _ARRAY_FUNCS
    if isinstance(node, exp.Coalesce):
        return _is_array(node.this, arrays)
    return False


def _int_literal(node: exp.Expression) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return None
    if isinstance(node, exp.Neg):
        v = _int_literal(node.this)
        return -v if v is not None else None
    return None


def _unit(node: exp.DateDiff) -> str:
    unit = node.args.get("unit")
    return (unit.name if unit is not None else "DAY").upper()


def _year(e):
    return exp.Anonymous(this="year", expressions=[e.copy()])


def _month(e):
    return exp.Anonymous(this="month", expressions=[e.copy()])


def _quarter(e):
    return exp.Anonymous(this="quarter", expressions=[e.copy()])


def _date_diff(node: exp.DateDiff) -> exp.Expression:
    """DuckDB's date_diff counts unit boundaries crossed; Spark's datediff(unit) counts whole units."""
    end, start, unit = node.this, node.expression, _unit(node)
    if unit in ("YEAR", "YEARS", "Y", "YR", "YRS"):
        return exp.Paren(this=exp.Sub(this=_year(end), expression=_year(start)))
    if unit in ("QUARTER", "QUARTERS"):
        return exp.Paren(this=exp.Add(
            this=exp.Mul(this=exp.Paren(this=exp.Sub(this=_year(end), expression=_year(start))),
                         expression=exp.Literal.number(4)),
            expression=exp.Sub(this=_quarter(end), expression=_quarter(start))))
    if unit in ("MONTH", "MONTHS", "MON", "MONS"):
        return exp.Paren(this=exp.Add(
            this=exp.Mul(this=exp.Paren(this=exp.Sub(this=_year(end), expression=_year(start))),
                         expression=exp.Literal.number(12)),
            expression=exp.Sub(this=_month(end), expression=_month(start))))
    if unit in ("DAY", "DAYS", "D"):
        to_date = exp.DataType.build("DATE")
        return exp.Anonymous(this="datediff", expressions=[exp.Cast(this=end.copy(), to=to_date),
                                                           exp.Cast(this=start.copy(), to=to_date)])
    if unit in ("HOUR", "HOURS", "MINUTE", "MINUTES", "SECOND", "SECONDS", "MILLISECOND", "MILLISECONDS"):
        u = unit.rstrip("S")

        def trunc(e):
            return exp.Anonymous(this="date_trunc", expressions=[exp.Literal.string(u), e.copy()])

        return exp.Anonymous(this="timestampdiff", expressions=[exp.var(u), trunc(start), trunc(end)])
    raise TranspileError(f"date_diff('{unit.lower()}', ...): no Spark translation with DuckDB's boundary semantics")


def _spark_time_format(fmt: str) -> str:
    from sqlglot.dialects.spark import Spark
    from sqlglot.time import format_time

    return format_time(fmt, Spark.INVERSE_TIME_MAPPING, Spark.INVERSE_TIME_TRIE)


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expression:
    """Spark's regexp_replace replaces every match: only DuckDB's 'g' form means the same."""
    mods = node.args.get("modifiers")
    flags = mods.this if isinstance(mods, exp.Literal) else ("" if mods is None else None)
    if flags is None:
        raise TranspileError("regexp_replace(): the options must be a constant string")
    if "g" not in flags:
        raise TranspileError("regexp_replace() without 'g' replaces only the first match in DuckDB; "
                             "Spark replaces every match")
    unknown = set(flags) - set("gic")
    if unknown:
        raise TranspileError(f"regexp_replace(): option(s) {''.join(sorted(unknown))} have no Spark form")
    out = exp.RegexpReplace(this=node.this, expression=node.expression, replacement=node.args.get("replacement"))
    if "i" in flags.replace("c", "") and flags.rfind("i") > flags.rfind("c"):
        pat = node.expression
        if not (isinstance(pat, exp.Literal) and pat.is_string):
            raise TranspileError("regexp_replace(..., 'i'): the pattern must be a constant string")
        out.set("expression", exp.Literal.string("(?i)" + pat.this))
    return out


def _empty_if_backwards(node: exp.GenerateSeries) -> exp.Expression:
    """generate_series(a, b[, step]) is empty in DuckDB when b is before a; Spark's sequence raises."""
    start, end, step = node.args.get("start"), node.args.get("end"), node.args.get("step")
    if node.args.get("is_end_exclusive") or (isinstance(start, exp.Literal) and isinstance(end, exp.Literal)):
        return node
    negative = step is not None and (_int_literal(step) or 0) < 0
    ok = (exp.GTE if negative else exp.LTE)(this=start.copy(), expression=end.copy())
    # A typed empty list: the first element of a one-element sequence, sliced away.
    empty = exp.Anonymous(this="slice", expressions=[
        exp.Anonymous(this="sequence", expressions=[start.copy(), start.copy()] + ([step.copy()] if step else [])),
        exp.Literal.number(1), exp.Literal.number(0)])
    return exp.Case(ifs=[exp.If(this=ok, true=node.copy())], default=empty)


def _bottom_up(tree: exp.Expression, fn) -> exp.Expression:
    """Apply fn to every node, children before their parent (sqlglot's transform skips the
    children of a node it has replaced)."""
    for node in reversed(list(tree.walk())):
        parent, key, index = node.parent, node.arg_key, node.index  # fn may re-parent node
        new = fn(node)
        if new is not node:
            if node is tree or parent is None:
                tree = new
            else:
                parent.set(key, new, index)
    return tree


JARO_WINKLER_FUNCTIONS = {"duckdb": DUCKDB_JARO_WINKLER, "jar": "jaro_winkler"}


def _map_functions(node: exp.Expression, arrays: set[str], jaro_winkler: str = "duckdb") -> exp.Expression:
    try:
        jw = JARO_WINKLER_FUNCTIONS[jaro_winkler]
    except KeyError:
        raise TranspileError(f"jaro_winkler must be one of {sorted(JARO_WINKLER_FUNCTIONS)}") from None

    def replace(n):
        if hasattr(exp, "JarowinklerSimilarity") and isinstance(n, exp.JarowinklerSimilarity):
            if n.args.get("score_cutoff") is not None or len([a for a in n.args.values() if a is not None]) > 2:
                raise TranspileError("jaro_winkler_similarity() with a score cutoff has no Spark form here")
            return exp.Anonymous(this=jw, expressions=[n.this, n.expression])
        name = _func_name(n)
        if name in ("jaro_winkler_similarity", "jarowinkler_similarity"):
            if len(n.expressions) != 2:
                raise TranspileError("jaro_winkler_similarity() with a score cutoff has no Spark form here")
            return exp.Anonymous(this=jw, expressions=list(n.expressions))
        if name in ("jaro_similarity", "damerau_levenshtein", "jaccard"):
            raise TranspileError(f"{name}(): no Spark function with DuckDB's results (see DUCKDB_JARO_WINKLER)")
        if (hasattr(exp, "RegexpFullMatch") and isinstance(n, exp.RegexpFullMatch)) or name == "regexp_full_match":
            this, pattern = (n.this, n.expression) if not name else tuple(n.expressions[:2])
            if isinstance(pattern, exp.Literal) and pattern.is_string:
                anchored = exp.Literal.string(f"^(?:{pattern.this})$")
            else:
                anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$")])
            return exp.RegexpLike(this=this, expression=anchored)
        if name in ("try_strptime", "strptime"):
            value, fmt = n.expressions[0], n.expressions[1]
            if not (isinstance(fmt, exp.Literal) and fmt.is_string):
                raise TranspileError(f"{name}(): the format must be a constant string")
            fn = "try_to_timestamp" if name == "try_strptime" else "to_timestamp"
            return exp.Anonymous(this=fn, expressions=[value, exp.Literal.string(_spark_time_format(fmt.this))])
        if isinstance(n, exp.RegexpReplace):
            return _regexp_replace(n)
        if isinstance(n, exp.DateDiff) and n.args.get("date_part_boundary"):
            return _date_diff(n)
        if (hasattr(exp, "DayOfWeekIso") and isinstance(n, exp.DayOfWeekIso)) or name == "isodow":
            arg = n.this if not name else n.expressions[0]
            return exp.Paren(this=exp.Add(this=exp.Anonymous(this="weekday", expressions=[arg]),
                                          expression=exp.Literal.number(1)))
        if isinstance(n, exp.Length) and _is_array(n.this, arrays):
            return exp.ArraySize(this=n.this)
        if isinstance(n, exp.Bracket) and len(n.expressions) == 1 and isinstance(n.expressions[0], exp.Slice):
            sl = n.expressions[0]
            lo, hi = sl.this, sl.expression
            if lo is None or hi is None:
                raise TranspileError("a slice [a:b] needs both bounds to be translated")
            lo_i, hi_i = _int_literal(lo), _int_literal(hi)
            if lo_i is not None and hi_i is not None:
                length = exp.Literal.number(max(hi_i - lo_i + 1, 0))
            else:
                length = exp.Paren(this=exp.Add(this=exp.Sub(this=hi.copy(), expression=lo.copy()),
                                                expression=exp.Literal.number(1)))
            if _is_array(n.this, arrays):
                return exp.Anonymous(this="slice", expressions=[n.this, lo, length])
            return exp.Substring(this=n.this, start=lo, length=length)
        if isinstance(n, exp.GenerateSeries):
            return _empty_if_backwards(n)
        return n

    return _bottom_up(node, replace)


def _name_qualify_projections(node: exp.Expression) -> exp.Expression:
    """sqlglot rewrites QUALIFY into an outer query that names inner projections by their text."""
    for select in node.find_all(exp.Select):
        if not select.args.get("qualify"):
            continue
        new = []
        for i, p in enumerate(select.expressions):
            if isinstance(p, (exp.Alias, exp.Column, exp.Star)):
                new.append(p)
            else:
                new.append(exp.alias_(p, f"_col{i}"))
        select.set("expressions", new)
    return node


def _array_aliases(query: exp.Expression, arrays: set[str]) -> set[str]:
    """Names of the list-valued columns a query makes (for len() -> size() further on)."""
    out = set()
    if isinstance(query, exp.Query):
        for p in getattr(query, "selects", []):
            if isinstance(p, exp.Alias) and _is_array(p.this, arrays):
                out.add(p.alias.lower())
    return out


# --------------------------------------------------------------------------------------------
# Statements


@dataclass
class Statement:
    """One DuckDB statement in Spark terms.

    kind: 'create' (CREATE [OR REPLACE] TABLE t AS q: q becomes view t), 'view' (CREATE VIEW),
    'insert' (INSERT INTO t q), 'empty' (CREATE TABLE IF NOT EXISTS t (columns): an empty view
    with `columns` when t is missing), 'query' (anything else: run as it is).
    """

    kind: str
    target: str | None
    query: str
    columns: list[str] | None = None  # INSERT INTO t (a, b) ...; or the DDL columns of 'empty'
    source: str = ""  # the DuckDB text, for error messages

    @property
    def sql(self) -> str:
        if self.kind in ("create", "view"):
            return f"CREATE OR REPLACE TEMPORARY VIEW {self.target} AS\n{self.query}"
        if self.kind == "insert":
            cols = f" ({', '.join(self.columns)})" if self.columns else ""
            return f"INSERT INTO {self.target}{cols}\n{self.query}"
        if self.kind == "empty":
            return f"CREATE TABLE IF NOT EXISTS {self.target} ({', '.join(self.columns or [])})"
        return self.query


def _to_spark(node: exp.Expression, variables: dict, macros: dict[str, Macro], arrays: set[str]) -> str:
    node = _expand_macros(node.copy(), macros)
    node = _substitute_variables(node, variables)
    node = _map_functions(node, arrays)
    node = _name_qualify_projections(node)
    try:
        return node.sql(dialect="spark", pretty=True, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as e:
        raise TranspileError(f"sqlglot cannot write this for Spark: {e}") from e


def parse(sql: str) -> list[exp.Expression]:
    return [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]


def convert(stmt: exp.Expression, variables: dict | None = None, macros: dict[str, Macro] | None = None,
            arrays: Iterable[str] = ()) -> Statement | None:
    """One parsed DuckDB statement as a Spark Statement; None for a macro definition."""
    variables = variables or {}
    macros = load_macros() if macros is None else macros
    arrays = {a.lower() for a in arrays}
    source = stmt.sql(dialect="duckdb")
    if isinstance(stmt, exp.Create):
        kind = str(stmt.args.get("kind", "")).upper()
        if kind == "MACRO":
            return None
        target_node = stmt.this
        if kind in ("TABLE", "VIEW") and stmt.expression is not None:
            name = target_node.name if isinstance(target_node, exp.Table) else target_node.this.name
            q = _to_spark(stmt.expression, variables, macros, arrays)
            return Statement("create" if kind == "TABLE" else "view", name, q, source=source)
        if kind == "TABLE" and isinstance(target_node, exp.Schema):
            cols = [f"{c.name} {c.args['kind'].sql(dialect='spark')}" for c in target_node.expressions
                    if isinstance(c, exp.ColumnDef)]
            if not stmt.args.get("exists"):
                raise TranspileError(f"CREATE TABLE without AS or IF NOT EXISTS: {source[:120]}")
            return Statement("empty", target_node.this.name, "", columns=cols, source=source)
        raise TranspileError(f"no Spark form for CREATE {kind}: {source[:120]}")
    if isinstance(stmt, exp.Insert):
        target = stmt.this
        cols = None
        if isinstance(target, exp.Schema):
            cols = [c.name for c in target.expressions]
            target = target.this
        q = _to_spark(stmt.expression, variables, macros, arrays)
        return Statement("insert", target.name, q, columns=cols, source=source)
    return Statement("query", None, _to_spark(stmt, variables, macros, arrays), source=source)


def transpile(sql: str, variables: dict | None = None, *, macros: dict[str, Macro] | None = None,
              arrays: Iterable[str] = ()) -> str:
    """DuckDB SQL (a publish/sql file) as Spark SQL text, statements separated by `;`.

    `variables` gives the value of every `getvariable()`; macros default to macros.sql. List
    columns made by earlier statements are followed, so `len()` on them becomes `size()`; pass
    `arrays` for list columns of the input tables.
    """
    return ";\n\n".join(s.sql for s in statements(sql, variables, macros=macros, arrays=arrays)) + ";\n"


def statements(sql: str, variables: dict | None = None, *, macros: dict[str, Macro] | None = None,
               arrays: Iterable[str] = ()) -> list[Statement]:
    macros = load_macros() if macros is None else macros
    known = {a.lower() for a in arrays}
    out = []
    for stmt in parse(sql):
        st = convert(stmt, variables, macros, known)
        if st is None:
            continue
        body = stmt.expression if isinstance(stmt, (exp.Create, exp.Insert)) else stmt
        if body is not None:
            known |= _array_aliases(body, known)
        out.append(st)
    return out


# --------------------------------------------------------------------------------------------
# Running on a SparkSession


def spark_session(app: str = "bansos-terbuka", master: str = "local[1]", *, shuffle_partitions: int = 2,
                  driver_memory: str = "1g", conf: dict[str, str] | None = None):
    """A SparkSession with Splink's similarity jar, UTC, small shuffles and no UI (local mode)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.jars", similarity_jar_location())
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
               .config("spark.default.parallelism", str(shuffle_partitions))
               .config("spark.driver.memory", driver_memory)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    for k, v in (conf or {}).items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    register_udfs(spark)
    register_functions(spark)
    return spark


def register_udfs(spark) -> None:
    """Splink's Scala similarity functions (the jar must be on the session's classpath)."""
    from pyspark.sql.types import DoubleType

    for name, cls in SPLINK_UDFS.items():
        spark.udf.registerJavaFunction(name, cls, DoubleType())


def to_spark_frame(spark, data):
    """A Spark DataFrame from a Spark DataFrame, a Parquet path, a pyarrow Table, a DuckDB relation
    or pandas."""
    from pyspark.sql import DataFrame

    if isinstance(data, DataFrame):
        return data
    if isinstance(data, Path):
        return spark.read.parquet(str(data))
    if hasattr(data, "to_arrow_table"):  # DuckDB relation
        data = data.to_arrow_table()
    try:
        import pyarrow as pa

        if isinstance(data, pa.Table):
            data = _spark_friendly_arrow(data)
            if data.num_rows == 0:
                from pyspark.sql.pandas.types import from_arrow_schema
                return spark.createDataFrame([], schema=from_arrow_schema(data.schema))
    except ImportError:  # pragma: no cover
        pass
    return spark.createDataFrame(data)


def _spark_friendly_arrow(table):
    """Arrow types Spark reads: plain (not large or view) strings and lists."""
    import pyarrow as pa

    def fix(t):
        if pa.types.is_large_string(t) or (hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t)):
            return pa.string()
        if pa.types.is_large_list(t):
            return pa.list_(fix(t.value_type))
        if pa.types.is_list(t):
            return pa.list_(fix(t.value_type))
        return t

    schema = pa.schema([pa.field(f.name, fix(f.type), f.nullable) for f in table.schema])
    return table.cast(schema) if schema != table.schema else table


def duckdb_tables(con, names: Iterable[str]) -> dict:
    """Arrow copies of DuckDB tables or views, to hand to Spark."""
    return {n: con.sql(f"SELECT * FROM {n}").to_arrow_table() for n in names}


def export_parquet(con, names: Iterable[str], directory: Path) -> dict[str, Path]:
    """DuckDB tables or views written as Parquet (one file each), as a cluster would read them."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for n in names:
        path = directory / f"{n}.parquet"
        con.execute(f"COPY (SELECT * FROM {n}) TO '{path}' (FORMAT parquet)")
        out[n] = path
    return out


def tables_read(files: Iterable[str], *, made_elsewhere: Iterable[str] = ()) -> list[str]:
    """The tables publish/sql files read (macros expanded) that none of them, run in this order,
    makes: what a Spark job must be given."""
    made = {m.lower() for m in made_elsewhere}
    macros = load_macros()
    read: list[str] = []
    for name in files:
        for stmt in parse(sql_text(name)):
            if isinstance(stmt, exp.Create) and str(stmt.args.get("kind", "")).upper() == "MACRO":
                continue
            target, body = None, stmt
            if isinstance(stmt, (exp.Create, exp.Insert)):
                t = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
                target = t.name.lower()
                body = stmt.expression
            if body is None:  # CREATE TABLE IF NOT EXISTS t (...): an input with a default
                continue
            body = _expand_macros(body.copy(), macros)
            ctes = {c.alias_or_name.lower() for c in body.find_all(exp.CTE)}
            for table in body.find_all(exp.Table):
                n = table.name.lower()
                if n and n not in made and n not in ctes and n not in read:
                    read.append(n)
            if isinstance(stmt, exp.Insert) and target not in made and target not in read:
                read.append(target)
            if target:
                made.add(target)
    return read


@dataclass
class SparkSQL:
    """Runs publish/sql files on a SparkSession: views stand for DuckDB's tables."""

    spark: Any
    variables: dict = field(default_factory=dict)
    macros: dict | None = None
    # How a CREATE TABLE result is kept: "local_checkpoint" (executor storage, lineage cut; local
    # mode), "checkpoint" (reliable, in the checkpoint directory; a cluster), "cache" or "none".
    materialise: str = "local_checkpoint"
    timings: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self):
        if self.macros is None:
            self.macros = load_macros()
        register_functions(self.spark)
        self.arrays: set[str] = set()

    # tables ------------------------------------------------------------------------------------
    def register(self, name: str, data) -> None:
        from pyspark.sql import DataFrame
        from pyspark.sql import functions as F

        given = isinstance(data, DataFrame)
        df = to_spark_frame(self.spark, data)
        if given:  # fresh column ids: two inputs derived from one DataFrame would confuse joins
            df = df.select(*[F.col(f"`{c}`").alias(c) for c in df.columns])
        self._note_arrays(df)
        df.createOrReplaceTempView(name)

    def table(self, name: str):
        return self.spark.table(name)

    def exists(self, name: str) -> bool:
        return self.spark.catalog.tableExists(name)

    def _note_arrays(self, df) -> None:
        from pyspark.sql.types import ArrayType

        self.arrays |= {f.name.lower() for f in df.schema.fields if isinstance(f.dataType, ArrayType)}

    def _keep(self, name: str, df) -> None:
        if self.materialise == "local_checkpoint":  # computed once, on first use; short plans after
            df = df.localCheckpoint(eager=False)
        elif self.materialise == "checkpoint":
            df = df.checkpoint(eager=False)
        elif self.materialise == "cache":  # kept when first computed
            df = df.cache()
        elif self.materialise != "none":
            raise ValueError(f"materialise: {self.materialise!r} is not one of local_checkpoint, "
                             "checkpoint, cache, none")
        self._note_arrays(df)
        df.createOrReplaceTempView(name)

    # statements --------------------------------------------------------------------------------
    def run(self, sql: str) -> list[Statement]:
        """Run DuckDB SQL text statement by statement; returns what ran, in Spark terms."""
        done = []
        for stmt in parse(sql):
            st = convert(stmt, self.variables, self.macros, self.arrays)
            if st is None:
                continue
            t = time.perf_counter()
            try:
                self._execute(st)
            except TranspileError:
                raise
            except Exception as e:  # name the statement: Spark's messages rarely do
                raise RuntimeError(f"Spark failed on {st.kind} {st.target or ''}: {e}\n--- Spark SQL ---\n"
                                   f"{st.sql}") from e
            self.timings.append((st.target or st.kind, time.perf_counter() - t))
            done.append(st)
        return done

    def run_file(self, name: str) -> list[Statement]:
        return self.run(sql_text(name))

    def _execute(self, st: Statement) -> None:
        if st.kind == "create":
            self._keep(st.target, self.spark.sql(st.query))
        elif st.kind == "view":
            self.spark.sql(st.query).createOrReplaceTempView(st.target)
        elif st.kind == "empty":
            if not self.exists(st.target):
                self.spark.createDataFrame([], ", ".join(st.columns)).createOrReplaceTempView(st.target)
        elif st.kind == "insert":
            self._insert(st)
        else:
            self.spark.sql(st.query).collect()

    def _insert(self, st: Statement) -> None:
        from pyspark.sql import functions as F

        current = self.table(st.target)
        new = self.spark.sql(st.query)
        cols = st.columns or current.columns
        if len(new.columns) != len(cols):
            raise RuntimeError(f"INSERT INTO {st.target}: {len(new.columns)} values for {len(cols)} columns")
        types = {f.name: f.dataType for f in current.schema.fields}
        new = new.toDF(*cols)
        new = new.select(*[(F.col(c).cast(types[c]) if c in cols else F.lit(None).cast(types[c])).alias(c)
                           for c in current.columns])
        self._keep(st.target, current.unionByName(new))


# --------------------------------------------------------------------------------------------
# The indicator layer and the links


def fact_names() -> list[str]:
    """Published tables whose SQL file makes fact_<table>, in the build's order."""
    from .schemas import output_names

    out = []
    for name in output_names():
        path = SQL_DIR / f"{name}.sql"
        if path.exists() and f"fact_{name}" in path.read_text(encoding="utf-8"):
            out.append(name)
    return out


def indicator_inputs() -> list[str]:
    """The tables the indicator SQL reads: the staged lists, the unified layer and the links."""
    return tables_read(INDICATOR_SHARED_FILES + fact_names(), made_elsewhere=["forbidden_combinations"])


def linkage_inputs() -> list[str]:
    """The tables the linkage SQL reads: the staged lists and the region list's kecamatan."""
    return tables_read(["macros"] + LINKAGE_FILES + ["linked_probabilistic", "linked_unknown", "linked_complaints"],
                       made_elsewhere=["splink_pairs", "splink_unknown", "splink_clusters"])


def forbidden_combinations(config: dict) -> list[tuple[str, str]]:
    return [(a, b) for a, b in config["combinations"]["forbidden"]]


def run_indicators_on_spark(spark, tables: dict, variables: dict, *, forbidden: list[tuple[str, str]] | None = None,
                            runner: SparkSQL | None = None) -> dict:
    """Every indicator SQL file on Spark: {table name: fact_<table> DataFrame}.

    `tables` holds what the indicator SQL reads (stg_* tables, stg_recipients, linked,
    person_records, population_records, nik_status; Spark DataFrames or Arrow tables), `variables`
    the getvariable values (see pipeline_variables), `forbidden` the configured pairs of schemes
    that one family must not hold together (forbidden_combinations(config)).
    """
    runner = runner or SparkSQL(spark, dict(variables))
    for name, data in tables.items():
        runner.register(name, data)
    if forbidden is not None or not runner.exists("forbidden_combinations"):
        runner.register("forbidden_combinations", spark.createDataFrame(
            [tuple(p) for p in (forbidden or [])], "scheme_a STRING, scheme_b STRING"))
    for name in INDICATOR_SHARED_FILES:
        runner.run_file(name)
    out = {}
    for name in fact_names():
        runner.run_file(name)
        out[name] = runner.table(f"fact_{name}")
    return out


def link_on_spark(spark, tables: dict, variables: dict, model_json: dict | str | Path, threshold: float, *,
                  runner: SparkSQL | None = None, jaro_winkler: str = "duckdb") -> SparkSQL:
    """publish.linked.link on Spark, with a model trained by the DuckDB build.

    The SQL files make person_records, population_records, nik_status and the exact links; Splink's
    Spark backend scores the rest against the population register, then deduplicates what is
    still unknown; the SQL files turn both into links, and link the complaints by NIK. `tables`:
    what linkage_inputs() names. Returns the runner: its views hold `linked` and every step.
    """
    runner = runner or SparkSQL(spark, dict(variables))
    for name, data in tables.items():
        runner.register(name, data)
    runner.run_file("macros")  # its CREATE TABLE IF NOT EXISTS known_kecamatan
    for name in LINKAGE_FILES:
        runner.run_file(name)
    if runner.table("link_rest").limit(1).count():
        left = linker_input(spark, "link_rest")
        right = linker_input(spark, "(SELECT *, 'ok' AS nik_structure FROM population_records)")
        runner.register("splink_pairs", predict_links_on_spark(spark, model_json, left, right, threshold,
                                                               jaro_winkler=jaro_winkler))
        runner.run_file("linked_probabilistic")
        if runner.table("link_unknown").limit(1).count():
            unknown = linker_input(spark, "link_unknown")
            runner.register("splink_unknown", unknown)
            runner.register("splink_clusters", cluster_unknown_on_spark(spark, model_json, unknown, threshold,
                                                                        jaro_winkler=jaro_winkler))
            runner.run_file("linked_unknown")
    runner.run_file("linked_complaints")
    return runner


# The same columns as publish.linked._linker_input.
_LINKER_INPUT = """
SELECT concat(resource, '/', record_id) AS uid, resource, record_id,
       CASE WHEN nik_structure = 'ok' THEN nik END AS nik,
       CASE WHEN nik_structure = 'ok' THEN substring(nik, 1, 12) END AS nik_prefix,
       kk, name_norm, sex, birth_text, desa_code
FROM {source}"""


def linker_input(spark, source: str):
    """Splink's input columns from a view of person records (link_rest, population_records...)."""
    return spark.sql(_LINKER_INPUT.format(source=source))


# --------------------------------------------------------------------------------------------
# Splink


def transpile_expression(sql: str, *, jaro_winkler: str = "duckdb") -> str:
    """One DuckDB SQL expression (a Splink comparison level or blocking rule) in Spark SQL."""
    node = sqlglot.parse_one(sql, read="duckdb", into=exp.Condition) if sql.strip().upper() != "ELSE" else None
    if node is None:
        return sql
    node = _map_functions(node, set(), jaro_winkler)
    return node.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def spark_model(model: dict | str | Path, *, jaro_winkler: str = "duckdb") -> dict:
    """A Splink model trained and saved on DuckDB, with its SQL in Spark's dialect.

    Splink keeps each comparison level and blocking rule as SQL of the dialect it was trained in
    and does not translate it when the model is loaded into another backend: DuckDB's
    `"name_l"` quoting and `jaro_winkler_similarity` mean other things in Spark.
    """
    if isinstance(model, Path) or (isinstance(model, str) and not model.lstrip().startswith("{")):
        model = json.loads(Path(model).read_text(encoding="utf-8"))
    elif isinstance(model, str):
        model = json.loads(model)
    m = copy.deepcopy(model)
    source = m.get("sql_dialect", "duckdb")
    if source != "duckdb":
        raise TranspileError(f"spark_model: the model's SQL is {source}, not duckdb")
    m["sql_dialect"] = "spark"
    for comparison in m.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            level["sql_condition"] = transpile_expression(level["sql_condition"], jaro_winkler=jaro_winkler)
    rules = []
    for rule in m.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule = dict(rule, blocking_rule=transpile_expression(rule["blocking_rule"], jaro_winkler=jaro_winkler),
                        sql_dialect="spark")
        else:
            rule = transpile_expression(rule, jaro_winkler=jaro_winkler)
        rules.append(rule)
    m["blocking_rules_to_generate_predictions"] = rules
    return m


def spark_linker_api(spark):
    """Splink's Spark backend, breaking lineage by writing Parquet to the checkpoint directory.

    Splink's iterative steps (connected components) grow a plan without bound unless lineage is
    cut, and persisting does not cut it: in local mode a temporary checkpoint directory is made
    when none is set; on a cluster set one on shared storage (sparkContext.setCheckpointDir).
    """
    import tempfile

    from splink.backends.spark import SparkAPI

    register_functions(spark)
    sc = spark.sparkContext
    if sc._jsc.sc().getCheckpointDir().isEmpty():
        if not sc.master.startswith("local"):
            raise RuntimeError("Set a checkpoint directory on shared storage first: "
                               "spark.sparkContext.setCheckpointDir('hdfs://.../splink-checkpoints')")
        sc.setCheckpointDir(tempfile.mkdtemp(prefix="splink-checkpoints-"))
    return SparkAPI(spark_session=spark, break_lineage_method="parquet")


def predict_links_on_spark(spark, model_json: dict | str | Path, left, right, threshold: float, *,
                           jaro_winkler: str = "duckdb"):
    """Score `left` against `right` (link_only) with a saved DuckDB-trained Splink model on Spark.

    Returns a Spark DataFrame (uid_l, uid_r, match_probability) of the pairs at or above
    `threshold`, like the `splink_pairs` table of publish.linked.
    """
    import logging

    from splink import Linker

    db = spark_linker_api(spark)
    model = spark_model(model_json, jaro_winkler=jaro_winkler)
    model["link_type"] = "link_only"
    # Splink names the inputs (and may replace its own earlier ones), as publish.linked lets it.
    # Their lineage is cut first: Splink's SQL reads each input several times.
    lf = db.register(to_spark_frame(spark, left).localCheckpoint())
    rf = db.register(to_spark_frame(spark, right).localCheckpoint())
    linker = Linker([lf, rf], model, log_level=logging.ERROR)
    pred = linker.inference.predict(threshold_match_probability=threshold)
    return pred.as_spark_dataframe().select("uid_l", "uid_r", "match_probability")


def cluster_unknown_on_spark(spark, model_json: dict | str | Path, records, threshold: float, *,
                             jaro_winkler: str = "duckdb"):
    """The dedupe step of publish.linked on Spark: (uid, cluster_id) of records no register knows."""
    import logging

    from splink import Linker

    db = spark_linker_api(spark)
    model = spark_model(model_json, jaro_winkler=jaro_winkler)
    model["link_type"] = "dedupe_only"
    df = db.register(to_spark_frame(spark, records).localCheckpoint())
    linker = Linker(df, model, log_level=logging.ERROR)
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold)
    return clusters.as_spark_dataframe().select("uid", "cluster_id")
