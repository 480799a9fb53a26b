"""Query-plan analysis and index suggestions, from the server's EXPLAIN and a real SQL parser.

``explain`` asks the server for ``EXPLAIN FORMAT=JSON`` (MariaDB and MySQL 8 answer in
different shapes; both are read) and falls back to the tabular EXPLAIN where JSON is not
supported. ``suggest_indexes`` reads the query with sqlglot, never with regexes, to find the
columns an index would need for each table the plan scans in full or sorts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pymysql
import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.tokens import TokenType

FULL_SCAN_ACCESS_TYPES = frozenset({"ALL", "index", "hash_ALL", "hash_index"})
_JSON_UNSUPPORTED_ERRORS = frozenset({1064, 1235})  # syntax error / not supported
_EQUALITY = (exp.EQ, exp.NullSafeEQ)
_RANGE = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.Like)
_MAX_INDEX_NAME = 64


@dataclass(frozen=True)
class TableAccess:
    """How the plan reads one table (named as the query names it: alias or table)."""

    table: str
    access_type: str | None
    key: str | None
    possible_keys: tuple[str, ...]
    rows: int
    filtered: float

    @property
    def full_scan(self) -> bool:
        return self.access_type in FULL_SCAN_ACCESS_TYPES


@dataclass(frozen=True)
class QueryPlan:
    """What the server intends to do for one statement."""

    sql: str
    tables: tuple[TableAccess, ...]
    filesort: bool
    temporary_table: bool
    messages: tuple[str, ...] = ()
    source: str = "json"

    @property
    def rows_examined(self) -> int:
        """Nested-loop estimate: each table's rows, times the rows that reach it."""
        total, reaching = 0.0, 1.0
        for access in self.tables:
            total += reaching * access.rows
            reaching *= max(access.rows * access.filtered / 100.0, 1.0)
        return round(total)

    @property
    def full_scan(self) -> bool:
        return any(access.full_scan for access in self.tables)

    @property
    def indexes(self) -> dict[str, str | None]:
        """The index chosen per table (None: no index)."""
        return {access.table: access.key for access in self.tables}

    def uses_index(self, name: str) -> bool:
        return name in self.indexes.values()


@dataclass(frozen=True)
class IndexSuggestion:
    """A B-tree index that would serve a scanned or sorted table."""

    table: str
    columns: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        return f"idx_{self.table}_{'_'.join(self.columns)}"[:_MAX_INDEX_NAME]

    def __str__(self) -> str:
        columns = ", ".join(_backquote(column) for column in self.columns)
        return f"CREATE INDEX {_backquote(self.name)} ON {_backquote(self.table)} ({columns})"


def explain(conn: pymysql.Connection, sql: str, params: Sequence[Any] = ()) -> QueryPlan:
    """Run EXPLAIN for ``sql`` with its parameters and analyse the answer."""
    with conn.cursor() as cur:
        try:
            cur.execute(f"EXPLAIN FORMAT=JSON {sql}", params)
            return analyze_plan(sql, cur.fetchone()[0])
        except pymysql.err.ProgrammingError as exc:
            if exc.args[0] not in _JSON_UNSUPPORTED_ERRORS:
                raise
        cur.execute(f"EXPLAIN {sql}", params)
        names = [column[0].lower() for column in cur.description]
        return analyze_tabular_plan(sql, [dict(zip(names, row, strict=True)) for row in cur])


def analyze_plan(sql: str, explain_json: str | Mapping[str, Any]) -> QueryPlan:
    """Read an ``EXPLAIN FORMAT=JSON`` document from MariaDB or MySQL 8."""
    document = json.loads(explain_json) if isinstance(explain_json, str) else explain_json
    tables: list[TableAccess] = []
    messages: list[str] = []
    filesort = temporary = False
    for key, value in _walk(document):
        if key == "table" and isinstance(value, Mapping) and "table_name" in value:
            tables.append(_json_table_access(value))
        elif key == "message" and isinstance(value, str):
            messages.append(value)
        # MariaDB names the operation ("filesort": {...}); MySQL flags it ("using_...": true).
        filesort |= key == "filesort" or (key == "using_filesort" and value is True)
        temporary |= key == "temporary_table" or (key == "using_temporary_table" and value is True)
    return QueryPlan(sql, tuple(tables), filesort, temporary, tuple(messages))


