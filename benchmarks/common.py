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


class Latency:
    """One call per sample (``number = 1``) and enough samples per round that P95 and P99
    come from per-call times."""

    version = SUITE_VERSION
    number = 1
    rounds = 2
    repeat = (50, 200, 4.0)
    warmup_time = 0.2
    timeout = 600


class OnData(Latency):
    """Benchmarks over the seeded data sets, one per scale."""

    params = [scales()]
    param_names = ["scale"]

    def setup_cache(self) -> dict[str, Any] | None:
        if not has_feature("data", "load_dataset"):
            return None
        for scale in scales():
            dataset(scale)
            reset_writes(scale)
        return {"scales": scales()}

    setup_cache.timeout = 3600

    def setup(self, prepared: dict[str, Any] | None, scale: int) -> None:
        if prepared is None:
            raise NotImplementedError("no data loader in this commit")
        self.scale = scale


class OverHTTP(Latency):
    """Benchmarks over real HTTP against the API served by uvicorn from this commit."""

    def setup_cache(self) -> dict[str, Any] | None:
        if not (
            has_feature("services.api_server", "ApiServer") and has_feature("data", "load_dataset")
        ):
            return None
        data = dataset(API_SCALE)
        reset_writes(API_SCALE)
        urls = service_urls()
        server = feature("services.api_server", "ApiServer")(
            database=data.target.database,
            env={
                "AFIRGEN_MYSQL_URL": urls.mysql_url,
                "AFIRGEN_REDIS_URL": urls.redis_url,
                "AFIRGEN_API_KEY": API_KEY,
                "AFIRGEN_CACHE_NAMESPACE": f"afirgen-bench-{unique_token()[:8]}",
            },
            idle_exit_s=API_IDLE_EXIT_S,
        ).start()
        with feature("db.connection", "connect")(data.target) as conn, conn.cursor() as cur:
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

    def setup(self, prepared: dict[str, Any] | None, *params: Any) -> None:
        if prepared is None:
            raise NotImplementedError("no API server helper in this commit")
        self.prepared = prepared
        self.client = http_client(prepared["base_url"])


@cache
def http_client(base_url: str) -> Any:
    import httpx

    return httpx.Client(
        base_url=base_url + "/api/v1",
        headers={"X-API-Key": API_KEY},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        timeout=60,
    )
