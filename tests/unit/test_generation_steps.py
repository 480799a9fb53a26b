"""Pure steps of FIR generation: normalising, extracting facts, deciding violations, rendering."""

from __future__ import annotations

from datetime import datetime

import pytest

from afirgen_fixtures.generation.extract import Facts, extract_facts
from afirgen_fixtures.generation.model import TemplateModel
from afirgen_fixtures.generation.normalize import complaint_key, normalize_complaint
from afirgen_fixtures.generation.render import render_fir
from afirgen_fixtures.generation.retrieval import MAX_VIOLATIONS, decide_violations, rank
from afirgen_fixtures.models.records import LegalSection, SearchHit

COMPLAINT = (
    "On 12 March 2025 at around 9:30 pm two men on a motorcycle snatched my gold chain near "
    "Karol Bagh metro station. Ramesh Kumar saw it."
)


def _section(number: str, category: str, score: float) -> SearchHit[LegalSection]:
    item = LegalSection(
        id=abs(hash(number)) % 10_000 + 1,
        section_number=number,
        title=f"Title {number}",
        description="text",
        penalty="fine",
        category=category,
    )
    return SearchHit[LegalSection](item=item, score=score)


def test_normalising_removes_noise_but_keeps_paragraphs() -> None:
    raw = "  My  phone\u00a0was\tstolen.\r\n\r\n\r\nAt the\x07 bus stop. "
    assert normalize_complaint(raw) == "My phone was stolen.\n\nAt the bus stop."


def test_complaint_key_ignores_case_and_spacing_only() -> None:
    assert complaint_key("My phone was STOLEN") == complaint_key("my  phone was stolen")
    assert complaint_key("my phone was stolen") != complaint_key("my laptop was stolen")


def test_facts_found_in_a_complaint() -> None:
    facts = extract_facts(COMPLAINT)
    assert facts.date == "12 March 2025"
    assert facts.time == "9:30 pm"
    assert facts.place == "Karol Bagh metro station"
    assert facts.parties == ("Ramesh Kumar",)
    assert set(facts.objects) == {"gold chain", "motorcycle"}
    assert facts.offences == ("chain snatching",)
    assert facts.categories[0] == "robbery"


def test_complaint_without_offence_words_has_no_offence() -> None:
    facts = extract_facts("My neighbour plays loud music every night and I cannot sleep.")
    assert facts.offences == ()
    assert facts.categories == ()


def test_violations_prefer_the_offences_own_categories_most_specific_first() -> None:
    facts = Facts(offences=("chain snatching",))
    hits = [
        _section("BNS 1", "hurt", 9.0),
        _section("BNS 2", "robbery", 3.0),
        _section("BNS 3", "theft", 8.0),
        _section("BNS 4", "robbery", 5.0),
        _section("BNS 5", "robbery", 1.0),
    ]
    chosen = [s.section_number for s in decide_violations(rank(hits), facts)]
    assert chosen == ["BNS 4", "BNS 2", "BNS 1"]


def test_at_most_four_violations_and_stable_ties() -> None:
    facts = Facts(offences=("chain snatching", "assault", "criminal intimidation"))
    hits = [
        _section(f"BNS {n}", c, 1.0)
        for n, c in enumerate(
            ["robbery", "robbery", "hurt", "criminal_intimidation", "general", "defamation"] * 2
        )
    ]
    chosen = decide_violations(rank(hits), facts)
    assert len(chosen) == MAX_VIOLATIONS
    assert chosen == decide_violations(rank(list(reversed(hits))), facts)


def test_template_model_is_deterministic_and_uses_guidance() -> None:
    facts = extract_facts(COMPLAINT)
    model = TemplateModel()
    assert model.summarise(COMPLAINT, facts) == model.summarise(COMPLAINT, facts)
    assert "blue helmet" in model.summarise(COMPLAINT, facts, "One wore a blue helmet.")


def test_rendered_fir_carries_number_station_and_sections() -> None:
    facts = extract_facts(COMPLAINT)
    section = _section("BNS 304(2)", "robbery", 1.0).item
    text = render_fir(
        fir_number="FIR-0123abcd-20250312213000",
        police_station="Karol Bagh Police Station, New Delhi",
        registered_at=datetime(2025, 3, 12, 22, 0),
        facts=facts,
        summary="summary",
        sections=[section],
        narrative="narrative",
    )
    for expected in (
        "FIR-0123abcd-20250312213000",
        "Karol Bagh Police Station",
        "BNS 304(2)",
        "12-03-2025 22:00",
        "Karol Bagh metro station",
    ):
        assert expected in text


def test_guidance_that_would_overflow_the_stored_complaint_is_refused() -> None:
    from afirgen_fixtures.generation.flow import SessionConflictError, _extended_transcript
    from afirgen_fixtures.models.records import COMPLAINT_TEXT_MAX_BYTES

    transcript = "a" * (COMPLAINT_TEXT_MAX_BYTES - 20)
    assert _extended_transcript(transcript, "short").endswith("short")
    with pytest.raises(SessionConflictError, match="exceed"):
        _extended_transcript(transcript, "guidance " * 10)
