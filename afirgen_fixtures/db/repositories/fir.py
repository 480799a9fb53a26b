"""FIR records: lookups, keyset pages, aggregates, FULLTEXT search and the write workflow.

Reads of single records, status lists and statistics go through the cache when one is given;
every write deletes the records it touched and invalidates the ``fir:lists`` and
``fir:stats`` tags, after its transaction committed.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import pymysql

from afirgen_fixtures.config import Settings
from afirgen_fixtures.db import fulltext
from afirgen_fixtures.db.cursor import (
    Cursor,
    CursorCodec,
    Direction,
    InvalidCursorError,
    filter_fingerprint,
)
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import status_summary
from afirgen_fixtures.db.repositories.base import (
    BaseRepository,
    CacheLike,
    InvalidSearchError,
    InvalidTransitionError,
    RecordNotFoundError,
    SearchMode,
    fetch_dicts,
    match_against,
)
from afirgen_fixtures.models.records import (
    DailyCount,
    FIRRecord,
    FIRStatus,
    FIRSummary,
    FIRUpdate,
    FIRWithViolations,
    NewFIR,
    Page,
    SearchHit,
    StatusStats,
    Violation,
)

T = TypeVar("T")
_SampleKey = fulltext.Atom | fulltext.Group | str
"""What a cached figure is of: an atom's or a whole query's matches, "starts" (the ids the
probe and the reach start above) or "sample" (the sampled ids found and asked for)."""

LIST_TAG = "fir:lists"
STATS_TAG = "fir:stats"
MAX_PAGE_SIZE = 1000
_RANKED_WINDOW = 200
"""Matches read in relevance order before the tie at the last place is looked up."""
_SCORE_SLACK = 1e-9
"""Relative margin under the tied score for the walk; scores are compared exactly after."""
CHEAP_POSTINGS = 2_000
"""The index is asked for a word in this many FIRs or fewer, even when the newest-matches
path would read fewer rows."""
STATS_SAMPLE = 1_000
"""FIRs, spread over the table, whose word counts estimate the whole table's."""
STATS_STEP = 500
STATS_CACHE_SIZE = 20_000
RECENT_MATCHES = 40
"""A query of frequent words only is ranked among this many of its newest matches..."""
RECENT_REACH = 20_000
"""...found among this many newest FIRs."""
RECENT_PROBE = 1_000
"""Newest FIRs whose matches tell whether ``RECENT_REACH`` likely holds enough."""
READ_AHEAD_BLOCK = 32
"""A FIR read that misses the cache loads and caches the aligned block of ids around it."""
READ_AHEAD_TTL_S = 900
"""Neighbours nobody asked for yet live shorter than a record read on demand (3600 s)."""

_SUMMARY_COLUMNS = tuple(FIRSummary.model_fields)
_RECORD_COLUMNS = tuple(FIRRecord.model_fields)
_INSERT_COLUMNS = (
    "fir_number",
    "session_id",
    "user_id",
    "police_station",
    "complaint_text",
    "fir_content",
    "violations",
    "status",
    "created_at",
)
_NULLABLE_COLUMNS = frozenset({"user_id"})
_SECTION_COLUMNS = ("section_id", "section_number", "title", "penalty", "category")
_AGE_SECONDS = "TIMESTAMPDIFF(SECOND, created_at, COALESCE(finalized_at, NOW(6)))"


