"""Key layout and TTL choice: pure string logic, no Redis."""

from __future__ import annotations

import fnmatch

import pytest

from afirgen_fixtures.cache import DEFAULT_TTL_S, TTL_BY_KIND, CacheManager, generate_key, ttl_for
from afirgen_fixtures.cache.keys import escape_glob, kind_pattern, namespace_pattern


def test_generate_key_joins_namespace_entity_and_ident() -> None:
    assert generate_key("fir", "record", 42) == "fir:record:42"


def test_manager_keys_are_namespaced_and_versioned() -> None:
    cache = CacheManager("redis://127.0.0.1:1/0", namespace="afirgen", version=3)
    try:
        assert cache.key("fir", 7) == "afirgen:v3:fir:7"
        assert cache.key("fir_number", "FIR-2024-00007") == "afirgen:v3:fir_number:FIR-2024-00007"
        assert cache.tag_key("station:12") == "afirgen:v3:_tag:station:12"
    finally:
        cache.close()


def test_kind_pattern_matches_its_kind_only() -> None:
    pattern = kind_pattern("afirgen:v1", "fir")
    assert fnmatch.fnmatchcase("afirgen:v1:fir:1", pattern)
    assert not fnmatch.fnmatchcase("afirgen:v1:fir_number:1", pattern)
    assert not fnmatch.fnmatchcase("afirgen:v2:fir:1", pattern)
    assert namespace_pattern("afirgen:v1") == "afirgen:v1:*"


def test_glob_characters_in_a_kind_are_escaped() -> None:
    assert escape_glob("a*b?[c]\\") == "a\\*b\\?\\[c\\]\\\\"
    assert kind_pattern("ns:v1", "odd*kind") == "ns:v1:odd\\*kind:*"


@pytest.mark.parametrize(("kind", "expected"), sorted(TTL_BY_KIND.items()))
def test_ttl_by_kind(kind: str, expected: int) -> None:
    assert ttl_for(kind) == expected


def test_ttl_table_matches_the_issue() -> None:
    assert TTL_BY_KIND["fir"] == 3600
    assert TTL_BY_KIND["fir_list"] == 1800
    assert TTL_BY_KIND["stats"] == 300
    assert TTL_BY_KIND["generated_fir"] == 7200


def test_unknown_kind_gets_the_default_and_explicit_ttl_wins() -> None:
    assert ttl_for("violation_check") == DEFAULT_TTL_S == 600
    assert ttl_for("fir", 5) == 5


def test_non_positive_ttl_is_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        ttl_for("fir", 0)
