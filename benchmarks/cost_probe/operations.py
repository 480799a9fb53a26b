"""The operations whose cost is counted: one per timed benchmark and parameter combination.

Each is the counted twin of a ``time_`` benchmark (``mirrors``) and runs the same definition
(``benchmarks.calls``; over HTTP, the same request): call ``i`` of the counted calls is the
definition's call ``i``, whatever ran before (warm-up, another mode). What differs is only
where it runs: everything that must stay a miss (cache keys, complaints) lives in the probe's
own namespace, emptied before each probe process, so every run starts from the same state,
and the API is driven in process.

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
from ..calls import Call
from ..resources import (
    API_SCALE,
    SAMPLE_IDS,
    cycle,
    dataset,
    draw_api_samples,
    fir_repository,
    sample_ids,
    scales,
    section_repository,
    service_urls,
)
from ..search_queries import QueryClass
from ..server import API_KEY

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
    prepare: Callable[[int], Call]  # count -> the definition's call, over the probe's resources
    definition: Callable[..., Any] | None = None  # what the timed benchmark ``@measures``
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


def _on(
    area: Area,
    cls: type,
    label: str,
    method: str,
    prepare: Callable[[int], Call],
    **kw: Any,
) -> Operation:
    """The operation ``label`` of ``area``, the counted twin of ``cls.method``: it runs
    the definition that method ``@measures``."""
    module = cls.__module__.rpartition(".")[2]
    return Operation(
        name=label,
        area=area,
        mirrors=f"{module}.{cls.__name__}.{method}",
        requires=cls.requires,
        prepare=prepare,
        definition=getattr(getattr(cls, method), "measures", None),
        **kw,
    )


# -- database.py ---------------------------------------------------------------------------


def _database(scale: int) -> list[Operation]:
    """Every operation of ``database.py`` at ``scale``, in the order the history counted
    them (the order moves where objects sit, and so the instruction counts a little)."""
    on = partial(_on, Area.DATABASE, scale=scale)
    return [
        on(
            database.SimpleSelectById,
            f"SimpleSelectById({scale})",
            "time_select_by_id",
            _same(database.select_by_id, scale),
        ),
        on(
            database.SelectWithWhere,
            f"SelectWithWhere({scale})",
            "time_select_by_status",
            _same(database.select_by_status, scale),
        ),
        on(
            database.JoinQuery,
            f"JoinQuery({scale})",
            "time_fir_with_violations",
            _same(database.fir_with_violations, scale),
        ),
        on(
            database.Aggregation,
            f"Aggregation({scale})",
            "time_stats_by_status",
            _same(database.stats_by_status, scale),
            calls=3,
            warmup=2,
        ),
        *_database_pages(scale),
        *_database_searches(scale),
        *_database_columns(scale),
        *_database_plans(scale),
    ]


def _database_pages(scale: int) -> list[Operation]:
    return [
        _on(
            Area.DATABASE,
            database.CursorPagination,
            f"CursorPagination({scale}, {depth}, {method})",
            "time_page",
            _same(database.page, scale, depth, method),
            calls=15,
            scale=scale,
        )
        for depth in (0, 1_000, 10_000)
        for method in ("keyset", "offset")
    ]


def _same(definition: Callable[..., Call], *args: Any) -> Callable[[int], Call]:
    """``prepare`` of a definition whose calls need nothing made per index beforehand."""
    return lambda count: definition(*args)


def _database_searches(scale: int) -> list[Operation]:
    on = partial(_on, Area.DATABASE, scale=scale)
    return [
        *(
            on(
                database.FullTextSearch,
                f"FullTextSearch({scale}, {corpus})",
                "time_search",
                _same(database.search, scale, corpus),
                calls=10,
            )
            for corpus in ("complaints", "legal_sections")
        ),
        *(
            on(
                database.SearchByQueryClass,
                f"SearchByQueryClass({scale}, {query_class.value})",
                "time_search",
                _same(database.mix_search, scale, query_class),
                calls=QUERIES_PER_CLASS,
            )
            for query_class in QueryClass
        ),
    ]


def _database_columns(scale: int) -> list[Operation]:
    return [
        _on(
            Area.DATABASE,
            database.SelectiveColumns,
            f"SelectiveColumns({scale}, {columns})",
            "time_select",
            _same(database.select_columns, scale, columns),
            scale=scale,
        )
        for columns in ("3 columns", "full row")
    ]


def _database_plans(scale: int) -> list[Operation]:
    on = partial(_on, Area.DATABASE, scale=scale)
    return [
        on(
            database.QueryPlanAnalysis,
            f"QueryPlanAnalysis({scale})",
            "time_explain_and_analyze",
            _same(database.explain_status_query, scale),
        ),
        on(
            database.IndexSuggestion,
            f"IndexSuggestion({scale})",
            "time_suggest_indexes",
            _same(database.suggest_indexes, scale),
            calls=15,
        ),
        on(
            database.ConnectionAcquisition,
            f"ConnectionAcquisition({scale})",
            "time_acquire_release",
            _same(database.acquire_release, scale),
        ),
    ]


# -- cache.py ------------------------------------------------------------------------------


def _cache_operations() -> list[Operation]:
    """Every operation of ``cache.py``, in the order the history counted them."""
    return [*_cache_calls(), *_get_or_fetch(), *_speedup(), *_cache_batches()]


def _filled() -> Any:
    """The probe's cache manager holding the timed benchmarks' 100 keys."""
    manager = cost_cache()
    manager.set_many("bench", dict.fromkeys(cache_benchmarks.KEYS, cache_benchmarks.VALUE_1KB))
    return manager


def _on_filled(definition: Callable[[Any, int], Any]) -> Callable[[int], Call]:
    """``definition(manager, i)`` over a manager holding the 100 keys."""

    def prepare(count: int) -> Call:
        manager = _filled()
        return lambda i: definition(manager, i)

    return prepare


def _cache_calls() -> list[Operation]:
    on = partial(_on, Area.CACHE, cache_benchmarks.CacheOperations)

    def delete(count: int) -> Call:
        manager = _filled()
        for i in range(count):  # the timed benchmark's setup sets its key before each sample
            cache_benchmarks.set_deletable(manager, i)
        return cache_benchmarks.delete(manager)

    return [
        on("CacheOperations.get_hit", "time_get_hit", _on_filled(cache_benchmarks.get_hit)),
        on("CacheOperations.get_miss", "time_get_miss", _on_filled(cache_benchmarks.get_miss)),
        on("CacheOperations.set", "time_set", _on_filled(cache_benchmarks.set_value)),
        on("CacheOperations.delete", "time_delete", delete),
    ]


def _cache_batches() -> list[Operation]:
    on = partial(_on, Area.CACHE)

    def concurrent(concurrency: int) -> Callable[[int], Call]:
        keys = cache_benchmarks.KEYS
        return lambda count: cache_benchmarks.read_batch(_filled(), keys, concurrency)

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
            _on_filled(cache_benchmarks.mixed_80_20),
        ),
        on(
            cache_benchmarks.NamespacedKeyGeneration,
            "NamespacedKeyGeneration",
            "time_generate_key",
            lambda count: cache_benchmarks.namespaced_key(feature("cache", "generate_key")),
            calls=200,
            warmup=20,
        ),
    ]


def _get_or_fetch() -> list[Operation]:
    scale = 10_000
    on = partial(_on, Area.CACHE, cache_benchmarks.GetOrFetch, scale=scale)

    def hit(count: int) -> Call:
        manager, hit_id = cost_cache(), sample_ids(scale)[0]
        manager.set("bench_fir", hit_id, cache_benchmarks.VALUE_1KB)
        return cache_benchmarks.get_or_fetch_hit(manager, hit_id)

    def miss(count: int) -> Call:
        return cache_benchmarks.get_or_fetch_miss(cost_cache(), scale, prefix="miss")

    return [
        on(f"GetOrFetch.hit({scale})", "time_get_or_fetch_hit", hit),
        on(f"GetOrFetch.miss({scale})", "time_get_or_fetch_miss", miss),
    ]


def _speedup() -> list[Operation]:
    scale = 100_000
    read = cache_benchmarks.read_speedup_fir
    on = partial(_on, Area.CACHE, cache_benchmarks.CachePerformanceImprovement, scale=scale)

    def cached(count: int) -> Call:
        repository = feature("db.repositories", "FIRRepository")(
            fir_repository(scale).pool, cost_cache()
        )
        call = read(repository, scale)
        for i in range(count):  # in the cache before the reads, as in the timed benchmark
            call(i)
        return call

    return [
        on(f"CachePerformanceImprovement.cached_read({scale})", "time_cached_read", cached),
        on(
            f"CachePerformanceImprovement.uncached_read({scale})",
            "time_uncached_read",
            lambda count: read(fir_repository(scale), scale),
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
            batches = [writes.fir_batch(rows, f"FIR-{rows:03d}{i:05d}") for i in range(count)]
            return writes.bulk_insert(cost_writes_repository(), batches)

        return prepare

    return [
        _on(
            Area.WRITES,
            writes.BulkInsert,
            f"BulkInsert({rows})",
            "time_bulk_insert",
            bulk_insert(rows),
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
    scale = 10_000
    return [
        _on(
            Area.GENERATION,
            generation.Generation,
            f"Generation.{step}({scale})",
            f"time_{step}",
            lambda count, step=step: generation.generation_step(cost_generator(scale), step),
            calls=20,
            scale=scale,
        )
        for step in generation.STEPS
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
    ``kw`` says otherwise), sending the request that method ``@measures``."""
    cls, method = mirrors.split(".")
    return Operation(
        name=name,
        area=Area.API,
        mirrors=f"api.{mirrors}",
        requires=API_REQUIRES,
        prepare=prepare,
        definition=getattr(getattr(getattr(api_benchmarks, cls), method), "measures", None),
        scale=API_SCALE,
        **{"calls": 10, **kw},
    )


