"""Redis through the cache manager (the seed's cache benchmarks, on a real Redis instead of a
dict-backed mock)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from functools import cache as memoize
from functools import cached_property
from typing import Any

from asv_runner.benchmarks.mark import SkipNotImplemented

from .backend import check_requirements, feature
from .calls import Call, measures
from .common import (
    FROM_BATCH_START,
    THROUGH_DEFINITION,
    DataSets,
    Latency,
    OnData,
    percentile_ms,
    statistic,
)
from .pinning import executor, move_to_client_cpus, pin_process
from .resources import (
    cache_manager,
    cycle,
    cycle_ids,
    fir_repository,
    next_index,
    process_token,
    sample_ids,
    service_urls,
    unique_token,
)

VALUE_1KB = "x" * 1024
# GETs behind each per-read P95 (10x the HTTP figures': a GET is ~0.1 ms). A/A noise of the P95
# at 5-50 threads, two 3-run calibrations each (2026-12-06): 0.09-0.28 with 3,000 reads timed
# from the batch's sending, 0.14-0.42 timed from each thread's start, 0.24-1.04 with 300.
READS_PER_FIGURE = 3_000
KEYS = [f"key-{i}" for i in range(100)]
SPEEDUP_READS = 400
DELETABLE_KEYS = 100  # keys the timed deletes cycle through, set again before each sample


# -- the operations (``calls``): call ``i`` uses the ``i``-th key or id --------------------
# A plain cache call takes its manager with the index, ``(manager, i)``: its counted twin
# calls it as ``call(manager, i)``, the frames the counted history was made with.

nth_key = cycle(KEYS)


def get_hit(manager: Any, i: int) -> Any:
    return manager.get("bench", nth_key(i))


def get_miss(manager: Any, i: int) -> Any:
    return manager.get("bench", "never-set")


def set_value(manager: Any, i: int) -> Any:
    return manager.set("bench", nth_key(i), VALUE_1KB)


def delete(manager: Any) -> Call:
    """Call ``i`` deletes key ``i``, set beforehand by ``set_deletable``."""
    return lambda i: manager.delete("bench", f"to-delete-{i:05d}")


def set_deletable(manager: Any, i: int) -> None:
    manager.set("bench", f"to-delete-{i:05d}", VALUE_1KB)


def get_or_fetch_hit(manager: Any, hit_id: int) -> Call:
    value = VALUE_1KB  # a closure, as the twin the history was counted with had
    return lambda i: manager.get_or_fetch("bench_fir", hit_id, lambda: value)


def get_or_fetch_miss(manager: Any, scale: int, prefix: str) -> Call:
    """Call ``i`` misses key ``<prefix>-i`` and fetches the ``i``-th sample FIR."""
    ids = cycle_ids(scale)
    return lambda i: manager.get_or_fetch(
        "bench_fir", f"{prefix}-{i:05d}", lambda: fir_repository(scale).get_by_id(ids(i))
    )


def read_speedup_fir(repository: Any, scale: int) -> Call:
    """Call ``i`` reads the ``i``-th of the speed-up's FIRs (with the cache or without)."""

    def read_id(i: int) -> int:  # a frame of its own, as in the twin the history counted
        return speedup_ids(scale)[i % SPEEDUP_READS]

    return lambda i: repository.get_by_id(read_id(i))


def read_batch(manager: Any, keys: list[str], size: int) -> Call:
    """Call ``i`` GETs ``keys[:size]`` one after another. Timed, each thread of a concurrent
    batch runs a batch of one, its key; counted, the batch's reads run in one turn (threads
    would make the count depend on scheduling: A/A spread up to 1.3e-2)."""
    return lambda i: [manager.get("bench", key) for key in keys[:size]]


def mixed_80_20(manager: Any, i: int) -> Any:
    """80 % GET, 20 % SET: every fifth call sets."""
    if i % 5 == 4:
        return manager.set("bench", nth_key(i), VALUE_1KB)
    return manager.get("bench", nth_key(i))


