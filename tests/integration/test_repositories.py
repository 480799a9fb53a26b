"""Every repository method against the real MariaDB, through the real pool."""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from datetime import date, datetime, timedelta

import pymysql
import pytest
from pydantic import ValidationError

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.data import Dataset, reset_dataset
from afirgen_fixtures.db import connection
from afirgen_fixtures.db.pool import Pool, PoolExhaustedError
from afirgen_fixtures.db.repositories import (
    FIRRepository,
    InvalidTransitionError,
    LegalSectionRepository,
    RecordNotFoundError,
    SessionRepository,
)
from afirgen_fixtures.models.records import (
    FIRRecord,
    FIRStatus,
    NewFIR,
    NewLegalSection,
    NewSession,
    SessionStatus,
    fir_number_for,
)

pytestmark = pytest.mark.integration

DAY = datetime(2026, 2, 10, 9, 0, 0)
SECTIONS = [
    NewLegalSection(section_number="303", title="Theft", penalty="3 years",
                    description="Whoever dishonestly takes movable property out of possession",
                    category="property"),
    NewLegalSection(section_number="309", title="Robbery", penalty="10 years",
                    description="Theft is robbery if the offender causes hurt or fear of death",
                    category="property"),
    NewLegalSection(section_number="115", title="Voluntarily causing hurt", penalty="1 year",
                    description="Whoever does any act with the intention of causing hurt",
                    category="body"),
]  # fmt: skip


def new_fir(
    n: int,
    *,
    text: str = "my bicycle was stolen from the market",
    status: FIRStatus = FIRStatus.PENDING,
    created_at: datetime | None = None,
    section_ids: tuple[int, ...] = (),
) -> NewFIR:
    session_id = str(uuid.UUID(int=n))
    return NewFIR(
        fir_number=fir_number_for(session_id[-8:], created_at or DAY + timedelta(seconds=n)),
        session_id=session_id,
        user_id=f"user-{n % 3}",
        police_station="Koramangala",
        complaint_text=text,
        fir_content=f"FIR body {n}",
        violations=[{"section_number": "303", "title": "Theft"}],
        status=status,
        created_at=created_at,
        section_ids=section_ids,
    )


@pytest.fixture
def firs(pool: Pool) -> FIRRepository:
    return FIRRepository(pool, cursor_secret="test")


@pytest.fixture
def section_ids(pool: Pool) -> list[int]:
    return LegalSectionRepository(pool).bulk_insert(SECTIONS)


# --- FIR ----------------------------------------------------------------------------------


def test_create_then_read_by_id_number_and_columns(firs: FIRRepository) -> None:
    created = firs.create(new_fir(1))
    assert created.status is FIRStatus.PENDING and created.finalized_at is None
    assert created.violations == [{"section_number": "303", "title": "Theft"}]
    assert firs.get_by_id(created.id) == created
    assert firs.get_by_fir_number(created.fir_number) == created
    assert firs.get_columns(created.id, ["fir_number", "status"]) == {
        "fir_number": created.fir_number,
        "status": "pending",
    }
    assert firs.get_by_id(created.id + 1) is None
    assert firs.get_by_fir_number("FIR-00000000-20000101000000") is None
    assert firs.count() == 1


def test_create_with_stores_the_fir_and_its_session_in_one_transaction(pool: Pool) -> None:
    firs, sessions = FIRRepository(pool, cursor_secret="test"), SessionRepository(pool)
    fir = new_fir(1, created_at=DAY)
    session = NewSession(id=fir.session_id, state={"step": "done"}, current_step="completed")
    record, stored = firs.create_with(fir, lambda conn, record: sessions.insert(conn, session))
    assert record == firs.get_by_id(record.id)  # built from the insert, equal to the row
    assert stored == sessions.get(session.id)

    def fail(conn: pymysql.Connection, record: FIRRecord) -> None:
        sessions.insert(conn, session)  # the same id again: a duplicate key

    with pytest.raises(pymysql.err.IntegrityError):
        firs.create_with(new_fir(2, created_at=DAY), fail)
    assert firs.get_by_fir_number(new_fir(2, created_at=DAY).fir_number) is None
    assert firs.count() == 1


