"""The connection pool against the real MariaDB: bounds, reuse, recycling, liveness checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.db import connection
from afirgen_fixtures.db.pool import ConnectionLostError, Pool

pytestmark = pytest.mark.integration


PoolFactory = Callable[..., Pool]


@pytest.fixture
def make_pool(migrated_database: MySQLTarget, settings: Settings) -> Iterator[PoolFactory]:
    """Pools on a fresh database at the newest schema, with settings changed; disposed after."""
    made: list[Pool] = []

    def make(**changes: object) -> Pool:
        made.append(Pool(migrated_database, settings.model_copy(update=changes)))
        return made[-1]

    yield make
    for pool in made:
        pool.dispose()


def _kill(target: MySQLTarget, thread_id: int) -> None:
    with connection.connect(target) as admin, admin.cursor() as cur:
        cur.execute("KILL CONNECTION %s", (thread_id,))


def test_a_connection_is_reused_most_recent_first(make_pool: PoolFactory) -> None:
    pool = make_pool(pool_size=3)
    with pool.connection() as first, pool.connection() as second:
        first_id, second_id = first.thread_id(), second.thread_id()
    with pool.connection() as again:
        assert again.thread_id() == first_id  # returned last, handed out first
    assert pool.status() == {"size": 3, "checked_out": 0, "overflow": 0, "idle": 2}
    assert second_id != first_id


def test_overflow_connections_close_when_they_come_back(
    make_pool: PoolFactory, migrated_database: MySQLTarget
) -> None:
    pool = make_pool(pool_size=1, pool_max_overflow=2)
    with ExitStack() as held:
        ids = [held.enter_context(pool.connection()).thread_id() for _ in range(3)]
        assert pool.status() == {"size": 1, "checked_out": 3, "overflow": 2, "idle": 0}
    assert pool.status() == {"size": 1, "checked_out": 0, "overflow": 0, "idle": 1}
    with connection.connect(migrated_database) as admin, admin.cursor() as cur:
        cur.execute("SELECT ID FROM information_schema.PROCESSLIST")
        alive = {row[0] for row in cur.fetchall()}
    assert len(set(ids) & alive) == 1


def test_a_waiter_gets_the_connection_another_thread_returns(make_pool: PoolFactory) -> None:
    pool = make_pool(pool_size=1, pool_max_overflow=0, pool_timeout_s=5.0)
    got: list[float] = []
    with pool.connection():

        def wait_for_it() -> None:
            with pool.connection() as conn, conn.cursor() as cur:
                cur.execute("SELECT 1")
                got.append(time.monotonic())

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        time.sleep(0.2)
        assert not got  # still waiting: the only connection is held here
        released = time.monotonic()
    waiter.join(timeout=5)
    assert got and got[0] >= released
    assert pool.status()["checked_out"] == 0


def test_an_idle_connection_is_pinged_and_replaced_without_an_error(
    make_pool: PoolFactory, migrated_database: MySQLTarget
) -> None:
    pool = make_pool(pool_size=1, pool_ping_idle_s=0.05)
    with pool.connection() as conn:
        dead = conn.thread_id()
    _kill(migrated_database, dead)
    time.sleep(0.1)
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")  # the ping found it dead: this is a new connection
        assert conn.thread_id() != dead


def test_a_connection_lost_in_use_is_reported_and_replaced_with_its_siblings(
    make_pool: PoolFactory, migrated_database: MySQLTarget
) -> None:
    pool = make_pool(pool_size=2, pool_ping_idle_s=3600.0)
    with pool.connection() as first, pool.connection() as second:
        ids = {first.thread_id(), second.thread_id()}
    for thread_id in ids:
        _kill(migrated_database, thread_id)
    with pytest.raises(ConnectionLostError), pool.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")  # the killed sibling was discarded, not handed out
        assert conn.thread_id() not in ids
    assert pool.status()["checked_out"] == 0


def test_an_old_connection_is_recycled_before_use(make_pool: PoolFactory) -> None:
    pool = make_pool(pool_size=1, pool_recycle_s=0.05)
    with pool.connection() as conn:
        old = conn.thread_id()
    time.sleep(0.1)
    with pool.connection() as conn:
        assert conn.thread_id() != old
    assert pool.status() == {"size": 1, "checked_out": 0, "overflow": 0, "idle": 1}


def test_an_update_reports_the_rows_it_matched(make_pool: PoolFactory) -> None:
    """As under SQLAlchemy's pymysql dialect: an UPDATE to the same value still counts."""
    pool = make_pool()
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("UPDATE fir_status_summary SET fir_count = fir_count WHERE 1 = 1")
        assert cur.rowcount == 5


def test_dispose_closes_idle_connections_and_the_pool_still_works(make_pool: PoolFactory) -> None:
    pool = make_pool(pool_size=2)
    with pool.connection() as conn:
        old = conn.thread_id()
    pool.dispose()
    assert pool.status()["idle"] == 0
    with pool.connection() as conn:
        assert conn.thread_id() != old
