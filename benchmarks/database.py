"""MariaDB through the pool and the repositories, at each data-set scale (the seed's
database benchmarks, timing real queries instead of ``Mock`` cursors)."""

from __future__ import annotations

from typing import Any

from .backend import feature
from .calls import Call, measures
from .common import P95_SAMPLES, P99_SAMPLES, DataSets, OnData, repeat_for
from .resources import cycle, cycle_ids, fir_repository, next_index, pool, scales
from .resources import section_repository as sections
from .search_queries import QueryClass, queries

STATUS_QUERY = (
    "SELECT id, fir_number, status, created_at FROM fir_records "
    "WHERE status = %s ORDER BY created_at DESC, id DESC LIMIT 20"
)
FULL_SCAN_QUERY = (
    "SELECT id, fir_number, status FROM fir_records "
    "WHERE police_station = %s ORDER BY created_at DESC LIMIT 20"
)
STATUSES = ["pending", "finalized", "draft"]
SEARCH_TERMS = [
    "snatched chain",
    "otp debited",
    "dowry harassed",
    "stolen motorcycle",
    "threatened",
]


# -- the operations (``calls``): call ``i`` reads the ``i``-th sample id, status or term ----


def select_by_id(scale: int) -> Call:
    ids = cycle_ids(scale)
    return lambda i: fir_repository(scale).get_by_id(ids(i))


def select_by_status(scale: int) -> Call:
    status = cycle(STATUSES)

    def status_query(i: int) -> None:
        with pool(scale).connection() as conn, conn.cursor() as cur:
            cur.execute(STATUS_QUERY, (status(i),))
            cur.fetchall()

    return status_query


def fir_with_violations(scale: int) -> Call:
    ids = cycle_ids(scale)
    return lambda i: fir_repository(scale).get_with_violations(ids(i))


def stats_by_status(scale: int) -> Call:
    return lambda i: fir_repository(scale).stats_by_status()


def page(scale: int, depth: int, method: str) -> Call:
    """One page of 20 at ``depth``: by keyset (its cursor found once) or by OFFSET."""
    if method == "offset":
        return lambda i: fir_repository(scale).page_offset(depth, limit=20)
    cursor = keyset_cursor(scale, depth)
    return lambda i: fir_repository(scale).page(cursor=cursor, limit=20)


def search(scale: int, corpus: str) -> Call:
    """Call ``i`` searches ``corpus`` for the ``i``-th of ``SEARCH_TERMS``."""

    term = cycle(SEARCH_TERMS)
    if corpus == "complaints":
        return lambda i: fir_repository(scale).search(term(i), limit=20)
    return lambda i: sections(scale).search(term(i), limit=20)


def mix_search(scale: int, query_class: str) -> Call:
    """Call ``i`` sends the class's ``i``-th query of the mix."""
    mix = queries(query_class)
    return lambda i: fir_repository(scale).search(
        mix[i % len(mix)].text, mode=mix[i % len(mix)].mode, limit=20
    )


def select_columns(scale: int, columns: str) -> Call:
    ids = cycle_ids(scale)
    if columns == "full row":
        return lambda i: fir_repository(scale).get_by_id(ids(i))
    return lambda i: fir_repository(scale).get_columns(ids(i), ["id", "fir_number", "status"])


def explain_status_query(scale: int) -> Call:
    def explain(i: int) -> None:
        with pool(scale).connection() as conn:
            feature("db.optimizer", "explain")(conn, STATUS_QUERY, ("pending",))

    return explain


def suggest_indexes(scale: int) -> Call:
    plan = full_scan_plan(scale)
    suggest = feature("db.optimizer", "suggest_indexes")
    return lambda i: suggest(FULL_SCAN_QUERY, plan)


def acquire_release(scale: int) -> Call:
    def acquire(i: int) -> None:
        with pool(scale).connection():
            pass

    return acquire


# -- the timed benchmarks ------------------------------------------------------------------


class SimpleSelectById(OnData):
    """Seed ``simple_select_by_id``: a FIR by primary key through pool + repository."""

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = select_by_id(scale)

    @measures(select_by_id)
    def time_select_by_id(self, prepared: DataSets, scale: int) -> None:
        self.call(next_index(f"id{scale}"))


class SelectWithWhere(OnData):
    """Seed ``select_with_where``: FIRs of one status, newest first, LIMIT 20."""

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = select_by_status(scale)

    @measures(select_by_status)
    def time_select_by_status(self, prepared: DataSets, scale: int) -> None:
        self.call(next_index("status"))


class JoinQuery(OnData):
    """Seed ``join_query``: a FIR with its violations (JOIN fir_violations, legal_sections)."""

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = fir_with_violations(scale)

    @measures(fir_with_violations)
    def time_fir_with_violations(self, prepared: DataSets, scale: int) -> None:
        self.call(next_index(f"join{scale}"))


