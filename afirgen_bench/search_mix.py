"""Generate the search query mix from the data set's own vocabulary and term frequencies.

The suite measured five friendly queries the backend was tuned on; users type single offence
words, words found in nearly every complaint, two- and three-word descriptions, quoted
phrases and boolean expressions. This draws each class from the document frequencies of a
sample of the data set (the first complaints the seeded generator writes, the same text
MariaDB holds), with one seed, so the mix is reproducible and a test can check the committed
``benchmarks/search_queries.json`` is exactly what this writes.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from afirgen_fixtures.db.fulltext import MIN_TOKEN, is_indexed


def _suite_queries_module():
    """The suite's ``benchmarks/search_queries.py`` (the one reader of the mix), loaded by
    path: ``benchmarks`` is asv's folder, not an installed package."""
    name = "afirgen_suite_search_queries"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "benchmarks" / "search_queries.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


suite_queries = _suite_queries_module()
QueryClass = suite_queries.QueryClass
MIX_FILE: Path = suite_queries.MIX_FILE
MIX_SEED = 20261206
SAMPLE_COMPLAINTS = 5_000
QUERIES_PER_CLASS = 20
RARE_BELOW = 0.005
COMMON_BAND = (0.01, 0.20)
FREQUENT_FROM = 0.50
PHRASE_FROM = 0.01

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ClassRule:
    """How one class is drawn, in words for the README and as the share of searches."""

    query_class: QueryClass
    share: float
    mode: str
    rule: str


RULES = (
    ClassRule(QueryClass.RARE, 0.15, "natural", "one word in under 0.5 % of complaints"),
    ClassRule(QueryClass.COMMON, 0.15, "natural", "one word in 1-20 % of complaints"),
    ClassRule(QueryClass.FREQUENT, 0.10, "natural", "one word in half of complaints or more"),
    ClassRule(
        QueryClass.WORDS,
        0.25,
        "natural",
        "two or three words taken from one complaint, as a user describes an incident",
    ),
    ClassRule(
        QueryClass.PHRASE,
        0.15,
        "natural",
        'a quoted "phrase" of two or three adjacent words found in 1 % of complaints or more',
    ),
    ClassRule(
        QueryClass.BOOLEAN,
        0.20,
        "boolean",
        '+a +b, +a -b, prefix*, +(a b) +c and +"a b" +c over words of one complaint',
    ),
)


def sample_complaints(count: int = SAMPLE_COMPLAINTS) -> list[str]:
    """The first ``count`` complaints of the default data set, generated as the loader does."""
    from afirgen_fixtures.data import DEFAULT_SCALE, DEFAULT_SEED
    from afirgen_fixtures.data.generator import TABLE_COLUMNS, DatasetGenerator

    text_at = TABLE_COLUMNS["fir_records"].index("complaint_text")
    complaints: list[str] = []
    for chunk in DatasetGenerator(DEFAULT_SCALE, DEFAULT_SEED).chunks():
        complaints += [row[text_at] for row in chunk.rows["fir_records"]]
        if len(complaints) >= count:
            return complaints[:count]
    return complaints


@dataclass(frozen=True)
class Profile:
    """Document frequencies of terms (indexed words of letters: not house or phone numbers)
    and of adjacent word pairs and triples, as MariaDB's index splits the text."""

    documents: int
    terms: dict[str, float]
    phrases: dict[str, float]

    @classmethod
    def of(cls, complaints: Sequence[str]) -> Profile:
        terms: Counter[str] = Counter()
        phrases: Counter[str] = Counter()
        for text in complaints:
            words = _WORD.findall(text.lower())
            terms.update({w for w in words if is_indexed(w) and w.isalpha()})
            grams = {
                " ".join(words[i : i + n])
                for n in (2, 3)
                for i in range(len(words) - n + 1)
                if is_indexed(words[i]) and is_indexed(words[i + n - 1])
            }
            phrases.update(grams)
        total = len(complaints)
        return cls(
            total,
            {w: c / total for w, c in sorted(terms.items())},
            {p: c / total for p, c in sorted(phrases.items())},
        )

    def band(self, low: float, high: float) -> list[str]:
        return [w for w, df in self.terms.items() if low <= df < high]


