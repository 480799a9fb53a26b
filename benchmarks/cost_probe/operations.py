"""The operations whose cost is counted: one per timed benchmark and parameter combination.

Each mirrors a ``time_`` benchmark of the suite (``mirrors``) and is built from the same
set-up helpers (``benchmarks.common`` and the benchmark modules), with one difference: what
a timed benchmark rotates through with ``next_of`` is a fixed list here, and call ``i`` of
the counted calls uses its ``i``-th element, whatever ran before (warm-up, another mode).
Everything that must stay a miss (cache keys, complaints) lives in the probe's own namespace,
emptied before each probe process, so every run starts from the same state.

``prepare(count)`` builds what the calls need for indices ``0 .. count - 1`` and returns the
call; it raises ``NotImplementedError`` when this commit lacks the feature (the operation is
then skipped, as its timed benchmark is). The Locust load test (``benchmarks/load.py``) has
no operation: its figures come from a separate process over real HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, partial
from typing import Any

from .. import api as api_benchmarks
from .. import cache as cache_benchmarks
from .. import database, generation, writes
from ..backend import check_requirements, feature
from ..resources import (
    API_SCALE,
    SAMPLE_IDS,
    dataset,
    draw_api_samples,
    fir_repository,
    pool,
    sample_ids,
    scales,
    section_repository,
    service_urls,
)
from ..search_queries import QueryClass, queries
from ..server import API_KEY

Call = Callable[[int], Any]
QUERIES_PER_CLASS = 20
RUN_TOKEN = "probe000"  # as long as the random tokens the history was counted with


class Area(StrEnum):
    """The classes of ``benchmarks/cost.py``, one per module of timed benchmarks: an
    operation's figures are reported by the class named after its area."""

    DATABASE = "Database"
    CACHE = "Cache"
    WRITES = "Writes"
    GENERATION = "Generation"
    API = "Api"


@dataclass(frozen=True)
class Operation:
    """``calls`` counted calls of what ``prepare`` returns, after ``warmup`` uncounted ones."""

    name: str  # the asv parameter of the cost benchmarks
    area: Area  # the class of benchmarks/cost.py that reports it
    mirrors: str  # the timed benchmark, as asv names it
    requires: tuple[str, ...]
    prepare: Callable[[int], Call]
    # Enough calls that what one call's socket reads find waiting (more or less of a
    # reply, so more or fewer loop turns in the driver) averages out: a deep OFFSET page
    # counted over 5 calls spread by 1e-2 between runs of the same code.
    calls: int = 15
    # Python 3.11 quickens a code object after 8 calls and only then specialises it: fewer
    # warm-up calls leave an operation's figure depending on what ran before it.
    warmup: int = 10
    scale: int | None = None  # the data set it reads, reset to as generated before a run

    @property
    def count(self) -> int:
        """Indices drawn: counted calls, warm-up and one spare (it once fed a profiled call;
        kept, since the samples drawn depend on their number and the history used it)."""
        return self.calls + self.warmup + 1

    def build(self) -> Call:
        check_requirements(self)
        return self.prepare(self.count)


def run_token() -> str:
    """The probe's namespace for cache keys and complaints: the same in every run (a random
    one changed what each run hashed and compared), emptied before each run."""
    return RUN_TOKEN


