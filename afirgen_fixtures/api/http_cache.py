"""Conditional GET for FIR reads: a strong ETag, Cache-Control, and 304 on a match."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

FIR_CACHE_CONTROL = "private, max-age=60, must-revalidate"
CONDITIONAL_HEADERS: dict[str, Any] = {
    "ETag": {
        "description": 'strong; a gzip-encoded body has its own ("<tag>-gzip")',
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}(-gzip)?"$'},
    },
    "Cache-Control": {
        "required": True,
        "schema": {"type": "string", "enum": [FIR_CACHE_CONTROL]},
    },
}
"""The validators of a FIR read (200 and 304), for its OpenAPI entry."""


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison, accepting the tag's gzip variant too."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.strip('"')
    for candidate in if_none_match.split(","):
        value = candidate.strip().removeprefix("W/").strip('"')
        if value in (opaque, f"{opaque}-gzip"):
            return True
    return False


def conditional_json(request: Request, payload: BaseModel) -> Response:
    """The payload as JSON with validators, or an empty 304 if the client has it already."""
    body = payload.model_dump_json().encode()
    etag = _etag(body)
    headers = {"ETag": etag, "Cache-Control": FIR_CACHE_CONTROL}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)