def test_a_session_stamped_by_its_caller_equals_the_stored_row(pool: Pool) -> None:
    """The non-interactive path builds the session from its insert: it must be the row."""
    sessions = SessionRepository(pool)
    at = datetime(2026, 2, 10, 9, 0, 0, 123456)
    state = {"facts": {"cues": ["chain", "snatched"]}, "sections": [[1, "303"]], "n": 1.5}
    session = NewSession(state=state, status=SessionStatus.COMPLETED, current_step="completed")
    with pool.transaction() as conn:
        built = sessions.insert(conn, session, at=at)
    assert built == sessions.get(session.id)
    assert built.created_at == built.last_activity == at
    assert built.state["sections"] == [[1, "303"]]  # the JSON as stored, tuples as lists


def test_created_at_defaults_to_the_server_clock(firs: FIRRepository) -> None:
    before = datetime.now() - timedelta(minutes=5)
    created = firs.create(new_fir(1))
    assert before < created.created_at < datetime.now() + timedelta(minutes=5)


def test_unknown_or_injected_columns_are_refused(firs: FIRRepository) -> None:
    fir_id = firs.create(new_fir(1)).id
    with pytest.raises(ValueError, match="unknown column"):
        firs.get_columns(fir_id, ["fir_number", "status; DROP TABLE fir_records"])
    with pytest.raises(ValueError, match="unknown column"):
        firs.page(columns=["password"])


def test_list_by_status_is_newest_first_and_filtered(firs: FIRRepository) -> None:
    firs.bulk_insert(
        [new_fir(n, status=FIRStatus.PENDING if n % 2 else FIRStatus.DRAFT,
                 created_at=DAY + timedelta(minutes=n)) for n in range(1, 11)]
    )  # fmt: skip
    pending = firs.list_by_status("pending", limit=3)
    assert [f.created_at for f in pending] == [DAY + timedelta(minutes=m) for m in (9, 7, 5)]
    assert all(f.status is FIRStatus.PENDING for f in pending)
    assert firs.list_by_status(FIRStatus.FINALIZED) == []


def test_page_offset_matches_the_same_order(firs: FIRRepository) -> None:
    firs.bulk_insert([new_fir(n, created_at=DAY + timedelta(minutes=n % 4)) for n in range(12)])
    everything = firs.page_offset(0, limit=100)
    assert [f.id for f in firs.page_offset(5, limit=4)] == [f.id for f in everything[5:9]]
    keys = [(f.created_at, f.id) for f in everything]
    assert keys == sorted(keys, reverse=True)
    assert len(firs.page_offset(0, limit=100, status="draft")) == 0


def test_get_with_violations_joins_the_legal_sections(
    firs: FIRRepository, section_ids: list[int]
) -> None:
    with_two = firs.create(new_fir(1, section_ids=(section_ids[0], section_ids[2])))
    without = firs.create(new_fir(2))
    joined = firs.get_with_violations(with_two.id)
    assert joined is not None and joined.fir == with_two
    assert [(v.section_id, v.section_number) for v in joined.violations] == [
        (section_ids[2], "115"),
        (section_ids[0], "303"),
    ]
    bare = firs.get_with_violations(without.id)
    assert bare is not None and bare.violations == []
    assert firs.get_with_violations(without.id + 100) is None


def test_stats_by_status_counts_and_averages_age(firs: FIRRepository) -> None:
    now = datetime.now()
    firs.bulk_insert(
        [new_fir(1, created_at=now - timedelta(hours=2)),
         new_fir(2, created_at=now - timedelta(hours=4)),
         new_fir(3, status=FIRStatus.DRAFT, created_at=now - timedelta(hours=1))]
    )  # fmt: skip
    stats = {s.status: s for s in firs.stats_by_status()}
    assert set(stats) == {FIRStatus.PENDING, FIRStatus.DRAFT}
    assert stats[FIRStatus.PENDING].count == 2
    assert stats[FIRStatus.PENDING].avg_age_seconds == pytest.approx(3 * 3600, abs=120)
    assert stats[FIRStatus.DRAFT].avg_age_seconds == pytest.approx(3600, abs=120)


