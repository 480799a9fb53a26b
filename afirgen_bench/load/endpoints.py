"""The load test's endpoints by the names Locust reports them under: one list, read by the
locustfile, the judge of a load run and the check that every endpoint ``sla.toml``'s
``[load_test]`` limits names one the load test reports."""

from __future__ import annotations

from afirgen_bench.search_mix import QueryClass, suite_queries

STORES_FIR = "/api/v1/validate [stores FIR]"
search_endpoint = suite_queries.search_endpoint

ENDPOINTS = (
    "/api/v1/session/{session_id}/status",
    "/api/v1/fir/{fir_number}",
    "/api/v1/firs",
    *(search_endpoint(query_class) for query_class in QueryClass),
    "/api/v1/process",
    "/api/v1/validate",
    STORES_FIR,
    "/api/v1/authenticate",
)
# The seed's task weights (status : FIR : validate = 3 : 2 : 1) plus list and search pages.
TASK_WEIGHTS = {"session_status": 3, "fir": 2, "list_page": 1, "validate": 1, "search": 1}


def task_weights(search_share: float) -> dict[str, int]:
    """The Locust tasks' weights, with ``search`` raised to ``search_share`` of all tasks
    (0: the default weights)."""
    if not 0 <= search_share < 1:
        raise ValueError(f"a share of searches must be in [0, 1), not {search_share}")
    weights = dict(TASK_WEIGHTS)
    if search_share:
        others = sum(w for name, w in weights.items() if name != "search")
        weights["search"] = max(1, round(search_share * others / (1 - search_share)))
    return weights