def analyze_tabular_plan(sql: str, rows: Sequence[Mapping[str, Any]]) -> QueryPlan:
    """Read the classic tabular EXPLAIN (rows keyed by lower-case column name)."""
    tables = tuple(
        TableAccess(
            table=str(row["table"]),
            access_type=row.get("type"),
            key=row.get("key"),
            possible_keys=tuple(filter(None, str(row.get("possible_keys") or "").split(","))),
            rows=int(row.get("rows") or 0),
            filtered=float(row.get("filtered") or 100.0),
        )
        for row in rows
        if row.get("table")
    )
    extras = [str(row.get("extra") or "") for row in rows]
    return QueryPlan(
        sql,
        tables,
        filesort=any("Using filesort" in extra for extra in extras),
        temporary_table=any("Using temporary" in extra for extra in extras),
        messages=tuple(
            extra for row, extra in zip(rows, extras, strict=True) if extra and not row["table"]
        ),
        source="tabular",
    )


def suggest_indexes(
    sql: str,
    plan: QueryPlan,
    existing: Mapping[str, Iterable[Sequence[str]]] | None = None,
) -> list[IndexSuggestion]:
    """Composite indexes for tables the plan scans in full or has to sort.

    Columns come from the parsed query, per table (aliases resolved): equality filters
    first, then join columns, then range filters, then the ORDER BY (or GROUP BY) columns.
    A suggestion that an ``existing`` index (table -> column lists, see ``index_columns``)
    already starts with is left out.
    """
    usage = _column_usage(parse_sql(sql))
    aliases = {alias: uses.table for alias, uses in usage.items()}
    reasons: dict[str, list[str]] = {}
    for access in plan.tables:
        if access.full_scan:
            table = aliases.get(access.table, access.table)
            reasons.setdefault(table, []).append(
                f"full scan ({access.access_type}, ~{access.rows} rows)"
            )
    if plan.filesort or plan.temporary_table:
        for uses in usage.values():
            if uses.sort:
                reasons.setdefault(uses.table, []).append(
                    "filesort" if plan.filesort else "temporary table"
                )
    suggestions = []
    for table, why in reasons.items():
        columns = _merge(uses.index_columns() for uses in usage.values() if uses.table == table)
        covered = any(
            tuple(index[: len(columns)]) == columns for index in (existing or {}).get(table, ())
        )
        if columns and not covered:
            suggestions.append(IndexSuggestion(table, columns, tuple(why)))
    return suggestions


def index_columns(
    conn: pymysql.Connection, tables: Iterable[str]
) -> dict[str, list[tuple[str, ...]]]:
    """The column lists of every index on ``tables`` in the current database."""
    names = sorted(set(tables))
    if not names:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = DATABASE() AND INDEX_TYPE <> 'FULLTEXT' "
            f"AND TABLE_NAME IN ({', '.join(['%s'] * len(names))}) "
            "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            names,
        )
        indexes: dict[tuple[str, str], list[str]] = {}
        for table, index, column in cur.fetchall():
            indexes.setdefault((table, index), []).append(column)
    result: dict[str, list[tuple[str, ...]]] = {}
    for (table, _), columns in indexes.items():
        result.setdefault(table, []).append(tuple(columns))
    return result


def parse_sql(sql: str) -> exp.Expression:
    """Parse MySQL SQL written with DB-API ``%s`` placeholders.

    sqlglot reads ``%s`` as a modulo, so the tokens ``%`` ``s`` (adjacent, outside string
    literals) are swapped for ``?`` before parsing.
    """
    tokens = MySQL().tokenize(sql)
    pieces: list[str] = []
    copied_up_to = 0
    for current, following in pairwise(tokens):
        if (
            current.token_type is TokenType.MOD
            and following.token_type is TokenType.VAR
            and following.text == "s"
            and following.start == current.end + 1
        ):
            pieces += [sql[copied_up_to : current.start], "?"]
            copied_up_to = following.end + 1
    pieces.append(sql[copied_up_to:])
    return sqlglot.parse_one("".join(pieces), read="mysql")


