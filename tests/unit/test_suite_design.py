"""The asv suite's design: what skips and what fails at a commit, the measurement design
each result records, and that sla.toml's limits meet the statistic they were written for.

The suite is driven through asv_runner's own discovery and setup/run/teardown calls (as its
``run`` does in each benchmark process), with no servers: every benchmark stops at its
feature checks.
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
import re
import sys
import threading
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from asv_runner.benchmarks._base import _get_first_attr
from asv_runner.benchmarks.mark import SkipNotImplemented
from asv_runner.discovery import disc_benchmarks

from afirgen_bench.core.config import LOAD_TEST_TABLE

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ("rounds", "repeat", "number")
PER_CALL = ("p95_ms", "p99_ms", "mean_ms", "min_throughput")
# Samples of these are batches of calls: the seed's per-call limits sit on track_ figures.
BATCHES = (
    "api.ConcurrentLoad.time_concurrent_status",
    "cache.ConcurrentReads.time_concurrent_reads",
    "api.SustainedLoad.time_sustained_500",
)
# 500 calls at 125 ms (100k rows) cost a minute of every run: its P99 is not judged.
P99_TOO_COSTLY = {"database.Aggregation.time_stats_by_status"}


def _suite_module(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"benchmarks.{name}")


@pytest.fixture(scope="module")
def common() -> ModuleType:
    """The mixins and the measurement design."""
    return _suite_module("common")


@pytest.fixture(scope="module")
def backend_lookup() -> ModuleType:
    """``feature``: the backend looked up at run time."""
    return _suite_module("backend")


@pytest.fixture(scope="module")
def pinning() -> ModuleType:
    return _suite_module("pinning")


@pytest.fixture(scope="module")
def suite(common: ModuleType) -> dict[str, Any]:
    """asv_runner's benchmark objects by name, as each benchmark process builds them."""
    return {b.name: b for b in disc_benchmarks(str(ROOT / "benchmarks"))}


