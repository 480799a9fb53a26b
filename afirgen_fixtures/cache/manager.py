"""Cache-aside over Redis that never takes the backend down with it.

Every call is bounded by ``socket_timeout_s`` (no retries inside redis-py) and, on a Redis
failure, falls back to the source: reads miss, writes return False, ``get_or_fetch`` returns the
fetched value. A failure also keeps calls away from Redis for ``retry_after_s``; after that the
next call tries again, and caching resumes as soon as Redis answers.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from pydantic import BaseModel
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from redis.utils import HIREDIS_AVAILABLE

from afirgen_fixtures.cache import serialization
from afirgen_fixtures.cache.breaker import RedisBreaker
from afirgen_fixtures.cache.keys import (
    TAG_KIND,
    generate_key,
    kind_pattern,
    namespace_pattern,
    versioned_prefix,
)
from afirgen_fixtures.cache.single_flight import SingleFlight
from afirgen_fixtures.cache.stats import CacheStats, Counters
from afirgen_fixtures.cache.ttl import ttl_for

if TYPE_CHECKING:
    from afirgen_fixtures.config import Settings

T = TypeVar("T")
Ident = str | int

RESP_PROTOCOL = 3
SCAN_BATCH = 1000
"""COUNT hint per SCAN step and keys per DEL while invalidating."""


class _Outcome(enum.Enum):
    UNAVAILABLE = "redis unavailable"
    ABSENT = "no such key"


class CacheManager:
    """Namespaced, versioned cache of JSON values on one Redis connection pool."""

    uses_hiredis: bool = HIREDIS_AVAILABLE
    """The replies are parsed by hiredis (C) rather than the pure-Python parser."""

    def __init__(
        self,
        redis_url: str,
        *,
        namespace: str = "afirgen",
        version: int = 1,
        socket_timeout_s: float = 0.25,
        retry_after_s: float = 1.0,
        max_connections: int = 50,
    ) -> None:
        # Building the pool opens no connection, so a Redis that is down cannot fail this.
        self._pool = redis.BlockingConnectionPool.from_url(
            redis_url,
            max_connections=max_connections,
            timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
            socket_timeout=socket_timeout_s,
            retry=Retry(NoBackoff(), retries=0),
            protocol=RESP_PROTOCOL,
            health_check_interval=0,
        )
        self._redis = redis.Redis(connection_pool=self._pool)
        self.namespace = namespace
        self.version = version
        self._prefix = versioned_prefix(namespace, version)
        self._breaker = RedisBreaker(retry_after_s)
        self._counters = Counters()
        self._flights = SingleFlight()
        self._purge_lock = threading.Lock()
        self._purge_pending = False

    @classmethod
    def from_settings(cls, settings: Settings) -> CacheManager:
        return cls(
            settings.redis_url,
            namespace=settings.cache_namespace,
            version=settings.cache_version,
            socket_timeout_s=settings.redis_socket_timeout_s,
            retry_after_s=settings.redis_retry_after_s,
        )

    # keys

    def key(self, kind: str, ident: Ident) -> str:
        return generate_key(self._prefix, kind, ident)

    def tag_key(self, tag: str) -> str:
        return generate_key(self._prefix, TAG_KIND, tag)

    # reads

    def get(self, kind: str, ident: Ident, *, model: type[BaseModel] | None = None) -> Any | None:
        """The cached value, or None on a miss or when Redis is unavailable."""
        value = self._lookup(self.key(kind, ident), model)
        return None if isinstance(value, _Outcome) else value

    def get_many(
        self, kind: str, idents: Iterable[Ident], *, model: type[BaseModel] | None = None
    ) -> dict[Ident, Any]:
        """The cached values of those ``idents`` that are cached, in one MGET."""
        idents = list(dict.fromkeys(idents))
        if not idents:
            return {}
        raw_values = self._call(self._redis.mget, [self.key(kind, i) for i in idents])
        if raw_values is _Outcome.UNAVAILABLE:
            return {}
        found = {
            ident: serialization.loads(raw, model)
            for ident, raw in zip(idents, raw_values, strict=True)
            if raw is not None
        }
        self._counters.record_lookups(hits=len(found), misses=len(idents) - len(found))
        return found

    def get_or_fetch(
        self,
        kind: str,
        ident: Ident,
        fetch: Callable[[], T],
        *,
        ttl: int | None = None,
        model: type[BaseModel] | None = None,
        tags: Iterable[str] = (),
    ) -> T:
        """Cache-aside: the cached value, else ``fetch()`` stored for next time.

        Concurrent misses on one key in this process run ``fetch`` once and share its result
        (or its exception: ``fetch`` is the source of truth, so its errors reach the caller).
        A ``None`` from ``fetch`` is returned but not cached.
        """
        key = self.key(kind, ident)
        cached = self._lookup(key, model)
        if not isinstance(cached, _Outcome):
            return cached
        ttl_s, tags = ttl_for(kind, ttl), tuple(tags)

        def fetch_and_store() -> T:
            value = fetch()
            if value is not None:
                self._store({key: serialization.dumps(value)}, ttl_s, tags)
            return value

        return self._flights.run(key, fetch_and_store)

    # writes

    def set(
        self,
        kind: str,
        ident: Ident,
        value: Any,
        *,
        ttl: int | None = None,
        tags: Iterable[str] = (),
    ) -> bool:
        """Store ``value``; False if Redis is unavailable. A value that cannot be serialized
        is a programming error and raises ``TypeError``."""
        return self._store(
            {self.key(kind, ident): serialization.dumps(value)}, ttl_for(kind, ttl), tags
        )

    def set_many(
        self,
        kind: str,
        items: Mapping[Ident, Any],
        *,
        ttl: int | None = None,
        tags: Iterable[str] = (),
    ) -> bool:
        """Store every item in one pipeline, all with the same TTL and tags."""
        if not items:
            return True
        payloads = {self.key(kind, i): serialization.dumps(v) for i, v in items.items()}
        return self._store(payloads, ttl_for(kind, ttl), tags)

    def delete(self, kind: str, ident: Ident) -> bool:
        """Drop one key; True if it existed. A failed delete schedules a purge on recovery."""
        removed = self._call(self._redis.delete, self.key(kind, ident))
        if removed is _Outcome.UNAVAILABLE:
            self._purge_pending = True
            return False
        return removed > 0

    def invalidate_tags(self, *tags: str) -> int:
        """Delete every key stored with any of ``tags``, and the tag sets; return keys deleted."""
        if not tags:
            return 0
        return self._invalidate(self._delete_tagged, [self.tag_key(t) for t in tags])

    def invalidate_kind(self, kind: str) -> int:
        """Delete every key of ``kind`` (SCAN + batched DEL, never KEYS); return keys deleted."""
        return self._invalidate(self._delete_matching, kind_pattern(self._prefix, kind))

    # health and counters

    @property
    def available(self) -> bool:
        """False while calls stay away from Redis after a failure."""
        return self._breaker.allows_call()

    def ping(self) -> bool:
        return self._call(self._redis.ping) is True

    def stats(self) -> CacheStats:
        return self._counters.snapshot(hiredis=self.uses_hiredis)

    def reset_stats(self) -> None:
        self._counters.reset()

    def close(self) -> None:
        self._redis.close()
        self._pool.disconnect()

    def __enter__(self) -> CacheManager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # internals

    def _call(self, command: Callable[..., T], *args: Any, **kwargs: Any) -> T | _Outcome:
        """Run one Redis call, or report UNAVAILABLE (counted) instead of raising."""
        if not self._breaker.allows_call():
            self._counters.record_fallback(error=False)
            return _Outcome.UNAVAILABLE
        try:
            if self._purge_pending:
                self._purge_after_outage()
            return command(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError):
            self._breaker.trip()
        except RedisError:
            pass  # e.g. a ResponseError such as OOM: Redis is up, only this call failed
        self._counters.record_fallback(error=True)
        return _Outcome.UNAVAILABLE

    def _lookup(self, key: str, model: type[BaseModel] | None) -> Any | _Outcome:
        raw = self._call(self._redis.get, key)
        if raw is _Outcome.UNAVAILABLE:
            return raw
        if raw is None:
            self._counters.record_lookups(hits=0, misses=1)
            return _Outcome.ABSENT
        self._counters.record_lookups(hits=1, misses=0)
        return serialization.loads(raw, model)

    def _store(self, payloads: Mapping[str, bytes], ttl: int, tags: Iterable[str]) -> bool:
        tag_keys = [self.tag_key(t) for t in tags]
        if len(payloads) == 1 and not tag_keys:
            ((key, data),) = payloads.items()
            return self._call(self._redis.set, key, data, ex=ttl) is True
        return (
            self._call(self._pipelined_store, payloads, ttl, tag_keys) is not _Outcome.UNAVAILABLE
        )

    def _pipelined_store(
        self, payloads: Mapping[str, bytes], ttl: int, tag_keys: list[str]
    ) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            # Tag first: if the connection drops midway, a key may be tagged but never
            # stored (harmless), never stored but untagged (uninvalidatable).
            for tag_key in tag_keys:
                pipe.sadd(tag_key, *payloads)
                # The tag set lives as long as its longest-lived member, not forever.
                pipe.expire(tag_key, ttl, nx=True)
                pipe.expire(tag_key, ttl, gt=True)
            for key, data in payloads.items():
                pipe.set(key, data, ex=ttl)
            pipe.execute()

    def _invalidate(self, delete: Callable[[Any], int], target: Any) -> int:
        deleted = self._call(delete, target)
        if deleted is _Outcome.UNAVAILABLE:
            self._purge_pending = True
            return 0
        return deleted

    def _delete_tagged(self, tag_keys: list[str]) -> int:
        # Read and drop the tag sets atomically, so a key tagged meanwhile lands in a new set.
        with self._redis.pipeline(transaction=True) as pipe:
            for tag_key in tag_keys:
                pipe.smembers(tag_key)
            pipe.delete(*tag_keys)
            *member_sets, _ = pipe.execute()
        members = set().union(*member_sets)
        return self._delete_in_batches(iter(members))

    def _delete_matching(self, pattern: str) -> int:
        return self._delete_in_batches(self._redis.scan_iter(match=pattern, count=SCAN_BATCH))

    def _delete_in_batches(self, keys: Iterator[Any]) -> int:
        deleted = 0
        while batch := list(islice(keys, SCAN_BATCH)):
            deleted += self._redis.delete(*batch)
        return deleted

    def _purge_after_outage(self) -> None:
        """An invalidation was lost while Redis was unreachable, so any cached value may be
        stale: drop this namespace version once, before serving anything from it again."""
        with self._purge_lock:
            if self._purge_pending:
                self._delete_matching(namespace_pattern(self._prefix))
                self._purge_pending = False
