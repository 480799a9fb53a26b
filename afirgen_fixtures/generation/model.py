"""The model step: turning facts into a summary and an FIR narrative.

The built-in ``TemplateModel`` is deterministic and needs no network, so tests and benchmarks
measure the backend, not a language model. ``HTTPCompletionModel`` calls a completion endpoint
instead; it is used only when ``AFIRGEN_MODEL_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import httpx

from afirgen_fixtures.generation.extract import Facts
from afirgen_fixtures.models.records import LegalSection


class NarrativeModel(Protocol):
    """What the pipeline asks of a model."""

    def summarise(self, transcript: str, facts: Facts, guidance: str | None = None) -> str: ...

    def narrate(
        self,
        transcript: str,
        facts: Facts,
        sections: Sequence[LegalSection],
        guidance: str | None = None,
    ) -> str: ...


def _listing(items: Sequence[str], empty: str) -> str:
    if not items:
        return empty
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class TemplateModel:
    """Deterministic sentences from the extracted facts."""

    def summarise(self, transcript: str, facts: Facts, guidance: str | None = None) -> str:
        offence = _listing(list(facts.offences), "an incident")
        when = " ".join(
            filter(
                None, [facts.date and f"on {facts.date}", facts.time and f"at about {facts.time}"]
            )
        )
        where = f" at {facts.place}" if facts.place else ""
        first = f"The complainant reports {offence}{where}{' ' + when if when else ''}."
        second = f"Property involved: {_listing(list(facts.objects), 'none stated')}."
        if guidance:
            second += f" Complainant adds: {guidance}"
        return f"{first}\n{second}"

    def narrate(
        self,
        transcript: str,
        facts: Facts,
        sections: Sequence[LegalSection],
        guidance: str | None = None,
    ) -> str:
        parties = _listing(list(facts.parties), "unknown persons")
        cited = _listing([f"{s.section_number} ({s.title})" for s in sections], "no section yet")
        lines = [
            f"The complainant approached the police station and stated that {parties} "
            f"were involved in the incident described below.",
            f"Nature of offence: {_listing(list(facts.offences), 'to be determined')}.",
            f"Place of occurrence: {facts.place or 'not stated'}; "
            f"date and time: {facts.date or 'not stated'} {facts.time or ''}".rstrip()
            + ".",
            f"Property: {_listing(list(facts.objects), 'none stated')}.",
            f"On the facts stated, the matter attracts {cited}.",
            "Statement of the complainant, as recorded:",
            transcript,
        ]
        if guidance:
            lines.insert(5, f"Additional information from the complainant: {guidance}")
        return "\n".join(lines)


class HTTPCompletionModel:
    """A completion endpoint (``POST url`` with prompt, answer in ``text`` or ``choices``)."""

    def __init__(self, url: str, *, timeout_s: float = 60.0) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout_s)

    def _complete(self, prompt: str, max_tokens: int) -> str:
        response = self._client.post(
            self.url, json={"prompt": prompt, "max_tokens": max_tokens, "temperature": 0}
        )
        response.raise_for_status()
        body = response.json()
        text = body.get("text") or body["choices"][0]["text"]
        return str(text).strip()

    def summarise(self, transcript: str, facts: Facts, guidance: str | None = None) -> str:
        extra = f"\nAdditional input: {guidance}" if guidance else ""
        return self._complete(
            f"Summarise this police complaint in two lines:\n{transcript}{extra}", 100
        )

    def narrate(
        self,
        transcript: str,
        facts: Facts,
        sections: Sequence[LegalSection],
        guidance: str | None = None,
    ) -> str:
        cited = ", ".join(f"{s.section_number} {s.title}" for s in sections)
        extra = f"\nAdditional input: {guidance}" if guidance else ""
        return self._complete(
            f"Write the narrative of a First Information Report citing {cited}.\n"
            f"Complaint:\n{transcript}{extra}",
            400,
        )


def model_from_url(url: str | None) -> NarrativeModel:
    return HTTPCompletionModel(url) if url else TemplateModel()