def assert_stats_match_group_by(firs: FIRRepository) -> None:
    """The maintained totals against a GROUP BY over every row: same statuses and counts,
    mean ages within a second (the GROUP BY truncates each age to whole seconds)."""
    kept, grouped = firs.stats_by_status(), firs.stats_by_status_query()
    assert [(s.status, s.count) for s in kept] == [(s.status, s.count) for s in grouped]
    for mine, plain in zip(kept, grouped, strict=True):
        assert mine.avg_age_seconds == pytest.approx(plain.avg_age_seconds, abs=1.0)


def test_stats_by_status_stay_equal_to_a_group_by_through_writes(
    firs: FIRRepository,
) -> None:
    assert firs.stats_by_status() == []
    now = datetime.now()
    ids = firs.bulk_insert(
        [new_fir(n, status=[FIRStatus.PENDING, FIRStatus.DRAFT][n % 2],
                 created_at=now - timedelta(hours=n, microseconds=n * 137_001))
         for n in range(1, 9)]
    )  # fmt: skip
    assert_stats_match_group_by(firs)
    created = firs.create(new_fir(20))  # created_at from the server's clock
    assert_stats_match_group_by(firs)
    firs.finalize(created.fir_number)
    firs.finalize(firs.get_by_id(ids[1]).fir_number)  # type: ignore[union-attr]
    assert_stats_match_group_by(firs)
    firs.update(ids[0], status=FIRStatus.REJECTED)
    firs.update(ids[2], police_station="Indiranagar")  # no status change
    firs.update(ids[1], status=FIRStatus.ARCHIVED)  # a finalized FIR keeps its fixed age
    assert_stats_match_group_by(firs)
    counts = {s.status: s.count for s in firs.stats_by_status()}
    assert counts == {FIRStatus.PENDING: 3, FIRStatus.DRAFT: 3, FIRStatus.FINALIZED: 1,
                      FIRStatus.REJECTED: 1, FIRStatus.ARCHIVED: 1}  # fmt: skip


def test_stats_of_a_loaded_dataset_equal_a_group_by_before_and_after_a_reset(
    dataset_10k: Dataset,
) -> None:
    """The loader's bulk load fills the totals; its reset recounts them."""
    pool = Pool(dataset_10k.target, Settings(mysql_url=dataset_10k.target.url()))
    try:
        firs = FIRRepository(pool, cursor_secret="test")
        assert_stats_match_group_by(firs)
        created = firs.create(new_fir(1, created_at=datetime.now()))
        firs.finalize(created.fir_number)
        assert_stats_match_group_by(firs)
        assert reset_dataset(dataset_10k.target)["fir_records"] == 1
        assert_stats_match_group_by(firs)
    finally:
        pool.dispose()


def test_daily_counts_cover_every_day_of_the_window(firs: FIRRepository) -> None:
    firs.bulk_insert(
        [new_fir(n, created_at=datetime(2026, 2, 10 - n % 3, 23, 59, 59, 999999))
         for n in range(7)]
    )  # fmt: skip
    counts = firs.daily_counts(days=4, until=date(2026, 2, 10))
    assert [(c.day, c.count) for c in counts] == [
        (date(2026, 2, 7), 0),
        (date(2026, 2, 8), 2),
        (date(2026, 2, 9), 2),
        (date(2026, 2, 10), 3),
    ]
    assert firs.daily_counts(days=1)[-1].count == 0  # nothing created today


