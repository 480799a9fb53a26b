"""Pure-ASGI middleware: correlation ids, a request-size limit, conditional GET.

Written as plain ASGI callables rather than ``BaseHTTPMiddleware`` so they add no task or
body buffering to each request.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from afirgen_fixtures.api.errors import ApiError, error_response
from afirgen_fixtures.api.http_cache import encoded_etag, matches

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


class ConditionalGetMiddleware:
    """Encoding-aware ETags and conditional GET, judged on the representation actually sent.

    Sits outside Starlette's GZipMiddleware, so it sees each answer as it leaves: a
    gzip-encoded body gets its own strong ETag (``http_cache.encoded_etag``), and a GET whose
    ``If-None-Match`` matches the tag of either encoding is answered 304 with the headers the
    200 for the same request carries (its ETag, ``Vary``, ``Cache-Control``), without its
    body or representation metadata (RFC 9110, section 15.4.5). Only here are both the
    request and the final encoding known: the route cannot tell whether its 200 would have
    been compressed. The price is that a 304's body is built (and compressed), then dropped.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if_none_match = None
        if scope["method"] in ("GET", "HEAD"):
            if_none_match = Headers(scope=scope).get("if-none-match")
        not_modified = False

        async def send_conditional(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                names = {name.lower(): value for name, value in headers}
                etag = names.get(b"etag")
                if etag is not None:
                    sent = encoded_etag(etag, names.get(b"content-encoding"))
                    headers = [(n, sent if n.lower() == b"etag" else v) for n, v in headers]
                    not_modified = (
                        message["status"] == 200
                        and if_none_match is not None
                        and matches(if_none_match, etag)
                    )
                    if not_modified:
                        headers = [(n, v) for n, v in headers if _kept_on_304(n)]
                        message = {**message, "status": 304}
                    message["headers"] = headers
            elif not_modified:
                if message["type"] != "http.response.body" or message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_conditional)


def _kept_on_304(name: bytes) -> bool:
    """All but the representation metadata (``Content-*``; ``Content-Location`` is kept)."""
    name = name.lower()
    return not name.startswith(b"content-") or name == b"content-location"
