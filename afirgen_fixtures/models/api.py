"""HTTP request and response bodies, with the original AFIRGen constraints in Pydantic v2 form.

The original declared these with ``constr(regex=...)``, which Pydantic v2 rejects at import
time; that one break kept every API benchmark from running.

These models are the OpenAPI document, so every constraint the server applies to a request is
one the schema states: a pattern, a length, a range or an enum, validated by Pydantic from the
very declaration the schema is generated from. Patterns use only syntax that Python, Rust
(Pydantic's regex engine) and ECMA-262 (JSON Schema) read alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    with_config,
)
from typing_extensions import TypedDict

from afirgen_fixtures.db.repositories.base import SearchMode
from afirgen_fixtures.generation.normalize import normalize_complaint
from afirgen_fixtures.models.records import (
    COMPLAINT_TEXT_MAX_BYTES,
    FIR_NUMBER_PATTERN,
    DailyCount,
    FIRStatus,
    FIRSummary,
    SessionStatus,
    StatusStats,
    Timestamp,
)
from afirgen_fixtures.models.records import SESSION_ID_PATTERN as UUID_PATTERN

# -- request fields ------------------------------------------------------------------------------

# The characters that the complaint normaliser drops or trims away (controls, Unicode spaces):
# a complaint made of nothing else would be stored empty. tests/unit/test_api_models.py checks
# this set against ``normalize_complaint`` over every code point.
_BLANK = r"\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
COMPLAINT_PATTERN = f"[^{_BLANK}]"
COMPLAINT_MAX_CHARS = 50_000


def _fits_its_column(text: str) -> str:
    """NFKC can expand a character up to 33 bytes, so no character count guarantees that the
    stored (normalised) complaint fits its TEXT column; the bytes are checked instead."""
    if len(normalize_complaint(text).encode()) > COMPLAINT_TEXT_MAX_BYTES:
        raise ValueError(
            f"longer than {COMPLAINT_TEXT_MAX_BYTES} bytes of UTF-8 once normalised (NFKC)"
        )
    return text


SESSION_ID_EXAMPLE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
FIR_NUMBER_EXAMPLE = "FIR-0a1b2c3d-20250312213000"
SessionId = Annotated[
    str, StringConstraints(pattern=UUID_PATTERN), Field(examples=[SESSION_ID_EXAMPLE])
]
FirNumber = Annotated[
    str,
    StringConstraints(pattern=FIR_NUMBER_PATTERN, max_length=50),
    Field(examples=[FIR_NUMBER_EXAMPLE]),
]
ComplaintText = Annotated[
    str,
    StringConstraints(min_length=10, max_length=COMPLAINT_MAX_CHARS, pattern=COMPLAINT_PATTERN),
    AfterValidator(_fits_its_column),
    Field(
        description="10 to 50,000 characters, at least one of them neither a space nor a "
        f"control character; at most {COMPLAINT_TEXT_MAX_BYTES:,} bytes of UTF-8 once "
        "normalised (NFKC), or the answer is 422",
        examples=[
            "On 12 March 2025 at around 9:30 pm two men on a motorcycle snatched my gold chain "
            "near Karol Bagh metro station."
        ],
    ),
]
UserInput = Annotated[str, StringConstraints(max_length=10_000)]
AuthKey = Annotated[str, StringConstraints(min_length=8, max_length=256)]

LIST_FIELDS = tuple(FIRSummary.model_fields)
"""The columns ``GET /firs`` can return, in their order; ``fields`` picks a subset."""
_FIELD = "|".join(LIST_FIELDS)
FIELDS_PATTERN = f"^(?:{_FIELD})(?:,(?:{_FIELD}))*$"

CURSOR_MAX_CHARS = 256
"""``db.cursor.CursorCodec`` refuses longer tokens; a token is URL-safe base64 "." base64."""
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"

# The search grammar: the regular subset of InnoDB's boolean full-text syntax that MariaDB
# always parses (tests/integration/test_api_search_grammar.py feeds it generated queries).
# Natural mode takes the same grammar, so the schema of ``q`` does not depend on ``mode``:
# words (``e-mail`` and ``snatch*`` included) and "quoted phrases", each with an optional
# operator (+ - ~ < >), and one level of (groups). A word has no operator character, nor the
# "%" that InnoDB's lexer silently drops ("<%+a" would be two operators in a row). The server
# refuses anything else with 422 rather than letting MariaDB's parser fail on it.
_TERM = r'[^\x00-\x20\x7f"%()*+<>@~-]'
_OPERATOR = r"[+<>~-]"
_WORD = rf"{_TERM}+(?:{_OPERATOR}{_TERM}+)*\*?"
_PHRASE = r'"[^\x00-\x1f\x7f"]*"'
_ATOM = rf"{_OPERATOR}?(?:{_WORD}|{_PHRASE})"
_GROUP = rf"{_OPERATOR}?\( *(?:{_ATOM}(?: +{_ATOM})*)? *\)"
_ITEM = rf"(?:{_ATOM}|{_GROUP})"
SEARCH_QUERY_PATTERN = rf"^ *{_ITEM}(?: +{_ITEM})* *$"


# -- request bodies ------------------------------------------------------------------------------


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422, not a silent default."""

    model_config = ConfigDict(extra="forbid")


