"""A real Prometheus beside the real servers: a short load run read back from it (the
server-side view, every dashboard panel with data), and the alerts going pending when Redis
stops or MariaDB restarts, and clearing afterwards. Nothing of the stack is left running."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pymysql
import pytest

from afirgen_bench.load.runner import API_KEY, AUTH_KEY, LoadResult, LoadTarget, drive
from afirgen_bench.monitoring import dashboard
from afirgen_bench.monitoring.rules import ALERTS_FILE
from afirgen_bench.monitoring.server_view import PLOT_FILE
from afirgen_bench.monitoring.stack import (
    EXPORTER_HOST,
    EXPORTER_USER,
    PROJECT,
    MonitoringStack,
    Scraped,
    create_exporter_user,
)
from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import Dataset, reset_dataset
from afirgen_fixtures.db import connection, migrate
from afirgen_fixtures.services import ServiceRuntime, ServiceURLs
from afirgen_fixtures.services._process import free_port, is_alive, terminate
from afirgen_fixtures.services.api_server import ApiServer
from afirgen_fixtures.services.mariadb import MariaDBServer
from afirgen_fixtures.services.redis import RedisServer
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

RULES = PROJECT / ALERTS_FILE


def _api_env(mysql_url: str, redis_url: str) -> dict[str, str]:
    return {
        MYSQL_URL_ENV: mysql_url,
        REDIS_URL_ENV: redis_url,
        "AFIRGEN_API_KEY": API_KEY,
        "AFIRGEN_FIR_AUTH_KEY": AUTH_KEY,
        "AFIRGEN_CACHE_NAMESPACE": f"monitor-{uuid.uuid4().hex[:8]}",
    }


def _exporter_login(admin: pymysql.Connection, port: int) -> MySQLTarget:
    password = create_exporter_user(admin)
    return MySQLTarget(EXPORTER_HOST, port, EXPORTER_USER, password, "")


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"{what} not seen within {timeout_s:.0f} s")
        time.sleep(0.25)
    return time.monotonic() - started


def _alert_states(stack: MonitoringStack, name: str) -> set[str]:
    return {a["state"] for a in stack.client.alerts() if a["labels"]["alertname"] == name}


@pytest.fixture(scope="module")
def monitored_run(
    dataset_10k: Dataset,
    service_runtime: ServiceRuntime | None,
    service_urls: ServiceURLs,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LoadResult, MonitoringStack, Path]]:
    """A 15-second load run of 6 users with the stack scraping; the stack stays up for the
    dashboard's queries and is stopped afterwards."""
    if service_runtime is None:
        pytest.skip("the servers are not ours: the exporter's login cannot be made here")
    out = tmp_path_factory.mktemp("monitored-load")
    target = dataset_10k.target
    reset_dataset(target)
    with service_runtime.mariadb.admin_connection() as admin:
        login = _exporter_login(admin, target.port)
    api = ApiServer(
        database=target.database,
        env=_api_env(service_urls.mysql_url, service_urls.redis_url),
        owner_pid=os.getpid(),
    )
    with api:
        assert api.pid is not None
        scraped = Scraped(api.base_url, API_KEY, service_urls.redis_url, login)
        stack = MonitoringStack(out / "prometheus", scraped, rules=RULES)
        with stack:
            load_target = LoadTarget(
                api.base_url, target.url(), service_urls.redis_url, {"api": api.pid}
            )
            result = drive(load_target, users=6, duration_s=15, workers=0, out=out, stack=stack)
            pids = stack.pids
            yield result, stack, out
    reset_dataset(target)
    assert not [pid for pid in pids if is_alive(pid)], "the monitoring stack left processes"


def test_load_report_has_the_servers_view(
    monitored_run: tuple[LoadResult, MonitoringStack, Path],
) -> None:
    result, _stack, out = monitored_run
    view = result.server_view
    assert view is not None and not view.notes, view and view.notes
    routes = {row.route: row for row in view.routes}
    assert {"/api/v1/session/{session_id}/status", "/api/v1/fir/{fir_number}"} <= set(routes)
    for row in view.routes:
        assert row.server_p95_ms > 0
        assert row.consistent, f"{row.route}: server P95 bucket {row.bucket_ms} above {row}"
    signals = {s.name: s for s in view.signals}
    assert signals["requests_per_s"].mean > 1
    assert signals["mariadb_queries_per_s"].mean > 1
    assert signals["redis_ops_per_s"].mean > 1
    assert signals["redis_memory_bytes"].peak > 0
    assert all(s.points for s in view.signals), [s.name for s in view.signals if not s.points]
    assert {"/api/v1/fir/{fir_number}"} <= set(view.p95_over_time)
    assert (out / PLOT_FILE).stat().st_size > 1000
    stored = json.loads((out / "load.json").read_text())
    assert stored["server_view"]["routes"]