def test_fulltext_search_natural_and_boolean(firs: FIRRepository) -> None:
    firs.bulk_insert(
        [new_fir(1, text="thieves stole my motorcycle from the parking lot"),
         new_fir(2, text="my neighbour assaulted me near the temple"),
         new_fir(3, text="the motorcycle was stolen again near the temple gate")]
    )  # fmt: skip
    natural = firs.search("motorcycle parking", mode="natural")
    assert natural[0].item.fir_number == new_fir(1).fir_number
    assert len(natural) == 2 and natural[0].score > natural[1].score > 0
    boolean = firs.search("+motorcycle -parking", mode="boolean")
    assert [hit.item.fir_number for hit in boolean] == [new_fir(3).fir_number]
    with pytest.raises(ValueError, match="search mode"):
        firs.search("x", mode="fuzzy")  # type: ignore[arg-type]


# benchmarks/database.py SEARCH_TERMS, plus words matched by few, many and no complaints.
SEARCH_TERMS = ["snatched chain", "otp debited", "dowry harassed", "stolen motorcycle",
                "threatened", "chain", "market phone stolen", "the", "zzzq"]  # fmt: skip


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_search_finds_what_sorting_every_match_finds(dataset_10k: Dataset, limit: int) -> None:
    """The bounded natural-mode search against the query that sorts every match (the
    implementation it replaced): the same hits, scores and order on the seeded data."""
    pool = Pool(dataset_10k.target, Settings(mysql_url=dataset_10k.target.url()))
    try:
        firs = FIRRepository(pool, cursor_secret="test")
        for term in SEARCH_TERMS:
            with pool.connection() as conn, conn.cursor() as cur:
                cur.execute(
                    "SELECT id, MATCH(complaint_text) AGAINST(%s IN NATURAL LANGUAGE MODE) AS s "
                    "FROM fir_records WHERE MATCH(complaint_text) AGAINST(%s IN NATURAL "
                    "LANGUAGE MODE) ORDER BY s DESC, id DESC LIMIT %s",
                    (term, term, limit),
                )
                expected = [(int(row[0]), row[1]) for row in cur.fetchall()]
            hits = firs.search(term, limit=limit)
            assert [(hit.item.id, hit.score) for hit in hits] == expected, term
            for hit in hits[:3]:
                assert firs.get_columns(hit.item.id, ["fir_number"]) == {
                    "fir_number": hit.item.fir_number
                }
    finally:
        pool.dispose()


def test_bulk_insert_returns_ids_in_order_and_writes_links(
    firs: FIRRepository, section_ids: list[int]
) -> None:
    batch = [new_fir(n, section_ids=(section_ids[n % 3],)) for n in range(50)]
    ids = firs.bulk_insert(batch)
    assert len(set(ids)) == 50
    for fir_id, fir in zip(ids, batch, strict=True):
        loaded = firs.get_with_violations(fir_id)
        assert loaded is not None and loaded.fir.fir_number == fir.fir_number
        assert [v.section_id for v in loaded.violations] == list(fir.section_ids)
    assert firs.bulk_insert([]) == []


def test_bulk_insert_is_one_transaction(firs: FIRRepository) -> None:
    firs.create(new_fir(7))
    with pytest.raises(pymysql.err.IntegrityError):
        firs.bulk_insert([new_fir(n) for n in range(20)])  # n=7 collides
    assert firs.count() == 1


def test_update_changes_allow_listed_columns_only(firs: FIRRepository) -> None:
    created = firs.create(new_fir(1))
    updated = firs.update(created.id, police_station="Indiranagar", user_id=None,
                          violations=[{"section_number": "309"}])  # fmt: skip
    assert (updated.police_station, updated.user_id) == ("Indiranagar", None)
    assert updated.violations == [{"section_number": "309"}]
    assert firs.get_by_id(created.id) == updated
    with pytest.raises(ValidationError, match="fir_number"):
        firs.update(created.id, fir_number="FIR-ffffffff-20260101000000")
    with pytest.raises(ValueError, match="cannot be NULL: police_station"):
        firs.update(created.id, police_station=None)
    with pytest.raises(InvalidTransitionError, match="use finalize"):
        firs.update(created.id, status="finalized")
    with pytest.raises(ValueError, match="nothing to update"):
        firs.update(created.id)
    with pytest.raises(RecordNotFoundError):
        firs.update(created.id + 1, police_station="X")


