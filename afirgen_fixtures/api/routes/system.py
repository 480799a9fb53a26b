"""Health (public) and Prometheus metrics (behind the API key)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from afirgen_fixtures import __version__
from afirgen_fixtures.api.deps import BackendDep
from afirgen_fixtures.api.errors import RETRY_AFTER_HEADER, RETRY_AFTER_S, error_responses
from afirgen_fixtures.api.security import require_api_key
from afirgen_fixtures.db.pool import DatabaseUnavailableError, PoolExhaustedError
from afirgen_fixtures.models.api import HealthResponse

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get(
    "/health",
    response_model=HealthResponse,
    responses={
        503: {
            "model": HealthResponse,
            "description": "MariaDB is down (status unavailable)",
            "headers": RETRY_AFTER_HEADER,
        },
        **error_responses(413),
    },
)
def health(backend: BackendDep) -> JSONResponse:
    """200 "ok" or "degraded" (cache down: reads fall back to MariaDB); 503 if MariaDB is down."""
    try:
        with backend.pool.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
        database = "ok"
    except (DatabaseUnavailableError, PoolExhaustedError, OSError) as exc:
        database = f"unavailable: {exc}"
    except Exception as exc:  # any driver error means the same to a load balancer
        database = f"unavailable: {type(exc).__name__}"
    cache = "ok" if backend.cache.ping() else "unavailable"
    healthy = database == "ok"
    body = HealthResponse(
        status="ok" if healthy and cache == "ok" else ("degraded" if healthy else "unavailable"),
        database=database,
        cache=cache,
        version=__version__,
    )
    if healthy:
        return JSONResponse(body.model_dump())
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": RETRY_AFTER_S})


@router.get(
    "/metrics",
    dependencies=[Depends(require_api_key)],
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 413),
    },
)
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
