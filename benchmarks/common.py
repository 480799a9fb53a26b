"""The mixins every benchmark class builds on, and the measurement design they share.

Expensive work happens once per commit in ``setup_cache`` (asv keys it by this file and line,
so every class inheriting a mixin shares one run of it): starting or reusing the private
MariaDB and Redis, seeding or reusing each data set, starting the API server. ``setup`` runs
before every sample (asv#966), so it only fetches what this process already built
(``resources``). The backend is looked up at run time (``backend``), the API server started
by ``server``, threads placed by ``pinning``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .backend import check_requirements, has_feature
from .pinning import pin_like_the_harness
from .resources import ApiSamples, dataset, draw_api_samples, reset_writes, scales
from .server import (
    API_IDLE_EXIT_S,
    API_KEY,
    api_server_stops_by_itself,
    http_client,
    round_owner_pid,
    start_api_server,
)

T = TypeVar("T")

SUITE_VERSION = "2026.11.29"  # bump when a benchmark changes meaning; asv restarts its history


@dataclass(frozen=True)
class Skipped:
    """What ``setup_cache`` returns at a commit that lacks a feature (asv drops a None, so
    it cannot raise ``NotImplementedError`` there): every ``setup`` then skips with it."""

    reason: str


def skip_if_unprepared(prepared: object) -> None:
    if isinstance(prepared, Skipped):
        raise NotImplementedError(prepared.reason)


@dataclass(frozen=True)
class DataSets:
    """``OnData.setup_cache``: the scales whose data sets are seeded and reset."""

    scales: tuple[int, ...]


@dataclass(frozen=True)
class ApiServed(ApiSamples):
    """``OverHTTP.setup_cache``: the API server's address and what the benchmarks request."""

    base_url: str


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
# A call timed through its definition's ``Call`` (benchmarks/calls.py): one Python frame more
# than the direct call timed before 2026-12-07, +21-32 % on a 0.15 us key (timeit); for calls
# of a few us and more it is within their noise, and their versions stay (docs/benchmarks.md).
THROUGH_DEFINITION = "through-definition"


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

    def setup_cache(self) -> DataSets | Skipped:
        if not has_feature("data", "load_dataset"):
            return Skipped("no data loader in this commit")
        for scale in scales():
            dataset(scale)
            reset_writes(scale)
        return DataSets(tuple(scales()))

    setup_cache.timeout = 3600

    def setup(self, prepared: DataSets | Skipped, scale: int) -> None:
        skip_if_unprepared(prepared)
        check_requirements(self)
        self.scale = scale


class OverHTTP(Latency):
    """Benchmarks over real HTTP against the API served by uvicorn from this commit."""

    def setup_cache(self) -> ApiServed | Skipped:
        if not (api_server_stops_by_itself() and has_feature("data", "load_dataset")):
            return Skipped("no API server that stops by itself in this commit")
        server = start_api_server(
            api_key=API_KEY,
            namespace="afirgen-bench",
            idle_exit_s=API_IDLE_EXIT_S,
            owner_pid=round_owner_pid(),
            # One hash seed for every server: with a random one, each round's server had
            # its own speed (A/A noise of GET /fir/{n} 3.5 % -> 1.1 % with it fixed).
            extra_env={"PYTHONHASHSEED": "0"},
        )
        pin_like_the_harness(server.pid)
        samples = draw_api_samples()
        return ApiServed(**vars(samples), base_url=server.base_url)

    setup_cache.timeout = 3600

    def setup(self, prepared: ApiServed | Skipped, *params: Any) -> None:
        skip_if_unprepared(prepared)
        check_requirements(self)
        self.prepared = prepared
        self.client = http_client(prepared.base_url)


def percentile_ms(latencies_s: list[float], percent: int) -> float:
    """The ``percent``-th percentile of latencies in seconds, in ms."""
    return 1000 * statistics.quantiles(latencies_s, n=100)[percent - 1]
