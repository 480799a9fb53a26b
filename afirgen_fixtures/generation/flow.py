"""The interactive FIR flow of the original AFIRGen, one review step per request.

``start`` opens a session at the transcript step. Each approval moves it on: summary,
violations, narrative, final review (where the FIR is stored, status pending), completed.
A rejection with user input regenerates the current step with that input as guidance.
``authenticate`` finalizes the FIR given its number and the officer's key. All state lives
in the ``sessions`` table, so any API worker can serve any step.
"""

from __future__ import annotations

import hmac
import uuid
from typing import Any

import pymysql
from pydantic import JsonValue

from afirgen_fixtures.db.repositories import RecordNotFoundError, SessionRepository
from afirgen_fixtures.generation.extract import Facts
from afirgen_fixtures.generation.normalize import complaint_key, normalize_complaint
from afirgen_fixtures.generation.pipeline import Draft, FIRGenerator
from afirgen_fixtures.models.api import ValidationStep as Step
from afirgen_fixtures.models.records import (
    COMPLAINT_TEXT_MAX_BYTES,
    FIRRecord,
    LegalSection,
    NewSession,
    SessionRecord,
)
from afirgen_fixtures.models.records import SessionStatus as Status

NEXT_STEP = {
    Step.TRANSCRIPT_REVIEW: Step.SUMMARY_REVIEW,
    Step.SUMMARY_REVIEW: Step.VIOLATIONS_REVIEW,
    Step.VIOLATIONS_REVIEW: Step.FIR_NARRATIVE_REVIEW,
    Step.FIR_NARRATIVE_REVIEW: Step.FINAL_REVIEW,
    Step.FINAL_REVIEW: Step.COMPLETED,
}


class SessionNotFoundError(LookupError):
    """No session with that id (never created, or expired and removed)."""


class SessionConflictError(RuntimeError):
    """The request does not fit the session's current step (or it already completed)."""


class AuthenticationFailedError(PermissionError):
    """The FIR authentication key did not match."""


class StepResult:
    """What a step produced: the session after it, the content to review and a message."""

    def __init__(self, session: SessionRecord, content: dict[str, Any], message: str) -> None:
        self.session = session
        self.content = content
        self.message = message

    @property
    def step(self) -> Step:
        return Step(self.session.current_step)

    @property
    def completed(self) -> bool:
        return self.step is Step.COMPLETED


