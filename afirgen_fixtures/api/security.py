"""API-key authentication: ``X-API-Key`` on every route except health and the docs."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.security import APIKeyHeader

from afirgen_fixtures.api.errors import ApiError

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def require_api_key(
    request: Request, api_key: Annotated[str | None, Depends(_api_key_header)]
) -> None:
    """Async on purpose: it never blocks, and a sync dependency costs a worker-thread hop."""
    expected = request.app.state.backend.settings.api_key
    if api_key is None or not hmac.compare_digest(api_key.encode(), expected.encode()):
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "missing or invalid API key: send it in the X-API-Key header",
            loc=("header", "X-API-Key"),
            headers={"WWW-Authenticate": "APIKey"},
        )
