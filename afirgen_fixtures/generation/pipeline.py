"""The FIR generation pipeline, cached and uncached.

``draft`` runs normalise -> extract -> summarise -> retrieve and decide violations -> narrate,
and keeps the result in Redis under the complaint's normalised hash (kind ``generated_fir``,
TTL 7200 s), so a complaint seen before skips every step. ``store`` then renders the FIR with a
fresh number and writes it. The two paths are what the cached and uncached benchmarks time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from afirgen_fixtures.cache import CacheManager
from afirgen_fixtures.db.repositories import FIRRepository, LegalSectionRepository
from afirgen_fixtures.generation.extract import Facts, extract_facts
from afirgen_fixtures.generation.model import NarrativeModel
from afirgen_fixtures.generation.normalize import complaint_key, normalize_complaint
from afirgen_fixtures.generation.render import render_fir
from afirgen_fixtures.generation.retrieval import find_violations
from afirgen_fixtures.models.records import (
    FIRRecord,
    FIRStatus,
    LegalSection,
    NewFIR,
    fir_number_for,
)

GENERATED_KIND = "generated_fir"


class Draft(BaseModel):
    """Everything generated from one complaint, before it gets a number and a station."""

    model_config = ConfigDict(frozen=True)

    key: str
    transcript: str
    facts: Facts
    summary: str
    sections: tuple[LegalSection, ...]
    narrative: str


class GeneratedFIR(BaseModel):
    record: FIRRecord
    cached: bool


def utc_now() -> datetime:
    """Naive UTC, as the DATETIME columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


class FIRGenerator:
    """Generates, renders and stores FIRs."""

    def __init__(
        self,
        *,
        firs: FIRRepository,
        sections: LegalSectionRepository,
        model: NarrativeModel,
        police_station: str,
        cache: CacheManager | None = None,
    ) -> None:
        self.firs = firs
        self.sections = sections
        self.model = model
        self.police_station = police_station
        self.cache = cache

    # -- the steps, also used one at a time by the interactive flow ---------------------

    def summarise(self, transcript: str, guidance: str | None = None) -> tuple[Facts, str]:
        facts = extract_facts(transcript)
        return facts, self.model.summarise(transcript, facts, guidance)

    def violations(
        self, facts: Facts, summary: str, guidance: str | None = None
    ) -> list[LegalSection]:
        if guidance:
            facts = facts.model_copy(update={"cues": (*facts.cues, *guidance.lower().split())})
        return find_violations(self.sections, facts, summary)

    def narrate(
        self,
        transcript: str,
        facts: Facts,
        sections: tuple[LegalSection, ...] | list[LegalSection],
        guidance: str | None = None,
    ) -> str:
        return self.model.narrate(transcript, facts, sections, guidance)

    # -- the whole pipeline ---------------------------------------------------------------

    def draft(self, complaint: str, *, use_cache: bool = True) -> tuple[Draft, bool]:
        """The draft for a complaint and whether it came from the cache."""
        transcript = normalize_complaint(complaint)
        key = complaint_key(transcript)
        if not (use_cache and self.cache):
            return self._build_draft(key, transcript), False
        built: list[Draft] = []

        def build() -> Draft:
            built.append(self._build_draft(key, transcript))
            return built[0]

        draft = self.cache.get_or_fetch(GENERATED_KIND, key, build, model=Draft)
        return draft, not built

    def _build_draft(self, key: str, transcript: str) -> Draft:
        facts, summary = self.summarise(transcript)
        sections = tuple(self.violations(facts, summary))
        narrative = self.narrate(transcript, facts, sections)
        return Draft(
            key=key,
            transcript=transcript,
            facts=facts,
            summary=summary,
            sections=sections,
            narrative=narrative,
        )

    def store(
        self,
        draft: Draft,
        *,
        session_id: str,
        user_id: str | None = None,
        status: FIRStatus = FIRStatus.PENDING,
    ) -> FIRRecord:
        """Number, render and insert the FIR for one session (at most one FIR per session)."""
        return self.firs.create(
            self.render(draft, session_id=session_id, user_id=user_id, status=status)
        )

    def render(
        self,
        draft: Draft,
        *,
        session_id: str,
        user_id: str | None = None,
        status: FIRStatus = FIRStatus.PENDING,
    ) -> NewFIR:
        """Number and render the FIR for one session, ready to insert."""
        registered_at = utc_now()
        fir_number = fir_number_for(session_id, registered_at)
        content = render_fir(
            fir_number=fir_number,
            police_station=self.police_station,
            registered_at=registered_at,
            facts=draft.facts,
            summary=draft.summary,
            sections=draft.sections,
            narrative=draft.narrative,
        )
        return NewFIR(
            fir_number=fir_number,
            session_id=session_id,
            user_id=user_id,
            police_station=self.police_station,
            complaint_text=draft.transcript,
            fir_content=content,
            violations=[
                {"section_number": s.section_number, "title": s.title} for s in draft.sections
            ],
            status=status,
            created_at=registered_at,
            section_ids=tuple(s.id for s in draft.sections),
        )

    def generate(
        self, complaint: str, *, session_id: str, user_id: str | None = None, use_cache: bool = True
    ) -> GeneratedFIR:
        draft, cached = self.draft(complaint, use_cache=use_cache)
        return GeneratedFIR(
            record=self.store(draft, session_id=session_id, user_id=user_id), cached=cached
        )
