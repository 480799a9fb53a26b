"""Choosing the legal sections a complaint attracts: FULLTEXT retrieval, then ranking.

MariaDB's natural-language FULLTEXT search finds candidates from the complaint's offence cues;
the ranking then prefers sections whose category matches an offence found in the text, the
most specific category first. Ties break on the section number, so the choice is stable.
"""

from __future__ import annotations

from collections.abc import Sequence

from afirgen_fixtures.data import vocabulary
from afirgen_fixtures.db.repositories import LegalSectionRepository
from afirgen_fixtures.generation.extract import Facts
from afirgen_fixtures.models.records import LegalSection, SearchHit

CANDIDATES = 40
MAX_VIOLATIONS = 4
_PER_CATEGORY = (2, 1, 1)  # sections taken from an offence's 1st, 2nd and 3rd category


def retrieval_query(facts: Facts, summary: str) -> str:
    """The words to search with: the offence cues and names found, else the summary."""
    return " ".join([*facts.cues, *facts.offences]) or summary


def rank(hits: Sequence[SearchHit[LegalSection]]) -> list[SearchHit[LegalSection]]:
    """Most relevant first; ties break on the section number so the order is stable."""
    return sorted(hits, key=lambda hit: (-hit.score, hit.item.section_number))


def decide_violations(
    ranked: Sequence[SearchHit[LegalSection]], facts: Facts
) -> list[LegalSection]:
    """Per offence found, the best sections of its categories, most specific first; at most
    four. With no offence recognised, the two best textual matches."""
    if not facts.offences:
        return [hit.item for hit in ranked[:2]]
    by_category: dict[str, list[LegalSection]] = {}
    for hit in ranked:
        by_category.setdefault(hit.item.category, []).append(hit.item)
    chosen: dict[str, LegalSection] = {}
    for offence in facts.offences:
        categories = vocabulary.OFFENCE_BY_NAME[offence].categories
        for category, quota in zip(categories, _PER_CATEGORY, strict=False):
            for section in by_category.get(category, [])[:quota]:
                chosen.setdefault(section.section_number, section)
    return list(chosen.values())[:MAX_VIOLATIONS]


def find_violations(
    sections: LegalSectionRepository, facts: Facts, summary: str
) -> list[LegalSection]:
    hits = sections.search(retrieval_query(facts, summary), mode="natural", limit=CANDIDATES)
    return decide_violations(rank(hits), facts)
