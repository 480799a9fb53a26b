"""Redis cache: namespaced, versioned keys, typed JSON values, fallback to the source.

``CacheManager`` is the one entry point; the modules behind it each hold one concern (key
layout, TTLs, serialization, counters, the circuit breaker, single flight).
"""

from afirgen_fixtures.cache.keys import generate_key
from afirgen_fixtures.cache.manager import CacheManager
from afirgen_fixtures.cache.stats import CacheStats
from afirgen_fixtures.cache.ttl import DEFAULT_TTL_S, TTL_BY_KIND, ttl_for

__all__ = ["DEFAULT_TTL_S", "TTL_BY_KIND", "CacheManager", "CacheStats", "generate_key", "ttl_for"]