def _api() -> list[Operation]:
    """Every operation of ``api.py``, in the order the history counted them; one added
    later goes last, so the others keep their place (and their counts)."""
    return [*_api_reads(), *_api_generation(), *_api_load(), *_api_added()]


def _api_reads() -> list[Operation]:
    requests = api_benchmarks

    def status(count: int) -> Call:
        client, ids = api_client(), _sample("session_ids")
        return lambda i: client.get(requests.session_status(ids(i))).raise_for_status()

    def fir(count: int) -> Call:
        client, numbers = api_client(), _sample("fir_numbers")
        return lambda i: client.get(requests.fir_status(numbers(i))).raise_for_status()

    def content(count: int) -> Call:
        client, numbers = api_client(), _sample("fir_numbers", SAMPLE_IDS // 2)

        def call(i: int) -> None:
            response = client.get(requests.fir_content(numbers(i)), requests.GZIP)
            if response.raise_for_status().headers.get(b"content-encoding") != b"gzip":
                raise RuntimeError("FIR content came back without gzip")

        return call

    return [
        _on_api("GetSessionStatus", "GetSessionStatus.time_get_session_status", status),
        _on_api("GetFirStatus", "GetFirStatus.time_get_fir_status", fir),
        _on_api("GetFirContent", "GetFirContent.time_get_fir_content", content),
    ]


def _api_generation() -> list[Operation]:
    requests = api_benchmarks

    def validate(count: int) -> Call:
        client, complaints = api_client(), api_samples()["complaints"]
        sessions = [  # the timed benchmark's setup opens a fresh session before every sample
            client.post("/process", requests.complaint(complaints[i % len(complaints)], True))
            .raise_for_status()
            .json()["session_id"]
            for i in range(count)
        ]
        return lambda i: client.post(
            "/validate", requests.validation(sessions[i])
        ).raise_for_status()

    def process(cached: bool) -> Callable[[int], Call]:
        def prepare(count: int) -> Call:
            client, complaints = api_client(), api_samples()["complaints"]
            repeated = complaints[0]
            client.post("/process", requests.complaint(repeated)).raise_for_status()

            def call(i: int) -> None:
                text = repeated if cached else requests.new_complaint(complaints, i, run_token())
                if (
                    client.post("/process", requests.complaint(text))
                    .raise_for_status()
                    .json()["cached"]
                    != cached
                ):
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
    status = api_benchmarks.session_status

    def concurrent(concurrency: int) -> Callable[[int], Call]:
        """The batch's requests one after another: the same work per batch, counted the
        same every run (concurrently, connections beyond the pool's size were opened and
        closed as scheduling fell: 20 or 25 queries per batch in two runs)."""

        def prepare(count: int) -> Call:
            client, ids = api_client(), _sample("session_ids")

            def call(i: int) -> None:
                for k in range(concurrency):
                    client.get(status(ids(i * concurrency + k))).raise_for_status()

            return call

        return prepare

    def sustained(count: int) -> Call:
        client, ids = api_client(), _sample("session_ids")

        def call(i: int) -> None:
            for k in range(500):
                client.get(status(ids(i * 500 + k))).raise_for_status()

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
    """Operations added after the history was counted."""

    def listed(count: int) -> Call:
        client, status = api_client(), cycle(api_benchmarks.LISTED_STATUSES)
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
