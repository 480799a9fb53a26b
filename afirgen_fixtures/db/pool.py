"""The connection pool: SQLAlchemy's QueuePool over pymysql, handing out DB-API connections.

Repositories speak plain parameterised SQL through pymysql cursors; SQLAlchemy only pools
(recycle, a bounded wait when exhausted). Connections are autocommit; writes that must be
atomic go through ``Pool.transaction()``.

Liveness is checked where it pays: a connection idle for longer than ``ping_idle_s`` is pinged
before use (a server restart or an idle timeout most likely hit those), one back from use
moments ago is not (a ping is a round trip, about a sixth of a primary-key read). A connection
that turns out dead in use anyway is invalidated with every idle one opened before it, and the
block's error is raised as ``ConnectionLostError``, which idempotent reads retry once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

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


class Pool:
    """A bounded pool of pymysql connections to one database."""

    def __init__(self, target: MySQLTarget, settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self.target = target
        self.size = settings.pool_size
        self.max_overflow = settings.pool_max_overflow
        self.timeout_s = settings.pool_timeout_s
        connect_args = target.connect_kwargs()
        for key in ("host", "port", "user", "password", "database"):
            connect_args.pop(key)
        self._engine = create_engine(
            URL.create(
                "mysql+pymysql",
                username=target.user,
                password=target.password,
                host=target.host,
                port=target.port,
                database=target.database,
            ),
            connect_args=connect_args,
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            pool_timeout=settings.pool_timeout_s,
            pool_recycle=settings.pool_recycle_s,
            # Connections are autocommit and transactions end explicitly, so no ROLLBACK
            # round trip is needed each time a connection goes back.
            pool_reset_on_return=None,
        )
        if settings.pool_pre_ping:
            self._ping_when_idle(settings.pool_ping_idle_s)

    def _ping_when_idle(self, idle_s: float) -> None:
        """Ping on checkout only connections that sat in the pool for over ``idle_s``."""

        @event.listens_for(self._engine, "checkin")
        def _checked_in(dbapi_conn: Any, record: Any) -> None:
            record.info["idle_since"] = time.monotonic()

        @event.listens_for(self._engine, "checkout")
        def _checked_out(dbapi_conn: Any, record: Any, proxy: Any) -> None:
            idle_since = record.info.get("idle_since")
            if idle_since is None or time.monotonic() - idle_since <= idle_s:
                return
            try:
                dbapi_conn.ping(reconnect=False)
            except pymysql.err.MySQLError as exc:
                # The pool discards this connection and checks out (or opens) another.
                raise sa_exc.DisconnectionError(str(exc)) from exc

    @contextmanager
    def connection(self) -> Iterator[pymysql.Connection]:
        """Borrow a connection; it goes back to the pool when the block ends."""
        try:
            proxied = self._engine.raw_connection()
        except sa_exc.TimeoutError as exc:
            raise PoolExhaustedError(
                f"all {self.size + self.max_overflow} database connections stayed busy for "
                f"{self.timeout_s:g} s; raise AFIRGEN_POOL_SIZE or find the slow query"
            ) from exc
        except (sa_exc.OperationalError, pymysql.err.OperationalError) as exc:
            raise DatabaseUnavailableError(
                f"cannot reach MariaDB at {self.target.host}:{self.target.port}: {exc}"
            ) from exc
        try:
            yield proxied.driver_connection  # type: ignore[misc]
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
            if not _is_connection_lost(exc):
                raise
            # Discard it, and reconnect its idle siblings on their next use: they most likely
            # died with it.
            self._engine.pool._invalidate(proxied, exc)
            raise ConnectionLostError(
                f"lost the connection to MariaDB at {self.target.host}:{self.target.port}: {exc}"
            ) from exc
        finally:
            proxied.close()

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

    def status(self) -> dict[str, Any]:
        """Pool usage for /metrics: size, connections checked out, overflow in use."""
        pool = self._engine.pool
        return {
            "size": self.size,
            "checked_out": pool.checkedout(),  # type: ignore[attr-defined]
            "overflow": max(0, pool.overflow()),  # type: ignore[attr-defined]
            "idle": pool.checkedin(),  # type: ignore[attr-defined]
        }

    def dispose(self) -> None:
        self._engine.dispose()