@pytest.fixture
def backend(
    backend_lookup: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A throwaway package standing in for ``afirgen_fixtures``; each test writes its
    modules."""
    name = f"fake_backend_{uuid.uuid4().hex[:8]}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(backend_lookup, "BACKEND", name)
    yield tmp_path / name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


# -- feature(): skip what a commit lacks, fail what is broken --------------------------------


def test_a_module_this_commit_lacks_skips(backend_lookup: ModuleType, backend: Path) -> None:
    with pytest.raises(NotImplementedError):
        backend_lookup.feature("cache")
    with pytest.raises(NotImplementedError):
        backend_lookup.feature("db.optimizer", "explain")  # its package is missing too
    assert not backend_lookup.has_feature("cache")


def test_an_attribute_this_commit_lacks_skips(backend_lookup: ModuleType, backend: Path) -> None:
    (backend / "cache.py").write_text("def generate_key(*parts):\n    return ':'.join(parts)\n")
    assert backend_lookup.feature("cache", "generate_key")("a", "b") == "a:b"
    with pytest.raises(NotImplementedError):
        backend_lookup.feature("cache", "CacheManager")
    assert not backend_lookup.has_feature("cache", "CacheManager")


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("raise RuntimeError('no settings')\n", RuntimeError),
        ("def broken(:\n", SyntaxError),
        ("import a_third_party_module_nobody_installed\n", ModuleNotFoundError),
        ("from .gone import anything\n", ModuleNotFoundError),  # not the module asked for
        ("from .sibling import nothing_of_that_name\n", ImportError),
    ],
    ids=["raises", "syntax error", "third-party missing", "backend module missing", "bad name"],
)
def test_a_module_that_fails_to_import_fails(
    backend_lookup: ModuleType, backend: Path, source: str, error: type[Exception]
) -> None:
    (backend / "sibling.py").write_text("")
    (backend / "cache.py").write_text(source)
    with pytest.raises(error) as caught:
        backend_lookup.feature("cache", "CacheManager")
    assert not isinstance(caught.value, NotImplementedError)
    with pytest.raises(error):
        backend_lookup.has_feature("cache", "CacheManager")


def _outcome(benchmark: Any, caches: dict[str, Any]) -> str:
    """What asv_runner's ``run`` records for one parameter combination."""
    try:
        if benchmark.setup_cache_key is not None and benchmark.setup_cache_key not in caches:
            caches[benchmark.setup_cache_key] = benchmark.do_setup_cache()
        benchmark.set_cache(caches.get(benchmark.setup_cache_key))
        skip = benchmark.do_setup()
        try:
            if skip:
                return "skipped"
            try:
                benchmark.do_run()
            except SkipNotImplemented:
                return "skipped"
            return "ran"
        finally:
            benchmark.do_teardown()
    except Exception as exc:
        return f"failed: {type(exc).__name__}"


def _outcomes(suite: dict[str, Any]) -> dict[str, str]:
    caches: dict[str, Any] = {}
    outcomes = {}
    for name, benchmark in suite.items():
        combos = list(itertools.product(*benchmark.params)) or [()]
        for index in range(len(combos)):
            if combos != [()]:
                benchmark.set_param_idx(index)
            outcomes[f"{name}[{index}]"] = _outcome(benchmark, caches)
    return outcomes


def test_every_benchmark_skips_at_a_commit_without_the_backend(
    suite: dict[str, Any], backend: Path
) -> None:
    outcomes = _outcomes(suite)
    assert {k: v for k, v in outcomes.items() if v != "skipped"} == {}


def test_every_benchmark_fails_when_the_backend_raises_on_import(
    suite: dict[str, Any], backend: Path
) -> None:
    (backend / "__init__.py").write_text("raise RuntimeError('broken at import')\n")
    outcomes = _outcomes(suite)
    assert set(outcomes.values()) == {"failed: RuntimeError"}


# -- the measurement design, recorded in each result -------------------------------------------


def _design(benchmark: Any) -> dict[str, int]:
    """rounds, repeat and number as asv reads them: the method's own, else the class's."""
    return {name: _get_first_attr(benchmark._attr_sources, name, None) for name in DESIGN}


def test_every_version_names_the_suite_and_its_design(
    common: ModuleType, suite: dict[str, Any]
) -> None:
    for name, benchmark in suite.items():
        if name.startswith("cost."):
            # counted, not timed: one figure per operation, no rounds to split samples into
            assert benchmark.version == f"{common.SUITE_VERSION} cost", name
            continue
        design = _design(benchmark)
        statistic = getattr(benchmark.func, "statistic", None)  # a statistic changed since
        expected = common.design_version(**design)
        assert benchmark.version == (f"{expected} {statistic}" if statistic else expected), name
        parsed = {key: int(re.search(rf"{key}=(\d+)", benchmark.version)[1]) for key in DESIGN}
        assert parsed == design, name
        assert benchmark.version.startswith(f"{common.SUITE_VERSION} "), name
        if benchmark.type == "time":  # what asv_runner will really use
            assert (benchmark.rounds, benchmark.repeat, benchmark.number) == tuple(
                design.values()
            ), name


def test_no_method_sets_its_own_design(suite: dict[str, Any]) -> None:
    for name, benchmark in suite.items():
        own = vars(getattr(benchmark.func, "__func__", benchmark.func))
        assert not set(DESIGN) & own.keys(), name


def test_a_batched_benchmark_has_no_setup(suite: dict[str, Any]) -> None:
    """With setup hooks asv_runner re-runs them between the calls of a sample and times each
    call alone, so ``number`` > 1 would not amortise the clock (asv#966)."""
    batched = {n: b for n, b in suite.items() if b.type == "time" and b.number > 1}
    assert "cache.NamespacedKeyGeneration.time_generate_key" in batched
    for name, benchmark in batched.items():
        assert benchmark._setups == [], name


def test_the_speedup_has_its_parts_as_benchmarks(suite: dict[str, Any]) -> None:
    for part in ("time_cached_read", "time_uncached_read"):
        assert f"cache.CachePerformanceImprovement.{part}" in suite


# -- sla.toml: each limit on the statistic, unit and parameters it was written for -------------


def _sla() -> dict[str, dict[str, Any]]:
    sections = tomllib.loads((ROOT / "sla.toml").read_text())
    return {k: v for k, v in sections.items() if k != LOAD_TEST_TABLE}


def _section_benchmark(section: str, suite: dict[str, Any]) -> tuple[Any, int]:
    """The benchmark a section names, and how many parameter combinations it covers."""
    name, _, combo = section.partition("(")
    benchmark = suite.get(name)
    assert benchmark is not None, f"[{section}] names no benchmark"
    if not combo:
        return benchmark, len(list(itertools.product(*benchmark.params))) or 1
    keys = {", ".join(c) for c in itertools.product(*benchmark.params)}
    assert combo.removesuffix(")") in keys, f"[{section}]: no such combination in {keys}"
    return benchmark, 1


def test_every_section_names_a_benchmark_and_a_combination_asv_writes(
    suite: dict[str, Any],
) -> None:
    for section in _sla():
        _section_benchmark(section, suite)


def test_per_call_limits_only_where_a_sample_is_one_call(suite: dict[str, Any]) -> None:
    for section, limits in _sla().items():
        benchmark, _ = _section_benchmark(section, suite)
        if benchmark.type == "track":
            assert not set(PER_CALL) & limits.keys(), section
        else:
            assert not {"min_value", "max_value"} & limits.keys(), section
            assert benchmark.number == 1, section
            assert benchmark.name not in BATCHES, section


def test_percentile_limits_have_enough_samples(common: ModuleType, suite: dict[str, Any]) -> None:
    for section, limits in _sla().items():
        benchmark, _ = _section_benchmark(section, suite)
        if benchmark.type != "time":
            continue
        samples = benchmark.rounds * benchmark.repeat
        if "p95_ms" in limits:
            assert samples >= common.P95_SAMPLES, section
        if "p99_ms" in limits and benchmark.name not in P99_TOO_COSTLY:
            assert samples >= common.P99_SAMPLES, section


def test_bulk_insert_limits_apply_to_ten_rows_only(suite: dict[str, Any]) -> None:
    sla = _sla()
    assert "writes.BulkInsert.time_bulk_insert" not in sla
    assert sla["writes.BulkInsert.time_bulk_insert(10)"]["p99_ms"] == 500


# -- client threads off the servers' CPU -----------------------------------------------------


@pytest.fixture
def server_cpu(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The harness's set-up: servers and this process on the last CPU."""
    before = os.sched_getaffinity(0)
    cpu = max(before)
    monkeypatch.setenv("AFIRGEN_BENCH_CPU", str(cpu))
    os.sched_setaffinity(0, {cpu})
    yield cpu
    os.sched_setaffinity(0, before)


def _thread_cpus() -> set[frozenset[int]]:
    """The CPU sets of this process's threads (one that ends while they are read is left
    out: another test's worker thread may be finishing)."""
    found = set()
    for task in os.listdir("/proc/self/task"):
        try:
            found.add(frozenset(os.sched_getaffinity(int(task))))
        except ProcessLookupError:
            continue
    return found


def test_clients_move_off_the_server_cpu_and_back(pinning: ModuleType, server_cpu: int) -> None:
    others = frozenset(range(os.cpu_count() or 1)) - {server_cpu}
    if not others:
        pytest.skip("one CPU: the clients stay with the servers")
    stop = threading.Event()
    earlier = threading.Thread(target=stop.wait)  # a thread made before the move moves too
    earlier.start()
    try:
        previous = pinning.move_to_client_cpus()
        assert _thread_cpus() == {others}
        seen = []
        later = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
        later.start()
        later.join()
        assert seen == [others]
        pinning.pin_process(previous)
        assert _thread_cpus() == {frozenset({server_cpu})}
    finally:
        stop.set()
        earlier.join()


def test_without_pinned_servers_nothing_moves(
    pinning: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AFIRGEN_BENCH_CPU", raising=False)
    before = _thread_cpus()
    assert pinning.move_to_client_cpus() == os.sched_getaffinity(0)
    assert _thread_cpus() == before


def test_percentile_is_in_milliseconds(common: ModuleType) -> None:
    latencies = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert math.isclose(common.percentile_ms(latencies, 95), 95.95)