class ValidationStep(StrEnum):
    """The five review steps of the interactive flow, in order, then the end."""

    TRANSCRIPT_REVIEW = "transcript_review"
    SUMMARY_REVIEW = "summary_review"
    VIOLATIONS_REVIEW = "violations_review"
    FIR_NARRATIVE_REVIEW = "fir_narrative_review"
    FINAL_REVIEW = "final_review"
    COMPLETED = "completed"


class ProcessRequest(Strict):
    text: ComplaintText
    interactive: StrictBool = Field(
        default=True,
        description="true: open a session at the transcript step; "
        "false: run the whole pipeline now and store the FIR",
    )


class ValidationRequest(Strict):
    session_id: SessionId
    approved: StrictBool
    user_input: UserInput | None = Field(
        default=None,
        description="guidance to regenerate the step with, when not approved",
        examples=["They also threatened to kill me."],
    )


class RegenerateRequest(Strict):
    step: ValidationStep = Field(examples=[ValidationStep.SUMMARY_REVIEW])
    user_input: UserInput | None = Field(default=None, examples=["It was a red motorcycle."])


class AuthRequest(Strict):
    fir_number: FirNumber
    auth_key: AuthKey = Field(description="the officer's key (AFIRGEN_FIR_AUTH_KEY)")


# -- response bodies -----------------------------------------------------------------------------


class ProcessResponse(BaseModel):
    success: bool = True
    session_id: str
    current_step: ValidationStep
    requires_validation: bool
    content_for_validation: dict[str, Any] | None = None
    fir_number: str | None = None
    fir_content: str | None = None
    cached: bool | None = Field(
        default=None, description="for non-interactive runs: served from the generation cache"
    )


class ValidationResponse(BaseModel):
    success: bool = True
    session_id: str
    current_step: ValidationStep
    content: dict[str, Any]
    message: str
    requires_validation: bool = True
    completed: bool = False


class SessionStatusResponse(BaseModel):
    session_id: str
    status: SessionStatus
    current_step: ValidationStep
    awaiting_validation: bool
    created_at: Timestamp
    last_activity: Timestamp


class FIRStatusResponse(BaseModel):
    fir_number: str
    status: FIRStatus
    created_at: Timestamp
    finalized_at: Timestamp | None = None


class FIRContentResponse(FIRStatusResponse):
    police_station: str
    content: str
    violations: list[dict[str, Any]]


class AuthResponse(BaseModel):
    success: bool
    message: str
    fir_number: str | None = None


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: str = Field(description='"ok", or "unavailable: <reason>"')
    cache: Literal["ok", "unavailable"]
    version: str


FIRListItem = with_config(ConfigDict(extra="forbid"))(
    TypedDict(  # type: ignore[misc]  # the keys and types are FIRSummary's, not repeated here
        "FIRListItem",
        {name: f.rebuild_annotation() for name, f in FIRSummary.model_fields.items()},
        total=False,
    )
)
"""One FIR of a page: every column of ``LIST_FIELDS``, or the ones ``fields`` named."""


class FIRPage(BaseModel):
    """A keyset page of ``GET /firs``; pass a cursor back to walk on."""

    items: list[FIRListItem]
    next_cursor: str | None
    prev_cursor: str | None
    has_more: bool


class _Scored(BaseModel):
    score: float


class FIRSearchHit(FIRSummary, _Scored):
    """A FIR that matched, with its relevance first (higher is more relevant)."""


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    hits: list[FIRSearchHit]


class StatsResponse(BaseModel):
    by_status: list[StatusStats]
    daily: list[DailyCount] = Field(description="the last 30 days, oldest first")


# -- errors --------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """One problem: where it is in the request (``loc``), what it is, and its kind."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int] = Field(
        description='e.g. ["body", "text"], ["query", "cursor"], ["header", "X-API-Key"]; '
        "empty when the problem is the request as a whole"
    )
    msg: str
    type: str = Field(description='"not_found", "conflict", ... or Pydantic\'s error type')


class ErrorResponse(BaseModel):
    """Every error answer (4xx, 503): FastAPI's validation-error shape for every status, so a
    client parses one format."""

    model_config = ConfigDict(extra="forbid")

    detail: list[ErrorDetail] = Field(min_length=1)