@dataclass
class _TableColumns:
    """The columns one table (under one alias) is filtered, joined and sorted on."""

    table: str
    equality: list[str] = field(default_factory=list)
    join: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)

    def index_columns(self) -> tuple[str, ...]:
        return _merge([self.equality, self.join, self.range, self.sort])


def _column_usage(statement: exp.Expression) -> dict[str, _TableColumns]:
    usage: dict[str, _TableColumns] = {}
    for scope in traverse_scope(statement):
        sources = {
            alias: _TableColumns(source.name)
            for alias, source in scope.sources.items()
            if isinstance(source, exp.Table)
        }
        for alias, uses in sources.items():
            usage.setdefault(alias, uses)
        select = scope.expression
        conditions = [select.args.get("where")] + [
            join.args.get("on") for join in select.args.get("joins") or ()
        ]
        for condition in filter(None, conditions):
            predicate = condition.this if isinstance(condition, exp.Where) else condition
            for conjunct in _conjuncts(predicate):
                _classify(conjunct, scope, usage)
        _collect_sort_columns(select, scope, usage)
    return usage


def _conjuncts(condition: exp.Expression) -> Iterator[exp.Expression]:
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        yield from _conjuncts(condition.this)
        yield from _conjuncts(condition.expression)
    else:
        yield condition


def _classify(conjunct: exp.Expression, scope: Scope, usage: dict[str, _TableColumns]) -> None:
    """File one AND-ed condition under equality, join or range for the tables it names."""
    if isinstance(conjunct, _EQUALITY):
        left, right = conjunct.this, conjunct.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            _add(left, scope, usage, "join")
            _add(right, scope, usage, "join")
        elif isinstance(left, exp.Column) or isinstance(right, exp.Column):
            column = left if isinstance(left, exp.Column) else right
            _add(column, scope, usage, "equality")
    elif isinstance(conjunct, exp.In | exp.Is) and isinstance(conjunct.this, exp.Column):
        _add(conjunct.this, scope, usage, "equality")
    elif isinstance(conjunct, _RANGE):
        for side in (conjunct.this, conjunct.args.get("expression")):
            if isinstance(side, exp.Column):
                _add(side, scope, usage, "range")


def _collect_sort_columns(
    select: exp.Expression, scope: Scope, usage: dict[str, _TableColumns]
) -> None:
    """ORDER BY (else GROUP BY) columns, if they all belong to one table."""
    order = select.args.get("order")
    group = select.args.get("group")
    if order is not None:
        expressions = [ordered.this for ordered in order.expressions]
    elif group is not None:
        expressions = list(group.expressions)
    else:
        return
    if not all(isinstance(expression, exp.Column) for expression in expressions):
        return
    owners = {_owner(column, scope) for column in expressions}
    if len(owners) == 1 and None not in owners:
        for column in expressions:
            _add(column, scope, usage, "sort")


def _owner(column: exp.Column, scope: Scope) -> str | None:
    """The alias of the table a column belongs to (unqualified: the only table in scope)."""
    if column.table:
        return column.table if column.table in scope.sources else None
    tables = [alias for alias, source in scope.sources.items() if isinstance(source, exp.Table)]
    return tables[0] if len(tables) == 1 else None


def _add(column: exp.Column, scope: Scope, usage: dict[str, _TableColumns], role: str) -> None:
    owner = _owner(column, scope)
    if owner is not None and owner in usage:
        getattr(usage[owner], role).append(column.name)


def _merge(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Concatenate column lists, keeping the first occurrence of each column."""
    return tuple(dict.fromkeys(column for group in groups for column in group))


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document, parents before children."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _json_table_access(table: Mapping[str, Any]) -> TableAccess:
    # MariaDB: rows / filtered as numbers. MySQL 8: rows_examined_per_scan, filtered as text.
    rows = table.get("rows", table.get("rows_examined_per_scan", 0))
    return TableAccess(
        table=str(table["table_name"]),
        access_type=table.get("access_type"),
        key=table.get("key"),
        possible_keys=tuple(table.get("possible_keys") or ()),
        rows=int(rows or 0),
        filtered=float(table.get("filtered", 100.0)),
    )


def _backquote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"
