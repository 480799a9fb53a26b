"""Pydantic models of stored rows: what the repositories read from and write to MariaDB.

They validate at the database boundary (and when a cached copy is read back), so the API and
the generation layer can trust every field without re-checking it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import from_json

# [0-9], not \d: \d is any Unicode digit to Python and Rust, but ASCII to JSON Schema.
FIR_NUMBER_PATTERN = r"^FIR-[a-f0-9]{8}-[0-9]{14}$"
SESSION_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

FirNumber = Annotated[str, StringConstraints(pattern=FIR_NUMBER_PATTERN)]
SessionId = Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
PoliceStation = Annotated[str, StringConstraints(min_length=1, max_length=120)]
COMPLAINT_TEXT_MAX_BYTES = 65_535
"""``fir_records.complaint_text`` is a TEXT column: at most this many bytes of UTF-8."""
ComplaintText = Annotated[str, StringConstraints(min_length=1, max_length=COMPLAINT_TEXT_MAX_BYTES)]
FirContent = Annotated[str, StringConstraints(max_length=16_777_215)]
SectionNumber = Annotated[str, StringConstraints(min_length=1, max_length=20)]
StepName = Annotated[str, StringConstraints(min_length=1, max_length=32)]
RowId = Annotated[int, Field(ge=1)]
Timestamp = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$",
            "description": "ISO 8601 without a UTC offset, as a DATETIME column stores it "
            '(not RFC 3339 "date-time", which requires an offset)',
        }
    ),
]
ViolationEntry = dict[str, JsonValue]

ItemT = TypeVar("ItemT")


def fir_number_for(session_id: str, created_at: datetime) -> str:
    """The FIR number AFIRGen gives a complaint: its session's first 8 hex digits and time."""
    return f"FIR-{session_id[:8]}-{created_at:%Y%m%d%H%M%S}"


class FIRStatus(StrEnum):
    """The values of ``fir_records.status``."""

    DRAFT = "draft"
    PENDING = "pending"
    FINALIZED = "finalized"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class SessionStatus(StrEnum):
    """The values of ``sessions.status``."""

    PROCESSING = "processing"
    AWAITING_VALIDATION = "awaiting_validation"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _parse_json_column(value: object) -> object:
    """pymysql returns JSON columns as text; cached copies arrive already parsed.

    Parsed by pydantic-core's JSON parser, twice as fast as ``json.loads`` here: the record
    models sit on the primary-key read path.
    """
    return from_json(value) if isinstance(value, str | bytes) else value


class NewFIR(_Record):
    """What ``FIRRepository.create`` and ``bulk_insert`` take.

    ``created_at`` None means "now, by the server's clock"; ``section_ids`` become the
    ``fir_violations`` rows that link the FIR to ``legal_sections``.
    """

    fir_number: FirNumber
    session_id: SessionId | None = None
    user_id: UserId | None = None
    police_station: PoliceStation
    complaint_text: ComplaintText
    fir_content: FirContent = ""
    violations: list[ViolationEntry] = Field(default_factory=list)
    status: FIRStatus = FIRStatus.PENDING
    created_at: datetime | None = None
    section_ids: tuple[RowId, ...] = ()


class FIRUpdate(_Record):
    """The columns ``FIRRepository.update`` may change; anything else is refused."""

    user_id: UserId | None = None
    police_station: PoliceStation | None = None
    complaint_text: ComplaintText | None = None
    fir_content: FirContent | None = None
    violations: list[ViolationEntry] | None = None
    status: FIRStatus | None = None


class FIRSummary(_Record):
    """A FIR without its long text columns: what lists and pages return."""

    id: RowId
    fir_number: FirNumber
    session_id: SessionId | None
    user_id: UserId | None
    police_station: PoliceStation
    status: FIRStatus
    created_at: Timestamp
    finalized_at: Timestamp | None


class FIRRecord(FIRSummary):
    """Every column of one ``fir_records`` row."""

    complaint_text: ComplaintText
    fir_content: FirContent
    violations: list[ViolationEntry]

    @field_validator("violations", mode="before")
    @classmethod
    def _violations_from_json(cls, value: object) -> object:
        return _parse_json_column(value)


class NewLegalSection(_Record):
    """One statute section (IPC/BNS) as loaded from the knowledge base."""

    section_number: SectionNumber
    title: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=65_535)]
    penalty: Annotated[str, StringConstraints(max_length=255)]
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class LegalSection(NewLegalSection):
    id: RowId


class Violation(_Record):
    """A legal section linked to a FIR through ``fir_violations``."""

    section_id: RowId
    section_number: SectionNumber
    title: str
    penalty: str
    category: str


class FIRWithViolations(_Record):
    fir: FIRRecord
    violations: list[Violation]


class NewSession(_Record):
    id: SessionId = Field(default_factory=lambda: str(uuid.uuid4()))
    state: dict[str, JsonValue]
    status: SessionStatus = SessionStatus.PROCESSING
    current_step: StepName


class SessionRecord(NewSession):
    """One ``sessions`` row: the interactive FIR flow's state between requests."""

    created_at: Timestamp
    last_activity: Timestamp

    @field_validator("state", mode="before")
    @classmethod
    def _state_from_json(cls, value: object) -> object:
        return _parse_json_column(value)


class SearchHit(_Record, Generic[ItemT]):
    """A FULLTEXT match and its relevance score (higher is more relevant)."""

    item: ItemT
    score: float


class Page(_Record, Generic[ItemT]):
    """One keyset page; the cursors are opaque and only valid for the same filter."""

    items: list[ItemT]
    next_cursor: str | None
    prev_cursor: str | None
    has_more: bool


class StatusStats(_Record):
    """How many FIRs have a status and how old they are on average (until finalized or now)."""

    status: FIRStatus
    count: Annotated[int, Field(ge=0)]
    avg_age_seconds: float


class DailyCount(_Record):
    day: date
    count: Annotated[int, Field(ge=0)]
