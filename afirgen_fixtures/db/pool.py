"""The connection pool: SQLAlchemy's QueuePool over pymysql, handing out DB-API connections.

Repositories speak plain parameterised SQL through pymysql cursors; SQLAlchemy only pools
(pre-ping, recycle, a bounded wait when exhausted). Connections are autocommit; writes that
must be atomic go through ``Pool.transaction()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from afirgen_fixtures.config import MySQLTarget, Settings


class PoolExhaustedError(RuntimeError):
    """Every pooled connection stayed busy for longer than the configured wait."""


class DatabaseUnavailableError(RuntimeError):
    """MariaDB/MySQL could not be reached; callers may answer 503 and retry later."""


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
            pool_pre_ping=settings.pool_pre_ping,
            # Connections are autocommit and transactions end explicitly, so no ROLLBACK
            # round trip is needed each time a connection goes back.
            pool_reset_on_return=None,
        )

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
