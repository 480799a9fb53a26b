"""Private servers: started from the binaries, reused, and stopped when nobody needs them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.services import ServiceRuntime, ServiceURLs
from afirgen_fixtures.services._process import is_alive
from afirgen_fixtures.services.api_server import ApiServer
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV


def _wait_gone(pids: list[int], timeout_s: float) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(is_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if is_alive(p)]


def test_second_ensure_reuses_the_running_servers(tmp_path: Path) -> None:
    runtime = ServiceRuntime(tmp_path / "state")
    try:
        first = runtime.ensure(idle_stop_s=None)
        pids = runtime.pids()
        again = ServiceRuntime(tmp_path / "state").ensure(idle_stop_s=None)
        assert again == first
        assert runtime.pids() == pids
        target = MySQLTarget.from_url(first.mysql_url)
        assert target.host == "127.0.0.1" and target.port not in (3306, 0)
        assert not first.redis_url.endswith(":6379/0")
    finally:
        runtime.stop()
    assert _wait_gone(list(pids.values()), 10) == []


def test_watchdog_stops_servers_when_their_owner_exits(tmp_path: Path) -> None:
    state = tmp_path / "state"
    owner = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os\nfrom pathlib import Path\n"
            "from afirgen_fixtures.services import ServiceRuntime\n"
            f"ServiceRuntime(Path({str(state)!r})).ensure(idle_stop_s=None, owner_pid=os.getpid())",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert owner.returncode == 0, owner.stderr
    pids = list(ServiceRuntime(state).pids().values())
    assert len(pids) == 3  # mariadb, redis, watchdog
    assert _wait_gone(pids, 30) == [], "servers outlived the process that owned them"


def test_api_server_exits_after_idling(dataset_10k: Dataset, service_urls: ServiceURLs) -> None:
    env = {MYSQL_URL_ENV: service_urls.mysql_url, REDIS_URL_ENV: service_urls.redis_url}
    server = ApiServer(database=dataset_10k.target.database, env=env, idle_exit_s=1.0).start()
    assert httpx.get(server.base_url + "/api/v1/health").status_code == 200
    assert server.pid is not None
    assert _wait_gone([server.pid], 20) == []


def test_missing_binary_names_the_package() -> None:
    from afirgen_fixtures.services.binaries import MissingBinaryError, find_binary

    with pytest.raises(MissingBinaryError, match="apt-get install -y mariadb-server redis-server"):
        find_binary("no-such-mariadbd-here", package="mariadb-server")