def namespaced_key(generate_key: Callable[..., str]) -> Call:
    return lambda i: generate_key("fir", "record", "12345")


# -- the timed benchmarks ------------------------------------------------------------------


class CacheBenchmark(Latency):
    """Needs only Redis: no data set. Fails, rather than report a number, if any call fell
    back because Redis did not answer (the manager never raises; it would time the fallback)."""

    requires = ("cache:CacheManager",)
    failures_before: int | None = None  # set once setup got past its skip checks

    def setup(self, *params: Any) -> None:
        check_requirements(self)
        self.cache = cache_manager()
        if not self.cache.ping():
            raise RuntimeError("Redis does not answer PING: start the services first")
        self.cache.set_many("bench", dict.fromkeys(KEYS, VALUE_1KB))
        self.failures_before = _failures(self.cache)

    def teardown(self, *params: Any) -> None:
        if self.failures_before is None:
            return
        failures = _failures(self.cache) - self.failures_before
        if failures:
            raise RuntimeError(f"{failures} cache call(s) fell back: Redis was not answering")


def _failures(cache: Any) -> int:
    stats = cache.stats()
    return stats.errors + stats.fallbacks


class CacheOperations(CacheBenchmark):
    """Seed cache get hit / get miss / set / delete, 1 KB values."""

    def setup(self) -> None:
        super().setup()
        self.deleted = next_index("delete") % DELETABLE_KEYS
        set_deletable(self.cache, self.deleted)
        self.delete = delete(self.cache)

    @measures(get_hit)
    def time_get_hit(self) -> None:
        get_hit(self.cache, next_index("hit"))

    @measures(get_miss)
    def time_get_miss(self) -> None:
        get_miss(self.cache, 0)

    @measures(set_value)
    def time_set(self) -> None:
        set_value(self.cache, next_index("set"))

    @measures(delete)
    def time_delete(self) -> None:
        self.delete(self.deleted)


class GetOrFetch(OnData):
    """Seed ``get_or_fetch``: a hit, and a miss that fetches the FIR from MariaDB."""

    requires = (*OnData.requires, "cache:CacheManager")
    params = [[10_000]]

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        manager, hit_id = cache_manager(), sample_ids(scale)[0]
        manager.set("bench_fir", hit_id, VALUE_1KB)
        self.hit = get_or_fetch_hit(manager, hit_id)
        self.miss = get_or_fetch_miss(manager, scale, prefix=f"miss-{process_token()}")

    @measures(get_or_fetch_hit)
    def time_get_or_fetch_hit(self, prepared: DataSets, scale: int) -> None:
        self.hit(0)

    @measures(get_or_fetch_miss)
    def time_get_or_fetch_miss(self, prepared: DataSets, scale: int) -> None:
        self.miss(next_index("fetch"))


class HitRate(OnData):
    """Seed ``hit_rate``: Zipf-distributed FIR reads through a cache-aside repository.

    The hit % of 20,000 reads over the 100k FIRs, starting from an empty namespace (seed goal:
    over 80 %). Higher is better."""

    params = [[100_000]]
    requires = (*OnData.requires, "cache:CacheManager")
    unit = "%"
    rounds = 1

    def track_hit_rate(self, prepared: DataSets, scale: int) -> float:
        manager = feature("cache", "CacheManager")(
            service_urls().redis_url, namespace=f"hitrate-{unique_token()[:8]}"
        )
        repository = feature("db.repositories", "FIRRepository")(
            fir_repository(scale).pool, manager
        )
        for record_id in zipf_ids(scale, 20_000):
            repository.get_by_id(record_id)
        stats = manager.stats()
        manager.invalidate_kind("fir")
        manager.close()
        return 100.0 * stats.hits / max(1, stats.hits + stats.misses)


