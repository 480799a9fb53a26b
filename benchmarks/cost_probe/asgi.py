"""A minimal single-threaded ASGI client: the app's own request handling, in this process.

Over real HTTP the work would be in another process, out of Callgrind's sight, and an HTTP
client would add its own. Here one asyncio loop drives the app inside its lifespan, with
the HTTP scope built by hand. FastAPI still runs ``def`` endpoints in a worker thread: that
is the app's own handling, so it stays in the count.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[bytes, bytes]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> Response:
        if self.status >= 400:
            raise RuntimeError(f"HTTP {self.status}: {self.body[:200]!r}")
        return self


class Client:
    """Requests to an ASGI app on one event loop, inside the app's lifespan."""

    def __init__(self, app: Any, *, prefix: str = "", headers: dict[str, str] | None = None):
        self.app = app
        self.prefix = prefix
        self.headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        self.loop = asyncio.new_event_loop()
        self._lifespan: AbstractAsyncContextManager[Any] = app.router.lifespan_context(app)
        self.loop.run_until_complete(self._lifespan.__aenter__())

    def close(self) -> None:
        self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self.loop.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, json_body: Any) -> Response:
        body = json.dumps(json_body).encode()
        return self.request("POST", path, body=body, headers={"content-type": "application/json"})

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response:
        return self.loop.run_until_complete(self._request(method, path, body, headers or {}))

    async def _request(
        self, method: str, path: str, body: bytes, extra: dict[str, str]
    ) -> Response:
        url = urlsplit(self.prefix + path)
        headers = [
            (b"host", b"testserver"),
            *self.headers,
            *((k.lower().encode(), v.encode()) for k, v in extra.items()),
        ]
        if body:
            headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": url.path,
            "raw_path": url.path.encode(),
            "root_path": "",
            "query_string": url.query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        sent = False
        status, response_headers, chunks = 0, {}, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # nothing more: the client stays connected
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = dict(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return Response(status, response_headers, b"".join(chunks))