def test_every_dashboard_panel_returns_data(
    monitored_run: tuple[LoadResult, MonitoringStack, Path],
) -> None:
    _result, stack, _out = monitored_run
    board = json.loads((PROJECT / dashboard.DASHBOARD_FILE).read_text())
    empty = [
        title
        for title, expr in dashboard.panel_queries(board).items()
        if not any(series.points for series in stack.client.query(expr))
    ]
    assert not empty, f"panels without data after a load run: {empty}"


def test_scrape_bridge_passes_the_api_metrics_and_nothing_else(
    monitored_run: tuple[LoadResult, MonitoringStack, Path],
) -> None:
    _result, stack, _out = monitored_run
    assert stack.bridge_address is not None
    base = f"http://{stack.bridge_address}"
    assert "afirgen_http_requests_total" in httpx.get(base + "/metrics").text
    assert httpx.get(base + "/api/v1/firs").status_code == 404


def _traffic(base_url: str, paths: list[str], seconds: float) -> None:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": API_KEY}, timeout=10) as client:
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                client.get(paths[n % len(paths)])
            n += 1


def test_cache_alert_pending_while_redis_is_down_then_clears(
    dataset_10k: Dataset, service_urls: ServiceURLs, tmp_path: Path
) -> None:
    redis_dir, port = tmp_path / "redis", free_port()
    redis_pid = RedisServer(redis_dir).start(port)
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = _api_env(service_urls.mysql_url, redis_url)
    with ApiServer(database=dataset_10k.target.database, env=env, owner_pid=os.getpid()) as api:
        stack = MonitoringStack(
            tmp_path / "prometheus", Scraped(api.base_url, API_KEY, redis_url, None), rules=RULES
        )
        with stack:
            _traffic(api.base_url, ["/api/v1/firs?limit=5"], 2)
            assert not _alert_states(stack, "AfirgenCacheUnavailable")
            terminate(redis_pid)
            pending = _wait_for(
                lambda: "pending" in _alert_states(stack, "AfirgenCacheUnavailable"),
                20,
                "AfirgenCacheUnavailable pending",
            )
            assert not _alert_states(stack, "AfirgenDatabaseUnavailable")
            redis_pid = RedisServer(redis_dir).start(port)
            cleared = _wait_for(
                lambda: not _alert_states(stack, "AfirgenCacheUnavailable"),
                20,
                "AfirgenCacheUnavailable cleared",
            )
            pids = stack.pids
    terminate(redis_pid)
    print(
        f"\nRedis down: alert pending after {pending:.1f} s; cleared {cleared:.1f} s after restart"
    )
    assert not [pid for pid in pids if is_alive(pid)]


def test_database_alert_pending_while_mariadb_restarts_then_clears(tmp_path: Path) -> None:
    server = MariaDBServer(tmp_path / "mariadb", buffer_pool="128M")
    port = free_port()
    pid = server.start(port)
    password = server.create_app_user()
    target = MySQLTarget("127.0.0.1", port, "afirgen", password, "afirgen_monitor")
    connection.create_database(target)
    with connection.connect(target) as conn:
        migrate.migrate(conn)
    with server.admin_connection() as admin:
        login = _exporter_login(admin, port)
    redis_dir, redis_port = tmp_path / "redis", free_port()
    redis_pid = RedisServer(redis_dir).start(redis_port)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    try:
        env = _api_env(target.url(), redis_url)
        with ApiServer(database=target.database, env=env, owner_pid=os.getpid()) as api:
            scraped = Scraped(api.base_url, API_KEY, redis_url, login)
            with MonitoringStack(tmp_path / "prometheus", scraped, rules=RULES) as stack:
                assert not _alert_states(stack, "AfirgenDatabaseUnavailable")
                terminate(pid)
                pending = _wait_for(
                    lambda: "pending" in _alert_states(stack, "AfirgenDatabaseUnavailable"),
                    20,
                    "AfirgenDatabaseUnavailable pending",
                )
                assert not _alert_states(stack, "AfirgenCacheUnavailable")
                pid = server.start(port)
                cleared = _wait_for(
                    lambda: not _alert_states(stack, "AfirgenDatabaseUnavailable"),
                    30,
                    "AfirgenDatabaseUnavailable cleared",
                )
                pids = stack.pids
    finally:
        terminate(pid)
        terminate(redis_pid)
    print(
        f"\nMariaDB restarted: alert pending after {pending:.1f} s; cleared after {cleared:.1f} s"
    )
    assert not [p for p in pids if is_alive(p)]