@memoize
def zipf_ids(scale: int, reads: int, exponent: float = 1.1) -> list[int]:
    """FIR ids drawn with Zipf-like popularity (rank r weighs 1 / r^exponent), seeded."""
    rng = random.Random(2026)
    weights = [1 / (rank**exponent) for rank in range(1, scale + 1)]
    order = list(range(1, scale + 1))
    rng.shuffle(order)
    return rng.choices(order, weights=weights, k=reads)


class CachePerformanceImprovement(OnData):
    """Seed ``cache_performance_improvement``: a FIR read through the repository with the
    cache and without it, over the same 400 FIRs (already cached for the cached read).

    ``track_speedup`` is their ratio, a derived figure: the gate judges it through its two
    parts, ``time_cached_read`` and ``time_uncached_read``."""

    params = [[100_000]]
    requires = (*OnData.requires, "cache:CacheManager")
    missed_before: int | None = None  # set once setup got past its skip checks

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.cached = cached_fir_repository(scale)
        self.uncached = fir_repository(scale)
        self.cached_read = read_speedup_fir(self.cached, scale)
        self.uncached_read = read_speedup_fir(self.uncached, scale)
        self.ids = speedup_ids(scale)
        self.missed_before = _missed(speedup_cache())

    def teardown(self, prepared: DataSets, scale: int) -> None:
        if self.missed_before is None:
            return
        missed = _missed(speedup_cache()) - self.missed_before
        if missed:
            raise RuntimeError(f"{missed} cached read(s) did not come from Redis")

    @measures(read_speedup_fir)
    def time_cached_read(self, prepared: DataSets, scale: int) -> None:
        self.cached_read(next_index("speedup-cached"))

    @measures(read_speedup_fir)
    def time_uncached_read(self, prepared: DataSets, scale: int) -> None:
        self.uncached_read(next_index("speedup-uncached"))

    def track_speedup(self, prepared: DataSets, scale: int) -> float:
        """How many times faster the cached read is: the ratio of the medians of 400
        interleaved reads each (seed: at least 2x). Higher is better."""
        fast, slow = [], []
        for record_id in self.ids:
            for repository, out in ((self.cached, fast), (self.uncached, slow)):
                start = time.perf_counter()
                repository.get_by_id(record_id)
                out.append(time.perf_counter() - start)
        return statistics.median(slow) / statistics.median(fast)

    track_speedup.unit = "x"


def speedup_ids(scale: int) -> list[int]:
    return sample_ids(scale)[:SPEEDUP_READS]


@memoize
def speedup_cache() -> Any:
    """A cache namespace of this process's own, filled when the process starts. In the shared
    namespace a FIR first cached by an earlier process's read-ahead (a shorter TTL) expired
    during a duet's third round, and its read came from MariaDB."""
    return feature("cache", "CacheManager")(
        service_urls().redis_url, namespace=f"speedup-{unique_token()[:8]}"
    )


@memoize
def cached_fir_repository(scale: int) -> Any:
    """The FIR repository reading through the cache, with the speed-up's FIRs in it."""
    repository = feature("db.repositories", "FIRRepository")(
        fir_repository(scale).pool, speedup_cache()
    )
    for record_id in speedup_ids(scale):
        repository.get_by_id(record_id)
    return repository


def _missed(cache: Any) -> int:
    """Reads that did not come from Redis: misses, and calls that fell back."""
    stats = cache.stats()
    return stats.misses + stats.errors + stats.fallbacks


