"""Running the Locust scenario against the real server and judging the run.

Locust runs headless in its own processes (one, or a master and local workers) against the
API served by uvicorn on the private MariaDB and Redis. While it runs, the API, MariaDB and
Redis processes are sampled for CPU and peak RSS, and the servers' own counters give queries
and Redis commands per request. A private Prometheus scrapes the API, MariaDB and Redis every
second meanwhile (``afirgen_bench.monitoring``), so the report shows what the servers saw
beside what the client saw. Afterwards the database is asked what the run left behind:
every FIR the load created must be stored exactly once and no session be left half-finished.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import redis

from afirgen_bench.core.config import LoadTestLimits
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.sla import LoadRun, judge_load_run
from afirgen_bench.load.endpoints import STORES_FIR
from afirgen_bench.monitoring.server_view import (
    PLOT_FILE,
    ServerView,
    client_by_route,
    collect,
    plot,
)
from afirgen_bench.monitoring.stack import MonitoringStack, exporter_login, watch
from afirgen_fixtures.api.metrics import LATENCY_BUCKETS

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
API_KEY = "afirgen-load-api-key"
AUTH_KEY = "afirgen-load-officer-key"
DATA_END = "2026-10-31 23:59:59"  # every generated row is older: newer rows came from the run


@dataclass
class EndpointFigures:
    name: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass
class LoadResult:
    users: int
    duration_s: float
    workers: int
    search_share: float  # the share of tasks that search (0: the default weights)
    requests: int
    failures: int
    rps: float
    endpoints: dict[str, EndpointFigures]
    servers: dict[str, dict[str, float]]
    queries_per_request: float
    redis_commands_per_request: float
    firs_created: int
    firs_stored: int
    duplicate_firs: int
    half_finished_sessions: int
    problems: list[str] = field(default_factory=list)
    server_view: ServerView | None = None

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 1.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["error_rate"] = self.error_rate
        data["server_view"] = self.server_view.as_dict() if self.server_view else None
        return data


class ProcessSampler:
    """CPU seconds and peak RSS of named processes, sampled every ``every_s`` seconds."""

    def __init__(self, pids: dict[str, int], every_s: float = 0.5) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak_rss = dict.fromkeys(pids, 0)
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _cpu(self) -> dict[str, float]:
        result = {}
        for name, process in self.processes.items():
            try:
                times = process.cpu_times()
                result[name] = times.user + times.system
            except psutil.Error:
                result[name] = 0.0
        return result

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            for name, process in self.processes.items():
                try:
                    self.peak_rss[name] = max(self.peak_rss[name], process.memory_info().rss)
                except psutil.Error:
                    continue

    def __enter__(self) -> ProcessSampler:
        self._cpu_before, self._started = self._cpu(), time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        elapsed = time.monotonic() - self._started
        cpu_after = self._cpu()
        self.figures = {
            name: {
                "cpu_percent": round(100 * (cpu_after[name] - self._cpu_before[name]) / elapsed, 1),
                "peak_rss_mb": round(self.peak_rss[name] / 2**20, 1),
            }
            for name in self.processes
        }


# The workers are local processes: the master listens on loopback only, never on every
# interface (Locust's default), so nobody else can join the run or read its traffic.
MASTER_BIND_HOST = "127.0.0.1"


def distributed_commands(
    master_base: list[str], worker_base: list[str], workers: int, port: int
) -> tuple[list[str], list[str]]:
    """The master's and each local worker's Locust command lines."""
    master = [
        *master_base,
        "--master",
        "--expect-workers",
        str(workers),
        "--master-bind-host",
        MASTER_BIND_HOST,
        "--master-bind-port",
        str(port),
    ]
    worker = [
        *worker_base,
        "--worker",
        "--master-host",
        MASTER_BIND_HOST,
        "--master-port",
        str(port),
    ]
    return master, worker


def _locust(
    target: LoadTarget,
    users: int,
    duration_s: float,
    out: Path,
    workers: int,
    search_share: float,
) -> None:
    base_url = target.base_url
    env = {
        "AFIRGEN_LOAD_API_KEY": target.api_key,
        "AFIRGEN_LOAD_AUTH_KEY": target.auth_key,
        "AFIRGEN_LOAD_OUT": str(out),
        "AFIRGEN_LOAD_SEARCH_SHARE": str(search_share),
    }
    common = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--host",
        base_url,
        "--loglevel",
        "WARNING",
    ]
    run = [
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 3)),
        "-t",
        f"{int(duration_s)}s",
        "--stop-timeout",
        "60",
        "--csv",
        str(out / "locust"),
        "--only-summary",
        "--exit-code-on-error",
        "0",
    ]
    environ = {**os.environ, **env}
    if workers:
        master_command, worker_command = distributed_commands(
            [*common, *run], common, workers, _free_port()
        )
        master = subprocess.Popen(master_command, env=environ)
        slaves = [subprocess.Popen(worker_command, env=environ) for _ in range(workers)]
        code = master.wait(timeout=duration_s + 300)
        for worker in slaves:
            worker.wait(timeout=120)
    else:
        code = subprocess.run(
            [*common, *run], env=environ, timeout=duration_s + 300, check=False
        ).returncode
    if code != 0:
        raise HarnessError(f"locust exited {code}; see its output above")


def _free_port() -> int:
    from afirgen_fixtures.services._process import free_port

    return free_port()


def latencies(out: Path) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Every response time (ms) and the failures, by endpoint, as Locust's users wrote them."""
    times: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    for path in out.glob("latencies-*.jsonl"):
        for line in path.read_text().splitlines():
            name, response_ms, ok = json.loads(line)
            times[name].append(response_ms)
            failures[name] += not ok
    return times, failures