def clear_namespace() -> None:
    """Empty the probe's cache namespace (its own and the in-process API's keys), so that
    every run starts as the first did."""
    import redis

    client = redis.Redis.from_url(service_urls().redis_url)
    try:
        keys = list(client.scan_iter(match=f"*afirgen-cost-{RUN_TOKEN}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@cache
def cost_cache() -> Any:
    """A cache manager in a namespace of its own: every run starts with it empty."""
    return feature("cache", "CacheManager")(
        service_urls().redis_url, namespace=f"afirgen-cost-{run_token()}"
    )


def _cycle(values: list[Any]) -> Callable[[int], Any]:
    return lambda i: values[i % len(values)]


def _on(
    area: Area,
    cls: type,
    label: str,
    method: str,
    prepare: Callable[[int], Call],
    **kw: Any,
) -> Operation:
    """The operation ``label`` of ``area``, the counted twin of ``cls.method``."""
    module = cls.__module__.rpartition(".")[2]
    return Operation(
        name=label,
        area=area,
        mirrors=f"{module}.{cls.__name__}.{method}",
        requires=cls.requires,
        prepare=prepare,
        **kw,
    )


# -- database.py ---------------------------------------------------------------------------


def _database(scale: int) -> list[Operation]:
    """Every operation of ``database.py`` at ``scale``, in the order the history counted
    them (the order moves where objects sit, and so the instruction counts a little)."""
    return [
        *_database_reads(scale),
        *_database_pages(scale),
        *_database_searches(scale),
        *_database_columns(scale),
        *_database_plans(scale),
    ]


def _database_reads(scale: int) -> list[Operation]:
    ids = _cycle_ids(scale)
    status = _cycle(["pending", "finalized", "draft"])
    on = partial(_on, Area.DATABASE, scale=scale)

    def status_query(i: int) -> None:
        with pool(scale).connection() as conn, conn.cursor() as cur:
            cur.execute(database.STATUS_QUERY, (status(i),))
            cur.fetchall()

    return [
        on(
            database.SimpleSelectById,
            f"SimpleSelectById({scale})",
            "time_select_by_id",
            lambda n: lambda i: fir_repository(scale).get_by_id(ids(i)),
        ),
        on(
            database.SelectWithWhere,
            f"SelectWithWhere({scale})",
            "time_select_by_status",
            lambda n: status_query,
        ),
        on(
            database.JoinQuery,
            f"JoinQuery({scale})",
            "time_fir_with_violations",
            lambda n: lambda i: fir_repository(scale).get_with_violations(ids(i)),
        ),
        on(
            database.Aggregation,
            f"Aggregation({scale})",
            "time_stats_by_status",
            lambda n: lambda i: fir_repository(scale).stats_by_status(),
            calls=3,
            warmup=2,
        ),
    ]


def _database_pages(scale: int) -> list[Operation]:
    return [
        _on(
            Area.DATABASE,
            database.CursorPagination,
            f"CursorPagination({scale}, {depth}, {method})",
            "time_page",
            _page(scale, depth, method),
            calls=15,
            scale=scale,
        )
        for depth in (0, 1_000, 10_000)
        for method in ("keyset", "offset")
    ]


def _database_searches(scale: int) -> list[Operation]:
    term = _cycle(database.SEARCH_TERMS)
    on = partial(_on, Area.DATABASE, scale=scale)
    return [
        *(
            on(
                database.FullTextSearch,
                f"FullTextSearch({scale}, {corpus})",
                "time_search",
                _search(scale, corpus, term),
                calls=10,
            )
            for corpus in ("complaints", "legal_sections")
        ),
        *(
            on(
                database.SearchByQueryClass,
                f"SearchByQueryClass({scale}, {query_class.value})",
                "time_search",
                _mix_search(scale, query_class),
                calls=QUERIES_PER_CLASS,
            )
            for query_class in QueryClass
        ),
    ]


def _database_columns(scale: int) -> list[Operation]:
    ids = _cycle_ids(scale)
    return [
        _on(
            Area.DATABASE,
            database.SelectiveColumns,
            f"SelectiveColumns({scale}, {columns})",
            "time_select",
            _columns(scale, columns, ids),
            scale=scale,
        )
        for columns in ("3 columns", "full row")
    ]


def _database_plans(scale: int) -> list[Operation]:
    on = partial(_on, Area.DATABASE, scale=scale)

    def explain(i: int) -> None:
        with pool(scale).connection() as conn:
            feature("db.optimizer", "explain")(conn, database.STATUS_QUERY, ("pending",))

    def suggest(count: int) -> Call:
        plan = database.full_scan_plan(scale)
        suggest_indexes = feature("db.optimizer", "suggest_indexes")
        return lambda i: suggest_indexes(database.FULL_SCAN_QUERY, plan)

    def acquire(i: int) -> None:
        with pool(scale).connection():
            pass

    return [
        on(
            database.QueryPlanAnalysis,
            f"QueryPlanAnalysis({scale})",
            "time_explain_and_analyze",
            lambda n: explain,
        ),
        on(
            database.IndexSuggestion,
            f"IndexSuggestion({scale})",
            "time_suggest_indexes",
            suggest,
            calls=15,
        ),
        on(
            database.ConnectionAcquisition,
            f"ConnectionAcquisition({scale})",
            "time_acquire_release",
            lambda n: acquire,
        ),
    ]


def _cycle_ids(scale: int) -> Callable[[int], int]:
    return lambda i: sample_ids(scale)[i % SAMPLE_IDS]


def _page(scale: int, depth: int, method: str) -> Callable[[int], Call]:
    def prepare(count: int) -> Call:
        if method == "offset":
            return lambda i: fir_repository(scale).page_offset(depth, limit=20)
        cursor = database.keyset_cursor(scale, depth)
        return lambda i: fir_repository(scale).page(cursor=cursor, limit=20)

    return prepare


def _search(scale: int, corpus: str, term: Callable[[int], str]) -> Callable[[int], Call]:
    def prepare(count: int) -> Call:
        if corpus == "complaints":
            return lambda i: fir_repository(scale).search(term(i), limit=20)
        return lambda i: section_repository(scale).search(term(i), limit=20)

    return prepare


def _mix_search(scale: int, query_class: QueryClass) -> Callable[[int], Call]:
    """Counted call ``i`` sends the class's ``i``-th query: the counted calls cover them all."""

    def prepare(count: int) -> Call:
        mix = queries(query_class)
        return lambda i: fir_repository(scale).search(
            mix[i % len(mix)].text, mode=mix[i % len(mix)].mode, limit=20
        )

    return prepare


def _columns(scale: int, columns: str, ids: Callable[[int], int]) -> Callable[[int], Call]:
    def prepare(count: int) -> Call:
        if columns == "full row":
            return lambda i: fir_repository(scale).get_by_id(ids(i))
        return lambda i: fir_repository(scale).get_columns(ids(i), ["id", "fir_number", "status"])

    return prepare


# -- cache.py ------------------------------------------------------------------------------


def _cache_operations() -> list[Operation]:
    """Every operation of ``cache.py``, in the order the history counted them."""
    on = partial(_on, Area.CACHE)
    value = cache_benchmarks.VALUE_1KB
    return [
        *_cache_calls(),
        *_get_or_fetch(on, value),
        *_speedup(on),
        *_cache_batches(),
    ]


def _filled(count: int) -> Any:
    """The probe's cache manager holding the timed benchmarks' 100 keys."""
    manager = cost_cache()
    manager.set_many("bench", dict.fromkeys(cache_benchmarks.KEYS, cache_benchmarks.VALUE_1KB))
    return manager


def _on_filled(method: Callable[[Any, int], Any]) -> Callable[[int], Call]:
    """``method(manager, i)`` over a manager holding the 100 keys."""

    def prepare(count: int) -> Call:
        manager = _filled(count)
        return lambda i: method(manager, i)

    return prepare


def _cache_calls() -> list[Operation]:
    keys, value = cache_benchmarks.KEYS, cache_benchmarks.VALUE_1KB
    key = _cycle(keys)
    on = partial(_on, Area.CACHE, cache_benchmarks.CacheOperations)

    def delete(count: int) -> Call:
        manager = _filled(count)
        for i in range(count):  # asv's setup sets the key before each sample
            manager.set("bench", f"to-delete-{i:05d}", value)
        return lambda i: manager.delete("bench", f"to-delete-{i:05d}")

    return [
        on(
            "CacheOperations.get_hit",
            "time_get_hit",
            _on_filled(lambda manager, i: manager.get("bench", key(i))),
        ),
        on(
            "CacheOperations.get_miss",
            "time_get_miss",
            _on_filled(lambda manager, i: manager.get("bench", "never-set")),
        ),
        on(
            "CacheOperations.set",
            "time_set",
            _on_filled(lambda manager, i: manager.set("bench", key(i), value)),
        ),
        on("CacheOperations.delete", "time_delete", delete),
    ]


def _cache_batches() -> list[Operation]:
    keys, value = cache_benchmarks.KEYS, cache_benchmarks.VALUE_1KB
    key = _cycle(keys)
    on = partial(_on, Area.CACHE)

    def mixed(manager: Any, i: int) -> Any:
        """80 % GET, 20 % SET, in the timed benchmark's order."""
        if i % 5 == 4:
            return manager.set("bench", key(i), value)
        return manager.get("bench", key(i))

    def concurrent(concurrency: int) -> Callable[[int], Call]:
        """The batch's reads one after another: the work per batch is the same, while
        threads would make the count depend on scheduling (A/A spread up to 1.3e-2)."""

        def prepare(count: int) -> Call:
            manager = _filled(count)
            return lambda i: [manager.get("bench", k) for k in keys[:concurrency]]

        return prepare

    def generate_key(count: int) -> Call:
        generate = feature("cache", "generate_key")
        return lambda i: generate("fir", "record", "12345")

    return [
        *(
            on(
                cache_benchmarks.ConcurrentReads,
                f"ConcurrentReads({concurrency})",
                "time_concurrent_reads",
                concurrent(concurrency),
                calls=5,
                warmup=3,  # a call is a batch: its code runs ``concurrency`` times
            )
            for concurrency in (1, 5, 10, 20, 50)
        ),
        on(
            cache_benchmarks.MixedOperations,
            "MixedOperations",
            "time_mixed_80_20",
            _on_filled(mixed),
        ),
        on(
            cache_benchmarks.NamespacedKeyGeneration,
            "NamespacedKeyGeneration",
            "time_generate_key",
            generate_key,
            calls=200,
            warmup=20,
        ),
    ]


def _get_or_fetch(on: Callable[..., Operation], value: str) -> list[Operation]:
    scale = 10_000
    ids = _cycle_ids(scale)

    def hit(count: int) -> Call:
        manager, hit_id = cost_cache(), sample_ids(scale)[0]
        manager.set("bench_fir", hit_id, value)
        return lambda i: manager.get_or_fetch("bench_fir", hit_id, lambda: value)

    def miss(count: int) -> Call:
        manager = cost_cache()
        return lambda i: manager.get_or_fetch(
            "bench_fir", f"miss-{i:05d}", lambda: fir_repository(scale).get_by_id(ids(i))
        )

    cls = cache_benchmarks.GetOrFetch
    return [
        on(cls, f"GetOrFetch.hit({scale})", "time_get_or_fetch_hit", hit, scale=scale),
        on(cls, f"GetOrFetch.miss({scale})", "time_get_or_fetch_miss", miss, scale=scale),
    ]


def _speedup(on: Callable[..., Operation]) -> list[Operation]:
    scale = 100_000

    def read_id(i: int) -> int:
        return cache_benchmarks.speedup_ids(scale)[i % cache_benchmarks.SPEEDUP_READS]

    def cached(count: int) -> Call:
        repository = feature("db.repositories", "FIRRepository")(
            fir_repository(scale).pool, cost_cache()
        )
        for i in range(count):  # in the cache before the reads, as in the timed benchmark
            repository.get_by_id(read_id(i))
        return lambda i: repository.get_by_id(read_id(i))

    cls = cache_benchmarks.CachePerformanceImprovement
    return [
        on(
            cls,
            f"CachePerformanceImprovement.cached_read({scale})",
            "time_cached_read",
            cached,
            scale=scale,
        ),
        on(
            cls,
            f"CachePerformanceImprovement.uncached_read({scale})",
            "time_uncached_read",
            lambda n: lambda i: fir_repository(scale).get_by_id(read_id(i)),
            scale=scale,
        ),
    ]


# -- writes.py -----------------------------------------------------------------------------

COST_WRITES_DATABASE = "afirgen_bench_cost_writes"


@cache
def cost_writes_repository() -> Any:
    """A FIR repository over an empty database made afresh for each run: same ids every run."""
    target = dataset(10_000).target.with_database(COST_WRITES_DATABASE)
    feature("db.connection", "drop_database")(target)
    feature("db.connection", "create_database")(target)
    with feature("db.connection", "connect")(target) as conn:
        feature("db.migrate", "migrate")(conn)
    settings = feature("config", "Settings")(
        mysql_url=target.url(), redis_url=service_urls().redis_url, pool_size=4
    )
    return feature("db.repositories", "FIRRepository")(
        feature("db.pool", "Pool")(target, settings), cursor_secret=settings.cursor_secret
    )


def _writes() -> list[Operation]:
    def bulk_insert(rows: int) -> Callable[[int], Call]:
        def prepare(count: int) -> Call:
            repository = cost_writes_repository()
            new_fir = feature("models.records", "NewFIR")
            batches = [
                [
                    new_fir(
                        fir_number=f"FIR-{rows:03d}{i:05d}-{20300101000000 + j:014d}",
                        police_station="Benchmark Police Station, New Delhi",
                        complaint_text="My phone was stolen at the bus stop near the market. " * 18,
                        fir_content="FIRST INFORMATION REPORT " * 60,
                        violations=[{"section_number": "BNS 303(2)", "title": "Theft"}],
                        section_ids=(1, 2),
                    )
                    for j in range(rows)
                ]
                for i in range(count)
            ]
            return lambda i: repository.bulk_insert(batches[i])

        return prepare

    return [
        Operation(
            name=f"BulkInsert({rows})",
            area=Area.WRITES,
            mirrors="writes.BulkInsert.time_bulk_insert",
            requires=writes.BulkInsert.requires,
            prepare=bulk_insert(rows),
            calls=15 if rows == 10 else 9,
            warmup=2,
        )
        for rows in (10, 100)
    ]


# -- generation.py -------------------------------------------------------------------------


@cache
def cost_generator(scale: int) -> Any:
    """The timed benchmarks' generator, over this run's cache namespace, its draft cached."""
    built = feature("generation.pipeline", "FIRGenerator")(
        firs=fir_repository(scale),
        sections=section_repository(scale),
        model=feature("generation.model", "TemplateModel")(),
        police_station="Benchmark Police Station, New Delhi",
        cache=cost_cache(),
    )
    built.draft(generation.COMPLAINT)
    return built


def _generation() -> list[Operation]:
    scale, complaint = 10_000, generation.COMPLAINT

    def step(method: str) -> Callable[[int], Call]:
        def prepare(count: int) -> Call:
            drafts = cost_generator(scale)
            extract = feature("generation.extract", "extract_facts")
            return {
                "draft_uncached": lambda i: drafts.draft(complaint, use_cache=False),
                "draft_cached": lambda i: drafts.draft(complaint),
                "extract_facts": lambda i: extract(complaint),
                "retrieve_sections": lambda i: drafts.violations(extract(complaint), complaint),
            }[method]

        return prepare

    return [
        Operation(
            name=f"Generation.{method}({scale})",
            area=Area.GENERATION,
            mirrors=f"generation.Generation.time_{method}",
            requires=generation.Generation.requires,
            prepare=step(method),
            calls=20,
            scale=scale,
        )
        for method in ("draft_uncached", "draft_cached", "extract_facts", "retrieve_sections")
    ]


# -- api.py --------------------------------------------------------------------------------


@cache
def api_client() -> Any:
    """The app of this commit over the API data set, driven in process (``asgi``)."""
    from .asgi import Client

    settings = feature("config", "Settings")(
        mysql_url=dataset(API_SCALE).target.url(),
        redis_url=service_urls().redis_url,
        api_key=API_KEY,
        cache_namespace=f"afirgen-cost-{run_token()}",
    )
    app = feature("api", "create_app")(settings)
    return Client(app, prefix="/api/v1", headers={"X-API-Key": API_KEY})


@cache
def api_samples() -> dict[str, list[Any]]:
    """FIR numbers, session ids and complaints, drawn as ``OverHTTP.setup_cache`` draws them."""
    return vars(draw_api_samples())


def _sample(kind: str, offset: int = 0) -> Callable[[int], Any]:
    """The ``i``-th of ``api_samples()[kind]`` from ``offset``: operations that cache what
    they read each take FIRs of their own, so each starts with a cold cache, as each timed
    benchmark's first round does (a fresh API server and namespace)."""
    return lambda i: api_samples()[kind][(offset + i) % SAMPLE_IDS]


API_REQUIRES = ("api:create_app", "data:load_dataset", "db.connection:connect")


def _on_api(name: str, mirrors: str, prepare: Callable[[int], Call], **kw: Any) -> Operation:
    """The counted twin of ``api.<mirrors>``: the app driven in process (10 calls unless
    ``kw`` says otherwise)."""
    return Operation(
        name=name,
        area=Area.API,
        mirrors=f"api.{mirrors}",
        requires=API_REQUIRES,
        prepare=prepare,
        scale=API_SCALE,
        **{"calls": 10, **kw},
    )


def _api() -> list[Operation]:
    """Every operation of ``api.py``, in the order the history counted them; one added
    later goes last, so the others keep their place (and their counts)."""
    return [*_api_reads(), *_api_generation(), *_api_load(), *_api_added()]


def _api_reads() -> list[Operation]:
    def status(count: int) -> Call:
        client, ids = api_client(), _sample("session_ids")
        return lambda i: client.get(f"/session/{ids(i)}/status").raise_for_status()

    def fir(count: int) -> Call:
        client, numbers = api_client(), _sample("fir_numbers")
        return lambda i: client.get(f"/fir/{numbers(i)}").raise_for_status()

    def content(count: int) -> Call:
        client, numbers = api_client(), _sample("fir_numbers", SAMPLE_IDS // 2)

        def call(i: int) -> None:
            response = client.get(f"/fir/{numbers(i)}/content", {"Accept-Encoding": "gzip"})
            if response.raise_for_status().headers.get(b"content-encoding") != b"gzip":
                raise RuntimeError("FIR content came back without gzip")

        return call

    return [
        _on_api("GetSessionStatus", "GetSessionStatus.time_get_session_status", status),
        _on_api("GetFirStatus", "GetFirStatus.time_get_fir_status", fir),
        _on_api("GetFirContent", "GetFirContent.time_get_fir_content", content),
    ]


def _api_generation() -> list[Operation]:
    def validate(count: int) -> Call:
        client, complaints = api_client(), _cycle(api_samples()["complaints"])
        sessions = [  # asv's setup opens a fresh session before every sample
            client.post("/process", {"text": complaints(i)}).raise_for_status().json()["session_id"]
            for i in range(count)
        ]
        return lambda i: client.post(
            "/validate", {"session_id": sessions[i], "approved": True}
        ).raise_for_status()

    def process(cached: bool) -> Callable[[int], Call]:
        def prepare(count: int) -> Call:
            client, complaints = api_client(), api_samples()["complaints"]
            repeated = complaints[0]
            client.post("/process", {"text": repeated, "interactive": False}).raise_for_status()

            def call(i: int) -> None:
                text = repeated if cached else f"{complaints[1 + i]} Ref {run_token()}{i:011d}."
                body = {"text": text, "interactive": False}
                if client.post("/process", body).raise_for_status().json()["cached"] != cached:
                    raise RuntimeError(f"the cache answered wrongly (cached={not cached})")

            return call

        return prepare

    return [
        _on_api("ValidateStep", "ValidateStep.time_validate_step", validate, calls=5),
        _on_api(
            "ProcessText.uncached", "ProcessText.time_process_uncached", process(False), calls=5
        ),
        _on_api("ProcessText.cached", "ProcessText.time_process_cached", process(True)),
    ]


def _api_load() -> list[Operation]:
    def concurrent(concurrency: int) -> Callable[[int], Call]:
        """The batch's requests one after another: the same work per batch, counted the
        same every run (concurrently, connections beyond the pool's size were opened and
        closed as scheduling fell: 20 or 25 queries per batch in two runs)."""

        def prepare(count: int) -> Call:
            client, ids = api_client(), _sample("session_ids")

            def call(i: int) -> None:
                for k in range(concurrency):
                    client.get(f"/session/{ids(i * concurrency + k)}/status").raise_for_status()

            return call

        return prepare

    def sustained(count: int) -> Call:
        client, ids = api_client(), _sample("session_ids")

        def call(i: int) -> None:
            for k in range(500):
                client.get(f"/session/{ids(i * 500 + k)}/status").raise_for_status()

        return call

    return [
        *(
            _on_api(
                f"ConcurrentLoad({concurrency})",
                "ConcurrentLoad.time_concurrent_status",
                concurrent(concurrency),
                calls=6,
                warmup=3,  # a call is a batch: its code runs ``concurrency`` times
            )
            for concurrency in (1, 5, 10, 15)
        ),
        _on_api("SustainedLoad", "SustainedLoad.time_sustained_500", sustained, calls=1, warmup=0),
    ]


def _api_added() -> list[Operation]:
    """Operations added after the history was counted, each making its timed twin's
    request from the same function (``api_benchmarks.status_page``)."""

    def listed(count: int) -> Call:
        client, status = api_client(), _cycle(api_benchmarks.LISTED_STATUSES)
        return lambda i: client.get(api_benchmarks.status_page(status(i))).raise_for_status()

    return [_on_api("ListFirsByStatus", "ListFirsByStatus.time_list_firs_by_status", listed)]


@cache
def registry() -> dict[str, Operation]:
    """Every operation by name, in the order both runs measure them."""
    operations = [
        *(op for scale in scales() for op in _database(scale)),
        *_cache_operations(),
        *_writes(),
        *_generation(),
        *_api(),
    ]
    return {op.name: op for op in operations}
