"""The connection pool: a bounded LIFO of pymysql connections, handing out DB-API connections.

Repositories speak plain parameterised SQL through pymysql cursors; the pool only bounds,
reuses, recycles and checks connections. Connections are autocommit; writes that must be
atomic go through ``Pool.transaction()``.

Why not SQLAlchemy's ``QueuePool``, which this pool replaced: its checkout and return (the
connection fairy, its event dispatch and reset logic) took 86,141 instructions, a lock and a
list take 25,391 (``cost.Database.track_instructions('ConnectionAcquisition(10000)')``), and a
primary-key read through the repository went from 1.60x to 1.23x a raw pymysql select
(README, "Seed goals"). What it did for us is kept:

* at most ``pool_size + max_overflow`` connections; a caller waits ``pool_timeout_s`` for one,
  then gets ``PoolExhaustedError``; connections beyond ``pool_size`` close when returned;
* a connection older than ``pool_recycle_s`` is replaced before use;
* a connection idle for longer than ``ping_idle_s`` is pinged before use (a server restart or
  an idle timeout most likely hit those); one back from use moments ago is not (a ping is a
  round trip, about a sixth of a primary-key read);
* a connection that turns out dead in use is discarded with every connection opened before
  it, and the block's error is raised as ``ConnectionLostError``, which idempotent reads retry
  once;
* ``CLIENT.FOUND_ROWS``, as SQLAlchemy's pymysql dialect set it: an UPDATE reports the rows it
  matched, not only those whose values changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pymysql
from pymysql.constants import CLIENT

from afirgen_fixtures.config import MySQLTarget, Settings


class PoolExhaustedError(RuntimeError):
    """Every pooled connection stayed busy for longer than the configured wait."""


class DatabaseUnavailableError(RuntimeError):
    """MariaDB/MySQL could not be reached; callers may answer 503 and retry later."""


class ConnectionLostError(DatabaseUnavailableError):
    """The connection broke while in use (e.g. MariaDB restarted); a read may be retried."""


# pymysql's client errors for a connection the server no longer answers on.
_CONNECTION_LOST = frozenset({2006, 2013, 2014, 2045, 2055})


def _is_connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, pymysql.err.InterfaceError):
        return True  # pymysql raises it for a connection it already knows is closed
    return isinstance(exc, pymysql.err.OperationalError) and bool(
        exc.args and exc.args[0] in _CONNECTION_LOST
    )


@dataclass(slots=True)
class _Pooled:
    """One open connection and the two moments its checks depend on."""

    conn: pymysql.Connection
    opened_at: float = field(default_factory=time.monotonic)
    returned_at: float = field(default_factory=time.monotonic)


class Pool:
    """A bounded pool of pymysql connections to one database."""

    def __init__(self, target: MySQLTarget, settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self.target = target
        self.size = settings.pool_size
        self.max_overflow = settings.pool_max_overflow
        self.timeout_s = settings.pool_timeout_s
        self.recycle_s = settings.pool_recycle_s
        self.ping_idle_s = settings.pool_ping_idle_s if settings.pool_pre_ping else None
        self._connect_kwargs = {**target.connect_kwargs(), "client_flag": CLIENT.FOUND_ROWS}
        self._idle: list[_Pooled] = []  # LIFO: the most recently used connection goes out first
        self._open = 0  # idle + checked out
        self._valid_since = 0.0  # connections opened before this moment are discarded
        self._available = threading.Condition(threading.Lock())

    # -- checkout and return ---------------------------------------------------------------

    @contextmanager
    def connection(self) -> Iterator[pymysql.Connection]:
        """Borrow a connection; it goes back to the pool when the block ends."""
        pooled = self._checkout()
        try:
            yield pooled.conn
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
            if not _is_connection_lost(exc):
                self._checkin(pooled)
                raise
            # Discard it, and its idle siblings on their next use: they most likely died with it.
            self._discard(pooled, all_older=True)
            raise ConnectionLostError(
                f"lost the connection to MariaDB at {self.target.host}:{self.target.port}: {exc}"
            ) from exc
        except BaseException:
            self._checkin(pooled)
            raise
        self._checkin(pooled)

    @contextmanager
    def transaction(self) -> Iterator[pymysql.Connection]:
        """A connection inside BEGIN ... COMMIT, rolled back if the block raises."""
        with self.connection() as conn:
            conn.begin()
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _checkout(self) -> _Pooled:
        with self._available:
            pooled = self._take_or_reserve()
        if pooled is None:
            return self._open_connection()
        now = time.monotonic()
        if pooled.opened_at < self._valid_since or now - pooled.opened_at > self.recycle_s:
            self._close(pooled.conn)
            return self._open_connection()
        if self.ping_idle_s is not None and now - pooled.returned_at > self.ping_idle_s:
            try:
                pooled.conn.ping(reconnect=False)
            except pymysql.err.MySQLError:
                self._close(pooled.conn)
                return self._open_connection()
        return pooled

    def _take_or_reserve(self) -> _Pooled | None:
        """An idle connection, or None with a slot counted for a new one (lock held).

        Waits for a connection to come back while all of them are busy, at most
        ``timeout_s``.
        """
        limit = self.size + self.max_overflow
        deadline: float | None = None
        while True:
            if self._idle:
                return self._idle.pop()
            if self._open < limit:
                self._open += 1
                return None
            now = time.monotonic()
            deadline = now + self.timeout_s if deadline is None else deadline
            if now >= deadline:
                raise PoolExhaustedError(
                    f"all {limit} database connections stayed busy for {self.timeout_s:g} s; "
                    "raise AFIRGEN_POOL_SIZE or find the slow query"
                )
            self._available.wait(deadline - now)

    def _open_connection(self) -> _Pooled:
        """Open the connection a reserved slot stands for; free the slot if that fails."""
        try:
            return _Pooled(pymysql.connect(**self._connect_kwargs))
        except BaseException as exc:
            with self._available:
                self._open -= 1
                self._available.notify()
            if isinstance(exc, pymysql.err.MySQLError):
                raise DatabaseUnavailableError(
                    f"cannot reach MariaDB at {self.target.host}:{self.target.port}: {exc}"
                ) from exc
            raise

    def _checkin(self, pooled: _Pooled) -> None:
        with self._available:
            if pooled.opened_at >= self._valid_since and len(self._idle) < self.size:
                pooled.returned_at = time.monotonic()
                self._idle.append(pooled)
                self._available.notify()
                return
            self._open -= 1
            self._available.notify()
        self._close(pooled.conn)

    def _discard(self, pooled: _Pooled, *, all_older: bool = False) -> None:
        with self._available:
            self._open -= 1
            if all_older:
                self._valid_since = time.monotonic()
            self._available.notify()
        self._close(pooled.conn)

    @staticmethod
    def _close(conn: pymysql.Connection) -> None:
        with suppress(Exception):
            conn.close()

    # -- introspection and shutdown -----------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Pool usage for /metrics: size, connections checked out, overflow in use."""
        with self._available:
            idle = len(self._idle)
            checked_out = self._open - idle
            return {
                "size": self.size,
                "checked_out": checked_out,
                "overflow": max(0, self._open - self.size),
                "idle": idle,
            }

    def dispose(self) -> None:
        """Close every idle connection; those checked out close when they come back."""
        with self._available:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._valid_since = time.monotonic()
            self._available.notify_all()
        for pooled in idle:
            self._close(pooled.conn)