class ConcurrentReads(CacheBenchmark):
    """Seed ``concurrent_reads``: a batch of one GET per thread at each concurrency.

    The threads run off the servers' CPU (``move_to_client_cpus``), so the batch measures
    concurrency rather than time slicing. A sample is a whole batch, so the seed's per-read
    limit is on ``track_read_p95_ms``; ``time_concurrent_reads`` tracks regressions."""

    params = [[1, 5, 10, 20, 50]]
    param_names = ["concurrency"]

    def setup(self, concurrency: int) -> None:
        self.server_side_cpus = move_to_client_cpus()  # first: teardown runs after a skip too
        super().setup()
        self.executor = executor(concurrency)
        self.reads = {key: read_batch(self.cache, [key], 1) for key in KEYS[:concurrency]}

    def teardown(self, concurrency: int) -> None:
        pin_process(self.server_side_cpus)
        super().teardown()

    def _get(self, key: str, sent: float) -> float:
        """One GET; its latency in seconds from the moment its batch was sent."""
        self.reads[key](0)
        return time.perf_counter() - sent

    def _batch(self, concurrency: int) -> list[float]:
        sent = time.perf_counter()
        return list(self.executor.map(self._get, KEYS[:concurrency], [sent] * concurrency))

    @measures(read_batch)
    def time_concurrent_reads(self, concurrency: int) -> None:
        self._batch(concurrency)

    @statistic(FROM_BATCH_START)
    def track_read_p95_ms(self, concurrency: int) -> float:
        """P95, in ms, of the latencies of ``READS_PER_FIGURE`` GETs made in batches like the
        timed ones, each from the moment its batch was sent (seed limit: 20 ms)."""
        self._batch(concurrency)  # opens the connections, as asv's warm-up does
        latencies = []
        for _ in range(READS_PER_FIGURE // concurrency):
            latencies += self._batch(concurrency)
        return percentile_ms(latencies, 95)

    track_read_p95_ms.unit = "ms"


class GetThroughput(CacheBenchmark):
    """Cache GET hits served per second by one client for 1 s. Higher is better."""

    rounds = 1
    unit = "operations/s"

    def track_get_throughput(self) -> float:
        done, started = 0, time.perf_counter()
        deadline = started + 1.0
        while time.perf_counter() < deadline:
            self.cache.get("bench", KEYS[done % len(KEYS)])
            done += 1
        return done / (time.perf_counter() - started)


class MixedOperations(CacheBenchmark):
    """Seed ``mixed_operations``: 80 % GET, 20 % SET over 100 keys, one operation per sample."""

    @measures(mixed_80_20)
    def time_mixed_80_20(self) -> None:
        mixed_80_20(self.cache, next_index("mixed"))


class NamespacedKeyGeneration(Latency):
    """Seed ``namespaced_key_generation``: building a namespaced key, ~0.2 us a call.

    1,000 calls per sample (~0.2 ms), so the clock's ~10 ns step is lost in the sample; asv
    divides by ``number``, so the time reported stays per call. The seed's per-call P95 and
    P99 limits are on ``track_call_p95_ms`` and ``track_call_p99_ms``, from calls timed one
    by one. No ``setup``: asv would re-run it between the calls of a sample and time each
    call alone (asv#966), so the function is looked up on first use instead."""

    number = 1_000
    calls_per_figure = 10_000

    @cached_property
    def call(self) -> Call:
        try:
            return namespaced_key(feature("cache", "generate_key"))
        except NotImplementedError as exc:
            raise SkipNotImplemented(str(exc)) from exc

    @statistic(THROUGH_DEFINITION)
    @measures(namespaced_key)
    def time_generate_key(self) -> None:
        self.call(0)

    def _call_latencies(self) -> list[float]:
        clock, call, latencies = time.perf_counter_ns, self.call, []
        for _ in range(self.calls_per_figure):
            start = clock()
            call(0)
            latencies.append((clock() - start) / 1e9)
        return latencies

    @statistic(THROUGH_DEFINITION)
    def track_call_p95_ms(self) -> float:
        """P95, in ms, of calls timed one by one (seed limit: 1 ms)."""
        return percentile_ms(self._call_latencies(), 95)

    track_call_p95_ms.unit = "ms"

    @statistic(THROUGH_DEFINITION)
    def track_call_p99_ms(self) -> float:
        """P99, in ms, of calls timed one by one (seed limit: 2 ms)."""
        return percentile_ms(self._call_latencies(), 99)

    track_call_p99_ms.unit = "ms"
