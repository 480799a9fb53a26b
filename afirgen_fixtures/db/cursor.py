"""Opaque, tamper-evident keyset cursors for pages ordered by (created_at DESC, id DESC).

A cursor names the row a page ended (or began) at, the direction to continue in and a
fingerprint of the filter it was issued for. It is signed with HMAC-SHA256, so a client can
neither forge a position nor carry a cursor over to another filter; either is refused with
``InvalidCursorError``, which the API answers with 404: a token that names no page, like an
id that names no row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

_SEPARATOR = "|"
_TAG_BYTES = 16
_MAX_TOKEN_CHARS = 256


class InvalidCursorError(ValueError):
    """A cursor was malformed, tampered with, or issued for another filter."""


class Direction(StrEnum):
    """``next`` walks towards older rows, ``prev`` back towards newer ones."""

    NEXT = "next"
    PREV = "prev"


@dataclass(frozen=True)
class Cursor:
    """A position in the (created_at DESC, id DESC) order and where to go from it."""

    created_at: datetime
    id: int
    direction: Direction
    fingerprint: str


def filter_fingerprint(scope: str, **filters: object) -> str:
    """A short digest of what a walk is filtered on; cursors only work within one walk."""
    described = _SEPARATOR.join([scope, *(f"{name}={filters[name]}" for name in sorted(filters))])
    return hashlib.sha256(described.encode()).hexdigest()[:16]


class CursorCodec:
    """Encodes cursors to URL-safe tokens and back, checking the signature and the filter."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the cursor secret must not be empty")
        self._key = hashlib.sha256(secret.encode()).digest()

    def encode(self, cursor: Cursor) -> str:
        payload = _SEPARATOR.join(
            (
                cursor.created_at.isoformat(timespec="microseconds"),
                str(cursor.id),
                cursor.direction.value,
                cursor.fingerprint,
            )
        ).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._tag(payload))}"

    def decode(self, token: str, expected_fingerprint: str) -> Cursor:
        """Return the cursor in ``token``; raise ``InvalidCursorError`` unless it is intact
        and was issued for the walk described by ``expected_fingerprint``."""
        if len(token) > _MAX_TOKEN_CHARS or token.count(".") != 1:
            raise InvalidCursorError("malformed cursor: use the cursor a previous page returned")
        encoded_payload, encoded_tag = token.split(".")
        payload, tag = _b64decode(encoded_payload), _b64decode(encoded_tag)
        if not hmac.compare_digest(tag, self._tag(payload)):
            raise InvalidCursorError("cursor signature does not match: it was altered or forged")
        cursor = _parse_payload(payload)
        if cursor.fingerprint != expected_fingerprint:
            raise InvalidCursorError(
                "cursor was issued for a different filter; start again without a cursor"
            )
        return cursor

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_TAG_BYTES]


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursorError("malformed cursor: not URL-safe base64") from exc


def _parse_payload(payload: bytes) -> Cursor:
    """Only reached with a valid signature, so a failure here means a change of format."""
    try:
        created_at, row_id, direction, fingerprint = payload.decode().split(_SEPARATOR)
        return Cursor(
            datetime.fromisoformat(created_at), int(row_id), Direction(direction), fingerprint
        )
    except ValueError as exc:
        raise InvalidCursorError("cursor payload is not in the expected format") from exc
