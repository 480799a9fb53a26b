"""What every repository shares: a pool, an optional cache, and allow-listed SQL building.

Repositories speak parameterised SQL through pooled pymysql connections. Identifiers are
never taken from callers as they are: column names pass the subclass's allow-list first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import pymysql
from pydantic import BaseModel

from afirgen_fixtures.db.fulltext import SearchMode
from afirgen_fixtures.db.pool import ConnectionLostError, Pool

RecordT = TypeVar("RecordT", bound=BaseModel)
ValueT = TypeVar("ValueT")

_SEARCH_MODES: dict[str, str] = {
    "natural": "IN NATURAL LANGUAGE MODE",
    "boolean": "IN BOOLEAN MODE",
}
_ID_LOOKUP_CHUNK = 1000


class RecordNotFoundError(LookupError):
    """The row a write was meant for does not exist."""


class InvalidTransitionError(ValueError):
    """A status change that the FIR workflow does not allow (e.g. finalizing a draft)."""


class InvalidSearchError(ValueError):
    """A search expression MariaDB's FULLTEXT grammar refuses (its boolean grammar differs
    between versions, so the API's own pattern cannot catch every case first)."""


class CacheLike(Protocol):
    """The part of ``afirgen_fixtures.cache.CacheManager`` the repositories rely on.

    ``get_or_fetch`` must return a ``None`` from ``fetch`` without caching it (so a row
    inserted later is seen at once), and with ``model=`` validate a cached JSON object or
    list back into that model (or a list of it).
    """

    def get_or_fetch(
        self,
        kind: str,
        ident: str,
        fetch: Callable[[], ValueT],
        *,
        ttl: int | None = None,
        model: type[BaseModel] | None = None,
        tags: Iterable[str] = (),
    ) -> ValueT: ...

    def set_many(
        self,
        kind: str,
        items: Mapping[str, Any],
        *,
        ttl: int | None = None,
        tags: Iterable[str] = (),
    ) -> bool: ...

    def delete(self, kind: str, ident: str) -> bool: ...

    def invalidate_tags(self, *tags: str) -> int: ...


def quote_column(name: str, allowed: Iterable[str]) -> str:
    """Backquote ``name`` if it is in the allow-list; the only way a column enters SQL."""
    if name not in allowed:
        raise ValueError(f"unknown column {name!r}; allowed: {', '.join(sorted(allowed))}")
    return f"`{name}`"


def match_against(columns: Sequence[str], mode: SearchMode) -> str:
    """``MATCH(cols) AGAINST(%s IN ... MODE)`` for a FULLTEXT index over ``columns``."""
    if mode not in _SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}; use 'natural' or 'boolean'")
    return f"MATCH({', '.join(f'`{c}`' for c in columns)}) AGAINST(%s {_SEARCH_MODES[mode]})"


class BaseRepository(ABC, Generic[RecordT]):
    """One table: lookups by primary key, selective columns, counting, bulk inserts."""

    table: ClassVar[str]
    primary_key: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    """Every column a caller may select, in table order; also the allow-list."""

    def __init__(self, pool: Pool, cache: CacheLike | None = None) -> None:
        self.pool = pool
        self.cache = cache
        self._select_by_pk = (
            f"SELECT {self.column_list(self.columns)} FROM `{self.table}` "
            f"WHERE `{self.primary_key}` = %s"
        )

    @abstractmethod
    def _row_to_model(self, row: dict[str, Any]) -> RecordT:
        """Turn one row (column name -> value) into the record model."""

    def column_list(self, names: Iterable[str], alias: str | None = None) -> str:
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + quote_column(name, self.columns) for name in names)

    def get_by_id(self, record_id: Any) -> RecordT | None:
        row = self._fetch_one(self._select_by_pk, (record_id,))
        return None if row is None else self._row_to_model(row)

    def get_columns(self, record_id: Any, columns: Sequence[str]) -> dict[str, Any] | None:
        """Only the named columns of one row (never ``SELECT *``)."""
        if not columns:
            raise ValueError("name at least one column")
        return self._fetch_one(
            f"SELECT {self.column_list(columns)} FROM `{self.table}` "
            f"WHERE `{self.primary_key}` = %s",
            (record_id,),
        )

    def count(self) -> int:
        row = self._fetch_one(f"SELECT COUNT(*) AS n FROM `{self.table}`", ())
        return int(row["n"]) if row else 0

    def _fetch_all(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Run a read; once more on a fresh connection if the pooled one turned out dead."""
        try:
            with self.pool.connection() as conn:
                return fetch_dicts(conn, sql, params)
        except ConnectionLostError:
            with self.pool.connection() as conn:
                return fetch_dicts(conn, sql, params)

    def _fetch_one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        rows = self._fetch_all(sql, params)
        return rows[0] if rows else None

    def _execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one autocommit write; return the number of rows it changed."""
        with self.pool.connection() as conn, conn.cursor() as cur:
            return cur.execute(sql, params)

    def _insert_many(
        self, conn: pymysql.Connection, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """One multi-row INSERT (pymysql batches ``executemany`` up to 1 MB per statement)."""
        placeholders = ", ".join(["%s"] * len(columns))
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO `{self.table}` ({self.column_list(columns)}) VALUES ({placeholders})",
                rows,
            )

    def _ids_by_unique_key(
        self, conn: pymysql.Connection, column: str, values: Sequence[str]
    ) -> list[int]:
        """The primary keys of rows just inserted, in the order of ``values``.

        Looked up by a unique column because AUTO_INCREMENT ids of a multi-row insert are
        only consecutive under some ``innodb_autoinc_lock_mode`` settings.
        """
        found: dict[str, int] = {}
        quoted = quote_column(column, self.columns)
        for start in range(0, len(values), _ID_LOOKUP_CHUNK):
            chunk = values[start : start + _ID_LOOKUP_CHUNK]
            rows = fetch_dicts(
                conn,
                f"SELECT `{self.primary_key}` AS pk, {quoted} AS uk FROM `{self.table}` "
                f"WHERE {quoted} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            found.update((row["uk"], int(row["pk"])) for row in rows)
        return [found[value] for value in values]

    def _cached(
        self,
        kind: str,
        ident: object,
        fetch: Callable[[], ValueT],
        *,
        model: type[BaseModel],
        tags: Iterable[str] = (),
    ) -> ValueT:
        """Cache-aside read when a cache is configured; the cache picks the TTL per kind."""
        if self.cache is None:
            return fetch()
        return self.cache.get_or_fetch(kind, str(ident), fetch, model=model, tags=tags)


def fetch_dicts(conn: pymysql.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Run a SELECT and return its rows as dicts keyed by the selected column names."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        names = [column[0] for column in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