class Aggregation(OnData):
    """Seed ``aggregation``: count and average age by status over the whole table."""

    # Enough for the SLA's P95; its P99 would need 500 calls, ~60 s at 125 ms a call at 100k.
    repeat = repeat_for(P95_SAMPLES)

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = stats_by_status(scale)

    @measures(stats_by_status)
    def time_stats_by_status(self, prepared: DataSets, scale: int) -> None:
        self.call(0)


class CursorPagination(OnData):
    """Seed ``cursor_pagination``: one page of 20 at a depth, keyset next to OFFSET."""

    requires = (*OnData.requires, "db.cursor:CursorCodec")
    repeat = repeat_for(P99_SAMPLES)  # for the SLA's P99; OFFSET 10,000 takes 10-13 ms a call
    params = [scales(), [0, 1_000, 10_000], ["keyset", "offset"]]
    param_names = ["scale", "depth", "method"]

    def setup(self, prepared: DataSets, scale: int, depth: int, method: str) -> None:
        super().setup(prepared, scale)
        self.call = page(scale, depth, method)

    @measures(page)
    def time_page(self, prepared: DataSets, scale: int, depth: int, method: str) -> None:
        self.call(0)


_cursors: dict[tuple[int, int], str | None] = {}


def keyset_cursor(scale: int, depth: int) -> str | None:
    """The cursor after ``depth`` rows, found once per process by walking 1,000-row pages."""
    if (scale, depth) not in _cursors:
        cursor, walked = None, 0
        while walked < depth:
            found = fir_repository(scale).page(cursor=cursor, limit=min(1_000, depth - walked))
            cursor, walked = found.next_cursor, walked + len(found.items)
        _cursors[scale, depth] = cursor
    return _cursors[scale, depth]


class FullTextSearch(OnData):
    """Seed ``full_text_search``: MATCH ... AGAINST over complaints and over legal sections."""

    params = [scales(), ["complaints", "legal_sections"]]
    repeat = repeat_for(P99_SAMPLES)  # for the SLA's P99; complaints at 100k take ~33 ms a call
    param_names = ["scale", "corpus"]

    def setup(self, prepared: DataSets, scale: int, corpus: str) -> None:
        super().setup(prepared, scale)
        self.call = search(scale, corpus)

    @measures(search)
    def time_search(self, prepared: DataSets, scale: int, corpus: str) -> None:
        self.call(next_index(f"term-{corpus}"))


class SearchByQueryClass(OnData):
    """Complaint search under the query mix users type (``search_queries.json``), one class
    of query per parameter, so a regression in phrase search cannot hide in an average; the
    SLA judges each class's P95. Each sample is the next query of the class."""

    params = [scales(), [query_class.value for query_class in QueryClass]]
    param_names = ["scale", "query_class"]
    repeat = repeat_for(P95_SAMPLES)

    def setup(self, prepared: DataSets, scale: int, query_class: str) -> None:
        super().setup(prepared, scale)
        self.call = mix_search(scale, query_class)

    @measures(mix_search)
    def time_search(self, prepared: DataSets, scale: int, query_class: str) -> None:
        self.call(next_index(f"mix-{query_class}"))


class SelectiveColumns(OnData):
    """Seed ``selective_columns``: three columns next to the full row."""

    params = [scales(), ["3 columns", "full row"]]
    param_names = ["scale", "columns"]

    def setup(self, prepared: DataSets, scale: int, columns: str) -> None:
        super().setup(prepared, scale)
        self.call = select_columns(scale, columns)

    @measures(select_columns)
    def time_select(self, prepared: DataSets, scale: int, columns: str) -> None:
        self.call(next_index(f"cols{scale}"))


class QueryPlanAnalysis(OnData):
    """Seed ``query_plan_analysis``: EXPLAIN FORMAT=JSON of a real query, then its analysis."""

    requires = (*OnData.requires, "db.optimizer:explain")

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = explain_status_query(scale)

    @measures(explain_status_query)
    def time_explain_and_analyze(self, prepared: DataSets, scale: int) -> None:
        self.call(0)


class IndexSuggestion(OnData):
    """Seed ``index_suggestion``: index suggestions for a real full-scan plan (sqlglot)."""

    requires = (*OnData.requires, "db.optimizer:explain", "db.optimizer:suggest_indexes")

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = suggest_indexes(scale)

    @measures(suggest_indexes)
    def time_suggest_indexes(self, prepared: DataSets, scale: int) -> None:
        self.call(0)


_plans: dict[int, Any] = {}


def full_scan_plan(scale: int) -> Any:
    if scale not in _plans:
        with pool(scale).connection() as conn:
            _plans[scale] = feature("db.optimizer", "explain")(
                conn, FULL_SCAN_QUERY, ("Benchmark Police Station, New Delhi",)
            )
        if not _plans[scale].full_scan:
            raise RuntimeError("the full-scan query is no longer a full scan: fix the benchmark")
    return _plans[scale]


class ConnectionAcquisition(OnData):
    """Seed ``connection_acquisition``: take a pooled connection and give it back."""

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.call = acquire_release(scale)

    @measures(acquire_release)
    def time_acquire_release(self, prepared: DataSets, scale: int) -> None:
        self.call(0)
