"""The search query mix: what citizens and officers type, by class of query.

The queries live in ``search_queries.json`` beside this module, generated from the data set's
own vocabulary and term frequencies by ``python -m afirgen_bench search-mix`` (seeded; a test
checks the committed file is what the command writes). The suite's search benchmarks, the
counted figures and the load test all read them from here, so each class means the same
queries everywhere. Standard library only: the suite imports this at every backend commit.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import NamedTuple

MIX_FILE = Path(__file__).with_name("search_queries.json")


class QueryClass(StrEnum):
    """A kind of query whose cost differs from the others' (the README has the rules)."""

    RARE = "rare"
    COMMON = "common"
    FREQUENT = "frequent"
    WORDS = "words"
    PHRASE = "phrase"
    BOOLEAN = "boolean"


class SearchQuery(NamedTuple):
    text: str
    mode: str  # "natural" or "boolean", as the API's ``mode`` parameter


@cache
def _mix() -> dict:
    return json.loads(MIX_FILE.read_text())


def queries(query_class: QueryClass | str) -> list[SearchQuery]:
    """The class's queries in their committed order."""
    entry = _mix()["classes"][QueryClass(query_class).value]
    return [SearchQuery(q, entry["mode"]) for q in entry["queries"]]


def shares() -> dict[QueryClass, float]:
    """Each class's share of the searches users send (the load test draws by these)."""
    return {QueryClass(name): entry["share"] for name, entry in _mix()["classes"].items()}


def search_endpoint(query_class: QueryClass | str) -> str:
    """The load test's name for searches of one class: each class is reported on its own,
    so a slow class cannot hide in the mix."""
    return f"/api/v1/firs/search [{QueryClass(query_class).value}]"
