"""FastAPI dependencies shared by the route modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from afirgen_fixtures.api.backend import Backend


async def get_backend(request: Request) -> Backend:
    """Async on purpose: FastAPI runs a sync dependency in a worker thread, a hop per request."""
    return request.app.state.backend


BackendDep = Annotated[Backend, Depends(get_backend)]
