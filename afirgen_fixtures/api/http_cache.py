"""Conditional GET for FIR reads: a strong ETag per encoding, Cache-Control, 304 on a match.

A route answers with :func:`etagged_json` (a 200 tagged for its identity body); the
:class:`~afirgen_fixtures.api.middleware.ConditionalGetMiddleware`, outside the gzip
middleware, sees the representation actually sent, gives a gzip-encoded one its own tag
(:func:`encoded_etag`) and answers a matching ``If-None-Match`` with a 304 of the same ETag
and Vary (RFC 9110, section 15.4.5).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import Header, Response
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

IfNoneMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description="ETags of this resource the client holds (either encoding's tag), or *; "
        "a match (weak comparison) is answered 304 with the ETag and Vary of the 200",
    ),
]
"""``If-None-Match``, declared for the OpenAPI document; the middleware answers it."""

_GZIP = b"gzip"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def encoded_etag(etag: bytes, content_encoding: bytes | None) -> bytes:
    """The tag of the representation sent: ``"<tag>-gzip"`` for a gzip-encoded body.

    A strong validator names exact bytes, so the compressed and the plain representation
    must not share one. The one place that names the variant's tag.
    """
    if content_encoding == _GZIP and etag.endswith(b'"'):
        return etag[:-1] + b'-gzip"'
    return etag


def matches(if_none_match: str, etag: bytes) -> bool:
    """RFC 9110 weak comparison with the identity tag ``etag`` or its gzip variant's tag."""
    if if_none_match.strip() == "*":
        return True
    ours = {tag.decode("latin-1").strip('"') for tag in (etag, encoded_etag(etag, _GZIP))}
    return any(
        candidate.strip().removeprefix("W/").strip('"') in ours
        for candidate in if_none_match.split(",")
    )


def etagged_json(payload: BaseModel) -> Response:
    """The payload as JSON with its validators: the ETag of these (identity) bytes."""
    body = payload.model_dump_json().encode()
    headers = {"ETag": _etag(body), "Cache-Control": FIR_CACHE_CONTROL}
    return Response(content=body, media_type="application/json", headers=headers)