def test_finalize_only_from_pending(firs: FIRRepository) -> None:
    pending = firs.create(new_fir(1))
    draft = firs.create(new_fir(2, status=FIRStatus.DRAFT))
    finalized = firs.finalize(pending.fir_number)
    assert finalized.status is FIRStatus.FINALIZED and finalized.finalized_at is not None
    assert finalized.finalized_at >= pending.created_at
    with pytest.raises(InvalidTransitionError, match="is finalized; only pending"):
        firs.finalize(pending.fir_number)
    with pytest.raises(InvalidTransitionError, match="is draft"):
        firs.finalize(draft.fir_number)
    with pytest.raises(RecordNotFoundError, match="no FIR with number"):
        firs.finalize("FIR-00000000-20000101000000")
    assert firs.get_by_id(draft.id) == draft


def test_limits_are_bounded(firs: FIRRepository) -> None:
    with pytest.raises(ValueError, match="limit"):
        firs.list_by_status("pending", limit=0)
    with pytest.raises(ValueError, match="limit"):
        firs.page(limit=5000)
    with pytest.raises(ValueError, match="offset"):
        firs.page_offset(-1)


# --- sessions -----------------------------------------------------------------------------


def test_session_lifecycle(pool: Pool) -> None:
    sessions = SessionRepository(pool)
    created = sessions.create(NewSession(state={"transcript": "help"}, current_step="intake"))
    assert created.status is SessionStatus.PROCESSING and created.state == {"transcript": "help"}
    assert sessions.get(created.id) == created
    assert sessions.get(str(uuid.uuid4())) is None

    assert sessions.update_state(created.id, {"summary": "theft"}, "awaiting_validation",
                                 "summary_review")  # fmt: skip
    updated = sessions.get(created.id)
    assert updated is not None
    assert (updated.state, updated.status, updated.current_step) == (
        {"summary": "theft"}, SessionStatus.AWAITING_VALIDATION, "summary_review",
    )  # fmt: skip
    assert updated.last_activity > created.last_activity
    assert not sessions.update_state(str(uuid.uuid4()), {}, "failed", "x")

    time.sleep(0.002)
    assert sessions.touch(created.id)
    touched = sessions.get(created.id)
    assert touched is not None and touched.last_activity > updated.last_activity
    assert not sessions.touch(str(uuid.uuid4()))


def test_session_listing_counting_and_expiry(pool: Pool) -> None:
    sessions = SessionRepository(pool)
    made = [sessions.create(NewSession(state={"n": n}, current_step="intake",
                                       status="completed" if n < 3 else "processing"))
            for n in range(5)]  # fmt: skip
    assert sessions.count_by_status() == {SessionStatus.COMPLETED: 3, SessionStatus.PROCESSING: 2}
    assert [s.id for s in sessions.list_by_status("completed", limit=2)] == [
        made[2].id,
        made[1].id,
    ]
    assert sessions.delete_expired(timedelta(hours=1)) == 0
    time.sleep(0.05)
    sessions.touch(made[4].id)
    assert sessions.delete_expired(timedelta(seconds=0.04)) == 4
    assert [s.id for s in sessions.list_by_status("processing")] == [made[4].id]
    assert sessions.count() == 1


# --- legal sections -----------------------------------------------------------------------


def test_legal_section_lookups(pool: Pool, section_ids: list[int]) -> None:
    legal = LegalSectionRepository(pool)
    theft = legal.get_by_id(section_ids[0])
    assert theft is not None and theft.section_number == "303" and theft.title == "Theft"
    assert legal.get_by_number("309") == legal.get_by_id(section_ids[1])
    assert legal.get_by_number("999") is None
    assert [s.section_number for s in legal.by_category("property")] == ["303", "309"]
    assert legal.by_category("cyber") == []
    assert legal.all_numbers() == ["115", "303", "309"]
    assert legal.get_columns(section_ids[2], ["category"]) == {"category": "body"}


