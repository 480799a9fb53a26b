"""Per-process resources, built on first use and reused by every sample: the private
servers, the seeded data sets, pools, repositories and the cache, and the round robins that
give each sample another row."""

from __future__ import annotations

import itertools
import os
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from .backend import feature, has_feature

DEFAULT_SCALES = (10_000, 100_000)
API_SCALE = 100_000
SAMPLE_IDS = 2_000


def scales() -> list[int]:
    """Data-set sizes to run database benchmarks at: ``$AFIRGEN_BENCH_SCALES`` or 10k, 100k."""
    configured = os.environ.get("AFIRGEN_BENCH_SCALES")
    if configured:
        return [int(s) for s in configured.split(",") if s.strip()]
    return list(DEFAULT_SCALES)


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


@dataclass(frozen=True)
class ApiSamples:
    """What the HTTP benchmarks request, drawn the same way by the timed suite and the
    counted probe: FIR numbers, session ids, and complaints to submit."""

    fir_numbers: list[str]
    session_ids: list[int]
    complaints: list[str]


def draw_api_samples() -> ApiSamples:
    """FIR numbers and session ids (``SAMPLE_IDS`` of each) and 600 complaints of the API's
    data set, in a seeded random order."""
    connect = feature("db.connection", "connect")
    with connect(dataset(API_SCALE).target) as conn, conn.cursor() as cur:
        cur.execute("SELECT fir_number FROM fir_records ORDER BY RAND(7) LIMIT %s", (SAMPLE_IDS,))
        fir_numbers = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT id FROM sessions ORDER BY RAND(7) LIMIT %s", (SAMPLE_IDS,))
        session_ids = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT complaint_text FROM fir_records ORDER BY RAND(8) LIMIT 600")
        complaints = [row[0] for row in cur.fetchall()]
    return ApiSamples(fir_numbers, session_ids, complaints)


@cache
def _cycles() -> dict[str, Iterator[Any]]:
    return {}


def next_of(name: str, values: list[Any]) -> Any:
    """The next value of a per-process round robin, so each sample reads another row."""
    cycle = _cycles().setdefault(name, itertools.cycle(values))
    return next(cycle)


def next_index(name: str) -> int:
    """The next index of a per-process counter: call ``i`` of a definition (``calls``)
    takes its ``i``-th input, as the counted twin's call ``i`` does."""
    return next(_cycles().setdefault(name, itertools.count()))


def cycle(values: list[Any]) -> Callable[[int], Any]:
    """Index ``i`` -> the ``i``-th of ``values``, round and round."""
    return lambda i: values[i % len(values)]


def cycle_ids(scale: int) -> Callable[[int], int]:
    """Index ``i`` -> the ``i``-th sample id of ``scale``, round and round."""
    return lambda i: sample_ids(scale)[i % SAMPLE_IDS]


def restart_cycles() -> None:
    """Every round robin and counter starts again from its first value. A duet's two workers call it
    after their warm-ups (of different lengths), so that the n-th call on one side reads the
    same row, or runs the same query, as the n-th on the other: a pair then compares the
    same work, not a rare term against a frequent one."""
    _cycles().clear()


def unique_token() -> str:
    return uuid.uuid4().hex


@cache
def process_token() -> str:
    """This process's token, the same for all its calls: keys and complaints made with it are
    new to the shared Redis namespace and the API's cache, whatever ran before."""
    return unique_token()[:12]


def reset_writes(scale: int) -> None:
    """Remove rows earlier write benchmarks added, where this commit can."""
    if has_feature("data", "reset_dataset"):
        feature("data", "reset_dataset")(dataset(scale).target)
