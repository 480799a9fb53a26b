"""Faults under traffic: Redis stopped and started again, MariaDB restarted, the API process
killed in the middle of FIR creation. Short versions run by default; set
AFIRGEN_FAULT_SECONDS=30 for the full Redis outage."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import writable_copy

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.db import connection
from afirgen_fixtures.services import ServiceURLs
from afirgen_fixtures.services._process import free_port, terminate
from afirgen_fixtures.services.api_server import ApiServer
from afirgen_fixtures.services.mariadb import MariaDBServer
from afirgen_fixtures.services.redis import RedisServer
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

API_KEY = "fault-test-api-key"
OUTAGE_S = float(os.environ.get("AFIRGEN_FAULT_SECONDS", "4"))
COMPLAINT = "Two men on a motorcycle snatched my gold chain near the market and threatened me."


def _env(mysql_url: str, redis_url: str) -> dict[str, str]:
    return {
        MYSQL_URL_ENV: mysql_url,
        REDIS_URL_ENV: redis_url,
        "AFIRGEN_API_KEY": API_KEY,
        "AFIRGEN_CACHE_NAMESPACE": f"fault-{uuid.uuid4().hex[:8]}",
    }


@pytest.fixture
def fault_database(dataset_10k: Dataset) -> Iterator[MySQLTarget]:
    with writable_copy(dataset_10k) as target:
        yield target


class Traffic:
    """Clients GETting ``paths`` round robin in a loop, recording every status code."""

    def __init__(self, base_url: str, paths: list[str], clients: int = 4) -> None:
        self.base_url, self.paths, self.clients = base_url, paths, clients
        self.codes: Counter[int] = Counter()
        self.retry_after: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(i,)) for i in range(clients)]

    def _loop(self, offset: int) -> None:
        with httpx.Client(base_url=self.base_url, headers={"X-API-Key": API_KEY}, timeout=30) as c:
            n = offset
            while not self._stop.is_set():
                try:
                    response = c.get(self.paths[n % len(self.paths)])
                    code = response.status_code
                    if code == 503:
                        self.retry_after.append(response.headers.get("retry-after", ""))
                except httpx.TransportError:
                    code = 0  # no answer at all
                with self._lock:
                    self.codes[code] += 1
                n += self.clients

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def _fir_reads(target: MySQLTarget, n: int = 500) -> list[str]:
    """FIR reads: cached in Redis, so they keep working while MariaDB is away."""
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute("SELECT fir_number FROM fir_records ORDER BY id LIMIT %s", (n,))
        return [f"/api/v1/fir/{row[0]}" for row in cur.fetchall()]


def _session_reads(target: MySQLTarget, n: int = 200) -> list[str]:
    """Session statuses: never cached, so every one needs MariaDB."""
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM sessions ORDER BY id LIMIT %s", (n,))
        return [f"/api/v1/session/{row[0]}/status" for row in cur.fetchall()]


def test_redis_outage_falls_back_to_mariadb_and_recovers(
    fault_database: MySQLTarget, service_urls: ServiceURLs, tmp_path: Path
) -> None:
    redis_dir, port = tmp_path / "redis", free_port()
    redis_pid = RedisServer(redis_dir).start(port)
    env = _env(service_urls.mysql_url, f"redis://127.0.0.1:{port}/0")
    numbers = _fir_reads(fault_database)
    api = ApiServer(database=fault_database.database, env=env, owner_pid=os.getpid())
    with api, Traffic(api.base_url, numbers) as traffic:
        time.sleep(1.0)
        terminate(redis_pid)
        before_outage = traffic.codes[200]
        time.sleep(OUTAGE_S)
        served_during_outage = traffic.codes[200] - before_outage
        redis_pid = RedisServer(redis_dir).start(port)
        hits_at_restart = _cache_hits(api.base_url)
        time.sleep(3.0)  # past the cache's retry window, then caching resumes
        hits_after = _cache_hits(api.base_url)
        health = httpx.get(api.base_url + "/api/v1/health").json()
    terminate(redis_pid)
    print(
        f"\nRedis down {OUTAGE_S:.0f} s: {served_during_outage} reads answered from MariaDB "
        f"meanwhile; all answers {dict(traffic.codes)}; cache hits after the restart "
        f"{hits_after - hits_at_restart:.0f}"
    )
    assert served_during_outage > 0, "no read was answered while Redis was down"
    assert set(traffic.codes) == {200}, f"non-200 answers around the outage: {traffic.codes}"
    assert health["cache"] == "ok"
    assert hits_after > hits_at_restart, "the cache served no hit after Redis came back"


def _cache_hits(base_url: str) -> float:
    metrics = httpx.get(base_url + "/api/v1/metrics", headers={"X-API-Key": API_KEY}).text
    prefix = 'afirgen_cache_operations_total{outcome="hit"}'
    return next(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(prefix))


def test_mariadb_restart_answers_503_then_recovers(
    dataset_10k: Dataset, service_urls: ServiceURLs, tmp_path: Path
) -> None:
    """A private MariaDB of this test's own, restarted under traffic."""
    server = MariaDBServer(tmp_path / "mariadb", buffer_pool="256M")
    port = free_port()
    pid = server.start(port)
    password = server.create_app_user()
    target = MySQLTarget("127.0.0.1", port, "afirgen", password, "afirgen_faults")
    connection.create_database(target)
    source = dataset_10k.target
    with connection.connect(source) as src, src.cursor() as cur:
        cur.execute(
            "SELECT fir_number, session_id, police_station, complaint_text, fir_content, "
            "violations, status, created_at FROM fir_records ORDER BY id LIMIT 300"
        )
        rows = cur.fetchall()
    from afirgen_fixtures.db import migrate

    with connection.connect(target) as conn:
        migrate.migrate(conn)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO fir_records (fir_number, session_id, police_station, complaint_text, "
                "fir_content, violations, status, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                rows,
            )
    env = _env(target.url(), service_urls.redis_url)
    # FIR reads (cached) and list pages (always MariaDB), so the outage shows in answers
    paths = [path for row in rows for path in (f"/api/v1/fir/{row[0]}", "/api/v1/firs?limit=5")]
    try:
        api = ApiServer(database=target.database, env=env, owner_pid=os.getpid())
        with api, Traffic(api.base_url, paths) as traffic:
            time.sleep(1.0)
            terminate(pid)
            time.sleep(1.0)
            pid = server.start(port)
            restarted = time.monotonic()
            recovered = None
            while recovered is None and time.monotonic() - restarted < 15:
                health = httpx.get(api.base_url + "/api/v1/health", timeout=5)
                if health.status_code == 200:
                    recovered = time.monotonic() - restarted
                time.sleep(0.1)
            time.sleep(1.0)
    finally:
        terminate(pid)
    print(
        f"\nMariaDB restarted: answers {dict(traffic.codes)}; healthy again "
        f"{recovered} s after the restart"
    )
    assert recovered is not None and recovered <= 5, f"pool recovered after {recovered} s"
    assert set(traffic.codes) <= {200, 503}, f"answers other than 200/503: {traffic.codes}"
    assert traffic.codes[200] > 0
    assert traffic.codes[503] > 0, "no request met the outage: the test proved nothing"
    assert all(value.isdigit() for value in traffic.retry_after), traffic.retry_after


