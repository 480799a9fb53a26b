"""The search planner against MariaDB's own matching, on the seeded 10k data set.

Every path must return only rows MariaDB's FULLTEXT index itself matches, ranked by score
then newest id; queries of rare words must return exactly what InnoDB ranks; and a query
of frequent words must be ranked among its newest matches. The thresholds are lowered so
that the 10k data set reaches every path the 100k and 1M ones do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from afirgen_fixtures.config import Settings
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.db import fulltext
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import fir
from afirgen_fixtures.db.repositories.fir import FIRRepository
from tests.integration.conftest import writable_copy
from tests.integration.test_repositories import new_fir

MIX = json.loads((Path(__file__).parents[2] / "benchmarks" / "search_queries.json").read_text())
QUERIES = [
    (query, entry["mode"]) for entry in MIX["classes"].values() for query in entry["queries"]
]


@pytest.fixture(scope="module")
def pool(dataset_10k: Dataset) -> Iterator[Pool]:
    pool = Pool(dataset_10k.target, Settings(mysql_url=dataset_10k.target.url()))
    yield pool
    pool.dispose()


@pytest.fixture
def planned(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> FIRRepository:
    """A repository whose planner treats 10k FIRs as it treats 100k."""
    monkeypatch.setattr(fir, "CHEAP_POSTINGS", 200)
    monkeypatch.setattr(fir, "RECENT_REACH", 2_000)
    monkeypatch.setattr(fir, "RECENT_PROBE", 100)
    monkeypatch.setattr(fir, "STATS_STEP", 50)
    return FIRRepository(pool, cursor_secret="test")


def innodb_matches(pool: Pool, query: str, mode: str) -> dict[int, float]:
    """Every row InnoDB matches, with its own score (natural mode: as a boolean OR)."""
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute(
            f"SELECT id, MATCH(complaint_text) AGAINST(%s IN {mode.upper()} "
            "LANGUAGE MODE) FROM fir_records WHERE MATCH(complaint_text) AGAINST(%s IN "
            f"{mode.upper()} LANGUAGE MODE)".replace("BOOLEAN LANGUAGE", "BOOLEAN"),
            (query, query),
        )
        return {int(row[0]): row[1] for row in cur.fetchall()}


def path_of(repository: FIRRepository, query: str, mode: str) -> str:
    """Which path the planner takes, named by the method that answers."""
    taken = []
    for name in ("_top_innodb", "_top_driven", "_top_recent"):
        method = getattr(repository, name)

        def spy(*args, _name=name, _method=method, **kwargs):  # type: ignore[no-untyped-def]
            taken.append(_name)
            return _method(*args, **kwargs)

        setattr(repository, name, spy)
    repository.search(query, mode=mode)  # type: ignore[arg-type]
    for name in ("_top_innodb", "_top_driven", "_top_recent"):
        delattr(repository, name)
    return taken[-1]


@pytest.mark.parametrize(("query", "mode"), QUERIES)
def test_every_hit_is_a_match_and_the_order_is_score_then_newest(
    planned: FIRRepository, pool: Pool, query: str, mode: str
) -> None:
    hits = planned.search(query, mode=mode, limit=20)  # type: ignore[arg-type]
    matches = innodb_matches(pool, query, mode)
    ids = [hit.item.id for hit in hits]
    assert set(ids) <= set(matches), f"{query!r}: hits MariaDB does not match"
    assert len(ids) == len(set(ids)) == min(20, len(matches)), query
    keys = [(-hit.score, -hit.item.id) for hit in hits]
    assert keys == sorted(keys), f"{query!r}: not ordered by score, then newest"


def test_every_path_is_taken_by_the_mix(planned: FIRRepository) -> None:
    paths = {path_of(planned, query, mode) for query, mode in QUERIES}
    assert paths == {"_top_innodb", "_top_driven", "_top_recent"}


def test_rare_words_get_innodbs_own_ranking(planned: FIRRepository, pool: Pool) -> None:
    checked = 0
    for query, mode in QUERIES:
        if path_of(planned, query, mode) != "_top_innodb":
            continue
        matches = innodb_matches(pool, query, mode)
        expected = sorted(matches.items(), key=lambda kv: (-kv[1], -kv[0]))[:20]
        hits = planned.search(query, mode=mode, limit=20)  # type: ignore[arg-type]
        assert [(h.item.id, h.score) for h in hits] == expected, query
        checked += 1
    assert checked >= 10, "too few queries of rare words in the mix to check"


def test_frequent_words_are_ranked_among_their_newest_matches(
    planned: FIRRepository, pool: Pool
) -> None:
    checked = 0
    for query, mode in QUERIES:
        if path_of(planned, query, mode) != "_top_recent":
            continue
        newest = sorted(innodb_matches(pool, query, mode), reverse=True)[: fir.RECENT_MATCHES]
        hits = planned.search(query, mode=mode, limit=20)  # type: ignore[arg-type]
        assert {hit.item.id for hit in hits} <= set(newest), query
        assert len(hits) == 20, query
        checked += 1
    assert checked >= 10, "too few queries of frequent words in the mix to check"


def test_a_fir_filed_after_the_counts_were_cached_is_found_at_once(
    dataset_10k: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached word counts only steer the plan: a new FIR is in the very next search, on
    the path of rare words and on the path of frequent ones, even after a gap in the ids
    (the newest FIRs are counted in rows, not ids: a load run once left the recent window
    empty and sent frequent words to the index, seconds each under load)."""
    monkeypatch.setattr(fir, "CHEAP_POSTINGS", 200)
    monkeypatch.setattr(fir, "STATS_STEP", 50)
    with writable_copy(dataset_10k) as target:
        pool = Pool(target, Settings(mysql_url=target.url()))
        try:
            firs = FIRRepository(pool, cursor_secret="test")
            frequent = "+respected +madam"
            assert path_of(firs, frequent, "boolean") == "_top_recent"
            assert firs.search("zqxfrobnik", limit=5) == []
            with pool.connection() as conn, conn.cursor() as cur:  # ids with a gap
                cur.execute("ALTER TABLE fir_records AUTO_INCREMENT = 40000")
            (new_id,) = firs.bulk_insert(
                [new_fir(1, text="Respected Sir/Madam, a zqxfrobnik was stolen.")]
            )
            assert new_id >= 40_000
            assert [h.item.id for h in firs.search("zqxfrobnik", limit=5)] == [new_id]
            assert path_of(firs, frequent, "boolean") == "_top_recent"
            assert new_id in [h.item.id for h in firs.search(frequent, mode="boolean")]
        finally:
            pool.dispose()


def test_unplanned_queries_go_to_innodb_as_written() -> None:
    assert fulltext.parse("~dowry", "boolean") is None
    assert fulltext.parse("+dowry", "natural") is None


@pytest.mark.parametrize("query", ["-respected", "+(-madam) +respected", "-zqxfrobnik"])
def test_a_list_of_excluded_words_only_matches_what_innodb_matches(
    planned: FIRRepository, pool: Pool, query: str
) -> None:
    hits = planned.search(query, mode="boolean", limit=20)
    assert {hit.item.id for hit in hits} <= set(innodb_matches(pool, query, "boolean"))


def test_a_full_cache_of_word_counts_never_breaks_a_search(
    planned: FIRRepository, pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for a single entry every search evicts what it just stored; it must still
    answer as with an ample cache (a server answers many distinct queries)."""
    ample = FIRRepository(pool, cursor_secret="test")
    monkeypatch.setattr(fir, "STATS_CACHE_SIZE", 1)
    for query, mode in QUERIES:
        got = planned.search(query, mode=mode, limit=20)  # type: ignore[arg-type]
        want = ample.search(query, mode=mode, limit=20)  # type: ignore[arg-type]
        assert [h.item.id for h in got] == [h.item.id for h in want], query
