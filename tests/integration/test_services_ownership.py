"""Private servers shared by runs: every run that uses them owns them, and they stop only
when the last owner is gone and no idle lease is left. Owners are real subprocesses."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from afirgen_fixtures.services import ServiceRuntime
from afirgen_fixtures.services._process import is_alive
from afirgen_fixtures.services.runtime import WATCH_POLL_S

pytestmark = pytest.mark.integration

# One run: on "ensure" it takes the servers as an owner and prints their pids; on "work S" it
# opens a new MariaDB connection and pings Redis in a loop for S seconds (a stopped server
# makes it fail); it exits when its stdin closes.
OWNER = """
import json, os, sys, time
from pathlib import Path
import redis
from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.db import connection
from afirgen_fixtures.services import ServiceRuntime

runtime = ServiceRuntime(Path(sys.argv[1]))
print("ready", flush=True)
for line in sys.stdin:
    command, *args = line.split()
    if command == "ensure":
        urls = runtime.ensure(owner_pid=os.getpid())
        print(json.dumps(runtime.pids()), flush=True)
    elif command == "work":
        target, cache = MySQLTarget.from_url(urls.mysql_url), redis.Redis.from_url(urls.redis_url)
        deadline, rounds = time.monotonic() + float(args[0]), 0
        while time.monotonic() < deadline:
            with connection.connect(target) as conn, conn.cursor() as cur:
                cur.execute("SELECT 1")
            cache.ping()
            rounds += 1
            time.sleep(0.05)
        print(json.dumps({"rounds": rounds, "pids": runtime.pids()}), flush=True)
"""
STOP_TIMEOUT_S = 30


class Owner:
    """A run that owns the servers of ``state_dir`` while it lives."""

    def __init__(self, state_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", OWNER, str(state_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._answer(60) == "ready"

    def ensure(self) -> dict[str, int]:
        return json.loads(self._ask("ensure", 120))

    def work(self, seconds: float) -> dict:
        """Use the servers for ``seconds``; fails if they go away meanwhile."""
        return json.loads(self._ask(f"work {seconds}", seconds + 30))

    def exit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(30) == 0, self.process.stderr.read()  # type: ignore[union-attr]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def _ask(self, line: str, timeout_s: float) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._answer(timeout_s)

    def _answer(self, timeout_s: float) -> str:
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout_s)
        answer = stdout.readline().strip() if ready else ""
        if not answer:
            self.process.kill()
            _, errors = self.process.communicate()
            pytest.fail(f"owner {self.process.pid} gave no answer; its stderr:\n{errors}")
        return answer


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A state dir of this test's own; whatever still runs from it is stopped afterwards,
    and MariaDB's files are deleted even when they live outside it."""
    state = tmp_path / "state"
    yield state
    runtime = ServiceRuntime(state)
    runtime.stop()
    shutil.rmtree(runtime.mariadb.home, ignore_errors=True)


def _servers(pids: dict[str, int]) -> list[int]:
    return [pids["mariadb"], pids["redis"]]


def _wait_gone(pids: list[int], timeout_s: float = STOP_TIMEOUT_S) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(is_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if is_alive(p)]


def test_run_starting_as_the_last_owner_exits_keeps_the_servers(state_dir: Path) -> None:
    """The measured failure: a run that reused the servers just after the previous run ended
    had them stopped under it by the previous run's watchdog. The watchdog is frozen until
    the new run has taken them, so the race goes that way every time."""
    first, second = Owner(state_dir), Owner(state_dir)
    pids = first.ensure()
    os.kill(pids["watchdog"], signal.SIGSTOP)
    try:
        first.exit()
        assert second.ensure() == pids, "the servers should have been reused, not restarted"
    finally:
        os.kill(pids["watchdog"], signal.SIGCONT)
    done = second.work(3 * WATCH_POLL_S + 2)
    assert done["pids"] == pids and done["rounds"] > 0
    second.exit()
    assert _wait_gone(list(pids.values())) == [], "servers outlived their last owner"


def test_run_arriving_while_the_servers_stop_gets_fresh_ones(state_dir: Path) -> None:
    first, second = Owner(state_dir), Owner(state_dir)
    pids = first.ensure()
    first.exit()
    # The watchdog stops Redis first, then MariaDB, all under the lock: arrive meanwhile.
    assert _wait_gone([pids["redis"]]) == []
    fresh = second.ensure()
    assert fresh["mariadb"] != pids["mariadb"], "got the MariaDB that was being stopped"
    assert second.work(3 * WATCH_POLL_S + 1)["pids"] == fresh
    second.exit()
    assert _wait_gone([*pids.values(), *fresh.values()]) == []


def test_overlapping_runs_share_the_servers_until_the_last_one_exits(state_dir: Path) -> None:
    first, second = Owner(state_dir), Owner(state_dir)
    pids = first.ensure()
    assert second.ensure() == pids
    first.exit()
    done = second.work(3 * WATCH_POLL_S + 2)  # the first owner is gone all along
    assert done["pids"] == pids and done["rounds"] > 0
    second.exit()
    assert _wait_gone(list(pids.values())) == []


def test_an_owner_killed_mid_run_lets_go_once_the_others_are_gone(state_dir: Path) -> None:
    killed, survivor = Owner(state_dir), Owner(state_dir)
    pids = killed.ensure()
    assert survivor.ensure() == pids
    killed.kill()
    assert survivor.work(3 * WATCH_POLL_S + 1)["pids"] == pids, "stopped under the survivor"
    survivor.kill()
    assert _wait_gone(list(pids.values())) == [], "servers outlived all their owners"


def test_an_idle_lease_outlives_the_owners_then_runs_out(state_dir: Path) -> None:
    """A process without an owner (``services start``, ``data load``) holds them for the idle
    time from its last use, even when the runs that also owned them have ended."""
    owner = Owner(state_dir)
    pids = owner.ensure()
    lease_s = 4.0
    ServiceRuntime(state_dir).ensure(idle_stop_s=lease_s)
    owner.exit()
    time.sleep(3 * WATCH_POLL_S)
    assert all(is_alive(pid) for pid in pids.values()), "stopped before the lease ran out"
    assert _wait_gone(list(pids.values()), lease_s + STOP_TIMEOUT_S) == []


def test_a_killed_watchdog_is_replaced_by_the_next_run(state_dir: Path) -> None:
    owner = Owner(state_dir)
    pids = owner.ensure()
    os.kill(pids["watchdog"], signal.SIGKILL)
    assert _wait_gone([pids["watchdog"]]) == []
    again = owner.ensure()
    assert _servers(again) == _servers(pids) and again["watchdog"] != pids["watchdog"]
    owner.exit()
    assert _wait_gone([*pids.values(), again["watchdog"]]) == []
