"""Full-text queries as the search planner sees them: parsed, costed and turned into SQL.

InnoDB's FULLTEXT index does work in proportion to the postings of every word in a query,
whatever the LIMIT: a quoted phrase of two words found in most complaints read every one of
them (6-12 s at 100k FIRs), three such words 330 ms. A word found in most complaints also
tells the ranking almost nothing (InnoDB weighs it by IDF², near 0). So the planner asks the
index only for words it can answer cheaply and checks the rest with a regular expression on
the few rows those words find, the way Lucene's common-terms query treats frequent terms. A
query with no such word is answered from the newest complaints instead (see ``fir.py``).

This module is pure: parsing, the cost test, and SQL text. Only the grammar below is
planned; anything else (``~ < >`` weights, words that are not plain ASCII letters and digits,
operators in natural-language mode) returns ``None`` and goes to InnoDB as written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

SearchMode = Literal["natural", "boolean"]

# InnoDB's default stop words (information_schema.INNODB_FT_DEFAULT_STOPWORD) and its
# innodb_ft_min_token_size (3): the index holds neither, so a bare one matches nothing.
STOPWORDS = frozenset(
    {
        "a",
        "about",
        "an",
        "are",
        "as",
        "at",
        "be",
        "by",
        "com",
        "de",
        "en",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "la",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "und",
        "was",
        "what",
        "when",
        "where",
        "who",
        "will",
        "with",
        "www",
    }
)
MIN_TOKEN = 3

_WORD = re.compile(r"[a-z0-9]+")
_ITEM = re.compile(r'([+-]?)(?:"([^"]*)"|\(([^()]*)\)|([^\s"()]+))')


class Operator(StrEnum):
    """A boolean-mode item's operator: required, excluded, or neither (optional)."""

    REQUIRED = "+"
    EXCLUDED = "-"
    OPTIONAL = ""


@dataclass(frozen=True)
class Atom:
    """A word, a word prefix (``snatch*``) or a phrase: what one regular expression tests."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def regexp(self) -> str:
        """The MariaDB (PCRE) pattern matching it in a complaint, case-insensitively."""
        body = r"\W+".join(self.words)
        return rf"(?i)\b{body}" + ("" if self.prefix else r"\b")

    @property
    def terms(self) -> tuple[Atom, ...]:
        """The indexed words it is made of, each as an atom of its own."""
        if len(self.words) == 1:
            return (self,)
        return tuple(Atom((w,)) for w in self.words if is_indexed(w))

    @property
    def match_term(self) -> str:
        """Its form in a boolean ``AGAINST`` string (a single word or prefix)."""
        return self.words[0] + ("*" if self.prefix else "")


@dataclass(frozen=True)
class Item:
    operator: Operator
    node: Atom | Group


@dataclass(frozen=True)
class Group:
    """A list of items with InnoDB's boolean rules: every required item and no excluded one;
    with no required item, at least one optional item."""

    items: tuple[Item, ...]

    @property
    def required(self) -> list[Item]:
        return [i for i in self.items if i.operator is Operator.REQUIRED]

    @property
    def optional(self) -> list[Item]:
        return [i for i in self.items if i.operator is Operator.OPTIONAL]

    @property
    def excluded(self) -> list[Item]:
        return [i for i in self.items if i.operator is Operator.EXCLUDED]

    def atoms(self) -> list[Atom]:
        """Every atom, in query order, once."""
        found: list[Atom] = []
        for item in self.items:
            for atom in item.node.atoms() if isinstance(item.node, Group) else [item.node]:
                if atom not in found:
                    found.append(atom)
        return found

    def positive(self) -> list[Atom]:
        """The atoms whose presence adds to a row's score (not the excluded ones)."""
        found: list[Atom] = []
        for item in self.items:
            if item.operator is Operator.EXCLUDED:
                continue
            for atom in item.node.positive() if isinstance(item.node, Group) else [item.node]:
                if atom not in found:
                    found.append(atom)
        return found


def is_indexed(word: str) -> bool:
    return len(word) >= MIN_TOKEN and word not in STOPWORDS


def parse(text: str, mode: SearchMode) -> Group | None:
    """The query as a ``Group``, or None if it is outside what the planner handles."""
    group = _parse_list(text.lower(), mode, top=True)
    return group if group is not None and group.atoms() else None


def _parse_list(text: str, mode: SearchMode, *, top: bool) -> Group | None:
    items: list[Item] = []
    position = 0
    for found in _ITEM.finditer(text):
        if text[position : found.start()].strip():
            return None  # characters the item grammar does not cover
        position = found.end()
        operator, phrase, group, word = found.groups()
        if operator and mode == "natural":
            return None
        node: Atom | Group | None
        if group is not None:
            if not top or mode == "natural":
                return None
            node = _parse_list(group, mode, top=False)
        elif phrase is not None:
            node = _phrase(phrase)
        else:
            node = _word(word, mode)
            if node is None:
                return None
            if not node.words:  # a stop word or a short one: InnoDB drops it
                continue
        if node is None:
            return None
        items.append(Item(Operator(operator), node))
    if text[position:].strip() or not items:
        return None
    return Group(tuple(items))


