"""Hit, miss, error and fallback counters, safe to bump from the API's thread pool."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of the counters since start or the last ``reset_stats``.

    ``errors`` counts failed Redis calls; ``fallbacks`` counts Redis calls that did not happen
    (they failed, or were skipped while Redis is marked unavailable), so one ``get_or_fetch``
    during an outage counts two: its read and its write. ``hit_rate`` is hits / (hits + misses);
    a read that never reached Redis is neither.
    """

    hits: int
    misses: int
    errors: int
    fallbacks: int
    hit_rate: float
    hiredis: bool


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits = self.misses = self.errors = self.fallbacks = 0

    def record_lookups(self, hits: int, misses: int) -> None:
        with self._lock:
            self.hits += hits
            self.misses += misses

    def record_fallback(self, *, error: bool) -> None:
        with self._lock:
            self.fallbacks += 1
            self.errors += error

    def snapshot(self, *, hiredis: bool) -> CacheStats:
        with self._lock:
            lookups = self.hits + self.misses
            hit_rate = self.hits / lookups if lookups else 0.0
            return CacheStats(
                self.hits, self.misses, self.errors, self.fallbacks, hit_rate, hiredis
            )

    def reset(self) -> None:
        with self._lock:
            self.hits = self.misses = self.errors = self.fallbacks = 0
