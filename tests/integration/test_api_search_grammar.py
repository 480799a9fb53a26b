"""Every search query the API's schema allows is one MariaDB parses, in both modes.

``SEARCH_QUERY_PATTERN`` promises clients that any ``q`` it matches is answered; InnoDB's
boolean-mode parser is the stricter of the two modes, so generated queries go to it (and to
natural mode) on the real server. Half of them are drawn from ASCII punctuation and a few
odd characters, where the parser's corners are (its lexer drops ``%``, for one: ``<%+a``
reads as two operators in a row).
"""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afirgen_fixtures.config import Settings
from afirgen_fixtures.data import Dataset
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import FIRRepository, InvalidSearchError
from afirgen_fixtures.models.api import SEARCH_QUERY_PATTERN


@pytest.fixture(scope="module")
def firs(dataset_10k: Dataset) -> Iterator[FIRRepository]:
    pool = Pool(dataset_10k.target, Settings())
    yield FIRRepository(pool, cursor_secret="search-grammar-test")
    pool.dispose()


_DENSE = st.sampled_from([*string.printable, "\x85", "\xa0", "\u0905", "\u3000", "\U0001f512"])
_QUERIES = st.from_regex(SEARCH_QUERY_PATTERN, alphabet=_DENSE) | st.from_regex(
    SEARCH_QUERY_PATTERN
)


@settings(max_examples=100, suppress_health_check=list(HealthCheck), deadline=None)
@given(_QUERIES.filter(lambda q: 2 <= len(q) <= 200))
def test_mariadb_parses_every_query_the_schema_allows(firs: FIRRepository, q: str) -> None:
    for mode in ("boolean", "natural"):
        firs.search(q, mode=mode, limit=1)  # a syntax error raises InvalidSearchError


@pytest.mark.parametrize("q", ['+("theft', "((stolen", "-)"])
def test_an_expression_mariadb_refuses_is_a_domain_error(firs: FIRRepository, q: str) -> None:
    """The repository maps MariaDB's syntax error at its own boundary: the API answers 422
    from ``InvalidSearchError``, never from a driver exception."""
    with pytest.raises(InvalidSearchError, match="not a valid boolean search expression"):
        firs.search(q, mode="boolean", limit=1)
