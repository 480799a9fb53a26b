"""FIR reads: one FIR, its content, keyset-paginated lists, FULLTEXT search, statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import TypeAdapter

from afirgen_fixtures.api.deps import BackendDep
from afirgen_fixtures.api.errors import ApiError, error_responses
from afirgen_fixtures.api.http_cache import CONDITIONAL_HEADERS, IfNoneMatchHeader, etagged_json
from afirgen_fixtures.api.security import require_api_key
from afirgen_fixtures.db.cursor import Direction
from afirgen_fixtures.db.repositories.base import InvalidSearchError, SearchMode
from afirgen_fixtures.db.repositories.fir import STATS_TAG
from afirgen_fixtures.models.api import (
    CURSOR_MAX_CHARS,
    CURSOR_PATTERN,
    FIELDS_PATTERN,
    FIR_NUMBER_EXAMPLE,
    FIR_NUMBER_PATTERN,
    LIST_FIELDS,
    SEARCH_QUERY_PATTERN,
    FIRContentResponse,
    FIRPage,
    FIRStatusResponse,
    SearchResponse,
    StatsResponse,
)
from afirgen_fixtures.models.records import FIRRecord, FIRStatus

router = APIRouter(prefix="/api/v1", tags=["firs"], dependencies=[Depends(require_api_key)])

FirNumberPath = Annotated[
    str, Path(pattern=FIR_NUMBER_PATTERN, max_length=50, examples=[FIR_NUMBER_EXAMPLE])
]
_FIR_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": CONDITIONAL_HEADERS},
    304: {
        "description": "Not modified (If-None-Match matched the ETag)",
        "headers": CONDITIONAL_HEADERS,
    },
    **error_responses(401, 404, 413, 422, 503, notes={404: "No FIR with this number"}),
}
# The list, search and stats payloads are plain dicts, serialised exactly as FastAPI did when
# these routes returned them; their models document them (schemathesis checks the two agree).
_JSON = TypeAdapter(dict[str, Any])


def _json(payload: dict[str, Any]) -> Response:
    return Response(_JSON.dump_json(payload), media_type="application/json")


def _fir_or_404(backend: BackendDep, fir_number: str) -> FIRRecord:
    record = backend.firs.get_by_fir_number(fir_number)
    if record is None:
        raise ApiError(404, f"no FIR {fir_number}", loc=("path", "fir_number"))
    return record


# The FIR reads declare If-None-Match for the OpenAPI document; ConditionalGetMiddleware
# answers it, as only there is the 200's encoding (and so its ETag and Vary) known.
@router.get("/fir/{fir_number}", response_model=FIRStatusResponse, responses=_FIR_READ_RESPONSES)
def get_fir(
    fir_number: FirNumberPath, backend: BackendDep, if_none_match: IfNoneMatchHeader = None
) -> Response:
    """The FIR's status; strong ETag, 304 on If-None-Match."""
    record = _fir_or_404(backend, fir_number)
    return etagged_json(FIRStatusResponse.model_validate(record, from_attributes=True))


@router.get(
    "/fir/{fir_number}/content", response_model=FIRContentResponse, responses=_FIR_READ_RESPONSES
)
def get_fir_content(
    fir_number: FirNumberPath, backend: BackendDep, if_none_match: IfNoneMatchHeader = None
) -> Response:
    """The FIR's full text and violations; strong ETag, 304 on If-None-Match, gzip from 1 KB."""
    record = _fir_or_404(backend, fir_number)
    payload = FIRContentResponse(
        fir_number=record.fir_number,
        status=record.status,
        created_at=record.created_at,
        finalized_at=record.finalized_at,
        police_station=record.police_station,
        content=record.fir_content,
        violations=record.violations,
    )
    return etagged_json(payload)


@router.get(
    "/firs",
    response_model=FIRPage,
    responses=error_responses(
        401,
        404,
        413,
        422,
        503,
        notes={404: "The cursor was not issued by this server, or for another status filter"},
    ),
)
def list_firs(
    backend: BackendDep,
    cursor: Annotated[
        str | None,
        Query(
            max_length=CURSOR_MAX_CHARS,
            pattern=CURSOR_PATTERN,
            description="next_cursor or prev_cursor of a page of the same status filter",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    fields: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=FIELDS_PATTERN,
            description=f"comma-separated subset of {', '.join(LIST_FIELDS)}",
            examples=["fir_number,status"],
        ),
    ] = None,
    status: FIRStatus | None = None,
    direction: Direction | None = None,
) -> Response:
    """Keyset pages, newest first, by signed cursor."""
    columns = fields.split(",") if fields else None
    page = backend.firs.page(
        cursor=cursor, limit=limit, status=status, direction=direction, columns=columns
    )
    items = page.items if columns is None else [{k: row[k] for k in columns} for row in page.items]
    return _json(
        {
            "items": items,
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
            "has_more": page.has_more,
        }
    )


@router.get(
    "/firs/search", response_model=SearchResponse, responses=error_responses(401, 413, 422, 503)
)
def search_firs(
    backend: BackendDep,
    q: Annotated[
        str,
        Query(
            min_length=2,
            max_length=200,
            pattern=SEARCH_QUERY_PATTERN,
            description='words and "phrases", each optionally prefixed with + - ~ < >; '
            "words may end in *; one level of (groups)",
            examples=["+snatched -laptop"],
        ),
    ],
    mode: SearchMode = "natural",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """FULLTEXT search over complaint texts, most relevant first."""
    try:
        hits = backend.firs.search(q, mode=mode, limit=limit)
    except InvalidSearchError as exc:
        raise ApiError(422, str(exc), loc=("query", "q")) from exc
    return _json(
        {
            "query": q,
            "mode": mode,
            "hits": [{"score": h.score, **h.item.model_dump(mode="json")} for h in hits],
        }
    )


@router.get("/stats", response_model=StatsResponse, responses=error_responses(401, 413, 503))
def stats(backend: BackendDep) -> Response:
    """Counts and mean age by status and daily counts, cached for 300 s (tag ``fir:stats``)."""

    def compute() -> dict[str, Any]:
        return {
            "by_status": [s.model_dump(mode="json") for s in backend.firs.stats_by_status()],
            "daily": [d.model_dump(mode="json") for d in backend.firs.daily_counts(days=30)],
        }

    return _json(backend.cache.get_or_fetch("stats", "api_summary", compute, tags=(STATS_TAG,)))