def _word(token: str, mode: SearchMode) -> Atom | None:
    prefix = token.endswith("*")
    if prefix and mode == "natural":
        return None
    word = token.removesuffix("*")
    if not _WORD.fullmatch(word):
        return None
    if prefix:
        return Atom((word,), prefix=True) if len(word) >= MIN_TOKEN else None
    return Atom((word,) if is_indexed(word) else ())


def _phrase(text: str) -> Atom | None:
    words = text.split()
    if not words or not all(_WORD.fullmatch(w) for w in words):
        return None
    if not any(is_indexed(w) for w in words):
        return None
    return Atom(tuple(words))


# --- cost -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Postings:
    """Estimated postings of each indexed word and prefix, from a sample of recent rows."""

    counts: dict[Atom, int]
    sample: int
    rows: int

    def estimate(self, atom: Atom) -> float:
        return self.counts.get(atom, 0) / max(self.sample, 1) * self.rows

    def idf(self, atom: Atom) -> float:
        """InnoDB's IDF, log10(rows / matching rows), with the sample standing in for both."""
        return math.log10(max(self.sample, 1) / max(self.counts.get(atom, 0), 1))

    def share(self, atom: Atom) -> float:
        return self.counts.get(atom, 0) / max(self.sample, 1)

    def cheapest_term(self, atom: Atom) -> Atom | None:
        terms = atom.terms
        return min(terms, key=self.estimate) if terms else None


def driver(group: Group, postings: Postings, budget: float) -> list[Atom] | None:
    """Indexed words (or prefixes) at least one of which every matching row contains, each
    with at most ``budget`` estimated postings, as few postings as possible; None if there
    are none (then the index cannot narrow the query cheaply)."""
    if group.required:
        options = [_item_driver(i, postings, budget) for i in group.required]
        found = [o for o in options if o is not None]
        return min(found, key=lambda d: _size(d, postings)) if found else None
    union: list[Atom] = []
    for item in group.optional:
        part = _item_driver(item, postings, budget)
        if part is None:
            return None
        union += [a for a in part if a not in union]
    return union or None


def _item_driver(item: Item, postings: Postings, budget: float) -> list[Atom] | None:
    if isinstance(item.node, Group):
        return driver(item.node, postings, budget)
    term = postings.cheapest_term(item.node)
    return [term] if term is not None and postings.estimate(term) <= budget else None


def _size(atoms: list[Atom], postings: Postings) -> float:
    return sum(postings.estimate(a) for a in atoms)


def matching_share(group: Group, postings: Postings) -> float:
    """The share of rows estimated to match: the rarest required item, or the optional
    items together (at most all rows). An upper bound for a conjunction, whose items may
    rarely meet."""

    def item_share(item: Item) -> float:
        if isinstance(item.node, Group):
            return matching_share(item.node, postings)
        return postings.share(item.node)

    if group.required:
        return min(item_share(i) for i in group.required)
    return min(1.0, sum(item_share(i) for i in group.optional))


def every_term_within(group: Group, postings: Postings, budget: float) -> bool:
    """Whether InnoDB can run the query as written cheaply: every word it would read has at
    most ``budget`` estimated postings."""
    return all(postings.estimate(t) <= budget for a in group.atoms() for t in a.terms)


# --- SQL ------------------------------------------------------------------------------------


def predicate(group: Group, column: str) -> tuple[str, list[str]]:
    """SQL true for exactly the rows the query matches, with its parameters."""
    params: list[str] = []

    def test(item: Item) -> str:
        if isinstance(item.node, Group):
            sql, inner = predicate(item.node, column)
            params.extend(inner)
            return sql
        params.append(item.node.regexp)
        return f"{column} REGEXP %s"

    if group.required:
        parts = [test(i) for i in group.required]
    else:
        parts = ["(" + " OR ".join(test(i) for i in group.optional) + ")"]
    parts += [f"NOT {test(i)}" for i in group.excluded]
    return "(" + " AND ".join(parts) + ")", params


def weighted_score(atoms: list[Atom], postings: Postings, column: str) -> tuple[str, list]:
    """SQL for a row's score: the sum of IDF² over the given atoms it contains."""
    if not atoms:
        return "0", []
    terms, params = [], []
    for atom in atoms:
        terms.append(f"({column} REGEXP %s) * %s")
        params += [atom.regexp, round(postings.idf(atom) ** 2, 6)]
    return " + ".join(terms), params


def against(atoms: list[Atom]) -> str:
    """A boolean-mode ``AGAINST`` string matching rows with any of the words."""
    return " ".join(a.match_term for a in atoms)
