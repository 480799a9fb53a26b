"""Keyset pagination over 10,000 real rows with many created_at ties: every row exactly once,
in (created_at DESC, id DESC) order, walking forward and back; cursors refused when misused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.db import connection, migrate
from afirgen_fixtures.db.cursor import InvalidCursorError
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import FIRRepository
from afirgen_fixtures.models.records import FIRStatus, NewFIR, Page, fir_number_for

pytestmark = pytest.mark.integration

ROWS = 10_000
DISTINCT_TIMES = 1_500
"""About 6.7 rows share each created_at, and ids are not in time order, so ties are common
and only the id tie-break keeps the order total."""
BASE = datetime(2026, 1, 1, 8, 0, 0, 250_000)
STATUSES = (FIRStatus.PENDING, FIRStatus.FINALIZED, FIRStatus.DRAFT)


def tied_fir(n: int) -> NewFIR:
    created_at = BASE + timedelta(seconds=(n * 7919) % DISTINCT_TIMES)
    return NewFIR(
        fir_number=fir_number_for(f"{n:08x}", created_at),
        police_station=f"Station {n % 17}",
        complaint_text=f"complaint number {n}",
        status=STATUSES[(n * 31) % 7 % 3],
        created_at=created_at,
    )


@pytest.fixture(scope="module")
def tied_rows(
    mysql_server: MySQLTarget,
) -> Iterator[tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]]]:
    """A database of this module's own holding 10k tied rows, and (created_at, id, status)
    of every row as inserted: the oracle the walks are checked against."""
    target = mysql_server.with_database(f"{mysql_server.database}_t_{uuid.uuid4().hex[:12]}")
    connection.create_database(target)
    pool = Pool(target, Settings(mysql_url=target.url()))
    try:
        with connection.connect(target) as conn:
            migrate.migrate(conn)
        firs = FIRRepository(pool, cursor_secret="pagination-test")
        batch = [tied_fir(n) for n in range(ROWS)]
        ids = firs.bulk_insert(batch)
        rows = [(f.created_at, i, f.status) for f, i in zip(batch, ids, strict=True)]
        yield firs, rows  # type: ignore[misc]
    finally:
        pool.dispose()
        connection.drop_database(target)


def expected_ids(rows: list[tuple[datetime, int, FIRStatus]], status: str | None) -> list[int]:
    wanted = [(t, i) for t, i, s in rows if status is None or s == status]
    return [i for _, i in sorted(wanted, reverse=True)]


def walk_forward(firs: FIRRepository, status: str | None, limit: int) -> list[Page[Any]]:
    pages = [firs.page(limit=limit, status=status)]
    while pages[-1].next_cursor:
        pages.append(firs.page(pages[-1].next_cursor, limit=limit, status=status))
    return pages


def walk_back(
    firs: FIRRepository, start: Page[Any], status: str | None, limit: int
) -> list[Page[Any]]:
    pages = [start]
    while pages[-1].prev_cursor:
        pages.append(firs.page(pages[-1].prev_cursor, limit=limit, status=status))
    return pages


def ids_of(page: Page[Any]) -> list[int]:
    return [item.id for item in page.items]


@pytest.mark.parametrize(
    ("status", "limit"),
    [(None, 97), ("pending", 97), ("finalized", 13), (None, 1000)],
    ids=["all-97", "pending-97", "finalized-13", "all-1000-exact"],
)
def test_full_walk_forward_then_back_sees_every_row_once(
    tied_rows: tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]],
    status: str | None,
    limit: int,
) -> None:
    firs, rows = tied_rows
    expected = expected_ids(rows, status)
    forward = walk_forward(firs, status, limit)
    seen = [fir_id for page in forward for fir_id in ids_of(page)]
    assert len(seen) == len(set(seen)) == len(expected)
    assert seen == expected
    assert all(len(page.items) == limit for page in forward[:-1])
    assert [page.has_more for page in forward] == [True] * (len(forward) - 1) + [False]
    assert forward[0].prev_cursor is None and forward[-1].next_cursor is None
    if status is None and limit == 97:
        # Some page boundary falls inside a group of equal created_at values.
        assert any(a.items[-1].created_at == b.items[0].created_at for a, b in pairwise(forward))

    # Back from the last page: each step takes the `limit` rows before the page's first row,
    # so the walk meets the same pages again, in reverse.
    backward = walk_back(firs, forward[-1], status, limit)
    assert [ids_of(page) for page in reversed(backward)] == [ids_of(page) for page in forward]
    assert backward[-1].prev_cursor is None and backward[-1].has_more is False


def test_prev_without_a_cursor_starts_at_the_oldest_rows(
    tied_rows: tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]],
) -> None:
    firs, rows = tied_rows
    oldest = firs.page(limit=25, direction="prev")
    assert ids_of(oldest) == expected_ids(rows, None)[-25:]
    assert oldest.next_cursor is None and oldest.prev_cursor is not None and oldest.has_more
    newer = firs.page(oldest.prev_cursor, limit=25)
    assert ids_of(newer) == expected_ids(rows, None)[-50:-25]


def test_selected_columns_page_carries_the_keys_it_needs(
    tied_rows: tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]],
) -> None:
    firs, _ = tied_rows
    slim = firs.page(limit=10, columns=["fir_number"])
    assert all(set(item) == {"id", "created_at", "fir_number"} for item in slim.items)
    full = firs.page(limit=10)
    assert [item["id"] for item in slim.items] == ids_of(full)
    following = firs.page(slim.next_cursor, limit=10)
    assert ids_of(following) == ids_of(firs.page(full.next_cursor, limit=10))


def test_offset_pages_agree_with_keyset_pages(
    tied_rows: tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]],
) -> None:
    firs, _ = tied_rows
    keyset = walk_forward(firs, "pending", 200)
    for number in (0, 3, len(keyset) - 1):
        offset = firs.page_offset(number * 200, limit=200, status="pending")
        assert [f.id for f in offset] == ids_of(keyset[number])


def test_tampered_cursor_is_refused(
    tied_rows: tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]],
) -> None:
    firs, _ = tied_rows
    cursor = firs.page(limit=5).next_cursor
    assert cursor is not None
    tampered = ("B" if cursor[3] != "B" else "C").join((cursor[:3], cursor[4:]))
    with pytest.raises(InvalidCursorError, match="altered or forged"):
        firs.page(tampered, limit=5)
    with pytest.raises(InvalidCursorError, match="malformed"):
        firs.page("not-a-cursor", limit=5)


def test_cursor_from_another_filter_or_direction_is_refused(
    tied_rows: tuple[FIRRepository, list[tuple[datetime, int, FIRStatus]]],
) -> None:
    firs, _ = tied_rows
    pending_cursor = firs.page(limit=5, status="pending").next_cursor
    with pytest.raises(InvalidCursorError, match="different filter"):
        firs.page(pending_cursor, limit=5, status="finalized")
    with pytest.raises(InvalidCursorError, match="different filter"):
        firs.page(pending_cursor, limit=5)
    with pytest.raises(InvalidCursorError, match="continues 'next'"):
        firs.page(pending_cursor, limit=5, status="pending", direction="prev")
    assert firs.page(pending_cursor, limit=5, status="pending", direction="next").items


def test_full_walk_over_the_generated_dataset(dataset_10k: Dataset) -> None:
    """The shared generated data set (read only): every FIR once, forward and back."""
    pool = Pool(dataset_10k.target, Settings(mysql_url=dataset_10k.target.url()))
    try:
        firs = FIRRepository(pool, cursor_secret="pagination-test")
        forward = walk_forward(firs, None, 500)
        seen = [fir_id for page in forward for fir_id in ids_of(page)]
        assert len(seen) == len(set(seen)) == dataset_10k.counts["fir_records"] == firs.count()
        keys = [(item.created_at, item.id) for page in forward for item in page.items]
        assert keys == sorted(keys, reverse=True)
        backward = walk_back(firs, forward[-1], None, 500)
        assert [ids_of(page) for page in reversed(backward)] == [ids_of(p) for p in forward]
    finally:
        pool.dispose()
