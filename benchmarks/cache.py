"""Redis through the cache manager (the seed's cache benchmarks, on a real Redis instead of a
dict-backed mock)."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache as memoize
from typing import Any

from .common import (
    Latency,
    OnData,
    cache_manager,
    check_requirements,
    feature,
    fir_repository,
    next_of,
    sample_ids,
    service_urls,
    unique_token,
)

VALUE_1KB = "x" * 1024
KEYS = [f"key-{i}" for i in range(100)]


class CacheBenchmark(Latency):
    """Needs only Redis: no data set. Fails, rather than report a number, if any call fell
    back because Redis did not answer (the manager never raises; it would time the fallback)."""

    requires = ("cache:CacheManager",)

    def setup(self, *params: Any) -> None:
        check_requirements(self)
        self.cache = cache_manager()
        if not self.cache.ping():
            raise RuntimeError("Redis does not answer PING: start the services first")
        self.cache.set_many("bench", dict.fromkeys(KEYS, VALUE_1KB))
        self.failures_before = _failures(self.cache)

    def teardown(self, *params: Any) -> None:
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
        self.cache.set("bench", "to-delete", VALUE_1KB)

    def time_get_hit(self) -> None:
        self.cache.get("bench", next_of("hit", KEYS))

    def time_get_miss(self) -> None:
        self.cache.get("bench", "never-set")

    def time_set(self) -> None:
        self.cache.set("bench", next_of("set", KEYS), VALUE_1KB)

    def time_delete(self) -> None:
        self.cache.delete("bench", "to-delete")


class GetOrFetch(OnData):
    """Seed ``get_or_fetch``: a hit, and a miss that fetches the FIR from MariaDB."""

    requires = (*OnData.requires, "cache:CacheManager")
    params = [[10_000]]

    def setup(self, prepared: Any, scale: int) -> None:
        super().setup(prepared, scale)
        self.cache = cache_manager()
        self.hit_id = sample_ids(scale)[0]
        self.cache.set("bench_fir", self.hit_id, VALUE_1KB)
        self.miss_key = unique_token()

    def time_get_or_fetch_hit(self, prepared: Any, scale: int) -> None:
        self.cache.get_or_fetch("bench_fir", self.hit_id, lambda: VALUE_1KB)

    def time_get_or_fetch_miss(self, prepared: Any, scale: int) -> None:
        record_id = next_of("fetch", sample_ids(scale))
        self.cache.get_or_fetch(
            "bench_fir", self.miss_key, lambda: fir_repository(scale).get_by_id(record_id)
        )


class HitRate(OnData):
    """Seed ``hit_rate``: Zipf-distributed FIR reads through a cache-aside repository.

    The hit % of 20,000 reads over the 100k FIRs, starting from an empty namespace (seed goal:
    over 80 %). Higher is better."""

    params = [[100_000]]
    requires = (*OnData.requires, "cache:CacheManager")
    unit = "%"
    rounds = 1

    def track_hit_rate(self, prepared: Any, scale: int) -> float:
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
    """Seed ``cache_performance_improvement``: how many times faster a cached FIR read is
    than the uncached one, median of 400 interleaved reads each. Higher is better."""

    params = [[100_000]]
    requires = (*OnData.requires, "cache:CacheManager")
    unit = "x"
    rounds = 1

    def track_speedup(self, prepared: Any, scale: int) -> float:
        import statistics

        manager = cache_manager()
        cached = feature("db.repositories", "FIRRepository")(fir_repository(scale).pool, manager)
        uncached = fir_repository(scale)
        ids = sample_ids(scale)[:400]
        for record_id in ids:
            cached.get_by_id(record_id)  # warm the cache
        fast, slow = [], []
        for record_id in ids:
            for repository, out in ((cached, fast), (uncached, slow)):
                start = time.perf_counter()
                repository.get_by_id(record_id)
                out.append(time.perf_counter() - start)
        return statistics.median(slow) / statistics.median(fast)


class ConcurrentReads(CacheBenchmark):
    """Seed ``concurrent_reads``: a batch of one GET per thread at each concurrency."""

    params = [[1, 5, 10, 20, 50]]
    param_names = ["concurrency"]

    def setup(self, concurrency: int) -> None:
        super().setup()
        self.executor = executor(concurrency)

    def time_concurrent_reads(self, concurrency: int) -> None:
        keys = KEYS[:concurrency]
        list(self.executor.map(lambda key: self.cache.get("bench", key), keys))


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


@memoize
def executor(workers: int) -> ThreadPoolExecutor:
    pool = ThreadPoolExecutor(max_workers=workers)
    list(pool.map(lambda _: None, range(workers)))  # start every thread before timing
    return pool


class MixedOperations(CacheBenchmark):
    """Seed ``mixed_operations``: 80 % GET, 20 % SET over 100 keys, one operation per sample."""

    def time_mixed_80_20(self) -> None:
        key = next_of("mixed-key", KEYS)
        if next_of("mixed-op", [False, False, False, False, True]):
            self.cache.set("bench", key, VALUE_1KB)
        else:
            self.cache.get("bench", key)


class NamespacedKeyGeneration(Latency):
    """Seed ``namespaced_key_generation``: building a namespaced key."""

    requires = ("cache:generate_key",)

    def setup(self) -> None:
        check_requirements(self)
        self.generate_key = feature("cache", "generate_key")

    def time_generate_key(self) -> None:
        self.generate_key("fir", "record", "12345")
