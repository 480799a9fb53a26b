"""FIRRepository with the real CacheManager on the session's Redis: reads fill the cache, and
each kind of write drops exactly what it made stale, so the next read is fresh."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from afirgen_fixtures.cache import CacheManager
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import FIRRepository
from afirgen_fixtures.db.repositories.fir import READ_AHEAD_BLOCK
from afirgen_fixtures.models.records import (
    FIRRecord,
    FIRStatus,
    FIRSummary,
    NewFIR,
    StatusStats,
    fir_number_for,
)

pytestmark = pytest.mark.integration

START = datetime(2026, 4, 1, 12, 0, 0)


def new_fir(n: int) -> NewFIR:
    created_at = START + timedelta(minutes=n)
    return NewFIR(
        fir_number=fir_number_for(f"{n:08x}", created_at),
        police_station="Whitefield",
        complaint_text=f"phone snatched, case {n}",
        created_at=created_at,
    )


@pytest.fixture
def cache(redis_url: str) -> Iterator[CacheManager]:
    """A namespace of this test's own, so tests never see each other's keys."""
    with CacheManager(redis_url, namespace=f"repo-test-{uuid.uuid4().hex[:8]}") as cache:
        yield cache


@pytest.fixture
def firs(pool: Pool, cache: CacheManager) -> FIRRepository:
    return FIRRepository(pool, cache, cursor_secret="test")


@pytest.fixture
def seeded(firs: FIRRepository, cache: CacheManager) -> FIRRecord:
    """One pending FIR, with its record, its number, the pending list and the stats cached."""
    seed = firs.create(new_fir(0))
    firs.get_by_id(seed.id)
    firs.get_by_fir_number(seed.fir_number)
    firs.list_by_status("pending")
    firs.stats_by_status()
    assert cached_entries(cache, seed) == {"fir", "fir_number", "fir_list", "stats"}
    return seed


def cached_entries(cache: CacheManager, fir: FIRRecord) -> set[str]:
    """Which of the seeded FIR's cache entries are present."""
    present = {
        "fir": cache.get("fir", fir.id, model=FIRRecord),
        "fir_number": cache.get("fir_number", fir.fir_number, model=FIRRecord),
        "fir_list": cache.get("fir_list", "pending:20", model=FIRSummary),
        "stats": cache.get("stats", "fir_by_status", model=StatusStats),
    }
    return {kind for kind, value in present.items() if value is not None}


def pending_count(firs: FIRRepository) -> int:
    return {s.status: s.count for s in firs.stats_by_status()}.get(FIRStatus.PENDING, 0)


def test_reads_are_served_from_the_cache_once_filled(
    firs: FIRRepository, cache: CacheManager, pool: Pool
) -> None:
    created = firs.create(new_fir(1))
    assert firs.get_by_id(created.id) == created
    assert cache.get("fir", created.id, model=FIRRecord) == created
    # A change behind the repository's back is not seen: the cached copy answers.
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("UPDATE fir_records SET police_station = 'Elsewhere' WHERE id = %s",
                    (created.id,))  # fmt: skip
    assert firs.get_by_id(created.id) == created
    # The number lookup is a key of its own, not cached yet, so it reads the row.
    by_number = firs.get_by_fir_number(created.fir_number)
    assert by_number is not None and by_number.police_station == "Elsewhere"


def test_a_miss_reads_its_block_ahead_and_writes_still_invalidate(
    firs: FIRRepository, cache: CacheManager
) -> None:
    ids = firs.bulk_insert([new_fir(n) for n in range(1, 2 * READ_AHEAD_BLOCK)])
    block = [i for i in ids if i // READ_AHEAD_BLOCK == ids[5] // READ_AHEAD_BLOCK]
    assert len(block) > 1
    cache.reset_stats()
    first = firs.get_by_id(block[0])
    assert first is not None and cache.stats().misses == 1
    for record_id in block[1:]:
        record = firs.get_by_id(record_id)
        assert record is not None and record.id == record_id
    assert cache.stats().misses == 1  # the neighbours were read ahead
    others = [i for i in ids if i not in block]
    assert all(cache.get("fir", i) is None for i in others)
    updated = firs.update(block[-1], police_station="Elsewhere")
    assert firs.get_by_id(block[-1]) == updated


def test_a_missing_row_is_not_cached(firs: FIRRepository, cache: CacheManager) -> None:
    assert firs.get_by_id(424242) is None
    assert cache.get("fir", 424242) is None
    assert firs.get_by_fir_number(new_fir(5).fir_number) is None
    created = firs.create(new_fir(5))
    assert firs.get_by_fir_number(created.fir_number) == created


def test_create_invalidates_lists_and_stats(
    firs: FIRRepository, cache: CacheManager, seeded: FIRRecord
) -> None:
    created = firs.create(new_fir(1))
    assert cached_entries(cache, seeded) == {"fir", "fir_number"}
    assert [f.id for f in firs.list_by_status("pending")] == [created.id, seeded.id]
    assert pending_count(firs) == 2


def test_bulk_insert_invalidates_lists_and_stats(
    firs: FIRRepository, cache: CacheManager, seeded: FIRRecord
) -> None:
    ids = firs.bulk_insert([new_fir(1), new_fir(2)])
    assert cached_entries(cache, seeded) == {"fir", "fir_number"}
    assert [f.id for f in firs.list_by_status("pending")] == [ids[1], ids[0], seeded.id]
    assert pending_count(firs) == 3


def test_update_invalidates_the_record_lists_and_stats(
    firs: FIRRepository, cache: CacheManager, seeded: FIRRecord
) -> None:
    firs.update(seeded.id, police_station="Indiranagar", status="draft")
    assert cached_entries(cache, seeded) == set()
    by_id = firs.get_by_id(seeded.id)
    assert by_id is not None and by_id.police_station == "Indiranagar"
    by_number = firs.get_by_fir_number(seeded.fir_number)
    assert by_number is not None and by_number.status is FIRStatus.DRAFT
    assert firs.list_by_status("pending") == []
    assert pending_count(firs) == 0


def test_finalize_invalidates_the_record_lists_and_stats(
    firs: FIRRepository, cache: CacheManager, seeded: FIRRecord
) -> None:
    firs.finalize(seeded.fir_number)
    assert cached_entries(cache, seeded) == set()
    fresh = firs.get_by_id(seeded.id)
    assert fresh is not None and fresh.status is FIRStatus.FINALIZED and fresh.finalized_at
    assert firs.get_by_fir_number(seeded.fir_number) == fresh
    assert firs.list_by_status("pending") == []
    stats = {s.status: s.count for s in firs.stats_by_status()}
    assert stats == {FIRStatus.FINALIZED: 1}
