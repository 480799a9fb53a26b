"""HTTP request and response bodies, with the original AFIRGen constraints in Pydantic v2 form.

The original declared these with ``constr(regex=...)``, which Pydantic v2 rejects at import
time; that one break kept every API benchmark from running.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from afirgen_fixtures.models.records import FIR_NUMBER_PATTERN
from afirgen_fixtures.models.records import SESSION_ID_PATTERN as UUID_PATTERN

SessionId = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
FirNumber = Annotated[str, StringConstraints(pattern=FIR_NUMBER_PATTERN, max_length=50)]
ComplaintText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=10, max_length=50_000)
]
UserInput = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
AuthKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=256)]


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
    interactive: bool = Field(
        default=True,
        description="true: open a session at the transcript step; "
        "false: run the whole pipeline now and store the FIR",
    )


class ValidationRequest(Strict):
    session_id: SessionId
    approved: bool
    user_input: UserInput | None = None


class RegenerateRequest(Strict):
    step: ValidationStep
    user_input: UserInput | None = None


class AuthRequest(Strict):
    fir_number: FirNumber
    auth_key: AuthKey


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
    status: str
    current_step: str
    awaiting_validation: bool
    created_at: datetime
    last_activity: datetime


class FIRStatusResponse(BaseModel):
    fir_number: str
    status: str
    created_at: datetime
    finalized_at: datetime | None = None


class FIRContentResponse(FIRStatusResponse):
    police_station: str
    content: str
    violations: list[dict[str, Any]]


class AuthResponse(BaseModel):
    success: bool
    message: str
    fir_number: str | None = None


class HealthResponse(BaseModel):
    status: str
    database: str
    cache: str
    version: str
