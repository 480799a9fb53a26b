"""Pulling the facts an FIR needs out of a complaint: when, where, who, what, which offence.

Rule-based on the shared vocabulary (``afirgen_fixtures.data.vocabulary``), so the result is
deterministic and the same words the data generator writes are the ones found here.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict

from afirgen_fixtures.data import vocabulary

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS}),? \d{{4}}"
    rf"|(?:{_MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_TIME = re.compile(r"\b(\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2})", re.IGNORECASE)
_PLACE_AFTER_PREPOSITION = re.compile(
    r"\b(?:at|near|in front of|outside) ((?:[A-Z][\w'-]+ ?){1,4})"
)


class Facts(BaseModel):
    """What the complaint says happened, as found in its text."""

    model_config = ConfigDict(frozen=True)

    date: str | None = None
    time: str | None = None
    place: str | None = None
    parties: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    offences: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        """Legal-section categories of the offences found, most specific first, no repeats."""
        seen: dict[str, None] = {}
        for name in self.offences:
            for category in vocabulary.OFFENCE_BY_NAME[name].categories:
                seen.setdefault(category, None)
        return tuple(seen)


@cache
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(phrases, key=len, reverse=True)  # longest first: "gold chain" over "gold"
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in ordered) + r")\b", re.IGNORECASE)


@cache
def _name_pattern() -> re.Pattern[str]:
    first = "|".join(map(re.escape, vocabulary.FIRST_NAMES))
    last = "|".join(map(re.escape, vocabulary.LAST_NAMES))
    return re.compile(rf"\b(?:{first}) (?:{last})\b")


def _unique(found: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(found))


def extract_facts(text: str) -> Facts:
    """Find date, time, place, parties, objects and offence cues in a normalised complaint."""
    offence_hits: list[tuple[int, int, str]] = []
    cues: list[str] = []
    for order, offence in enumerate(vocabulary.OFFENCES):
        matches = [m.lower() for m in _phrase_pattern(offence.cues).findall(text)]
        if matches:
            offence_hits.append((-len(matches), order, offence.name))
            cues.extend(matches)
    place_match = _phrase_pattern(vocabulary.PLACES).search(text)
    place = place_match.group(1) if place_match else None
    if place is None and (fallback := _PLACE_AFTER_PREPOSITION.search(text)):
        place = fallback.group(1).strip()
    date_match, time_match = _DATE.search(text), _TIME.search(text)
    objects = _phrase_pattern(vocabulary.OBJECTS + vocabulary.VEHICLES).findall(text)
    return Facts(
        date=date_match.group(1) if date_match else None,
        time=time_match.group(1) if time_match else None,
        place=place,
        parties=_unique(_name_pattern().findall(text)),
        objects=_unique([o.lower() for o in objects]),
        offences=tuple(name for _, _, name in sorted(offence_hits)),
        cues=_unique(cues),
    )
