"""Keyset cursors: round trip, and refusal of anything altered, forged or misapplied."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest

from afirgen_fixtures.db.cursor import (
    Cursor,
    CursorCodec,
    Direction,
    InvalidCursorError,
    filter_fingerprint,
)

PENDING = filter_fingerprint("fir_records", status="pending")
CURSOR = Cursor(datetime(2026, 3, 1, 10, 30, 5, 123456), 4242, Direction.NEXT, PENDING)


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec("test-secret")


def test_round_trip_keeps_microseconds_id_and_direction(codec: CursorCodec) -> None:
    token = codec.encode(CURSOR)
    assert codec.decode(token, PENDING) == CURSOR
    prev = Cursor(datetime(2026, 3, 1), 7, Direction.PREV, PENDING)
    assert codec.decode(codec.encode(prev), PENDING) == prev


def test_token_is_url_safe_and_opaque(codec: CursorCodec) -> None:
    token = codec.encode(CURSOR)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert "4242" not in token


def test_changed_payload_is_refused(codec: CursorCodec) -> None:
    payload, tag = codec.encode(CURSOR).split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = raw.replace(b"4242", b"4243")
    forged_token = base64.urlsafe_b64encode(forged).rstrip(b"=").decode() + "." + tag
    with pytest.raises(InvalidCursorError, match="altered or forged"):
        codec.decode(forged_token, PENDING)


def test_cursor_signed_with_another_secret_is_refused(codec: CursorCodec) -> None:
    token = CursorCodec("another-secret").encode(CURSOR)
    with pytest.raises(InvalidCursorError, match="altered or forged"):
        codec.decode(token, PENDING)


def test_cursor_from_another_filter_is_refused(codec: CursorCodec) -> None:
    finalized = filter_fingerprint("fir_records", status="finalized")
    with pytest.raises(InvalidCursorError, match="different filter"):
        codec.decode(codec.encode(CURSOR), finalized)


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b.c", "!!!.???", "x" * 300 + ".y", "Zm9v.YmFy"],
    ids=["empty", "no-dot", "two-dots", "not-base64", "too-long", "unsigned"],
)
def test_garbage_is_refused_with_a_clear_error(codec: CursorCodec, garbage: str) -> None:
    with pytest.raises(InvalidCursorError, match="cursor"):
        codec.decode(garbage, PENDING)


def test_fingerprint_depends_on_every_filter_but_not_on_their_order() -> None:
    assert filter_fingerprint("t", a=1, b=2) == filter_fingerprint("t", b=2, a=1)
    assert filter_fingerprint("t", a=1) != filter_fingerprint("t", a=2)
    assert filter_fingerprint("t", a=1) != filter_fingerprint("u", a=1)


def test_empty_secret_is_rejected() -> None:
    with pytest.raises(ValueError, match="secret"):
        CursorCodec("")
