"""Shared pieces of the suite: services, data sets, the API server, and feature checks.

The suite comes from the working tree but ``afirgen_fixtures`` is installed from the commit
under test, so everything it needs from the backend is looked up at run time: a benchmark
whose feature is missing at that commit raises ``NotImplementedError`` in ``setup`` and asv
records it as skipped; a backend that is there but fails to import fails it.

Expensive work happens once per commit in ``setup_cache`` (asv keys it by this file and line,
so every class inheriting a mixin shares one run of it): starting or reusing the private
MariaDB and Redis, seeding or reusing each data set, starting the API server. ``setup`` runs
before every sample (asv#966), so it only fetches what this process already built.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import os
import random
import statistics
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

SUITE_VERSION = "2026.11.29"  # bump when a benchmark changes meaning; asv restarts its history
BACKEND = "afirgen_fixtures"
BENCH_CPU_ENV = "AFIRGEN_BENCH_CPU"
DEFAULT_SCALES = (10_000, 100_000)
API_SCALE = 100_000
API_KEY = "afirgen-benchmark-key"
API_IDLE_EXIT_S = 1800
SAMPLE_IDS = 2_000


def scales() -> list[int]:
    """Data-set sizes to run database benchmarks at: ``$AFIRGEN_BENCH_SCALES`` or 10k, 100k."""
    configured = os.environ.get("AFIRGEN_BENCH_SCALES")
    if configured:
        return [int(s) for s in configured.split(",") if s.strip()]
    return list(DEFAULT_SCALES)


def feature(module: str, *names: str) -> Any:
    """``afirgen_fixtures.<module>`` (or its attribute), or NotImplementedError if this
    commit does not have it yet: asv then skips the benchmark.

    Only a module that does not exist (it, or a package above it) or an attribute missing
    from a module that imported fine means "not in this commit". Anything else the import
    raises (a syntax error, an ImportError from inside the backend, a third-party module
    missing) propagates, so asv records a failure: a broken head must not pass as skipped."""
    path = f"{BACKEND}.{module}"
    try:
        found: Any = importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (path == exc.name or path.startswith(f"{exc.name}.")):
            raise
        raise NotImplementedError(f"{path} not in this commit") from exc
    for name in names:
        try:
            found = getattr(found, name)
        except AttributeError as exc:
            raise NotImplementedError(f"{path} {names} not in this commit") from exc
    return found


def has_feature(module: str, *names: str) -> bool:
    """Whether this commit has the feature; a backend that fails to import raises, as in
    ``feature``, rather than pass for a commit without it."""
    try:
        feature(module, *names)
    except NotImplementedError:
        return False
    return True


PRELOADED_MODULES = ("config", "db.pool", "db.repositories", "cache", "generation.pipeline", "data")


def preload_backend() -> None:
    """Import the backend once in asv's forkserver, so each forked benchmark process starts
    with it imported (~0.4 s each). A module this commit lacks or cannot import is left to
    the benchmarks that need it: they skip or fail with the real error."""
    for module in PRELOADED_MODULES:
        try:
            importlib.import_module(f"{BACKEND}.{module}")
        except Exception:
            continue


preload_backend()


# -- per-process resources (built on first use, reused by every sample) ---------------------


@cache
def service_urls() -> Any:
    return feature("services", "resolve")()


@cache
def server_target() -> Any:
    return feature("config", "MySQLTarget").from_url(service_urls().mysql_url)


@cache
def dataset(scale: int) -> Any:
    """The seeded data set (loaded once per scale, schema and generator version; reused)."""
    return feature("data", "load_dataset")(server_target(), scale=scale)


@cache
def settings(scale: int) -> Any:
    return feature("config", "Settings")(
        mysql_url=dataset(scale).target.url(),
        redis_url=service_urls().redis_url,
        cache_namespace="afirgen-bench",
        pool_size=60,
    )


@cache
def pool(scale: int) -> Any:
    return feature("db.pool", "Pool")(dataset(scale).target, settings(scale))


@cache
def fir_repository(scale: int) -> Any:
    """FIR repository without a cache: database benchmarks time MariaDB, not Redis."""
    return feature("db.repositories", "FIRRepository")(
        pool(scale), cursor_secret=settings(scale).cursor_secret
    )


@cache
def section_repository(scale: int) -> Any:
    return feature("db.repositories", "LegalSectionRepository")(pool(scale))


@cache
def cache_manager() -> Any:
    return feature("cache", "CacheManager")(service_urls().redis_url, namespace="afirgen-bench")


@cache
def sample_ids(scale: int) -> list[int]:
    rng = random.Random(scale)
    return [rng.randint(1, dataset(scale).counts["fir_records"]) for _ in range(SAMPLE_IDS)]


@cache
def _cycles() -> dict[str, Iterator[Any]]:
    return {}


def next_of(name: str, values: list[Any]) -> Any:
    """The next value of a per-process round robin, so each sample reads another row."""
    cycle = _cycles().setdefault(name, itertools.cycle(values))
    return next(cycle)


def restart_cycles() -> None:
    """Every round robin starts again from its first value. A duet's two workers call it
    after their warm-ups (of different lengths), so that the n-th call on one side reads the
    same row, or runs the same query, as the n-th on the other: a pair then compares the
    same work, not a rare term against a frequent one."""
    _cycles().clear()


def unique_token() -> str:
    return uuid.uuid4().hex


def reset_writes(scale: int) -> None:
    """Remove rows earlier write benchmarks added, where this commit can."""
    if has_feature("data", "reset_dataset"):
        feature("data", "reset_dataset")(dataset(scale).target)


# -- mixins --------------------------------------------------------------------------------


def check_requirements(benchmark: object) -> None:
    """Skip (NotImplementedError) unless this commit has every ``module:attribute`` the
    benchmark class lists in ``requires``."""
    for requirement in getattr(benchmark, "requires", ()):
        module, _, attribute = requirement.partition(":")
        feature(module, *filter(None, [attribute]))


def skip_if_unprepared(prepared: dict[str, Any]) -> None:
    """``setup_cache`` must return a value (asv drops a None), so a missing feature comes
    back as ``{"skip": reason}``."""
    if "skip" in prepared:
        raise NotImplementedError(prepared["skip"])


def design_version(rounds: int, repeat: int, number: int) -> str:
    """asv's ``version`` of a benchmark: the suite's version and its measurement design. asv
    writes it into every result row, so the harness knows how many rounds the samples split
    into and how many calls each sample averages."""
    return f"{SUITE_VERSION} rounds={rounds} repeat={repeat} number={number}"


# The harness judges a percentile q only from 5 / (1 - q) samples or more (all rounds).
P95_SAMPLES = 100
P99_SAMPLES = 500
# Per-request figures of concurrent batches: enough for a P95, whole batches at every concurrency.
REQUESTS_PER_FIGURE = 300


def statistic(name: str) -> Callable[[T], T]:
    """Mark a method whose figure is computed differently from its class's earlier ones: its
    version becomes the class's design plus ``name``, so the gate and asv never compare it
    with figures of the old statistic (``Latency.__init_subclass__`` applies it)."""

    def mark(method: T) -> T:
        method.statistic = name  # type: ignore[attr-defined]
        return method

    return mark


# Each request of a concurrent batch timed from the moment the batch was sent, as the caller
# that sent it waits: per-thread timings from when each thread got the CPU measured the
# scheduler instead (A/A noise of a P95 at 50 threads on 2 CPUs: 104 %, its batch: 2.7 %).
FROM_BATCH_START = "latency-from-batch-start"


class Latency:
    """One call per sample (``number = 1``), so P95 and P99 come from per-call times, and a
    fixed number of samples per round (``repeat``), so the harness can split asv's samples
    back into rounds: the gate compares each side's fastest round (docs/measurements/
    2026-11-27-measurement-design.md). ``requires`` lists the ``module:attribute`` features.

    Each subclass's ``version`` names its final ``rounds``, ``repeat`` and ``number``; set
    them on the class, never on a method (asv would read a method's own first); a method
    whose statistic changed says so with ``@statistic``. A call too
    short to time alone takes ``number`` > 1 and no ``setup``. asv runs ``teardown`` after a
    ``setup`` that skipped, so a teardown must cope with a setup that stopped early."""

    requires: tuple[str, ...] = ()
    version: str  # set for each subclass from its design
    number = 1
    rounds = 4
    repeat = 200
    warmup_time = 0.2
    timeout = 600

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.version = design_version(cls.rounds, cls.repeat, cls.number)
        for attribute in vars(cls).values():
            if name := getattr(attribute, "statistic", None):
                attribute.version = f"{cls.version} {name}"


def repeat_for(samples: int) -> int:
    """Samples per round for at least ``samples`` over a ``Latency`` benchmark's rounds."""
    return -(-samples // Latency.rounds)


class OnData(Latency):
    """Benchmarks over the seeded data sets, one per scale."""

    params = [scales()]
    param_names = ["scale"]
    requires = ("db.repositories:FIRRepository", "db.pool:Pool")

    def setup_cache(self) -> dict[str, Any]:
        if not has_feature("data", "load_dataset"):
            return {"skip": "no data loader in this commit"}
        for scale in scales():
            dataset(scale)
            reset_writes(scale)
        return {"scales": scales()}

    setup_cache.timeout = 3600

    def setup(self, prepared: dict[str, Any], scale: int) -> None:
        skip_if_unprepared(prepared)
        check_requirements(self)
        self.scale = scale


class OverHTTP(Latency):
    """Benchmarks over real HTTP against the API served by uvicorn from this commit."""

    def setup_cache(self) -> dict[str, Any]:
        if not (api_server_stops_by_itself() and has_feature("data", "load_dataset")):
            return {"skip": "no API server that stops by itself in this commit"}
        server = start_api_server(
            api_key=API_KEY,
            namespace="afirgen-bench",
            idle_exit_s=API_IDLE_EXIT_S,
            owner_pid=_round_owner_pid(),
            # One hash seed for every server: with a random one, each round's server had
            # its own speed (A/A noise of GET /fir/{n} 3.5 % -> 1.1 % with it fixed).
            extra_env={"PYTHONHASHSEED": "0"},
        )
        _pin_like_the_harness(server.pid)
        target = dataset(API_SCALE).target
        with feature("db.connection", "connect")(target) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT fir_number FROM fir_records ORDER BY RAND(7) LIMIT %s", (SAMPLE_IDS,)
            )
            fir_numbers = [row[0] for row in cur.fetchall()]
            cur.execute("SELECT id FROM sessions ORDER BY RAND(7) LIMIT %s", (SAMPLE_IDS,))
            session_ids = [row[0] for row in cur.fetchall()]
            cur.execute("SELECT complaint_text FROM fir_records ORDER BY RAND(8) LIMIT 600")
            complaints = [row[0] for row in cur.fetchall()]
        return {
            "base_url": server.base_url,
            "fir_numbers": fir_numbers,
            "session_ids": session_ids,
            "complaints": complaints,
        }

    setup_cache.timeout = 3600

    def setup(self, prepared: dict[str, Any], *params: Any) -> None:
        skip_if_unprepared(prepared)
        check_requirements(self)
        self.prepared = prepared
        self.client = http_client(prepared["base_url"])


def start_api_server(
    *,
    api_key: str,
    namespace: str,
    idle_exit_s: int,
    owner_pid: int,
    extra_env: dict[str, str] | None = None,
) -> Any:
    """This commit's API server over the API data set, taken back to as generated first, with
    its own cache namespace; it stops when ``owner_pid`` exits or after ``idle_exit_s``."""
    data = dataset(API_SCALE)
    reset_writes(API_SCALE)
    urls = service_urls()
    return feature("services.api_server", "ApiServer")(
        database=data.target.database,
        env={
            "AFIRGEN_MYSQL_URL": urls.mysql_url,
            "AFIRGEN_REDIS_URL": urls.redis_url,
            "AFIRGEN_API_KEY": api_key,
            "AFIRGEN_CACHE_NAMESPACE": f"{namespace}-{unique_token()[:8]}",
            **(extra_env or {}),
        },
        idle_exit_s=idle_exit_s,
        owner_pid=owner_pid,
    ).start()


def api_server_stops_by_itself() -> bool:
    """Commits whose API server cannot exit on its own are skipped: it would linger."""
    if not has_feature("services.api_server", "ApiServer"):
        return False
    parameters = inspect.signature(feature("services.api_server", "ApiServer")).parameters
    return {"idle_exit_s", "owner_pid"} <= parameters.keys()


def _round_owner_pid() -> int:
    """The asv process that runs this ``setup_cache``: the round's forkserver, or asv itself.
    The server stops with it, so interleaved rounds (each runs ``setup_cache`` again) do not
    pile up servers. A duet worker (``afirgen_bench/duet_worker.py``) runs ``setup_cache``
    itself and names itself in ``$AFIRGEN_BENCH_OWNER_PID``."""
    return int(os.environ.get("AFIRGEN_BENCH_OWNER_PID") or os.getppid())


def server_cpu() -> int | None:
    """The CPU the harness pinned MariaDB and Redis to, if it did (``$AFIRGEN_BENCH_CPU``);
    asv's ``--cpu-affinity`` puts the benchmark process there too."""
    cpu = os.environ.get(BENCH_CPU_ENV)
    return None if cpu is None else int(cpu)


def _pin_threads(pid: int, cpus: set[int]) -> None:
    """Pin every thread of ``pid``: a thread only inherits affinity when it is created."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with suppress(ProcessLookupError):  # the thread ended meanwhile
            os.sched_setaffinity(int(tid), cpus)


def _pin_like_the_harness(pid: int | None) -> None:
    """Put the API server on the harness's benchmark CPU, next to MariaDB and Redis."""
    cpu = server_cpu()
    if cpu is None or pid is None:
        return
    _pin_threads(pid, {cpu})


def move_to_client_cpus() -> set[int]:
    """Move this process's threads, and so those it starts later, off the servers' CPU onto
    all the others, and return the affinity to give back in ``teardown`` (``pin_process``).

    Concurrent clients on the servers' CPU measure time slicing, not concurrency. Nothing
    moves when the harness pinned no servers, or on a machine with one CPU: there the
    clients and the servers can only take turns."""
    previous = os.sched_getaffinity(0)
    cpu = server_cpu()
    others = set(range(os.cpu_count() or 1)) - {cpu}
    if cpu is not None and others:
        pin_process(others)
    return previous


def pin_process(cpus: set[int]) -> None:
    _pin_threads(os.getpid(), cpus)


@cache
def executor(workers: int) -> ThreadPoolExecutor:
    """Client threads. A thread starts on the CPUs of the thread that creates it: call
    ``move_to_client_cpus`` first (it also moves threads made before it)."""
    pool = ThreadPoolExecutor(max_workers=workers)
    everyone = threading.Barrier(workers)  # a task per thread, all at once: every thread starts
    list(pool.map(lambda _: everyone.wait(), range(workers)))
    return pool


def percentile_ms(latencies_s: list[float], percent: int) -> float:
    """The ``percent``-th percentile of latencies in seconds, in ms."""
    return 1000 * statistics.quantiles(latencies_s, n=100)[percent - 1]


@cache
def http_client(base_url: str) -> Any:
    import httpx

    return httpx.Client(
        base_url=base_url + "/api/v1",
        headers={"X-API-Key": API_KEY},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        timeout=60,
    )
