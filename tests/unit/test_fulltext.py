"""The search planner's pure parts: what it plans, what it leaves to InnoDB, and the SQL."""

from __future__ import annotations

import re

import pytest

from afirgen_fixtures.db.fulltext import (
    Atom,
    Postings,
    against,
    driver,
    every_term_within,
    parse,
    predicate,
)

TEXTS = [
    "Respected Sir/Madam, my gold chain was snatched near the market.",
    "The lock of the cupboard was broken and my phone stolen.",
    "Someone snatched my phone; the police did not come.",
]


def matches(query: str, mode: str, text: str) -> bool:
    """The predicate's SQL evaluated by Python's re (the patterns are PCRE-compatible)."""
    group = parse(query, mode)  # type: ignore[arg-type]
    assert group is not None
    sql, params = predicate(group, "t")
    python = sql.replace(" AND ", " and ").replace(" OR ", " or ").replace("NOT ", "not ")
    for pattern in params:
        python = python.replace("t REGEXP %s", repr(bool(re.search(pattern, text))), 1)
    return bool(eval(python))  # built above from True/False, and/or/not only


@pytest.mark.parametrize(
    ("query", "mode", "expected"),
    [
        ("snatched", "natural", [True, False, True]),
        ("snatched phone", "natural", [True, True, True]),
        ('"gold chain"', "natural", [True, False, False]),
        ('"chain gold"', "natural", [False, False, False]),
        ("+snatched +phone", "boolean", [False, False, True]),
        ("+phone -police", "boolean", [False, True, False]),
        ("snatch*", "boolean", [True, False, True]),
        ("+(cupboard market) +the", "boolean", [True, True, False]),  # "the" dropped
        ("+(cupboard market) +lock", "boolean", [False, True, False]),
        ('+"sir madam" +gold', "boolean", [True, False, False]),
    ],
)
def test_the_predicate_matches_as_innodbs_boolean_rules_say(
    query: str, mode: str, expected: list[bool]
) -> None:
    assert [matches(query, mode, text) for text in TEXTS] == expected


@pytest.mark.parametrize(
    ("query", "mode"),
    [
        ("~dowry", "boolean"),  # weights are InnoDB's to apply
        (">dowry <chain", "boolean"),
        ("+dowry", "natural"),  # operators mean nothing in natural mode
        ("e-mail", "natural"),
        ("dah*", "natural"),
        ("ab*", "boolean"),  # a prefix shorter than the index's words
        ("the", "natural"),  # nothing left once stop words go
        ('""', "natural"),
        ("chaîne", "natural"),
        ("+(a (b))", "boolean"),
    ],
)
def test_what_the_planner_does_not_model_goes_to_innodb(query: str, mode: str) -> None:
    assert parse(query, mode) is None  # type: ignore[arg-type]


def test_stop_words_and_short_words_are_dropped_as_innodb_drops_them() -> None:
    group = parse("the gold of my chain", "natural")
    assert group is not None
    assert [a.words for a in group.atoms()] == [("gold",), ("chain",)]


def test_a_phrase_keeps_its_short_words_and_is_costed_by_its_indexed_ones() -> None:
    (atom,) = parse('"broke the lock"', "natural").atoms()  # type: ignore[union-attr]
    assert atom.regexp == r"(?i)\bbroke\W+the\W+lock\b"
    assert atom.terms == (Atom(("broke",)), Atom(("lock",)))


def postings(**counts: int) -> Postings:
    return Postings({Atom((w,)): c for w, c in counts.items()}, sample=1_000, rows=100_000)


def test_the_driver_is_the_rarest_required_word() -> None:
    group = parse("+madam +dowry +kochi", "boolean")
    assert group is not None
    found = driver(group, postings(madam=1_000, dowry=15, kochi=8), budget=2_000)
    assert found == [Atom(("kochi",))]  # 800 estimated postings, under dowry's 1,500


def test_optional_words_drive_only_if_every_one_of_them_is_cheap() -> None:
    group = parse("dowry madam", "natural")
    assert group is not None
    assert driver(group, postings(madam=1_000, dowry=15), budget=2_000) is None
    assert driver(group, postings(madam=10, dowry=15), budget=2_000) == [
        Atom(("dowry",)),
        Atom(("madam",)),
    ]


def test_an_excluded_word_never_drives_but_counts_for_running_innodb_as_written() -> None:
    group = parse("+dowry -madam", "boolean")
    assert group is not None
    cheap = postings(madam=1_000, dowry=15)
    assert driver(group, cheap, budget=2_000) == [Atom(("dowry",))]
    assert not every_term_within(group, cheap, budget=2_000)
    assert every_term_within(group, postings(madam=5, dowry=15), budget=2_000)


def test_a_phrase_drives_through_its_rarest_word() -> None:
    group = parse('"respected sir kochi"', "natural")
    assert group is not None
    found = driver(group, postings(respected=1_000, sir=1_000, kochi=8), budget=2_000)
    assert found == [Atom(("kochi",))]
    assert against(found) == "kochi"


def test_idf_follows_innodbs_formula_on_the_sample() -> None:
    counts = postings(madam=1_000, dowry=10)
    assert counts.idf(Atom(("madam",))) == 0
    assert counts.idf(Atom(("dowry",))) == pytest.approx(2.0)
    assert counts.estimate(Atom(("dowry",))) == 1_000


def test_the_matching_share_bounds_what_the_newest_matches_path_reads() -> None:
    from afirgen_fixtures.db.fulltext import matching_share

    counts = postings(madam=1_000, dowry=15, kochi=8)
    assert matching_share(parse("+madam +dowry", "boolean"), counts) == 0.015  # type: ignore[arg-type]
    assert matching_share(parse("dowry kochi", "natural"), counts) == 0.023  # type: ignore[arg-type]
    assert matching_share(parse("madam dowry", "natural"), counts) == 1.0  # type: ignore[arg-type]
    assert matching_share(parse("+(dowry kochi) -madam", "boolean"), counts) == 0.023  # type: ignore[arg-type]
