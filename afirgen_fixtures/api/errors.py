"""Every failure to an HTTP answer, never a bare 500, with one body shape for all of them.

Validation errors, domain errors, Starlette's own (404, 405, an unreadable body's 400) and the
middleware's 413 all answer ``ErrorResponse``: FastAPI's validation-error shape,
``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``. ``error_responses`` writes the
same facts into the OpenAPI document, so what a route can answer is what it documents.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pymysql
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from afirgen_fixtures.db.cursor import InvalidCursorError
from afirgen_fixtures.db.pool import DatabaseUnavailableError, PoolExhaustedError
from afirgen_fixtures.db.repositories import InvalidTransitionError, RecordNotFoundError
from afirgen_fixtures.generation.flow import (
    AuthenticationFailedError,
    SessionConflictError,
    SessionNotFoundError,
)
from afirgen_fixtures.models.api import ErrorDetail, ErrorResponse

log = logging.getLogger("afirgen.api")
RETRY_AFTER_S = "5"

_TYPE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "content_too_large",
    503: "unavailable",
}
_ANSWERS: tuple[tuple[type[Exception], int, tuple[str, ...]], ...] = (
    (SessionNotFoundError, 404, ()),
    (RecordNotFoundError, 404, ()),
    (SessionConflictError, 409, ()),
    (InvalidTransitionError, 409, ()),
    (AuthenticationFailedError, 401, ("body", "auth_key")),
    # A signed token the server did not issue (or issued for another filter) names no page:
    # 404, like an id that names no row. A malformed one breaks the pattern: 422.
    (InvalidCursorError, 404, ("query", "cursor")),
)
_UNAVAILABLE = (
    DatabaseUnavailableError,
    PoolExhaustedError,
    pymysql.err.OperationalError,
    pymysql.err.InterfaceError,
)


class ApiError(HTTPException):
    """An error answer raised by a route or a dependency, naming the part of the request at
    fault (``loc``) the way validation errors do."""

    def __init__(
        self,
        status_code: int,
        msg: str,
        *,
        loc: Sequence[str | int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail=msg, headers=headers)
        self.loc = list(loc)


def error_response(
    status: int,
    msg: str,
    *,
    loc: Sequence[str | int] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The one error body, for a problem that is not a validation error."""
    body = ErrorResponse(
        detail=[ErrorDetail(loc=list(loc), msg=msg, type=_TYPE_BY_STATUS.get(status, "error"))]
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and the reason; the offending input is not echoed back (it may
    be 50 kB of text, or bytes that are not even UTF-8)."""
    body = ErrorResponse(
        detail=[ErrorDetail(loc=list(e["loc"]), msg=e["msg"], type=e["type"]) for e in exc.errors()]
    )
    return JSONResponse(body.model_dump(), status_code=422)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's HTTP errors (404, 405, 400 for a body that is not UTF-8
    JSON, ours from ``ApiError``), in the one error shape, their headers kept."""
    loc = exc.loc if isinstance(exc, ApiError) else ()
    return error_response(exc.status_code, str(exc.detail), loc=loc, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    for error, status, loc in _ANSWERS:
        app.add_exception_handler(error, _answer(status, loc))

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return error_response(
            503,
            "the database is unavailable; retry shortly",
            headers={"Retry-After": RETRY_AFTER_S},
        )

    for error in _UNAVAILABLE:
        app.add_exception_handler(error, unavailable)


def _answer(status: int, loc: tuple[str, ...]):
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return error_response(status, str(exc), loc=loc)

    return handler


# -- the OpenAPI side ----------------------------------------------------------------------------

RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
_DOCUMENTED: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The body is not UTF-8 JSON", {}),
    401: (
        "X-API-Key is missing or wrong",
        {
            "WWW-Authenticate": {
                "description": '"APIKey" when X-API-Key is missing or wrong',
                "schema": {"type": "string"},
            }
        },
    ),
    404: ("Not found", {}),
    409: ("Conflicts with the resource's current state", {}),
    413: ("The body is larger than the server's limit (AFIRGEN_MAX_BODY_BYTES)", {}),
    422: ("A parameter or body field breaks its constraints; each entry names it in loc", {}),
    503: ("The database is unavailable; retry after Retry-After seconds", RETRY_AFTER_HEADER),
}


def error_responses(
    *statuses: int, notes: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entries of these error statuses, all with ``ErrorResponse``;
    ``notes`` says when this route answers a status, where the generic reason is too vague."""
    notes = notes or {}
    entries: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, headers = _DOCUMENTED[status]
        entry: dict[str, Any] = {
            "model": ErrorResponse,
            "description": notes.get(status, description),
        }
        if headers:
            entry["headers"] = headers
        entries[status] = entry
    return entries
