"""Domain errors to HTTP answers: every failure a clear status and message, never a bare 500."""

from __future__ import annotations

import logging

import pymysql
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from afirgen_fixtures.db.cursor import InvalidCursorError
from afirgen_fixtures.db.pool import DatabaseUnavailableError, PoolExhaustedError
from afirgen_fixtures.db.repositories import InvalidTransitionError, RecordNotFoundError
from afirgen_fixtures.generation.flow import (
    AuthenticationFailedError,
    SessionConflictError,
    SessionNotFoundError,
)

log = logging.getLogger("afirgen.api")
RETRY_AFTER_S = "5"

_STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (SessionNotFoundError, 404),
    (RecordNotFoundError, 404),
    (SessionConflictError, 409),
    (InvalidTransitionError, 409),
    (AuthenticationFailedError, 401),
    (InvalidCursorError, 400),
)
_UNAVAILABLE = (
    DatabaseUnavailableError,
    PoolExhaustedError,
    pymysql.err.OperationalError,
    pymysql.err.InterfaceError,
)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and the reason; the offending input is not echoed back (it may
    be 50 kB of text, or bytes that are not even UTF-8)."""
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for error, status in _STATUS_BY_ERROR:
        app.add_exception_handler(error, _answer(status))

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            {"detail": "the database is unavailable; retry shortly"},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER_S},
        )

    for error in _UNAVAILABLE:
        app.add_exception_handler(error, unavailable)


def _answer(status: int):
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handler