def test_legal_section_search_scores(pool: Pool, section_ids: list[int]) -> None:
    legal = LegalSectionRepository(pool)
    hits = legal.search("robbery hurt")
    assert hits[0].item.section_number == "309"
    assert all(hit.score > 0 for hit in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    boolean = legal.search("+theft -robbery", mode="boolean")
    assert [hit.item.id for hit in boolean] == [section_ids[0]]


def test_legal_section_bulk_insert_is_atomic(pool: Pool, section_ids: list[int]) -> None:
    legal = LegalSectionRepository(pool)
    duplicate = NewLegalSection(section_number="303", title="Dup", description="dup",
                                penalty="", category="x")  # fmt: skip
    fresh = NewLegalSection(section_number="318", title="Cheating", description="deceives",
                            penalty="7 years", category="fraud")  # fmt: skip
    with pytest.raises(pymysql.err.IntegrityError):
        legal.bulk_insert([fresh, duplicate])
    assert legal.count() == len(section_ids)
    assert legal.bulk_insert([]) == []


# --- pool ---------------------------------------------------------------------------------


def test_exhausted_pool_waits_the_bounded_time_then_raises(
    migrated_database: MySQLTarget, settings: Settings
) -> None:
    tiny = Pool(
        migrated_database,
        settings.model_copy(update={"pool_size": 2, "pool_max_overflow": 0,
                                    "pool_timeout_s": 0.3}),
    )  # fmt: skip
    firs = FIRRepository(tiny, cursor_secret="test")
    try:
        with ExitStack() as held:
            for _ in range(2):
                held.enter_context(tiny.connection())
            assert tiny.status()["checked_out"] == 2
            started = time.monotonic()
            with pytest.raises(PoolExhaustedError, match="all 2 database connections stayed busy"):
                firs.count()
            assert time.monotonic() - started >= 0.3
        assert firs.count() == 0  # connections came back: the pool works again
    finally:
        tiny.dispose()


def test_read_recovers_from_a_connection_killed_while_idle(
    migrated_database: MySQLTarget, settings: Settings
) -> None:
    """A connection idle for less than the ping threshold is not pinged; when the server has
    dropped it, the read is retried once on a fresh connection, and its idle siblings are
    replaced too."""
    pool = Pool(
        migrated_database,
        settings.model_copy(update={"pool_size": 2, "pool_ping_idle_s": 3600.0}),
    )
    firs = FIRRepository(pool, cursor_secret="test")
    try:
        with pool.connection() as first, pool.connection() as second:
            ids = [first.thread_id(), second.thread_id()]
        with connection.connect(migrated_database) as admin, admin.cursor() as cur:
            for thread_id in ids:
                cur.execute("KILL CONNECTION %s", (thread_id,))
        assert firs.count() == 0
        assert firs.count() == 0
        with pool.connection() as conn:
            assert conn.thread_id() not in ids
    finally:
        pool.dispose()


def test_generated_dataset_reads_into_the_record_models(dataset_10k: Dataset) -> None:
    """Rows written by the data generator (not by these repositories) validate too."""
    pool = Pool(dataset_10k.target, Settings(mysql_url=dataset_10k.target.url()))
    try:
        firs = FIRRepository(pool, cursor_secret="test")
        newest = firs.page(limit=50).items
        for summary in newest[:10]:
            joined = firs.get_with_violations(summary.id)
            assert joined is not None and joined.fir.fir_number == summary.fir_number
            assert firs.get_by_fir_number(summary.fir_number) == joined.fir
        linked = [firs.get_with_violations(s.id) for s in newest]
        assert any(fir is not None and fir.violations for fir in linked)
        assert sum(s.count for s in firs.stats_by_status()) == firs.count()
        sessions = SessionRepository(pool)
        assert sum(sessions.count_by_status().values()) == sessions.count()
        assert len(sessions.list_by_status("completed", limit=5)) == 5
        legal = LegalSectionRepository(pool)
        assert len(legal.all_numbers()) == legal.count() > 0
    finally:
        pool.dispose()