def test_api_killed_mid_creation_leaves_no_partial_or_duplicate_fir(
    fault_database: MySQLTarget, service_urls: ServiceURLs
) -> None:
    env = _env(service_urls.mysql_url, service_urls.redis_url)
    api = ApiServer(database=fault_database.database, env=env, owner_pid=os.getpid()).start()
    sessions: list[str] = []

    def create(i: int) -> None:
        try:
            response = httpx.post(
                api.base_url + "/api/v1/process",
                timeout=30,
                headers={"X-API-Key": API_KEY},
                json={"text": f"{COMPLAINT} Case {i} {uuid.uuid4().hex}", "interactive": False},
            )
            if response.status_code == 200:
                sessions.append(response.json()["session_id"])
        except httpx.TransportError:
            pass  # the server died under this request

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(create, i) for i in range(400)]
        time.sleep(1.5)
        assert api.pid is not None
        os.kill(api.pid, signal.SIGKILL)
        for future in futures:
            future.result()
    api.stop()
    restarted = ApiServer(database=fault_database.database, env=env, owner_pid=os.getpid())
    with restarted:
        ok = httpx.post(
            restarted.base_url + "/api/v1/process",
            headers={"X-API-Key": API_KEY},
            json={"text": f"{COMPLAINT} after restart", "interactive": False},
        )
        assert ok.status_code == 200
    with connection.connect(fault_database) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT f.session_id, COUNT(DISTINCT f.id), COUNT(v.fir_id), "
            "MIN(LENGTH(f.fir_content)) "
            "FROM fir_records f LEFT JOIN fir_violations v ON v.fir_id = f.id "
            "WHERE f.created_at > '2026-10-31 23:59:59' GROUP BY f.session_id"
        )
        created = cur.fetchall()
    print(
        f"\nSIGKILL during 400 creations: {len(sessions)} answered as created, "
        f"{len(created)} FIRs stored, none partial or doubled"
    )
    assert 0 < len(sessions) < 400, "the kill did not land in the middle of the creations"
    assert all(firs == 1 for _, firs, _, _ in created), "a session holds two FIRs"
    assert all(links > 0 and length > 0 for _, _, links, length in created), "a partial FIR"
    stored = {row[0] for row in created}
    assert set(sessions) <= stored, "a FIR answered as created is missing"
