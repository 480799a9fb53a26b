"""The request constraints of ``models.api`` mean what the server does with a request.

The schema's patterns are read by clients (JSON Schema: ECMA-262, here jsonschema-rs, as
schemathesis reads them) and by the server (Pydantic's Rust regex); they must agree. The
complaint's pattern must refuse exactly what the normaliser would store as an empty complaint,
and the body limit must admit the largest body the schema allows.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from typing import Annotated

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import StringConstraints, TypeAdapter, ValidationError

from afirgen_fixtures.config import Settings
from afirgen_fixtures.generation.normalize import normalize_complaint
from afirgen_fixtures.models.api import (
    COMPLAINT_PATTERN,
    CURSOR_PATTERN,
    FIELDS_PATTERN,
    SEARCH_QUERY_PATTERN,
    ProcessRequest,
    ValidationRequest,
)
from afirgen_fixtures.models.records import FIR_NUMBER_PATTERN, SESSION_ID_PATTERN

PATTERNS = {
    "complaint": COMPLAINT_PATTERN,
    "cursor": CURSOR_PATTERN,
    "fields": FIELDS_PATTERN,
    "search": SEARCH_QUERY_PATTERN,
    "fir_number": FIR_NUMBER_PATTERN,
    "session_id": SESSION_ID_PATTERN,
}
# What the patterns treat specially, plus digits and spaces of other scripts and line ends
# (where \d, \s and $ differ between regex dialects).
_TRICKY = st.sampled_from(
    [*'+-~<>()*@"., \t\n\r\x00\x7f\x85\xa0\u3000\u0663\u0966_', "fir_number", "status"]
)
_TEXT = st.lists(_TRICKY | st.characters(), max_size=30).map("".join)


def _encodable(text: str) -> bool:
    """No lone surrogates: a JSON request body cannot carry them (UTF-8 refuses)."""
    return not any("\ud800" <= c <= "\udfff" for c in text)


@cache
def _server(pattern: str) -> TypeAdapter[str]:
    return TypeAdapter(Annotated[str, StringConstraints(pattern=pattern)])


def _server_accepts(pattern: str, value: str) -> bool:
    try:
        _server(pattern).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", PATTERNS)
@settings(max_examples=100, suppress_health_check=list(HealthCheck), deadline=None)
@given(data=st.data())
def test_client_and_server_read_each_pattern_alike(name: str, data: st.DataObject) -> None:
    pattern = PATTERNS[name]
    value = data.draw(
        (_TEXT | st.from_regex(pattern).filter(lambda s: len(s) < 200)).filter(_encodable)
    )
    client = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    assert client.is_valid(value) == _server_accepts(pattern, value), repr(value)


def test_the_complaint_pattern_refuses_exactly_what_normalises_to_nothing() -> None:
    """Character by character over all of Unicode: a character the pattern does not count
    as content is one the normaliser drops or trims away."""
    content = re.compile(COMPLAINT_PATTERN)
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert (normalize_complaint(char) != "") == bool(content.search(char)), hex(code)


@given(st.lists(st.sampled_from(" \t\n\x00\x1f\x85\xa0\u2003\u3000ab\u0301"), max_size=20))
def test_a_complaint_with_content_by_the_pattern_keeps_it_once_normalised(
    chars: list[str],
) -> None:
    text = "".join(chars)
    assert (normalize_complaint(text) != "") == bool(re.search(COMPLAINT_PATTERN, text))


@pytest.mark.parametrize("model", [ProcessRequest, ValidationRequest])
def test_the_body_limit_admits_the_largest_body_the_schema_allows(model: type) -> None:
    """Every string at its maxLength, each character a JSON escape pair (12 bytes)."""
    schema = model.model_json_schema()
    largest = {}
    for name, field in schema["properties"].items():
        length = max((s.get("maxLength", 0) for s in field.get("anyOf", [field])), default=0)
        largest[name] = "\U0001f512" * length if length else True
    body = json.dumps(largest).encode()  # ensure_ascii, as most clients send it
    assert len(body) <= Settings().max_body_bytes, (model.__name__, len(body))


@pytest.mark.parametrize(
    ("q", "valid"),
    [
        ("snatched chain", True),
        ("+snatched -laptop", True),
        ('+"gold chain" ~phone', True),
        ("+(chain phone) -(laptop tablet)", True),
        ("snatch* e-mail 9:30pm Bagh, don't", True),
        ("  padded  ", True),
        ("chain +", False),
        ("++chain", False),
        ("((chain))", False),
        ('"phrase"*', False),
        ("user@example", False),
        ("50%", False),  # InnoDB's lexer drops %: "<%+a" would be two operators in a row
        ("a\tb", False),
        ("   ", False),
    ],
)
def test_the_search_grammar(q: str, valid: bool) -> None:
    assert _server_accepts(SEARCH_QUERY_PATTERN, q) is valid
