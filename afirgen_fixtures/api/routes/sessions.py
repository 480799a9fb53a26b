"""The interactive FIR flow over HTTP: process, validate, regenerate, status, authenticate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from afirgen_fixtures.api.deps import BackendDep
from afirgen_fixtures.api.errors import error_responses
from afirgen_fixtures.api.security import require_api_key
from afirgen_fixtures.generation.flow import StepResult
from afirgen_fixtures.models.api import (
    SESSION_ID_EXAMPLE,
    UUID_PATTERN,
    AuthRequest,
    AuthResponse,
    ProcessRequest,
    ProcessResponse,
    RegenerateRequest,
    SessionStatusResponse,
    ValidationRequest,
    ValidationResponse,
    ValidationStep,
)
from afirgen_fixtures.models.records import SessionStatus

router = APIRouter(prefix="/api/v1", tags=["sessions"], dependencies=[Depends(require_api_key)])

SessionIdPath = Annotated[str, Path(pattern=UUID_PATTERN, examples=[SESSION_ID_EXAMPLE])]
_NO_SESSION = "No session with this id"
_STEP_CONFLICT = "The session is completed, or another request moved it on meanwhile"


def _guidance(user_input: str | None) -> str | None:
    """Blank guidance is no guidance: the step is shown again rather than regenerated."""
    return (user_input or "").strip() or None


def _validation_response(result: StepResult) -> ValidationResponse:
    return ValidationResponse(
        session_id=result.session.id,
        current_step=result.step,
        content=result.content,
        message=result.message,
        requires_validation=not result.completed,
        completed=result.completed,
    )


@router.post(
    "/process",
    response_model=ProcessResponse,
    responses=error_responses(400, 401, 413, 422, 503),
)
def process(body: ProcessRequest, backend: BackendDep) -> Response:
    # Serialized here, once: the documented model, without FastAPI validating it again.
    # (No docstring: it would become the operation's description in the OpenAPI document.)
    if body.interactive:
        result = backend.flow.start(body.text)
        response = ProcessResponse(
            session_id=result.session.id,
            current_step=result.step,
            requires_validation=True,
            content_for_validation=result.content,
        )
    else:
        session, record, cached = backend.flow.generate_now(body.text)
        response = ProcessResponse(
            session_id=session.id,
            current_step=ValidationStep.COMPLETED,
            requires_validation=False,
            fir_number=record.fir_number,
            fir_content=record.fir_content,
            cached=cached,
        )
    return Response(response.model_dump_json(), media_type="application/json")


@router.post(
    "/validate",
    response_model=ValidationResponse,
    responses=error_responses(
        400, 401, 404, 409, 413, 422, 503, notes={404: _NO_SESSION, 409: _STEP_CONFLICT}
    ),
)
def validate(body: ValidationRequest, backend: BackendDep) -> ValidationResponse:
    result = backend.flow.validate(
        body.session_id, approved=body.approved, user_input=_guidance(body.user_input)
    )
    return _validation_response(result)


@router.post(
    "/regenerate/{session_id}",
    response_model=ValidationResponse,
    responses=error_responses(
        400,
        401,
        404,
        409,
        413,
        422,
        503,
        notes={404: _NO_SESSION, 409: f"{_STEP_CONFLICT}, or step is not its current step"},
    ),
)
def regenerate(
    session_id: SessionIdPath, body: RegenerateRequest, backend: BackendDep
) -> ValidationResponse:
    result = backend.flow.regenerate(session_id, body.step, _guidance(body.user_input))
    return _validation_response(result)


@router.get(
    "/session/{session_id}/status",
    response_model=SessionStatusResponse,
    responses=error_responses(401, 404, 413, 422, 503, notes={404: _NO_SESSION}),
)
def session_status(session_id: SessionIdPath, backend: BackendDep) -> SessionStatusResponse:
    session = backend.flow.status(session_id)
    return SessionStatusResponse(
        session_id=session.id,
        status=session.status,
        current_step=session.current_step,
        awaiting_validation=session.status == SessionStatus.AWAITING_VALIDATION,
        created_at=session.created_at,
        last_activity=session.last_activity,
    )


@router.post(
    "/authenticate",
    response_model=AuthResponse,
    responses=error_responses(
        400,
        401,
        404,
        409,
        413,
        422,
        503,
        notes={
            401: "X-API-Key is missing or wrong, or auth_key is not the officer's key",
            404: "No FIR with this number",
            409: "The FIR is already finalized, or in a status that cannot be finalized",
        },
    ),
)
def authenticate(body: AuthRequest, backend: BackendDep) -> AuthResponse:
    """Finalize a FIR with the officer's key."""
    record = backend.flow.authenticate(body.fir_number, body.auth_key.strip())
    return AuthResponse(success=True, message="FIR finalized", fir_number=record.fir_number)
