"""The FIR document: a fixed template filled from the draft and the registration details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from string import Template

from afirgen_fixtures.generation.extract import Facts
from afirgen_fixtures.models.records import LegalSection

FIR_TEMPLATE = Template(
    """FIRST INFORMATION REPORT
(Under Section 173 of the Bharatiya Nagarik Suraksha Sanhita)

FIR No.: $fir_number
Police Station: $police_station
Registered on: $registered_at

1. Date of occurrence: $date
2. Time of occurrence: $time
3. Place of occurrence: $place
4. Persons named: $parties
5. Property involved: $objects
6. Sections of law: $sections

7. Summary:
$summary

8. First information:
$narrative

Officer in charge: signature pending authentication
"""
)


def render_fir(
    *,
    fir_number: str,
    police_station: str,
    registered_at: datetime,
    facts: Facts,
    summary: str,
    sections: Sequence[LegalSection],
    narrative: str,
) -> str:
    return FIR_TEMPLATE.substitute(
        fir_number=fir_number,
        police_station=police_station,
        registered_at=f"{registered_at:%d-%m-%Y %H:%M}",
        date=facts.date or "not stated",
        time=facts.time or "not stated",
        place=facts.place or "not stated",
        parties=", ".join(facts.parties) or "unknown",
        objects=", ".join(facts.objects) or "none stated",
        sections="; ".join(f"{s.section_number} {s.title}" for s in sections) or "none",
        summary=summary,
        narrative=narrative,
    )
