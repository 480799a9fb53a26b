"""The committed query mix is what its generator writes, and it is what its rules say."""

from __future__ import annotations

import re
from pathlib import Path

from afirgen_bench.search_mix import (
    MIX_FILE,
    RULES,
    Profile,
    QueryClass,
    build_mix,
    render_mix,
    sample_complaints,
    suite_queries,
)
from afirgen_fixtures.db.fulltext import parse

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_mix_is_regenerated_exactly_from_the_data_set() -> None:
    assert MIX_FILE.read_text() == render_mix(build_mix(sample_complaints()))


def test_every_class_has_its_share_and_the_shares_make_the_whole() -> None:
    shares = suite_queries.shares()
    assert set(shares) == set(QueryClass) == {rule.query_class for rule in RULES}
    assert abs(sum(shares.values()) - 1) < 1e-9


def test_each_class_is_drawn_from_the_document_frequencies_its_rule_names() -> None:
    profile = Profile.of(sample_complaints())
    df = profile.terms
    rare = [q.text for q in suite_queries.queries(QueryClass.RARE)]
    common = [q.text for q in suite_queries.queries(QueryClass.COMMON)]
    frequent = [q.text for q in suite_queries.queries(QueryClass.FREQUENT)]
    assert all(df[w] < 0.005 for w in rare)
    assert all(0.01 <= df[w] < 0.20 for w in common)
    assert all(df[w] >= 0.50 for w in frequent)
    for query in suite_queries.queries(QueryClass.PHRASE):
        assert profile.phrases[query.text.strip('"')] >= 0.01
    operators = "".join(q.text for q in suite_queries.queries(QueryClass.BOOLEAN))
    assert {"+", "-", "*", "(", '"'} <= set(operators)


def test_every_query_is_one_the_api_accepts_and_the_planner_models() -> None:
    from afirgen_fixtures.models.api import SEARCH_QUERY_PATTERN

    for query_class in QueryClass:
        for query in suite_queries.queries(query_class):
            assert re.fullmatch(SEARCH_QUERY_PATTERN, query.text), query
            assert parse(query.text, query.mode) is not None, query  # type: ignore[arg-type]


def test_the_search_heavy_mix_makes_searches_half_of_the_tasks() -> None:
    from afirgen_bench.load.endpoints import TASK_WEIGHTS, task_weights

    assert task_weights(0) == TASK_WEIGHTS
    heavy = task_weights(0.5)
    assert heavy["search"] / sum(heavy.values()) == 0.5
    assert {k: v for k, v in heavy.items() if k != "search"} == {
        k: v for k, v in TASK_WEIGHTS.items() if k != "search"
    }


def test_every_class_is_judged_in_the_load_test() -> None:
    from afirgen_bench.judge import load_sla
    from afirgen_bench.load.endpoints import ENDPOINTS, search_endpoint

    limits = load_sla(ROOT).load_test.endpoints
    for query_class in QueryClass:
        assert search_endpoint(query_class) in ENDPOINTS
        assert search_endpoint(query_class) in limits