class InteractiveFlow:
    """Drives sessions through the review steps."""

    def __init__(
        self, *, sessions: SessionRepository, generator: FIRGenerator, auth_key: str
    ) -> None:
        self.sessions = sessions
        self.generator = generator
        self._auth_key = auth_key.encode()

    def start(self, complaint: str) -> StepResult:
        transcript = normalize_complaint(complaint)
        session = self.sessions.create(
            NewSession(
                state={"transcript": transcript},
                status=Status.AWAITING_VALIDATION,
                current_step=Step.TRANSCRIPT_REVIEW.value,
            )
        )
        return StepResult(session, {"transcript": transcript}, "Review the transcript.")

    def generate_now(self, complaint: str) -> tuple[SessionRecord, FIRRecord, bool]:
        """The non-interactive path: the whole pipeline at once, in a completed session.

        The FIR and its completed session are written in one transaction: one commit (the
        cost of a cached draft is its writes), and never one without the other. The session
        is stamped with the FIR's registration time, so nothing is read back.

        A completed session has no step left to review, so its state names its FIR and the
        draft's cache key instead of repeating the draft: the FIR row holds the transcript,
        the rendered text and the sections. About 5 KB less JSON to escape, send, check and
        store per FIR (README, "Seed goals").
        """
        draft, cached = self.generator.draft(complaint)
        session_id = str(uuid.uuid4())
        fir = self.generator.render(draft, session_id=session_id)

        def completed_session(conn: pymysql.Connection, record: FIRRecord) -> SessionRecord:
            return self.sessions.insert(
                conn,
                NewSession(
                    id=session_id,
                    state={
                        "fir_number": record.fir_number,
                        "fir_id": record.id,
                        "draft_key": draft.key,
                    },
                    status=Status.COMPLETED,
                    current_step=Step.COMPLETED.value,
                ),
                at=record.created_at,
            )

        record, session = self.generator.firs.create_with(fir, completed_session)
        return session, record, cached

    def status(self, session_id: str) -> SessionRecord:
        return self._load(session_id)

    def validate(self, session_id: str, *, approved: bool, user_input: str | None) -> StepResult:
        session = self._load(session_id)
        step = _open_step(session)
        if not approved:
            if not user_input:
                return StepResult(
                    session,
                    _content(step, session.state),
                    "Step not approved: send user_input to regenerate it, or approve it.",
                )
            return self._regenerate(session, step, user_input)
        return self._advance(session, step)

    def regenerate(self, session_id: str, step: Step, user_input: str | None) -> StepResult:
        session = self._load(session_id)
        current = _open_step(session)
        if step is not current:
            raise SessionConflictError(
                f"session is at step {current.value}; only that step can be regenerated"
            )
        return self._regenerate(session, current, user_input)

    def authenticate(self, fir_number: str, auth_key: str) -> FIRRecord:
        if not hmac.compare_digest(auth_key.encode(), self._auth_key):
            raise AuthenticationFailedError("the authentication key does not match")
        try:
            return self.generator.firs.finalize(fir_number)
        except RecordNotFoundError:
            raise
        except ValueError as exc:
            raise SessionConflictError(str(exc)) from exc

    # -- steps ----------------------------------------------------------------------------

    def _advance(self, session: SessionRecord, step: Step) -> StepResult:
        state = dict(session.state)
        if step is Step.TRANSCRIPT_REVIEW:
            facts, summary = self.generator.summarise(state["transcript"])
            state.update(facts=facts.model_dump(mode="json"), summary=summary)
        elif step is Step.SUMMARY_REVIEW:
            sections = self.generator.violations(_facts(state), state["summary"])
            state["sections"] = _sections_state(sections)
        elif step is Step.VIOLATIONS_REVIEW:
            state["narrative"] = self.generator.narrate(
                state["transcript"], _facts(state), _sections(state)
            )
        elif step is Step.FIR_NARRATIVE_REVIEW:
            try:
                record = self.generator.store(_state_draft(state), session_id=session.id)
            except pymysql.err.IntegrityError as exc:  # uq_fir_records_session: already stored
                raise SessionConflictError(
                    "this session's FIR was stored by a concurrent request; reload its status"
                ) from exc
            state.update(
                fir_number=record.fir_number, fir_id=record.id, fir_content=record.fir_content
            )
        nxt = NEXT_STEP[step]
        session = self._save(session, state, nxt)
        if nxt is Step.COMPLETED:
            return StepResult(session, {"fir_number": state["fir_number"]}, "FIR completed.")
        return StepResult(session, _content(nxt, state), f"Review the {_label(nxt)}.")

    def _regenerate(self, session: SessionRecord, step: Step, guidance: str | None) -> StepResult:
        state = dict(session.state)
        if step is Step.TRANSCRIPT_REVIEW:
            if guidance:
                state["transcript"] = _extended_transcript(state["transcript"], guidance)
        elif step is Step.SUMMARY_REVIEW:
            facts, summary = self.generator.summarise(state["transcript"], guidance)
            state.update(facts=facts.model_dump(mode="json"), summary=summary)
        elif step is Step.VIOLATIONS_REVIEW:
            sections = self.generator.violations(_facts(state), state["summary"], guidance)
            state["sections"] = _sections_state(sections)
        elif step is Step.FIR_NARRATIVE_REVIEW:
            state["narrative"] = self.generator.narrate(
                state["transcript"], _facts(state), _sections(state), guidance
            )
        else:  # FINAL_REVIEW: the FIR exists; add the complainant's words to its narrative
            state["narrative"] = f"{state['narrative']}\n{guidance or ''}".rstrip()
            record = self.generator.firs.get_by_id(state["fir_id"])
            if record is not None:
                content = record.fir_content.rstrip() + f"\nAddendum: {guidance or ''}\n"
                state["fir_content"] = self.generator.firs.update(
                    record.id, fir_content=content
                ).fir_content
        session = self._save(session, state, step)
        return StepResult(session, _content(step, state), f"Regenerated the {_label(step)}.")

    # -- state ----------------------------------------------------------------------------

    def _load(self, session_id: str) -> SessionRecord:
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionNotFoundError(f"no session {session_id}")
        return session

    def _save(
        self, session: SessionRecord, state: dict[str, JsonValue], step: Step
    ) -> SessionRecord:
        """Write the new state only if the session is still where this request found it."""
        status = Status.COMPLETED if step is Step.COMPLETED else Status.AWAITING_VALIDATION
        saved = self.sessions.update_state(
            session.id, state, status, step.value, expected_step=session.current_step
        )
        if not saved:
            self._load(session.id)  # raises if it is gone
            raise SessionConflictError(
                "another request moved this session on meanwhile; reload its status"
            )
        return self._load(session.id)


def _open_step(session: SessionRecord) -> Step:
    if session.status == Status.COMPLETED or session.current_step == Step.COMPLETED.value:
        raise SessionConflictError("this session is already completed")
    return Step(session.current_step)


def _label(step: Step) -> str:
    return step.value.removesuffix("_review").replace("_", " ")


def _facts(state: dict[str, Any]) -> Facts:
    return Facts.model_validate(state["facts"])


def _sections(state: dict[str, Any]) -> list[LegalSection]:
    return [LegalSection.model_validate(s) for s in state["sections"]]


def _sections_state(sections: list[LegalSection] | tuple[LegalSection, ...]) -> list[Any]:
    return [s.model_dump(mode="json") for s in sections]


def _state_draft(state: dict[str, Any]) -> Draft:
    return Draft(
        key=complaint_key(state["transcript"]),
        transcript=state["transcript"],
        facts=_facts(state),
        summary=state["summary"],
        sections=tuple(_sections(state)),
        narrative=state["narrative"],
    )


def _content(step: Step, state: dict[str, Any]) -> dict[str, Any]:
    """What the complainant reviews at ``step``."""
    if step is Step.TRANSCRIPT_REVIEW:
        return {"transcript": state["transcript"]}
    if step is Step.SUMMARY_REVIEW:
        return {"summary": state["summary"]}
    if step is Step.VIOLATIONS_REVIEW:
        return {
            "violations": [
                {k: s[k] for k in ("section_number", "title", "penalty")} for s in state["sections"]
            ]
        }
    if step is Step.FIR_NARRATIVE_REVIEW:
        return {"narrative": state["narrative"]}
    return {"fir_number": state.get("fir_number"), "fir_content": state.get("fir_content")}


def _extended_transcript(transcript: str, guidance: str) -> str:
    """The transcript with the officer's guidance appended, refused (409) once it would no
    longer fit the stored complaint's column: repeated guidance must not grow it without
    bound until storing the FIR fails."""
    extended = normalize_complaint(f"{transcript}\n\n{guidance}")
    if len(extended.encode()) > COMPLAINT_TEXT_MAX_BYTES:
        raise SessionConflictError(
            f"with this guidance the transcript would exceed {COMPLAINT_TEXT_MAX_BYTES:,} bytes; "
            "approve it, or regenerate with shorter guidance"
        )
    return extended
