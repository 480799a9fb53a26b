"""Pure-ASGI middleware: correlation ids, a request-size limit, encoding-aware ETags.

Written as plain ASGI callables rather than ``BaseHTTPMiddleware`` so they add no task or
body buffering to each request.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from afirgen_fixtures.api.errors import ApiError, error_response

CORRELATION_HEADER = b"x-correlation-id"
CORRELATION_ID_PATTERN = "^[A-Za-z0-9._-]{1,64}$"
"""An id the caller sent is echoed only if it matches; the ids made here (uuid4 hex) do."""
_SAFE_ID = re.compile(CORRELATION_ID_PATTERN.encode())
_BODY = ("body",)


class CorrelationIdMiddleware:
    """Echo the caller's ``X-Correlation-ID`` (or a new uuid4) on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(CORRELATION_HEADER, b"")
        correlation_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["correlation_id"] = correlation_id.decode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (CORRELATION_HEADER, correlation_id),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming.

    A declared ``Content-Length`` over the limit is refused before the app runs; a streamed
    body is counted as the route reads it, and the ``ApiError`` raised there passes through
    FastAPI's body reading to the app's error handler. Either way the body is the one error
    shape of ``errors``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await error_response(413, self._message(), loc=_BODY)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise ApiError(413, self._message(), loc=_BODY)
            return message

        await self.app(scope, counting_receive, send)

    def _message(self) -> str:
        return f"request body too large or unreadable: the limit is {self.max_bytes} bytes"


class EncodedETagMiddleware:
    """Give a gzip-encoded response its own strong ETag (``"<tag>-gzip"``).

    A strong validator names exact bytes, so the compressed and the plain representation
    must not share one. Sits outside Starlette's GZipMiddleware; the routes accept either
    form in ``If-None-Match``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                names = {name.lower(): value for name, value in headers}
                etag = names.get(b"etag")
                if etag and names.get(b"content-encoding") == b"gzip" and etag.endswith(b'"'):
                    message["headers"] = [
                        (n, etag[:-1] + b'-gzip"' if n.lower() == b"etag" else v)
                        for n, v in headers
                    ]
            await send(message)

        await self.app(scope, receive, send_tagged)
