"""CacheManager against real Redis: the session's private server, or one of our own that the
fault tests stop, freeze and restart on the same port."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from pydantic import BaseModel

from afirgen_fixtures.cache import DEFAULT_TTL_S, TTL_BY_KIND, CacheManager
from afirgen_fixtures.config import Settings
from afirgen_fixtures.services import _process
from afirgen_fixtures.services.redis import RedisServer

pytestmark = pytest.mark.integration

SOCKET_TIMEOUT_S = 0.25
RETRY_AFTER_S = 0.3
NO_HANG_BOUND_S = 2.0
"""Generous bound proving a call does not hang on a dead Redis (not a speed goal)."""


class FirSummary(BaseModel):
    fir_number: str
    station: str
    filed_at: dt.datetime
    sections: list[str]


FIR = FirSummary(
    fir_number="FIR-2024-000042",
    station="Koramangala",
    filed_at=dt.datetime(2024, 5, 1, 9, 15, tzinfo=dt.UTC),
    sections=["379"],
)


class PrivateRedis:
    """A redis-server of our own on a fixed port, which a test may stop, freeze or restart."""

    def __init__(self, base_dir: Path) -> None:
        self.server = RedisServer(base_dir)
        self.port = _process.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.pid = self.server.start(self.port)

    def stop(self) -> None:
        _process.terminate(self.pid, timeout_s=10)

    def restart(self) -> None:
        self.pid = self.server.start(self.port)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections but nothing answers (a hung server)."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if _process.is_alive(self.pid):
            os.kill(self.pid, signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def cache(redis_url: str, raw: redis.Redis) -> Iterator[CacheManager]:
    """A manager in a namespace of its own, whose keys are removed afterwards."""
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    manager = CacheManager(redis_url, namespace=namespace, socket_timeout_s=SOCKET_TIMEOUT_S)
    yield manager
    manager.close()
    for key in raw.scan_iter(match=f"{namespace}:*", count=1000):
        raw.delete(key)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    yield server
    server.thaw()
    server.stop()


@pytest.fixture
def fault_cache(private_redis: PrivateRedis) -> Iterator[CacheManager]:
    manager = CacheManager(
        private_redis.url, socket_timeout_s=SOCKET_TIMEOUT_S, retry_after_s=RETRY_AFTER_S
    )
    yield manager
    manager.close()


def _timed(call: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# round trips


@pytest.mark.parametrize(
    "value",
    [
        "FIR text, शिकायत",
        12345,
        2.5,
        False,
        [1, "two", None],
        {"status": "pending", "counts": {"theft": 3}},
        dt.datetime(2024, 5, 1, 9, 15, 30, 250000),
        dt.datetime(2024, 5, 1, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        dt.date(2024, 5, 1),
        Decimal("99.95"),
        uuid.UUID(int=42),
        {"filed_at": dt.datetime(2024, 1, 1, 12, 0), "ids": [uuid.UUID(int=1)]},
    ],
    ids=repr,
)
def test_value_round_trips_through_redis(cache: CacheManager, value: object) -> None:
    assert cache.set("fir", "rt", value) is True
    restored = cache.get("fir", "rt")
    assert restored == value
    assert type(restored) is type(value)


def test_pydantic_model_round_trips_with_model(cache: CacheManager, raw: redis.Redis) -> None:
    assert cache.set("fir", 42, FIR)
    assert cache.get("fir", 42, model=FirSummary) == FIR
    assert cache.get("fir", 42) == FIR.model_dump(mode="json")
    assert FIR.model_validate_json(raw.get(cache.key("fir", 42))) == FIR


def test_list_of_models_round_trips(cache: CacheManager) -> None:
    page = [FIR, FIR.model_copy(update={"fir_number": "FIR-2024-000043"})]
    assert cache.set("fir_list", "station:Koramangala:page:1", page)
    assert cache.get("fir_list", "station:Koramangala:page:1", model=FirSummary) == page


def test_unserializable_value_raises_at_set(cache: CacheManager, raw: redis.Redis) -> None:
    with pytest.raises(TypeError, match="cannot cache"):
        cache.set("fir", 1, {"lock": threading.Lock()})
    with pytest.raises(TypeError, match="cannot cache"):
        cache.set_many("fir", {2: object()})
    assert raw.exists(cache.key("fir", 1), cache.key("fir", 2)) == 0


# TTLs


@pytest.mark.parametrize(
    ("kind", "ttl"), [*sorted(TTL_BY_KIND.items()), ("violation_check", DEFAULT_TTL_S)]
)
def test_ttl_per_kind_is_set_on_the_server(
    cache: CacheManager, raw: redis.Redis, kind: str, ttl: int
) -> None:
    cache.set(kind, 1, {"x": 1})
    assert ttl - 2 <= raw.ttl(cache.key(kind, 1)) <= ttl


def test_explicit_ttl_wins(cache: CacheManager, raw: redis.Redis) -> None:
    cache.set("fir", 1, "v", ttl=42)
    cache.set_many("fir", {2: "a", 3: "b"}, ttl=43)
    cache.get_or_fetch("fir", 4, lambda: "c", ttl=44)
    assert 40 <= raw.ttl(cache.key("fir", 1)) <= 42
    assert 41 <= raw.ttl(cache.key("fir", 3)) <= 43
    assert 42 <= raw.ttl(cache.key("fir", 4)) <= 44


# multi-get and multi-set


def test_set_many_then_get_many(cache: CacheManager, raw: redis.Redis) -> None:
    items = {i: {"id": i, "filed_at": dt.datetime(2024, 1, i)} for i in range(1, 6)}
    assert cache.set_many("fir", items) is True
    cache.reset_stats()
    assert cache.get_many("fir", [1, 3, 5, 99]) == {1: items[1], 3: items[3], 5: items[5]}
    stats = cache.stats()
    assert (stats.hits, stats.misses) == (3, 1)
    assert TTL_BY_KIND["fir"] - 2 <= raw.ttl(cache.key("fir", 5)) <= TTL_BY_KIND["fir"]
    assert cache.get_many("fir", []) == {}


def test_get_many_validates_models(cache: CacheManager) -> None:
    cache.set_many("fir_number", {FIR.fir_number: FIR})
    assert cache.get_many("fir_number", [FIR.fir_number], model=FirSummary) == {FIR.fir_number: FIR}


def test_get_many_is_one_mget(fault_cache: CacheManager, private_redis: PrivateRedis) -> None:
    fault_cache.set_many("fir", {i: i for i in range(50)})
    server = private_redis.client()
    server.config_resetstat()
    assert len(fault_cache.get_many("fir", range(50))) == 50
    commands = server.info("commandstats")
    assert commands["cmdstat_mget"]["calls"] == 1
    assert "cmdstat_get" not in commands


# counters


def test_hit_and_miss_counters_and_hit_rate(cache: CacheManager) -> None:
    cache.reset_stats()
    assert cache.get("stats", "by_status") is None
    cache.set("stats", "by_status", {"pending": 3})
    for _ in range(3):
        assert cache.get("stats", "by_status") == {"pending": 3}
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.errors, stats.fallbacks) == (3, 1, 0, 0)
    assert stats.hit_rate == pytest.approx(0.75)
    assert stats.hiredis is True
    cache.reset_stats()
    assert cache.stats().hits == 0
    assert cache.stats().hit_rate == 0.0


def test_counters_are_exact_under_threads(cache: CacheManager) -> None:
    cache.set("fir", "hot", 1)
    cache.reset_stats()

    def read_many() -> None:
        for _ in range(200):
            cache.get("fir", "hot")
            cache.get("fir", "cold")

    threads = [threading.Thread(target=read_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = cache.stats()
    assert (stats.hits, stats.misses) == (1600, 1600)


# delete and invalidation


def test_delete_reports_whether_the_key_existed(cache: CacheManager) -> None:
    cache.set("fir", 1, "x")
    assert cache.delete("fir", 1) is True
    assert cache.get("fir", 1) is None
    assert cache.delete("fir", 1) is False


def test_invalidate_tags_removes_exactly_the_tagged_keys(
    cache: CacheManager, raw: redis.Redis
) -> None:
    cache.set("fir", 1, "a", tags=["station:1"])
    cache.set("fir", 2, "b", tags=["station:1", "status:pending"])
    cache.set("fir", 3, "c", tags=["status:pending"])
    cache.set("fir", 4, "d")
    cache.set_many("fir_list", {"station:1:p1": [1, 2], "station:1:p2": []}, tags=["station:1"])

    assert cache.invalidate_tags("station:1") == 4
    assert cache.get_many("fir", [1, 2, 3, 4]) == {3: "c", 4: "d"}
    assert cache.get_many("fir_list", ["station:1:p1", "station:1:p2"]) == {}
    assert not raw.exists(cache.tag_key("station:1"))

    assert cache.invalidate_tags("status:pending") == 1  # key 2 was already gone
    assert cache.get_many("fir", [3, 4]) == {4: "d"}
    assert cache.invalidate_tags("never-used") == 0
    assert cache.invalidate_tags() == 0


def test_tag_set_lives_as_long_as_its_longest_member(cache: CacheManager, raw: redis.Redis) -> None:
    cache.set("stats", "a", 1, tags=["t"])
    cache.set("generated_fir", "b", 2, tags=["t"])
    cache.set("stats", "c", 3, tags=["t"])
    assert TTL_BY_KIND["generated_fir"] - 2 <= raw.ttl(cache.tag_key("t")) <= 7200


def test_get_or_fetch_tags_what_it_stores(cache: CacheManager) -> None:
    cache.get_or_fetch("fir_list", "user:7", lambda: [1, 2], tags=["user:7"])
    assert cache.get("fir_list", "user:7") == [1, 2]
    assert cache.invalidate_tags("user:7") == 1
    assert cache.get("fir_list", "user:7") is None


def test_invalidate_kind_removes_every_key_of_the_kind_and_nothing_else(
    fault_cache: CacheManager, private_redis: PrivateRedis
) -> None:
    fault_cache.set_many("fir", {i: {"id": i} for i in range(1500)})
    fault_cache.set_many("fir_number", {f"FIR-{i}": i for i in range(20)})
    fault_cache.set("fir_list", "page:1", [1, 2, 3])
    other_version = CacheManager(private_redis.url, version=2)
    other_version.set("fir", 1, "other version")
    server = private_redis.client()
    server.config_resetstat()

    assert fault_cache.invalidate_kind("fir") == 1500

    assert fault_cache.get_many("fir", range(1500)) == {}
    assert len(fault_cache.get_many("fir_number", [f"FIR-{i}" for i in range(20)])) == 20
    assert fault_cache.get("fir_list", "page:1") == [1, 2, 3]
    assert other_version.get("fir", 1) == "other version"
    commands = server.info("commandstats")
    assert commands["cmdstat_scan"]["calls"] > 1  # SCAN iterated over the keyspace
    assert "cmdstat_keys" not in commands
    other_version.close()


# cache-aside and single flight


def test_get_or_fetch_fetches_on_miss_then_hits(cache: CacheManager) -> None:
    calls: list[int] = []

    def fetch() -> FirSummary:
        calls.append(1)
        return FIR

    assert cache.get_or_fetch("fir", 42, fetch, model=FirSummary) == FIR
    assert cache.get_or_fetch("fir", 42, fetch, model=FirSummary) == FIR
    assert len(calls) == 1
    assert cache.stats().hits == 1


def test_get_or_fetch_does_not_cache_none(cache: CacheManager, raw: redis.Redis) -> None:
    assert cache.get_or_fetch("fir", 404, lambda: None) is None
    assert not raw.exists(cache.key("fir", 404))


def test_fetch_errors_propagate_and_nothing_is_cached(
    cache: CacheManager, raw: redis.Redis
) -> None:
    def failing_fetch() -> int:
        raise LookupError("database said no")

    with pytest.raises(LookupError, match="database said no"):
        cache.get_or_fetch("fir", 1, failing_fetch)
    assert not raw.exists(cache.key("fir", 1))


def test_concurrent_misses_on_one_key_fetch_once(cache: CacheManager) -> None:
    threads_count = 16
    start = threading.Barrier(threads_count)
    fetches: list[int] = []
    results: list[object] = [None] * threads_count

    def fetch() -> dict[str, int]:
        fetches.append(1)
        time.sleep(0.3)  # a slow source: every other thread arrives while this one runs
        return {"total": 7}

    def worker(slot: int) -> None:
        start.wait()
        results[slot] = cache.get_or_fetch("stats", "by_status", fetch)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fetches) == 1
    assert results == [{"total": 7}] * threads_count
    assert cache.get("stats", "by_status") == {"total": 7}


def test_misses_on_different_keys_do_not_wait_for_each_other(cache: CacheManager) -> None:
    second_done = threading.Event()

    def slow_first_fetch() -> str:
        # Returns only once the second key's fetch finished, which it can only do if it was
        # not queued behind this one.
        return "first" if second_done.wait(timeout=5) else "second key was blocked"

    first = threading.Thread(target=cache.get_or_fetch, args=("fir", 1, slow_first_fetch))
    first.start()
    time.sleep(0.05)
    assert cache.get_or_fetch("fir", 2, lambda: "second") == "second"
    second_done.set()
    first.join()
    assert cache.get("fir", 1) == "first"


# construction and settings


def test_from_settings_uses_namespace_and_version(settings: Settings) -> None:
    tuned = settings.model_copy(update={"cache_namespace": "fromsettings", "cache_version": 4})
    manager = CacheManager.from_settings(tuned)
    try:
        assert manager.key("fir", 1) == "fromsettings:v4:fir:1"
        assert manager.ping() is True
        assert manager.set("fir", 1, "x") and manager.get("fir", 1) == "x"
        assert manager.delete("fir", 1)
    finally:
        manager.close()


# Redis down, hung, and back


def _assert_every_call_falls_back(manager: CacheManager) -> None:
    calls: list[tuple[Callable[[], object], object]] = [
        (lambda: manager.get("fir", 1), None),
        (lambda: manager.get("fir", 1, model=FirSummary), None),
        (lambda: manager.set("fir", 1, FIR), False),
        (lambda: manager.delete("fir", 1), False),
        (lambda: manager.get_many("fir", [1, 2]), {}),
        (lambda: manager.set_many("fir", {1: "a"}, tags=["t"]), False),
        (lambda: manager.get_or_fetch("fir", 1, lambda: FIR, model=FirSummary), FIR),
        (lambda: manager.invalidate_tags("t"), 0),
        (lambda: manager.invalidate_kind("fir"), 0),
        (manager.ping, False),
    ]
    for call, expected in calls:
        result, elapsed = _timed(call)
        assert result == expected
        assert elapsed < NO_HANG_BOUND_S


def test_redis_down_at_construction(tmp_path: Path) -> None:
    nothing_listens = f"redis://127.0.0.1:{_process.free_port()}/0"
    manager, elapsed = _timed(
        lambda: CacheManager(nothing_listens, socket_timeout_s=SOCKET_TIMEOUT_S)
    )
    assert elapsed < NO_HANG_BOUND_S
    assert isinstance(manager, CacheManager)
    _assert_every_call_falls_back(manager)
    stats = manager.stats()
    assert stats.errors >= 1
    assert stats.fallbacks >= 10
    assert (stats.hits, stats.misses) == (0, 0)
    assert manager.available is False
    manager.close()


def test_redis_stopped_mid_run_then_restarted(
    fault_cache: CacheManager, private_redis: PrivateRedis
) -> None:
    assert fault_cache.set("fir", 1, "before")
    assert fault_cache.get("fir", 1) == "before"

    private_redis.stop()
    fault_cache.reset_stats()
    _assert_every_call_falls_back(fault_cache)
    stats = fault_cache.stats()
    assert stats.errors >= 1
    assert stats.fallbacks >= 10
    assert fault_cache.available is False

    private_redis.restart()
    time.sleep(RETRY_AFTER_S + 0.05)
    assert fault_cache.available is True
    fault_cache.reset_stats()
    assert fault_cache.set("fir", 1, "after") is True
    assert fault_cache.get("fir", 1) == "after"
    stats = fault_cache.stats()
    assert (stats.hits, stats.errors, stats.fallbacks) == (1, 0, 0)
    assert fault_cache.ping() is True


def test_calls_stay_away_from_redis_until_retry_after(
    fault_cache: CacheManager, private_redis: PrivateRedis
) -> None:
    private_redis.stop()
    assert fault_cache.get("fir", 1) is None
    private_redis.restart()
    # Redis is back, but the window has not passed: the call does not even try.
    assert fault_cache.set("fir", 1, "x") is False
    time.sleep(RETRY_AFTER_S + 0.05)
    assert fault_cache.set("fir", 1, "x") is True


def test_hung_redis_is_bounded_by_the_socket_timeout(
    fault_cache: CacheManager, private_redis: PrivateRedis
) -> None:
    assert fault_cache.set("fir", 1, "x")
    private_redis.freeze()
    value, elapsed = _timed(lambda: fault_cache.get_or_fetch("fir", 1, lambda: "from source"))
    assert value == "from source"
    assert elapsed < NO_HANG_BOUND_S
    assert fault_cache.stats().errors == 1
    private_redis.thaw()


def test_invalidation_lost_during_an_outage_purges_on_recovery(
    fault_cache: CacheManager, private_redis: PrivateRedis
) -> None:
    fault_cache.set("fir", 1, "old row")
    fault_cache.set("fir", 2, "another row")
    private_redis.freeze()  # Redis keeps its data but cannot hear the invalidation
    assert fault_cache.delete("fir", 1) is False
    private_redis.thaw()
    time.sleep(RETRY_AFTER_S + 0.05)
    assert fault_cache.get("fir", 1) is None  # not the stale "old row"
    assert fault_cache.get("fir", 2) is None  # the whole namespace version was dropped
    assert fault_cache.set("fir", 1, "new row") and fault_cache.get("fir", 1) == "new row"