class FIRRepository(BaseRepository[FIRRecord]):
    """The ``fir_records`` table and its ``fir_violations`` links."""

    table = "fir_records"
    primary_key = "id"
    columns = _RECORD_COLUMNS

    def __init__(
        self, pool: Pool, cache: CacheLike | None = None, *, cursor_secret: str | None = None
    ) -> None:
        super().__init__(pool, cache)
        self._cursors = CursorCodec(cursor_secret or Settings().cursor_secret)
        self._summary_columns = self.column_list(_SUMMARY_COLUMNS)
        self._sample_counts: dict[tuple[int, _SampleKey], Any] = {}
        self._sample_lock = threading.Lock()

    def _row_to_model(self, row: dict[str, Any]) -> FIRRecord:
        return FIRRecord.model_validate(row)

    # --- single records -------------------------------------------------------------------

    def get_by_id(self, record_id: int) -> FIRRecord | None:
        """One FIR, cache-aside with read-ahead.

        Why read ahead: ids are given in filing order, and FIRs are read in neighbourhoods
        (a station's FIRs of a day, list pages, follow-ups on one incident), so the FIR read
        after a miss is often a neighbour. The block of ``READ_AHEAD_BLOCK`` ids is one short
        range scan of the clustered primary key (adjacent rows, a few pages) and one
        pipelined write to Redis: a miss costs about 2 ms more here. With no locality (the Zipf
        benchmark draws its popular ids in shuffled order) the blocks cover the popular
        records after few misses: 20,000 Zipf(1.1) reads over 100k FIRs hit 87 % instead of
        the 74 % of one key per miss, whose misses are all first reads. Neighbours get a
        shorter TTL, ``READ_AHEAD_TTL_S``, so those never read leave first; every write
        still deletes the records it touched, as for any cached read.
        """
        if self.cache is None:
            return super().get_by_id(record_id)
        return self.cache.get_or_fetch(
            "fir", str(record_id), lambda: self._read_block(record_id), model=FIRRecord
        )

    def _read_block(self, record_id: int) -> FIRRecord | None:
        """``record_id``'s record; its block neighbours go to the cache as a side effect."""
        first = record_id - record_id % READ_AHEAD_BLOCK
        rows = self._fetch_all(
            f"SELECT {self.column_list(_RECORD_COLUMNS)} FROM `fir_records` "
            "WHERE `id` >= %s AND `id` < %s",
            (first, first + READ_AHEAD_BLOCK),
        )
        records = {int(row["id"]): self._row_to_model(row) for row in rows}
        wanted = records.pop(record_id, None)
        if records and self.cache is not None:
            self.cache.set_many(
                "fir", {str(i): record for i, record in records.items()}, ttl=READ_AHEAD_TTL_S
            )
        return wanted

    def get_by_fir_number(self, fir_number: str) -> FIRRecord | None:
        return self._cached(
            "fir_number",
            fir_number,
            lambda: self._select_record("fir_number", fir_number),
            model=FIRRecord,
        )

    def get_with_violations(self, record_id: int) -> FIRWithViolations | None:
        """The FIR and the legal sections it cites, in one JOIN."""
        rows = self._fetch_all(
            f"SELECT {self.column_list(_RECORD_COLUMNS, 'f')}, ls.`id` AS section_id, "
            "ls.`section_number`, ls.`title`, ls.`penalty`, ls.`category` "
            "FROM `fir_records` AS f "
            "LEFT JOIN `fir_violations` AS v ON v.`fir_id` = f.`id` "
            "LEFT JOIN `legal_sections` AS ls ON ls.`id` = v.`section_id` "
            "WHERE f.`id` = %s ORDER BY ls.`section_number`",
            (record_id,),
        )
        if not rows:
            return None
        violations = [
            Violation.model_validate({name: row[name] for name in _SECTION_COLUMNS})
            for row in rows
            if row["section_id"] is not None
        ]
        fir = self._row_to_model({name: rows[0][name] for name in _RECORD_COLUMNS})
        return FIRWithViolations(fir=fir, violations=violations)

    # --- lists and pages ------------------------------------------------------------------

    def list_by_status(self, status: FIRStatus | str, limit: int = 20) -> list[FIRSummary]:
        """The newest FIRs with one status (served by ``idx_fir_status_created``)."""
        status = FIRStatus(status)
        _check_limit(limit)

        def fetch() -> list[FIRSummary]:
            rows = self._fetch_all(
                f"SELECT {self._summary_columns} FROM `fir_records` WHERE `status` = %s "
                "ORDER BY `created_at` DESC, `id` DESC LIMIT %s",
                (status.value, limit),
            )
            return [FIRSummary.model_validate(row) for row in rows]

        return self._cached(
            "fir_list", f"{status.value}:{limit}", fetch, model=FIRSummary, tags=(LIST_TAG,)
        )

    def page(
        self,
        cursor: str | None = None,
        limit: int = 20,
        status: FIRStatus | str | None = None,
        direction: Direction | str | None = None,
        columns: Sequence[str] | None = None,
    ) -> Page[Any]:
        """A keyset page in (created_at DESC, id DESC) order.

        Without a cursor, ``direction`` "next" (default) starts at the newest row and "prev"
        at the oldest. With a cursor, the cursor's own direction is followed. Items are
        ``FIRSummary`` models, or dicts of ``columns`` (plus id and created_at) when given.
        """
        query = self._keyset_query(cursor, limit, status, direction, columns)
        rows = self._fetch_all(query.sql, query.params)
        has_more = len(rows) > limit
        rows = rows[:limit]
        forward = query.walk is Direction.NEXT
        if not forward:
            rows.reverse()
        # Past the end the walk moves towards, rows remain if the query found one more; behind
        # the end it came from, they remain if it started from a cursor.
        started_at_cursor = query.position is not None
        older_exist = has_more if forward else started_at_cursor
        newer_exist = started_at_cursor if forward else has_more
        return Page[Any](
            items=rows if columns is not None else [FIRSummary.model_validate(r) for r in rows],
            next_cursor=self._cursor_at(rows[-1] if rows else None, query, Direction.NEXT)
            if older_exist
            else None,
            prev_cursor=self._cursor_at(rows[0] if rows else None, query, Direction.PREV)
            if newer_exist
            else None,
            has_more=has_more,
        )

    def page_query(
        self,
        cursor: str | None = None,
        limit: int = 20,
        status: FIRStatus | str | None = None,
        direction: Direction | str | None = None,
        columns: Sequence[str] | None = None,
    ) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters ``page`` sends for these arguments (to EXPLAIN them)."""
        query = self._keyset_query(cursor, limit, status, direction, columns)
        return query.sql, query.params

    def _keyset_query(
        self,
        cursor: str | None,
        limit: int,
        status: FIRStatus | str | None,
        direction: Direction | str | None,
        columns: Sequence[str] | None,
    ) -> _KeysetQuery:
        _check_limit(limit)
        status = FIRStatus(status) if status is not None else None
        fingerprint = filter_fingerprint(self.table, status=status.value if status else "")
        position = self._cursors.decode(cursor, fingerprint) if cursor else None
        walk = _walk_direction(position, direction)
        selected = (
            self._summary_columns
            if columns is None
            else self.column_list(dict.fromkeys(("id", "created_at", *columns)))
        )
        conditions: list[str] = []
        params: list[Any] = []
        if status is not None:
            conditions.append("`status` = %s")
            params.append(status.value)
        if position is not None:
            beyond = "<" if walk is Direction.NEXT else ">"
            conditions.append(
                f"`created_at` {beyond}= %s AND (`created_at` {beyond} %s OR `id` {beyond} %s)"
            )
            params += [position.created_at, position.created_at, position.id]
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        order = "DESC" if walk is Direction.NEXT else "ASC"
        # One row more than the page, to know whether another page follows.
        sql = (
            f"SELECT {selected} FROM `fir_records` {where}"
            f"ORDER BY `created_at` {order}, `id` {order} LIMIT %s"
        )
        return _KeysetQuery(sql, (*params, limit + 1), walk, position, fingerprint)

    def page_offset(
        self, offset: int, limit: int = 20, status: FIRStatus | str | None = None
    ) -> list[FIRSummary]:
        """OFFSET pagination: kept only so benchmarks can compare it with ``page``."""
        _check_limit(limit)
        if offset < 0:
            raise ValueError("offset must not be negative")
        where, params = ("WHERE `status` = %s ", [FIRStatus(status).value]) if status else ("", [])
        rows = self._fetch_all(
            f"SELECT {self._summary_columns} FROM `fir_records` {where}"
            "ORDER BY `created_at` DESC, `id` DESC LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
        return [FIRSummary.model_validate(row) for row in rows]

    def search(
        self, text: str, mode: SearchMode = "natural", limit: int = 20
    ) -> list[SearchHit[FIRSummary]]:
        """FULLTEXT search over the complaint text: most relevant first, then newest id.

        The planner (``afirgen_fixtures.db.fulltext``) keeps the work bounded for any query:
        a query whose every word is rare enough runs in InnoDB as written (``_top_innodb``);
        one with a rare word that every match must contain asks the index for that word only
        and tests the rest on the rows it finds (``_top_driven``); one with no such word,
        whose matches are many, is ranked among its newest matches (``_top_recent``).
        """
        _check_limit(limit)
        query = fulltext.parse(text, mode)
        with self.pool.connection() as conn:
            try:
                ranked = self._top_planned(conn, query, limit) if query is not None else None
                if ranked is None:
                    ranked = self._top_innodb(conn, text, mode, limit)
            except pymysql.err.ProgrammingError as exc:
                raise InvalidSearchError(f"not a valid {mode} search expression") from exc
            summaries = self._summaries(conn, [record_id for record_id, _ in ranked])
        return [
            SearchHit[FIRSummary](score=score, item=summaries[record_id])
            for record_id, score in ranked
            if record_id in summaries  # a row deleted between the two reads
        ]

    def _top_innodb(
        self, conn: pymysql.Connection, text: str, mode: SearchMode, limit: int
    ) -> list[tuple[int, float]]:
        """The top ``limit`` by InnoDB's own relevance over every match."""
        ranked = self._top_natural(conn, text, limit) if mode == "natural" else None
        return ranked if ranked is not None else self._top_sorted(conn, text, mode, limit)

    def _top_planned(
        self, conn: pymysql.Connection, query: fulltext.Group, limit: int
    ) -> list[tuple[int, float]] | None:
        """The top ``limit`` with bounded work, or None to run the query in InnoDB as is."""
        newest = fetch_dicts(conn, "SELECT MAX(`id`) AS newest FROM `fir_records`", ())[0]
        if newest["newest"] is None:
            return []
        top = int(newest["newest"])
        postings = self._postings(conn, query, top)
        # The index reads a word's postings; the newest-matches path reads rows until it
        # has RECENT_MATCHES matches. Ask the index whenever it reads no more than that,
        # and always up to CHEAP_POSTINGS (its ranking is InnoDB's own).
        share = fulltext.matching_share(query, postings)
        budget = max(CHEAP_POSTINGS, RECENT_MATCHES / share if share else math.inf)
        if fulltext.every_term_within(query, postings, budget):
            return None
        driver = fulltext.driver(query, postings, budget)
        if driver is not None:
            return self._top_driven(conn, query, driver, limit)
        if self._dense_in_recent(conn, query, top):
            recent = self._top_recent(conn, query, postings, top, limit)
            if len(recent) == limit or self._recent_starts(conn, _sample_end(top))[1] == 0:
                return recent
        # Few matches among the newest FIRs (a month's name, a rare pairing of frequent
        # words): every match, through the word with the fewest postings.
        driver = fulltext.driver(query, postings, math.inf)
        return self._top_driven(conn, query, driver, limit) if driver is not None else None

    def _dense_in_recent(self, conn: pymysql.Connection, query: fulltext.Group, top: int) -> bool:
        """Whether the newest ``RECENT_REACH`` FIRs likely hold ``RECENT_MATCHES`` matches,
        judged by the matches among the ``RECENT_PROBE`` newest FIRs up to the sample's end."""
        end = _sample_end(top)
        matches = self._sample_counts.get((end, query))
        if matches is None:
            probe_start, _ = self._recent_starts(conn, end)
            test, params = fulltext.predicate(query, "`complaint_text`")
            row = fetch_dicts(
                conn,
                f"SELECT COUNT(*) AS matches FROM `fir_records` "
                f"WHERE `id` > %s AND `id` <= %s AND {test}",
                (probe_start, end, *params),
            )[0]
            matches = int(row["matches"])
            self._remember(end, query, matches)
        return matches * RECENT_REACH / RECENT_PROBE >= RECENT_MATCHES

    def _recent_starts(self, conn: pymysql.Connection, end: int) -> tuple[int, int]:
        """The ids below the ``RECENT_PROBE`` and the ``RECENT_REACH`` newest FIRs up to
        ``end``: counted in rows, since ids have gaps (rolled-back inserts, deleted FIRs,
        an auto-increment that moved on)."""
        starts = self._sample_counts.get((end, "starts"))
        if starts is None:
            below = (
                "SELECT `id` FROM `fir_records` WHERE `id` <= %s "
                "ORDER BY `id` DESC LIMIT 1 OFFSET %s"
            )
            row = fetch_dicts(
                conn,
                f"SELECT ({below}) AS probe, ({below}) AS reach",
                (end, RECENT_PROBE, end, RECENT_REACH),
            )[0]
            starts = (int(row["probe"] or 0), int(row["reach"] or 0))
            self._remember(end, "starts", starts)
        return starts

    def _postings(
        self, conn: pymysql.Connection, query: fulltext.Group, top: int
    ) -> fulltext.Postings:
        """Each atom's and word's matches among ``STATS_SAMPLE`` FIRs spread evenly over
        the table (recent ones alone would miss seasonal words such as a month's name).

        The sample spans ids up to the last multiple of ``STATS_STEP``, so its rows, and
        the counts cached for it, stay the same until that many more FIRs are filed.
        """
        end = _sample_end(top)
        atoms = list(dict.fromkeys(t for a in query.atoms() for t in (a, *a.terms)))
        counts = {a: self._sample_counts.get((end, a)) for a in atoms}
        missing = [a for a, count in counts.items() if count is None]
        sample = self._sample_counts.get((end, "sample"))
        if missing or sample is None:
            ids = sorted({end * (i + 1) // STATS_SAMPLE for i in range(STATS_SAMPLE)} - {0})
            tests = "".join([", SUM(`complaint_text` REGEXP %s)"] * len(missing))
            row = list(
                fetch_dicts(
                    conn,
                    f"SELECT COUNT(*) AS sample{tests} FROM `fir_records` "
                    f"WHERE `id` IN ({', '.join(['%s'] * len(ids))})",
                    (*[a.regexp for a in missing], *ids),
                )[0].values()
            )
            sample = (int(row[0]), len(ids))
            self._remember(end, "sample", sample)
            for atom, count in zip(missing, row[1:], strict=True):
                counts[atom] = int(count or 0)
                self._remember(end, atom, counts[atom])
        found, asked = sample
        return fulltext.Postings(
            {a: int(c or 0) for a, c in counts.items()},
            sample=found,
            rows=round(top * found / max(asked, 1)),  # the sampled ids that exist: ids in use
        )

    def _remember(self, end: int, key: _SampleKey, value: int | tuple[int, int]) -> None:
        """Cache ``value``; readers take an entry whole or not at all, so evicting one never
        leaves half of what another reader needs."""
        with self._sample_lock:  # request threads share the repository
            if len(self._sample_counts) >= STATS_CACHE_SIZE:
                self._sample_counts.pop(next(iter(self._sample_counts)), None)
            self._sample_counts[end, key] = value

    def _top_driven(
        self,
        conn: pymysql.Connection,
        query: fulltext.Group,
        driver: list[fulltext.Atom],
        limit: int,
    ) -> list[tuple[int, float]]:
        """Every match, found through the rare words of ``driver`` and tested in full by
        regular expression; ranked by InnoDB's relevance of those words."""
        match = match_against(("complaint_text",), "boolean")
        test, params = fulltext.predicate(query, "`complaint_text`")
        against = fulltext.against(driver)
        rows = fetch_dicts(
            conn,
            f"SELECT `id`, {match} AS score FROM `fir_records` WHERE {match} AND {test} "
            "ORDER BY score DESC, `id` DESC LIMIT %s",
            (against, against, *params, limit),
        )
        return [(int(row["id"]), float(row["score"])) for row in rows]

    def _top_recent(
        self,
        conn: pymysql.Connection,
        query: fulltext.Group,
        postings: fulltext.Postings,
        top: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        """The newest ``RECENT_MATCHES`` matches (or ``limit``, if more), most relevant
        first by the sum of IDF² of the words they contain; matches are looked for among
        the newest ``RECENT_REACH`` FIRs.

        Why: every word of such a query is in more than ``CHEAP_POSTINGS`` FIRs, so the index
        would read all of them, while a scan from the newest FIR finds a page of matches
        after few rows; and frequent words have an IDF² near 0, so among many matches
        recency ranks as well as relevance does.
        """
        _, reach_start = self._recent_starts(conn, _sample_end(top))
        test, test_params = fulltext.predicate(query, "`complaint_text`")
        score, score_params = fulltext.weighted_score(
            query.positive(), postings, "`complaint_text`"
        )
        rows = fetch_dicts(
            conn,
            f"SELECT `id`, {score} AS score FROM `fir_records` WHERE `id` > %s AND {test} "
            "ORDER BY `id` DESC LIMIT %s",
            (*score_params, reach_start, *test_params, max(limit, RECENT_MATCHES)),
        )
        return _by_rank([(int(row["id"]), float(row["score"])) for row in rows])[:limit]

    def _summaries(self, conn: pymysql.Connection, ids: list[int]) -> dict[int, FIRSummary]:
        if not ids:
            return {}
        rows = fetch_dicts(
            conn,
            f"SELECT {self._summary_columns} FROM `fir_records` "
            f"WHERE `id` IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        return {int(row["id"]): FIRSummary.model_validate(row) for row in rows}

    def _top_sorted(
        self, conn: pymysql.Connection, text: str, mode: SearchMode, limit: int
    ) -> list[tuple[int, float]]:
        """The top ``limit`` (id, score) by sorting every match: cost grows with matches."""
        match = match_against(("complaint_text",), mode)
        rows = fetch_dicts(
            conn,
            f"SELECT `id`, {match} AS score FROM `fir_records` "
            f"WHERE {match} ORDER BY score DESC, `id` DESC LIMIT %s",
            (text, text, limit),
        )
        return [(int(row["id"]), row["score"]) for row in rows]

    def _top_natural(
        self, conn: pymysql.Connection, text: str, limit: int
    ) -> list[tuple[int, float]] | None:
        """The same top ``limit`` as ``_top_sorted``, reading a bounded number of rows.

        InnoDB returns natural-language matches of a ``WHERE MATCH`` most relevant first
        (MySQL manual, "Natural Language Full-Text Searches"), so the first rows of an
        unsorted read hold every match that scores above the ``limit``-th one. What is left
        is the tie at that score, broken by the highest ids: when the tie ends inside the
        window read, it is there; otherwise the tie is large, and a walk down the primary
        key from the newest id finds its highest ids after few rows. Sorting 20 of ~20,000
        matches this way reads hundreds of rows instead of all of them. Returns None (sort
        them all instead) if the rows read are not in relevance order, or the walk met
        another score too close to tell apart.
        """
        match = match_against(("complaint_text",), "natural")
        window = max(_RANKED_WINDOW, 2 * limit)
        first = [
            (int(row["id"]), row["score"])
            for row in fetch_dicts(
                conn,
                f"SELECT `id`, {match} AS score FROM `fir_records` WHERE {match} LIMIT %s",
                (text, text, window),
            )
        ]
        scores = [score for _, score in first]
        if any(later > earlier for earlier, later in itertools.pairwise(scores)):
            return None
        if len(first) < window or scores[limit - 1] > scores[-1]:
            cut = scores[min(limit, len(first)) - 1] if first else 0.0
            return _by_rank([hit for hit in first if hit[1] >= cut])[:limit]
        tied = scores[limit - 1]
        above = [hit for hit in first if hit[1] > tied]
        wanted = limit - len(above)
        walked = fetch_dicts(
            conn,
            f"SELECT `id`, {match} AS score FROM `fir_records` "
            "HAVING score >= %s ORDER BY `id` DESC LIMIT %s",
            (text, tied * (1 - _SCORE_SLACK), limit),
        )
        tie = [(int(row["id"]), row["score"]) for row in walked if row["score"] == tied]
        if len(tie) < wanted:
            return None
        return _by_rank(above + tie[:wanted])

    # --- aggregates -----------------------------------------------------------------------

    def stats_by_status(self) -> list[StatusStats]:
        """Count and mean age per status, like the original ``/metrics`` query.

        Read from the per-status totals every write keeps (``status_summary``), not by
        grouping the table; ``stats_by_status_query`` is the plain GROUP BY they equal.
        """

        def fetch() -> list[StatusStats]:
            rows = self._fetch_all(status_summary.READ_STATS, ())
            return [StatusStats.model_validate(row) for row in rows]

        return self._cached("stats", "fir_by_status", fetch, model=StatusStats, tags=(STATS_TAG,))

    def stats_by_status_query(self) -> list[StatusStats]:
        """The same statistics by a GROUP BY over every FIR (to check the totals against)."""
        rows = self._fetch_all(
            f"SELECT `status`, COUNT(*) AS count, AVG({_AGE_SECONDS}) AS avg_age_seconds "
            "FROM `fir_records` GROUP BY `status` ORDER BY `status`",
            (),
        )
        return [StatusStats.model_validate(row) for row in rows]

    def daily_counts(self, days: int = 30, until: date | None = None) -> list[DailyCount]:
        """FIRs created per day over ``days`` days ending with ``until`` (default: today on
        the server), including days with none."""
        if days < 1:
            raise ValueError("days must be at least 1")
        with self.pool.connection() as conn:
            if until is None:
                until = fetch_dicts(conn, "SELECT CURDATE() AS today", ())[0]["today"]
            first = until - timedelta(days=days - 1)
            rows = fetch_dicts(
                conn,
                "SELECT DATE(`created_at`) AS day, COUNT(*) AS count FROM `fir_records` "
                "WHERE `created_at` >= %s AND `created_at` < %s GROUP BY day",
                (first, until + timedelta(days=1)),
            )
        counts = {row["day"]: int(row["count"]) for row in rows}
        return [
            DailyCount(day=day, count=counts.get(day, 0))
            for day in (first + timedelta(days=n) for n in range(days))
        ]

    # --- writes ---------------------------------------------------------------------------

    def create(self, fir: NewFIR) -> FIRRecord:
        return self.create_with(fir, lambda conn, record: None)[0]

    def create_with(
        self, fir: NewFIR, along: Callable[[pymysql.Connection, FIRRecord], T]
    ) -> tuple[FIRRecord, T]:
        """Insert a FIR and, in the same transaction (one commit), ``along(conn, record)``:
        e.g. the session that produced it, so neither is stored without the other.

        The record returned is built from what was inserted (every column is given, but the
        id), not read back: a round trip less on the path that stores generated FIRs.
        """
        with self.pool.transaction() as conn:
            if fir.created_at is None:
                now = fetch_dicts(conn, "SELECT NOW(6) AS now", ())[0]["now"]
                fir = fir.model_copy(update={"created_at": now})
            (record_id,) = self._insert_firs(conn, [fir])
            record = FIRRecord.model_validate(
                {**fir.model_dump(exclude={"section_ids"}), "id": record_id, "finalized_at": None}
            )
            result = along(conn, record)
        self._invalidate()
        return record, result

    def bulk_insert(self, firs: Sequence[NewFIR]) -> list[int]:
        """Insert FIRs and their violation links in one transaction; return their ids."""
        if not firs:
            return []
        with self.pool.transaction() as conn:
            ids = self._insert_firs(conn, firs)
        self._invalidate()
        return ids

    def update(self, record_id: int, **changes: Any) -> FIRRecord:
        """Change allow-listed columns (see ``FIRUpdate``); return the updated record."""
        values = FIRUpdate.model_validate(changes).model_dump(exclude_unset=True)
        if not values:
            raise ValueError("nothing to update: name at least one column")
        required = sorted(
            name
            for name, value in values.items()
            if value is None and name not in _NULLABLE_COLUMNS
        )
        if required:
            raise ValueError(f"these columns cannot be NULL: {', '.join(required)}")
        if values.get("status") is FIRStatus.FINALIZED:
            raise InvalidTransitionError("use finalize(): it checks the FIR is pending")
        assignments = ", ".join(f"{self.column_list([name])} = %s" for name in values)
        params = [_to_column_value(name, value) for name, value in values.items()]
        with self.pool.transaction() as conn:
            before = self._lock_for_summary(conn, "id", record_id) if "status" in values else []
            with conn.cursor() as cur:
                cur.execute(
                    f"UPDATE `fir_records` SET {assignments} WHERE `id` = %s",
                    (*params, record_id),
                )
            rows = fetch_dicts(conn, self._select_by_pk, (record_id,))
            if before:
                status_summary.apply_change(conn, before, rows)
        if not rows:
            raise RecordNotFoundError(f"no FIR with id {record_id}")
        record = self._row_to_model(rows[0])
        self._invalidate(record)
        return record

    def finalize(self, fir_number: str) -> FIRRecord:
        """Move a pending FIR to finalized and stamp ``finalized_at``; nothing else may."""
        with self.pool.transaction() as conn:
            before = self._lock_for_summary(conn, "fir_number", fir_number)
            with conn.cursor() as cur:
                changed = cur.execute(
                    "UPDATE `fir_records` SET `status` = 'finalized', `finalized_at` = NOW(6) "
                    "WHERE `fir_number` = %s AND `status` = 'pending'",
                    (fir_number,),
                )
            rows = fetch_dicts(
                conn,
                f"SELECT {self.column_list(_RECORD_COLUMNS)} FROM `fir_records` "
                "WHERE `fir_number` = %s",
                (fir_number,),
            )
            if changed:
                status_summary.apply_change(conn, before, rows)
        if not rows:
            raise RecordNotFoundError(f"no FIR with number {fir_number}")
        record = self._row_to_model(rows[0])
        if not changed:
            raise InvalidTransitionError(
                f"FIR {fir_number} is {record.status.value}; only pending FIRs can be finalized"
            )
        self._invalidate(record)
        return record

    # --- helpers --------------------------------------------------------------------------

    def _select_record(self, column: str, value: Any) -> FIRRecord | None:
        row = self._fetch_one(
            f"SELECT {self.column_list(_RECORD_COLUMNS)} FROM `fir_records` "
            f"WHERE {self.column_list([column])} = %s",
            (value,),
        )
        return None if row is None else self._row_to_model(row)

    def _lock_for_summary(
        self, conn: pymysql.Connection, column: str, value: Any
    ) -> list[dict[str, Any]]:
        """The row's contribution to the status totals, locked until the write commits."""
        return fetch_dicts(
            conn,
            f"SELECT {status_summary.ROW_COLUMNS} FROM `fir_records` "
            f"WHERE {self.column_list([column])} = %s FOR UPDATE",
            (value,),
        )

    def _insert_firs(self, conn: pymysql.Connection, firs: Sequence[NewFIR]) -> list[int]:
        now = None
        if any(fir.created_at is None for fir in firs):
            now = fetch_dicts(conn, "SELECT NOW(6) AS now", ())[0]["now"]
        self._insert_many(
            conn,
            _INSERT_COLUMNS,
            [
                (
                    fir.fir_number,
                    fir.session_id,
                    fir.user_id,
                    fir.police_station,
                    fir.complaint_text,
                    fir.fir_content,
                    json.dumps(fir.violations),
                    fir.status.value,
                    fir.created_at or now,
                )
                for fir in firs
            ],
        )
        if len(firs) == 1:
            ids = [int(conn.insert_id())]
        else:
            ids = self._ids_by_unique_key(conn, "fir_number", [fir.fir_number for fir in firs])
        links = [
            (fir_id, section_id)
            for fir_id, fir in zip(ids, firs, strict=True)
            for section_id in fir.section_ids
        ]
        if links:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO `fir_violations` (`fir_id`, `section_id`) VALUES (%s, %s)",
                    links,
                )
        status_summary.apply_change(
            conn,
            after=(
                {"status": fir.status, "created_at": fir.created_at or now, "finalized_at": None}
                for fir in firs
            ),
        )
        return ids

    def _invalidate(self, record: FIRRecord | None = None) -> None:
        """Drop what a committed write made stale: the record itself, lists and stats.

        New rows need no key deletes: missing rows are never cached.
        """
        if self.cache is None:
            return
        if record is not None:
            self.cache.delete("fir", str(record.id))
            self.cache.delete("fir_number", record.fir_number)
        self.cache.invalidate_tags(LIST_TAG, STATS_TAG)

    def _cursor_at(
        self, row: dict[str, Any] | None, query: _KeysetQuery, direction: Direction
    ) -> str | None:
        """A cursor at ``row`` (or, for an empty page, at the cursor the page started from)."""
        if row is not None:
            created_at, row_id = row["created_at"], int(row["id"])
        elif query.position is not None:
            created_at, row_id = query.position.created_at, query.position.id
        else:
            return None
        return self._cursors.encode(Cursor(created_at, row_id, direction, query.fingerprint))


def _by_rank(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Most relevant first, then the highest id: the order of ``search``."""
    return sorted(hits, key=lambda hit: (-hit[1], -hit[0]))


@dataclass(frozen=True)
class _KeysetQuery:
    sql: str
    params: tuple[Any, ...]
    walk: Direction
    position: Cursor | None
    fingerprint: str


def _sample_end(top: int) -> int:
    """The newest id the cached samples reach: a multiple of ``STATS_STEP`` below ``top``."""
    return top - top % STATS_STEP if top >= STATS_STEP else top


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")


def _walk_direction(position: Cursor | None, requested: Direction | str | None) -> Direction:
    if position is None:
        return Direction(requested or Direction.NEXT)
    if requested is not None and Direction(requested) is not position.direction:
        raise InvalidCursorError(
            f"this cursor continues {position.direction.value!r}, not {requested!r}"
        )
    return position.direction


def _to_column_value(name: str, value: Any) -> Any:
    if name == "violations":
        return json.dumps(value)
    return value.value if isinstance(value, FIRStatus) else value