def build_mix(complaints: Sequence[str], seed: int = MIX_SEED) -> dict:
    """The committed mix: classes with their share, mode, rule and queries, and the profile."""
    profile = Profile.of(complaints)
    rng = random.Random(seed)
    tokens = [
        [w for w in _WORD.findall(t.lower()) if is_indexed(w) and w.isalpha()] for t in complaints
    ]
    draw: dict[QueryClass, Callable[[], str]] = {
        QueryClass.RARE: lambda: rng.choice(profile.band(0, RARE_BELOW)),
        QueryClass.COMMON: lambda: rng.choice(profile.band(*COMMON_BAND)),
        QueryClass.FREQUENT: lambda: rng.choice(profile.band(FREQUENT_FROM, 1.01)),
        QueryClass.WORDS: lambda: " ".join(
            rng.sample(_distinct(rng.choice(tokens)), rng.choice((2, 3)))
        ),
        QueryClass.PHRASE: lambda: f'"{rng.choice(_common_phrases(profile))}"',
        QueryClass.BOOLEAN: lambda: _boolean(rng, _distinct(rng.choice(tokens)), profile),
    }
    classes = {}
    for rule in RULES:
        picked: list[str] = []
        while len(picked) < QUERIES_PER_CLASS:
            query = draw[rule.query_class]()
            if query not in picked:
                picked.append(query)
        classes[rule.query_class.value] = {
            "share": rule.share,
            "mode": rule.mode,
            "rule": rule.rule,
            "queries": picked,
        }
    return {
        "about": "generated by `python -m afirgen_bench search-mix`; edit the generator, not "
        "this file",
        "seed": seed,
        "sample": {"complaints": profile.documents},
        "profile": _profile_summary(profile),
        "classes": classes,
    }


def _distinct(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))


def _common_phrases(profile: Profile) -> list[str]:
    return [p for p, df in profile.phrases.items() if df >= PHRASE_FROM]


def _boolean(rng: random.Random, words: list[str], profile: Profile) -> str:
    """One boolean expression over words that occur together in one complaint."""
    a, b, c = rng.sample(words, 3)
    absent = rng.choice([w for w in profile.band(*COMMON_BAND) if w not in words])
    shape = rng.randrange(5)
    if shape == 0:
        return f"+{a} +{b}"
    if shape == 1:
        return f"+{a} -{absent}"
    if shape == 2:
        return f"{a[: max(MIN_TOKEN, len(a) - 2)]}*"
    if shape == 3:
        return f"+({a} {b}) +{c}"
    pair = rng.choice([p for p in _common_phrases(profile) if p.count(" ") == 1])
    return f'+"{pair}" +{c}'


def _profile_summary(profile: Profile) -> dict:
    """Term counts per document-frequency band, with the most frequent terms of each."""
    bands = [
        ("50-100 %", FREQUENT_FROM, 1.01),
        ("20-50 %", COMMON_BAND[1], FREQUENT_FROM),
        ("1-20 %", *COMMON_BAND),
        ("0.5-1 %", RARE_BELOW, COMMON_BAND[0]),
        ("under 0.5 %", 0.0, RARE_BELOW),
    ]
    summary = []
    for label, low, high in bands:
        words = sorted(profile.band(low, high), key=lambda w: (-profile.terms[w], w))
        summary.append({"documents": label, "terms": len(words), "most frequent": words[:8]})
    return {"terms": len(profile.terms), "bands": summary}


def render_mix(mix: dict) -> str:
    """The committed file's text."""
    return json.dumps(mix, indent=2) + "\n"
