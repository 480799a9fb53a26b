"""Assembling the app: backend, routers, middleware, error handlers.

``create_app`` takes its settings (or a ready backend) as arguments, so tests, benchmarks and
the server build the same app with different configuration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from afirgen_fixtures import __version__
from afirgen_fixtures.api.backend import Backend
from afirgen_fixtures.api.errors import install_error_handlers
from afirgen_fixtures.api.metrics import Metrics, MetricsMiddleware
from afirgen_fixtures.api.middleware import (
    CORRELATION_ID_PATTERN,
    BodySizeLimitMiddleware,
    ConditionalGetMiddleware,
    CorrelationIdMiddleware,
)
from afirgen_fixtures.api.routes import firs, sessions, system
from afirgen_fixtures.config import Settings

GZIP_MIN_BYTES = 1024


def create_app(settings: Settings | None = None, *, backend: Backend | None = None) -> FastAPI:
    settings = backend.settings if backend else (settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = backend is None
        app.state.backend = backend or Backend.from_settings(settings)
        try:
            yield
        finally:
            if owned:
                app.state.backend.close()

    app = FastAPI(
        title="AFIRGen",
        version=__version__,
        summary="Turns a citizen's complaint into a First Information Report",
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.state.metrics = Metrics(lambda: getattr(app.state, "backend", None))
    for router in (sessions.router, firs.router, system.router):
        app.include_router(router)
    install_error_handlers(app)
    # Last added runs first: correlation id outermost, so every answer carries one.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(CorrelationIdMiddleware)
    _document_correlation_header(app)
    return app


def _document_correlation_header(app: FastAPI) -> None:
    """FastAPI's document, plus the header the outermost middleware adds to every answer."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for operations in build()["paths"].values():  # build() keeps it in openapi_schema
                for operation in operations.values():
                    for response in operation["responses"].values():
                        response.setdefault("headers", {})["X-Correlation-ID"] = _CORRELATION_ID
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_CORRELATION_ID = {
    "description": "the caller's X-Correlation-ID if it matches the pattern, else a new id",
    "required": True,
    "schema": {"type": "string", "pattern": CORRELATION_ID_PATTERN},
}
