"""The proof's injected regressions change backend source the way a pull request would, and
the changed source still compiles and runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.injections import (
    dropped_index_migration,
    fixed_work,
    lost_cache_hit,
    repeated_query,
)

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = (ROOT / "afirgen_fixtures/db/repositories/fir.py").read_text()
CACHE = (ROOT / "afirgen_fixtures/cache/manager.py").read_text()

SOURCE = '''
class Repo:
    def get(self, n):
        """Docstring."""
        with self.conn() as cur:
            cur.execute("SELECT 1", (n,))
            return cur.fetchall()

    def cached(self, key, fetch, *, model=None):
        return self.lookup(key) or fetch()
'''


class Cursor:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def execute(self, sql: str, params: tuple) -> None:
        self.sent.append(sql)

    def fetchall(self) -> list[str]:
        return self.sent


def _load(source: str) -> type:
    namespace: dict = {}
    exec(compile(source, "<injected>", "exec"), namespace)
    return namespace["Repo"]


def test_fixed_work_runs_its_loop_and_keeps_the_result() -> None:
    changed = fixed_work(SOURCE, "Repo.get", 1000)
    assert "repeat(7, 1000)" in changed
    repo = _load(changed)()
    cursor = Cursor()
    repo.conn = lambda: cursor
    assert repo.get(1) == ["SELECT 1"]


def test_zero_work_is_only_a_comment() -> None:
    changed = fixed_work(SOURCE, "Repo.get", 0)
    assert ast.dump(ast.parse(changed)) == ast.dump(ast.parse(SOURCE))


def test_a_repeated_query_is_sent_twice() -> None:
    repo = _load(repeated_query(SOURCE, "Repo.get"))()
    cursor = Cursor()
    repo.conn = lambda: cursor
    assert repo.get(1) == ["SELECT 1", "SELECT 1"]


def test_a_lost_cache_hit_always_fetches() -> None:
    repo = _load(lost_cache_hit(SOURCE, "Repo.cached"))()
    repo.lookup = lambda key: "cached"
    assert repo.cached("k", lambda: "fetched") == "fetched"


@pytest.mark.parametrize(
    ("source", "function", "inject"),
    [
        (REPOSITORY, "FIRRepository.get_with_violations", repeated_query),
        (REPOSITORY, "FIRRepository.stats_by_status", repeated_query),
        (CACHE, "CacheManager.get_or_fetch", lost_cache_hit),
        (REPOSITORY, "FIRRepository.get_by_id", lambda s, f: fixed_work(s, f, 10)),
    ],
)
def test_the_backend_functions_the_proof_targets_still_compile(source, function, inject) -> None:
    compile(inject(source, function), "<injected>", "exec")


def test_a_function_without_a_query_cannot_repeat_one() -> None:
    with pytest.raises(HarnessError, match="sends no query"):
        repeated_query(SOURCE, "Repo.cached")


def test_a_missing_function_is_a_harness_error() -> None:
    with pytest.raises(HarnessError, match=r"no Repo\.nothing"):
        fixed_work(SOURCE, "Repo.nothing", 5)


def test_the_dropped_index_migration_can_be_undone() -> None:
    up, down = dropped_index_migration("fir_records", "idx_x", "status, created_at, id")
    assert "DROP INDEX idx_x" in up
    assert "ADD INDEX idx_x (status, created_at, id)" in down


def test_the_proof_and_the_suite_name_the_same_operation_filter() -> None:
    from afirgen_bench.cost_proof import COST_ONLY_ENV

    assert f'ONLY_ENV = "{COST_ONLY_ENV}"' in (ROOT / "benchmarks" / "cost.py").read_text()
