"""Test session fixtures: real MariaDB and Redis, private by default.

Unless ``AFIRGEN_MYSQL_URL`` and ``AFIRGEN_REDIS_URL`` are set, the session starts its own
servers in a temporary state dir, and stops them at the end; a watchdog bound to this
process stops them too if the run is killed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.db import connection, migrate
from afirgen_fixtures.services import ServiceRuntime, ServiceURLs, resolve
from afirgen_fixtures.services._process import is_alive
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

# Property tests check what holds, never how fast: a per-example deadline is a timing
# assertion that a busy machine fails (speed goals live in the benchmarks).
settings.register_profile("afirgen", deadline=None)
settings.load_profile("afirgen")


@pytest.fixture(scope="session")
def service_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceRuntime | None]:
    """The session's private servers; None when the environment names servers to use."""
    if os.environ.get(MYSQL_URL_ENV) and os.environ.get(REDIS_URL_ENV):
        yield None
        return
    runtime = ServiceRuntime(tmp_path_factory.mktemp("services"))
    runtime.ensure(idle_stop_s=None, owner_pid=os.getpid())
    pids = runtime.pids()
    try:
        yield runtime
    finally:
        runtime.stop()
        left = [f"{name} (pid {pid})" for name, pid in pids.items() if is_alive(pid)]
        assert not left, f"processes left behind after the test session: {left}"


@pytest.fixture(scope="session")
def service_urls(service_runtime: ServiceRuntime | None) -> ServiceURLs:
    if service_runtime is None:
        return resolve()
    return service_runtime.ensure(idle_stop_s=None, owner_pid=os.getpid())


@pytest.fixture(scope="session")
def mysql_server(service_urls: ServiceURLs) -> MySQLTarget:
    """The server, with its default database selected."""
    return MySQLTarget.from_url(service_urls.mysql_url)


@pytest.fixture(scope="session")
def redis_url(service_urls: ServiceURLs) -> str:
    return service_urls.redis_url


@pytest.fixture
def settings(service_urls: ServiceURLs) -> Settings:
    return Settings(mysql_url=service_urls.mysql_url, redis_url=service_urls.redis_url)


@pytest.fixture
def empty_database(mysql_server: MySQLTarget) -> Iterator[MySQLTarget]:
    """A new, empty database of its own, dropped after the test."""
    target = mysql_server.with_database(f"{mysql_server.database}_t_{uuid.uuid4().hex[:12]}")
    connection.create_database(target)
    try:
        yield target
    finally:
        connection.drop_database(target)


@pytest.fixture
def migrated_database(empty_database: MySQLTarget) -> MySQLTarget:
    """A new database at the newest schema version, no rows."""
    with connection.connect(empty_database) as conn:
        migrate.migrate(conn)
    return empty_database
