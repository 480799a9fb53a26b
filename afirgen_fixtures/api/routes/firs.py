"""FIR reads: one FIR, its content, keyset-paginated lists, FULLTEXT search, statistics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pymysql
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from afirgen_fixtures.api.deps import BackendDep
from afirgen_fixtures.api.http_cache import conditional_json
from afirgen_fixtures.api.security import require_api_key
from afirgen_fixtures.db.repositories.fir import STATS_TAG
from afirgen_fixtures.models.api import FIR_NUMBER_PATTERN, FIRContentResponse, FIRStatusResponse
from afirgen_fixtures.models.records import FIRRecord, FIRStatus

router = APIRouter(prefix="/api/v1", tags=["firs"], dependencies=[Depends(require_api_key)])

FirNumberPath = Annotated[str, Path(pattern=FIR_NUMBER_PATTERN, max_length=50)]
LIST_FIELDS = (
    "id",
    "fir_number",
    "status",
    "created_at",
    "finalized_at",
    "police_station",
    "user_id",
    "session_id",
)
_FIR_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (ETag matched)"}
}


def _fir_or_404(backend: BackendDep, fir_number: str) -> FIRRecord:
    record = backend.firs.get_by_fir_number(fir_number)
    if record is None:
        raise HTTPException(status_code=404, detail=f"no FIR {fir_number}")
    return record


@router.get("/fir/{fir_number}", response_model=FIRStatusResponse, responses=_FIR_READ_RESPONSES)
def get_fir(fir_number: FirNumberPath, request: Request, backend: BackendDep) -> Response:
    record = _fir_or_404(backend, fir_number)
    return conditional_json(request, FIRStatusResponse.model_validate(record, from_attributes=True))


@router.get(
    "/fir/{fir_number}/content", response_model=FIRContentResponse, responses=_FIR_READ_RESPONSES
)
def get_fir_content(fir_number: FirNumberPath, request: Request, backend: BackendDep) -> Response:
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
    return conditional_json(request, payload)


def _parse_fields(fields: str | None) -> list[str] | None:
    if fields is None:
        return None
    names = [name.strip() for name in fields.split(",") if name.strip()]
    unknown = sorted(set(names) - set(LIST_FIELDS))
    if not names or unknown:
        problem = f"unknown {unknown}" if unknown else "empty list"
        raise HTTPException(
            status_code=422, detail=f"fields: {problem}; choose from {', '.join(LIST_FIELDS)}"
        )
    return names


@router.get("/firs")
def list_firs(
    backend: BackendDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    fields: Annotated[
        str | None, Query(max_length=200, description="comma-separated subset of columns")
    ] = None,
    status: FIRStatus | None = None,
    direction: Literal["next", "prev"] | None = None,
) -> dict[str, Any]:
    columns = _parse_fields(fields)
    page = backend.firs.page(
        cursor=cursor, limit=limit, status=status, direction=direction, columns=columns
    )
    items = page.items if columns is None else [{k: row[k] for k in columns} for row in page.items]
    return {
        "items": items,
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
        "has_more": page.has_more,
    }


@router.get("/firs/search")
def search_firs(
    backend: BackendDep,
    q: Annotated[str, Query(min_length=2, max_length=200)],
    mode: Literal["natural", "boolean"] = "natural",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    try:
        hits = backend.firs.search(q, mode=mode, limit=limit)
    except pymysql.err.ProgrammingError as exc:
        raise HTTPException(
            status_code=422, detail=f"q: not a valid {mode} search expression"
        ) from exc
    return {
        "query": q,
        "mode": mode,
        "hits": [{"score": h.score, **h.item.model_dump(mode="json")} for h in hits],
    }


@router.get("/stats")
def stats(backend: BackendDep) -> dict[str, Any]:
    """Counts and mean age by status and daily counts, cached for 300 s (tag ``fir:stats``)."""

    def compute() -> dict[str, Any]:
        return {
            "by_status": [s.model_dump(mode="json") for s in backend.firs.stats_by_status()],
            "daily": [d.model_dump(mode="json") for d in backend.firs.daily_counts(days=30)],
        }

    return backend.cache.get_or_fetch("stats", "api_summary", compute, tags=(STATS_TAG,))