def _endpoint_figures(
    times: dict[str, list[float]], failures: dict[str, int], duration_s: float
) -> dict[str, EndpointFigures]:
    figures = {}
    for name, values in sorted(times.items()):
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        figures[name] = EndpointFigures(
            name,
            len(values),
            failures[name],
            round(len(values) / duration_s, 2),
            round(float(p50), 2),
            round(float(p95), 2),
            round(float(p99), 2),
        )
    return figures


def _server_counters(mysql_target: Any, redis_url: str) -> tuple[int, int]:
    from afirgen_fixtures.db import connection

    with connection.connect(mysql_target) as conn, conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE 'Questions'")
        questions = int(cur.fetchone()[1])
    client = redis.Redis.from_url(redis_url)
    try:
        commands = int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()
    return questions, commands


def _what_the_run_left(mysql_target: Any) -> tuple[int, int, int]:
    """FIRs stored by the run, sessions holding more than one FIR, half-finished sessions."""
    from afirgen_fixtures.db import connection

    with connection.connect(mysql_target) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM fir_records WHERE created_at > %s", (DATA_END,))
        stored = int(cur.fetchone()[0])
        cur.execute(
            "SELECT COUNT(*) FROM (SELECT session_id FROM fir_records WHERE created_at > %s "
            "GROUP BY session_id HAVING COUNT(*) > 1) AS doubled",
            (DATA_END,),
        )
        duplicates = int(cur.fetchone()[0])
        cur.execute(
            "SELECT COUNT(*) FROM sessions WHERE created_at > %s AND status <> 'completed'",
            (DATA_END,),
        )
        half_finished = int(cur.fetchone()[0])
    return stored, duplicates, half_finished


@dataclass(frozen=True)
class LoadTarget:
    """A running API server and the servers behind it, as the load driver needs them."""

    base_url: str
    mysql_url: str  # with the served database selected
    redis_url: str
    pids: dict[str, int]  # "api", and "mariadb" / "redis" when they are ours
    api_key: str = API_KEY
    auth_key: str = AUTH_KEY

    @classmethod
    def from_file(cls, path: Path) -> LoadTarget:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise HarnessError(f"{path} is not a load target description: {exc}") from exc


def drive(
    target: LoadTarget,
    *,
    users: int,
    duration_s: float,
    workers: int,
    out: Path,
    search_share: float = 0.0,
    stack: MonitoringStack | None = None,
) -> LoadResult:
    """Run Locust against ``target`` and measure the servers (and read back what ``stack``'s
    Prometheus scraped meanwhile); the database must hold only generated rows before (every
    newer row is attributed to this run)."""
    from afirgen_fixtures.config import MySQLTarget

    database = MySQLTarget.from_url(target.mysql_url)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("latencies-*.jsonl"):
        old.unlink()
    questions0, commands0 = _server_counters(database, target.redis_url)
    with ProcessSampler(target.pids) as sampler:
        started, wall_started = time.monotonic(), time.time()
        _locust(target, users, duration_s, out, workers, search_share)
        elapsed, wall_ended = time.monotonic() - started, time.time()
    questions1, commands1 = _server_counters(database, target.redis_url)
    times, failures = latencies(out)
    endpoints = _endpoint_figures(times, failures, elapsed)
    total = sum(e.requests for e in endpoints.values())
    storing = endpoints.get(STORES_FIR)
    stored, duplicates, half_finished = _what_the_run_left(database)
    result = LoadResult(
        users=users,
        duration_s=round(elapsed, 1),
        workers=workers,
        search_share=search_share,
        requests=total,
        failures=sum(e.failures for e in endpoints.values()),
        rps=round(total / elapsed, 1),
        endpoints=endpoints,
        servers=sampler.figures,
        queries_per_request=round((questions1 - questions0) / max(1, total), 2),
        redis_commands_per_request=round((commands1 - commands0) / max(1, total), 2),
        firs_created=storing.requests - storing.failures if storing else 0,
        firs_stored=stored,
        duplicate_firs=duplicates,
        half_finished_sessions=half_finished,
    )
    if stack is not None:
        result.server_view = _server_view(stack, (wall_started, wall_ended), times, out)
    (out / "load.json").write_text(json.dumps(result.as_dict(), indent=2) + "\n")
    return result


