"""MariaDB through the pool and the repositories, at each data-set scale (the seed's
database benchmarks, timing real queries instead of ``Mock`` cursors)."""

from __future__ import annotations

from typing import Any

from .backend import feature
from .common import P95_SAMPLES, P99_SAMPLES, DataSets, OnData, repeat_for
from .resources import fir_repository, next_of, pool, sample_ids, scales
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
SEARCH_TERMS = [
    "snatched chain",
    "otp debited",
    "dowry harassed",
    "stolen motorcycle",
    "threatened",
]


class SimpleSelectById(OnData):
    """Seed ``simple_select_by_id``: a FIR by primary key through pool + repository."""

    def time_select_by_id(self, prepared: DataSets, scale: int) -> None:
        fir_repository(scale).get_by_id(next_of(f"id{scale}", sample_ids(scale)))


class SelectWithWhere(OnData):
    """Seed ``select_with_where``: FIRs of one status, newest first, LIMIT 20."""

    def time_select_by_status(self, prepared: DataSets, scale: int) -> None:
        with pool(scale).connection() as conn, conn.cursor() as cur:
            cur.execute(STATUS_QUERY, (next_of("status", ["pending", "finalized", "draft"]),))
            cur.fetchall()


class JoinQuery(OnData):
    """Seed ``join_query``: a FIR with its violations (JOIN fir_violations, legal_sections)."""

    def time_fir_with_violations(self, prepared: DataSets, scale: int) -> None:
        fir_repository(scale).get_with_violations(next_of(f"join{scale}", sample_ids(scale)))


class Aggregation(OnData):
    """Seed ``aggregation``: count and average age by status over the whole table."""

    # Enough for the SLA's P95; its P99 would need 500 calls, ~60 s at 125 ms a call at 100k.
    repeat = repeat_for(P95_SAMPLES)

    def time_stats_by_status(self, prepared: DataSets, scale: int) -> None:
        fir_repository(scale).stats_by_status()


class CursorPagination(OnData):
    """Seed ``cursor_pagination``: one page of 20 at a depth, keyset next to OFFSET."""

    requires = (*OnData.requires, "db.cursor:CursorCodec")
    repeat = repeat_for(P99_SAMPLES)  # for the SLA's P99; OFFSET 10,000 takes 10-13 ms a call
    params = [scales(), [0, 1_000, 10_000], ["keyset", "offset"]]
    param_names = ["scale", "depth", "method"]

    def setup(self, prepared: DataSets, scale: int, depth: int, method: str) -> None:
        super().setup(prepared, scale)
        self.cursor = keyset_cursor(scale, depth) if method == "keyset" else None

    def time_page(self, prepared: DataSets, scale: int, depth: int, method: str) -> None:
        repository = fir_repository(scale)
        if method == "keyset":
            repository.page(cursor=self.cursor, limit=20)
        else:
            repository.page_offset(depth, limit=20)


_cursors: dict[tuple[int, int], str | None] = {}


def keyset_cursor(scale: int, depth: int) -> str | None:
    """The cursor after ``depth`` rows, found once per process by walking 1,000-row pages."""
    if (scale, depth) not in _cursors:
        cursor, walked = None, 0
        while walked < depth:
            page = fir_repository(scale).page(cursor=cursor, limit=min(1_000, depth - walked))
            cursor, walked = page.next_cursor, walked + len(page.items)
        _cursors[scale, depth] = cursor
    return _cursors[scale, depth]


class FullTextSearch(OnData):
    """Seed ``full_text_search``: MATCH ... AGAINST over complaints and over legal sections."""

    params = [scales(), ["complaints", "legal_sections"]]
    repeat = repeat_for(P99_SAMPLES)  # for the SLA's P99; complaints at 100k take ~33 ms a call
    param_names = ["scale", "corpus"]

    def setup(self, prepared: DataSets, scale: int, corpus: str) -> None:
        super().setup(prepared, scale)

    def time_search(self, prepared: DataSets, scale: int, corpus: str) -> None:
        term = next_of(f"term-{corpus}", SEARCH_TERMS)
        if corpus == "complaints":
            fir_repository(scale).search(term, limit=20)
        else:
            sections(scale).search(term, limit=20)


class SearchByQueryClass(OnData):
    """Complaint search under the query mix users type (``search_queries.json``), one class
    of query per parameter, so a regression in phrase search cannot hide in an average; the
    SLA judges each class's P95. Each sample is the next query of the class."""

    params = [scales(), [query_class.value for query_class in QueryClass]]
    param_names = ["scale", "query_class"]
    repeat = repeat_for(P95_SAMPLES)

    def setup(self, prepared: DataSets, scale: int, query_class: str) -> None:
        super().setup(prepared, scale)
        self.queries = queries(query_class)

    def time_search(self, prepared: DataSets, scale: int, query_class: str) -> None:
        query = next_of(f"mix-{query_class}", self.queries)
        fir_repository(scale).search(query.text, mode=query.mode, limit=20)


class SelectiveColumns(OnData):
    """Seed ``selective_columns``: three columns next to the full row."""

    params = [scales(), ["3 columns", "full row"]]
    param_names = ["scale", "columns"]

    def setup(self, prepared: DataSets, scale: int, columns: str) -> None:
        super().setup(prepared, scale)

    def time_select(self, prepared: DataSets, scale: int, columns: str) -> None:
        record_id = next_of(f"cols{scale}", sample_ids(scale))
        if columns == "full row":
            fir_repository(scale).get_by_id(record_id)
        else:
            fir_repository(scale).get_columns(record_id, ["id", "fir_number", "status"])


class QueryPlanAnalysis(OnData):
    """Seed ``query_plan_analysis``: EXPLAIN FORMAT=JSON of a real query, then its analysis."""

    requires = (*OnData.requires, "db.optimizer:explain")

    def time_explain_and_analyze(self, prepared: DataSets, scale: int) -> None:
        explain = feature("db.optimizer", "explain")
        with pool(scale).connection() as conn:
            explain(conn, STATUS_QUERY, ("pending",))


class IndexSuggestion(OnData):
    """Seed ``index_suggestion``: index suggestions for a real full-scan plan (sqlglot)."""

    requires = (*OnData.requires, "db.optimizer:explain", "db.optimizer:suggest_indexes")

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.plan = full_scan_plan(scale)

    def time_suggest_indexes(self, prepared: DataSets, scale: int) -> None:
        feature("db.optimizer", "suggest_indexes")(FULL_SCAN_QUERY, self.plan)


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

    def time_acquire_release(self, prepared: DataSets, scale: int) -> None:
        with pool(scale).connection():
            pass
