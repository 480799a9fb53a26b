"""Shared pieces of the suite: services, data sets, the API server, and feature checks.

The suite comes from the working tree but ``afirgen_fixtures`` is installed from the commit
under test, so everything it needs from the backend is looked up at run time: a benchmark
whose feature is missing at that commit raises ``NotImplementedError`` in ``setup`` and asv
records it as skipped, never failed.

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
import uuid
from collections.abc import Iterator
from functools import cache
from typing import Any

SUITE_VERSION = "2026.11.1"  # bump when a benchmark changes meaning; asv restarts its history
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
    commit does not have it yet: asv then skips the benchmark."""
    try:
        found: Any = importlib.import_module(f"afirgen_fixtures.{module}")
        for name in names:
            found = getattr(found, name)
    except (ImportError, AttributeError) as exc:
        raise NotImplementedError(f"afirgen_fixtures.{module} {names} not in this commit") from exc
    return found


def has_feature(module: str, *names: str) -> bool:
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
            importlib.import_module(f"afirgen_fixtures.{module}")
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


class Latency:
    """One call per sample (``number = 1``), so P95 and P99 come from per-call times, and a
    fixed number of samples per round (``repeat``), so the harness can split asv's samples
    back into rounds: the gate compares each side's fastest round (docs/measurements/
    2026-11-27-measurement-design.md). ``requires`` lists the ``module:attribute`` features."""

    requires: tuple[str, ...] = ()
    version = SUITE_VERSION
    number = 1
    rounds = 4
    repeat = 200
    warmup_time = 0.2
    timeout = 600


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
    pile up servers."""
    return os.getppid()


def _pin_like_the_harness(pid: int | None) -> None:
    """Put the API server on the harness's benchmark CPU, next to MariaDB and Redis."""
    cpu = os.environ.get("AFIRGEN_BENCH_CPU")
    if cpu is None or pid is None:
        return
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(tid), {int(cpu)})


@cache
def http_client(base_url: str) -> Any:
    import httpx

    return httpx.Client(
        base_url=base_url + "/api/v1",
        headers={"X-API-Key": API_KEY},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        timeout=60,
    )
