"""The load test's endpoints by the names Locust reports them under, and the ``sla.toml``
sections that judge them: one list, read by the locustfile, the judge of a load run and the
check that every ``sla.toml`` section names something real."""

from __future__ import annotations

from afirgen_bench.search_mix import QueryClass

STORES_FIR = "/api/v1/validate [stores FIR]"


def search_endpoint(query_class: QueryClass) -> str:
    """Searches are reported by class of query, so a slow class cannot hide in the mix."""
    return f"/api/v1/firs/search [{query_class.value}]"


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
RUN_SECTION = "load"  # the whole run: its error rate
ENDPOINT_SECTION = "load:{endpoint}"  # one endpoint: its P95


def endpoint_section(endpoint: str) -> str:
    return ENDPOINT_SECTION.format(endpoint=endpoint)


def sla_sections() -> dict[str, frozenset[str]]:
    """Each load-test section of ``sla.toml`` and the limits judged there."""
    sections = {RUN_SECTION: frozenset({"max_error_rate"})}
    sections.update({endpoint_section(e): frozenset({"p95_ms"}) for e in ENDPOINTS})
    return sections