def _server_view(
    stack: MonitoringStack, window: tuple[float, float], times: dict[str, list[float]], out: Path
) -> ServerView:
    """What the stack's Prometheus scraped over ``window`` (wall-clock start and end), beside
    the client's latencies, with its plot."""
    stack.settle()
    view = collect(
        stack.client,
        started=window[0],
        ended=window[1],
        interval_s=stack.interval_s,
        client_ms=client_by_route(times),
        buckets=LATENCY_BUCKETS,
        jobs=stack.jobs,
    )
    view.notes += stack.notes
    plot(view, out / PLOT_FILE)
    return view


def run_load(
    *,
    users: int,
    duration_s: float,
    workers: int = 0,
    scale: int = 100_000,
    out: Path,
    search_share: float = 0.0,
    monitor: bool = True,
    progress: Any = print,
) -> LoadResult:
    """Seed or reuse the data set, serve the API (watched by a private Prometheus unless
    ``monitor`` is off), drive the load, reset the data set."""
    from afirgen_bench.runner import benchmark_environment, private_server_pids
    from afirgen_fixtures.config import MySQLTarget
    from afirgen_fixtures.data import load_dataset, reset_dataset
    from afirgen_fixtures.services.api_server import ApiServer

    env = benchmark_environment()
    dataset = load_dataset(
        MySQLTarget.from_url(env["AFIRGEN_MYSQL_URL"]), scale=scale, progress=progress
    )
    reset_dataset(dataset.target)
    out.mkdir(parents=True, exist_ok=True)
    with ApiServer(
        database=dataset.target.database,
        env=_api_environment(env),
        owner_pid=os.getpid(),
        log=out / "api-server.log",
    ) as api:
        assert api.pid is not None
        progress(f"load: {users} users for {duration_s:.0f} s against {api.base_url}")
        target = LoadTarget(
            api.base_url,
            dataset.target.url(),
            env["AFIRGEN_REDIS_URL"],
            {"api": api.pid, **private_server_pids()},
        )
        with watch(
            monitor,
            out / "prometheus",
            api_url=api.base_url,
            api_key=API_KEY,
            redis_url=env["AFIRGEN_REDIS_URL"],
            mysql=exporter_login(env["AFIRGEN_MYSQL_URL"]),
        ) as stack:
            result = drive(
                target,
                users=users,
                duration_s=duration_s,
                workers=workers,
                out=out,
                search_share=search_share,
                stack=stack,
            )
    reset_dataset(dataset.target)
    return result


def _api_environment(env: dict[str, str]) -> dict[str, str]:
    """The API server's settings for a load run: the load's keys and a cache namespace of
    its own, so no earlier run's entries answer its reads."""
    return {
        **env,
        "AFIRGEN_API_KEY": API_KEY,
        "AFIRGEN_FIR_AUTH_KEY": AUTH_KEY,
        "AFIRGEN_CACHE_NAMESPACE": f"load-{uuid.uuid4().hex[:8]}",
    }


def judge_load(result: LoadResult, limits: LoadTestLimits) -> list[str]:
    """What the run did wrong, by the criteria of ``sla.toml``'s ``[load_test]``."""
    run = LoadRun(
        requests=result.requests,
        failures=result.failures,
        p95_ms={name: figures.p95_ms for name, figures in result.endpoints.items()},
        firs_created=result.firs_created,
        firs_stored=result.firs_stored,
        duplicate_firs=result.duplicate_firs,
        half_finished_sessions=result.half_finished_sessions,
    )
    return judge_load_run(run, limits)
