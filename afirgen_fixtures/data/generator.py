"""Deterministic, production-shaped rows for every AFIRGen table, streamed in chunks.

Everything comes from one ``random.Random(seed)`` and fixed dates, never from the clock, so a
(scale, seed) pair always yields the same rows; the sha256 over a canonical serialisation of
all rows, taken while they are generated, proves it. Rows are yielded a chunk at a time so
1M FIRs never sit in memory at once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import uuid
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from afirgen_fixtures.data import vocabulary as vocab

# Bump whenever the rows produced for a (scale, seed) change: seeded databases are keyed by it.
GENERATOR_VERSION = 1

DATA_END = datetime(2026, 10, 31, 23, 59, 59)
DATA_DAYS = 730
LEGAL_SECTION_COUNT = 500
DEFAULT_CHUNK_FIRS = 5_000

STATUS_SHARES: dict[str, float] = {
    "finalized": 0.70,
    "pending": 0.18,
    "draft": 0.07,
    "rejected": 0.04,
    "archived": 0.01,
}
SESSIONLESS_SHARE = 0.03  # FIRs typed in at the station, not through the interactive flow
ABANDONED_SESSION_SHARE = 0.15  # extra sessions per FIR that never produced an FIR
TASKS_PER_FIR = 0.2
TIE_SHARE = 0.02  # FIRs stamped with exactly the previous FIR's created_at (batch saves)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "legal_sections": ("id", "section_number", "title", "description", "penalty", "category"),
    "sessions": ("id", "state", "status", "current_step", "created_at", "last_activity"),
    "fir_records": (
        "id",
        "fir_number",
        "session_id",
        "user_id",
        "police_station",
        "complaint_text",
        "fir_content",
        "violations",
        "status",
        "created_at",
        "finalized_at",
    ),
    "fir_violations": ("fir_id", "section_id"),
    "background_tasks": (
        "id",
        "task_id",
        "task_name",
        "task_type",
        "priority",
        "status",
        "params",
        "result",
        "error_message",
        "retry_count",
        "max_retries",
        "created_at",
        "started_at",
        "completed_at",
    ),
}

REVIEW_STEPS = (
    "transcript_review",
    "summary_review",
    "violations_review",
    "fir_narrative_review",
    "final_review",
)
_ABANDONED_STATUSES = {"awaiting_validation": 45, "expired": 35, "failed": 12, "processing": 8}
_TASK_KINDS = (  # (task_name, task_type, priority, weight)
    ("generate_fir_report", "report", 5, 45),
    ("update_analytics", "analytics", 2, 40),
    ("send_fir_email", "email", 3, 15),
)
_TASK_STATUSES = {"completed": 85, "failed": 5, "pending": 4, "running": 3, "cancelled": 3}
_TASK_ERRORS = (
    "SMTP server timed out after 30 s",
    "model server returned 503 Service Unavailable",
    "report template rendering failed: missing field complainant_address",
    "analytics store rejected the batch: connection reset by peer",
)
_WEEKDAY_WEIGHTS = (1.15, 1.05, 1.0, 1.0, 1.05, 0.9, 0.8)  # Monday first
_HOUR_WEIGHTS = (
    2,
    1,
    1,
    1,
    1,
    2,
    4,
    7,
    10,
    14,
    16,
    15,
    14,
    13,
    12,
    12,
    13,
    15,
    16,
    14,
    11,
    8,
    5,
    3,
)
_VIOLATION_COUNT_WEIGHTS = {1: 30, 2: 40, 3: 20, 4: 10}
_SECTION_QUALIFIERS = (
    "attempt",
    "by a public servant",
    "at night",
    "after preparation for hurt",
    "in a place of worship",
    "by a gang",
    "against a senior citizen",
    "against a child",
    "repeat offender",
    "on a public transport vehicle",
    "by a person in a position of trust",
    "with a deadly weapon",
    "abetment",
    "in a dwelling house",
    "aggravated form",
)
_PURPOSES = (
    "to buy vegetables",
    "on my way back from the office",
    "waiting for the bus",
    "to withdraw money",
    "after dropping my children at school",
    "for evening prayers",
    "to meet a relative",
    "returning from the night shift",
    "for a medical check-up",
    "to pay the electricity bill",
)
_EXPLANATIONS = (
    "The offence is cognizable and the police may investigate without the order of a magistrate.",
    "Where the property is recovered, the court may order it to be returned to its owner.",
    "The intention of the accused may be inferred from his conduct before and after the act.",
    "A complaint may be filed by the victim or by any person who has knowledge of the facts.",
    "The offence is compoundable only with the permission of the court.",
    "Attempt to commit the offence is punishable with half of the longest term provided.",
)

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed population with weights; ``pick`` is one ``random()`` call and a bisect."""

    def __init__(self, population: Sequence[T], weights: Sequence[float]) -> None:
        self.population = tuple(population)
        self.cumulative = tuple(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.population[bisect(self.cumulative, rng.random() * self.total)]


def zipf(population: Sequence[T], exponent: float, offset: float) -> Weighted[T]:
    """Rank-skewed (Zipf-Mandelbrot) choice: the first items common, the last ones rare.

    ``offset`` flattens the head so the most common item does not swamp the rest.
    """
    ranks = range(1, len(population) + 1)
    return Weighted(population, [1.0 / (rank + offset) ** exponent for rank in ranks])


@dataclass(frozen=True)
class Section:
    id: int
    number: str
    title: str


@dataclass
class Chunk:
    """The rows generated since the previous chunk, per table in ``TABLE_COLUMNS`` order."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLE_COLUMNS})
    firs_done: int = 0


@dataclass(frozen=True)
class _Complaint:
    text: str
    offences: tuple[vocab.Offence, ...]
    complainant: str
    accused: str
    place: str
    incident_at: datetime
    property_line: str
    facts: str


def _canonical(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    return str(value)


def serialise_rows(rows: Iterable[Sequence[object]]) -> bytes:
    """Canonical bytes of rows: fields split by 0x1f, rows ended by 0x1e, NULL as \\N.

    Rows read back from the database serialise the same, so stored tables can be checked.
    """
    return "".join("\x1f".join(map(_canonical, row)) + "\x1e" for row in rows).encode()


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _rupees(rng: random.Random) -> str:
    return f"Rs. {rng.choice((500, 1_000, 2_000, 5_000)) * rng.randint(1, 60):,}"


class DatasetGenerator:
    """All rows of one (scale, seed) dataset; iterate ``chunks()`` once, then read ``checksum``."""

    def __init__(self, scale: int, seed: int, *, chunk_firs: int = DEFAULT_CHUNK_FIRS) -> None:
        if scale < 1:
            raise ValueError(f"scale must be a positive number of FIRs, got {scale}")
        self.scale = scale
        self.seed = seed
        self.chunk_firs = chunk_firs
        self.counts: dict[str, int] = dict.fromkeys(TABLE_COLUMNS, 0)
        self._rng = random.Random(seed)
        self._table_hashes = {table: hashlib.sha256() for table in TABLE_COLUMNS}
        self._finished = False
        self._next_task_id = 1
        stations = list(vocab.POLICE_STATIONS)
        self._rng.shuffle(stations)
        self._stations = zipf(stations, 1.0, 10)
        self._users = zipf(range(1, max(100, scale // 4) + 1), 1.0, 20)
        self._first_names = zipf(vocab.FIRST_NAMES, 2.4, 15)
        self._last_names = zipf(vocab.LAST_NAMES, 2.4, 15)
        self._offences = Weighted(vocab.OFFENCES, [o.weight for o in vocab.OFFENCES])
        self._statuses = Weighted(tuple(STATUS_SHARES), tuple(STATUS_SHARES.values()))
        self._hours = Weighted(range(24), _HOUR_WEIGHTS)
        self._violation_counts = Weighted(
            tuple(_VIOLATION_COUNT_WEIGHTS), tuple(_VIOLATION_COUNT_WEIGHTS.values())
        )
        self._abandoned = Weighted(tuple(_ABANDONED_STATUSES), tuple(_ABANDONED_STATUSES.values()))
        self._task_kinds = Weighted(_TASK_KINDS, [kind[3] for kind in _TASK_KINDS])
        self._task_statuses = Weighted(tuple(_TASK_STATUSES), tuple(_TASK_STATUSES.values()))
        self._sections_by_category: dict[str, Weighted[Section]] = {}

    @staticmethod
    def digest(serialised: bytes) -> str:
        """The checksum of one table's serialised rows, as ``table_checksums`` computes it."""
        return hashlib.sha256(serialised).hexdigest()

    @property
    def table_checksums(self) -> dict[str, str]:
        """sha256 of each table's rows in generation order (``serialise_rows``)."""
        if not self._finished:
            raise RuntimeError("the checksum is known only after every chunk has been generated")
        return {table: digest.hexdigest() for table, digest in self._table_hashes.items()}

    @property
    def checksum(self) -> str:
        """One sha256 over the generator version and every table's checksum, in table order."""
        lines = [f"afirgen-data g{GENERATOR_VERSION}"]
        lines += [f"{table} {digest}" for table, digest in self.table_checksums.items()]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def chunks(self) -> Iterator[Chunk]:
        """Legal sections first, then FIRs with their sessions, violations and tasks."""
        if self._finished or any(self.counts.values()):
            raise RuntimeError("a DatasetGenerator can be iterated only once; make a new one")
        chunk = Chunk()
        chunk.rows["legal_sections"] = self._legal_sections()
        self._account(chunk)
        yield chunk
        chunk = Chunk()
        for fir_id, created_at in enumerate(self._timestamps(), start=1):
            self._fir(fir_id, created_at, chunk.rows)
            if fir_id % self.chunk_firs == 0 or fir_id == self.scale:
                chunk.firs_done = fir_id
                self._account(chunk)
                yield chunk
                chunk = Chunk()
        self._finished = True

    def _account(self, chunk: Chunk) -> None:
        for table, rows in chunk.rows.items():
            self.counts[table] += len(rows)
            self._table_hashes[table].update(serialise_rows(rows))

    # -- legal sections ----------------------------------------------------------------------

    def _legal_sections(self) -> list[tuple]:
        rng = self._rng
        core = {number for number, *_ in vocab.CORE_SECTIONS}
        candidates = [
            f"BNS {number}({sub})"
            for number in range(1, 359)
            for sub in range(1, 5)
            if f"BNS {number}({sub})" not in core
        ]
        fillers = sorted(
            rng.sample(candidates, LEGAL_SECTION_COUNT - len(core)),
            key=lambda s: tuple(int(p) for p in s[4:].rstrip(")").split("(")),
        )
        categories = sorted(vocab.LEGAL_CATEGORIES)
        specs = [
            (number, title, category, penalty, True)
            for number, title, category, penalty in vocab.CORE_SECTIONS
        ]
        penalties = [penalty for *_, penalty in vocab.CORE_SECTIONS]
        for index, number in enumerate(fillers):
            category = categories[index % len(categories)]
            qualifier = rng.choice(_SECTION_QUALIFIERS)
            title = f"{category.replace('_', ' ').capitalize()}: {qualifier}"
            specs.append((number, title, category, rng.choice(penalties), False))
        rows, weighted = [], {}
        for section_id, (number, title, category, penalty, is_core) in enumerate(specs, start=1):
            rows.append(
                (
                    section_id,
                    number,
                    title,
                    self._section_text(title, category, penalty),
                    penalty,
                    category,
                )
            )
            weighted.setdefault(category, []).append(
                (Section(section_id, number, title), 20 if is_core else 1)
            )
        self._sections_by_category = {
            category: Weighted([s for s, _ in entries], [w for _, w in entries])
            for category, entries in weighted.items()
        }
        return rows

    def _section_text(self, title: str, category: str, penalty: str) -> str:
        rng = self._rng
        offences = [o for o in vocab.OFFENCES if category in o.categories] or list(vocab.OFFENCES)
        offence = rng.choice(offences)
        illustration = self._fill(rng.choice(offence.narratives))
        parts = [
            f"{title}. Whoever commits {vocab.LEGAL_CATEGORIES[category]} shall be punished "
            f"with {penalty.lower()}.",
            f"Illustration: a complainant states, '{illustration}'",
            f"Complaints under this section often say: {', '.join(offence.cues[:4])}.",
        ]
        explanations = rng.sample(_EXPLANATIONS, len(_EXPLANATIONS))
        while len(" ".join(parts)) < 300 and explanations:
            parts.append(explanations.pop())
        text = " ".join(parts)
        return text if len(text) <= 600 else text[:597].rsplit(" ", 1)[0] + "..."

    # -- FIRs --------------------------------------------------------------------------------

    def _timestamps(self) -> Iterator[datetime]:
        """``scale`` ascending instants over two years: weekly and daily rhythm, growing use."""
        rng = self._rng
        first_day = DATA_END.date() - timedelta(days=DATA_DAYS - 1)
        days = [first_day + timedelta(days=n) for n in range(DATA_DAYS)]
        weights = [
            _WEEKDAY_WEIGHTS[day.weekday()] * (0.8 + 0.4 * n / DATA_DAYS)
            for n, day in enumerate(days)
        ]
        total, cumulative, emitted = sum(weights), 0.0, 0
        previous: datetime | None = None
        for day, weight in zip(days, weights, strict=True):
            cumulative += weight
            upto = round(self.scale * cumulative / total)
            instants = sorted(self._instant(day) for _ in range(upto - emitted))
            emitted = upto
            for instant in instants:
                if previous is not None and previous.date() == day and rng.random() < TIE_SHARE:
                    instant = previous
                previous = instant
                yield instant

    def _instant(self, day: date) -> datetime:
        rng = self._rng
        return datetime(
            day.year,
            day.month,
            day.day,
            self._hours.pick(rng),
            rng.randrange(60),
            rng.randrange(60),
            rng.randrange(1_000_000),
        )

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _fir(self, fir_id: int, created_at: datetime, rows: dict[str, list[tuple]]) -> None:
        rng = self._rng
        session_id = self._uuid()
        has_session = rng.random() >= SESSIONLESS_SHARE
        station = self._stations.pick(rng)
        status = self._statuses.pick(rng)
        complaint = self._complaint(station, created_at)
        sections = self._violations(complaint.offences)
        fir_number = f"FIR-{session_id[:8]}-{created_at:%Y%m%d%H%M%S}"
        finalized_at = None
        if status in {"finalized", "archived"}:
            finalized_at = min(
                created_at + timedelta(seconds=rng.randint(600, 5 * 86_400)), DATA_END
            )
        ids = [s.id for s in sections]
        violations = _json([{"section_number": s.number, "title": s.title} for s in sections])
        rows["fir_records"].append(
            (
                fir_id,
                fir_number,
                session_id if has_session else None,
                f"user-{self._users.pick(rng):06d}",
                station,
                complaint.text,
                self._fir_content(fir_number, station, status, created_at, complaint, sections),
                violations,
                status,
                created_at,
                finalized_at,
            )
        )
        rows["fir_violations"].extend((fir_id, section_id) for section_id in sorted(ids))
        if has_session:
            rows["sessions"].append(
                self._session(
                    session_id,
                    "completed",
                    "completed",
                    created_at,
                    fir_number,
                    complaint.facts,
                    sections,
                )
            )
        if rng.random() < ABANDONED_SESSION_SHARE:
            step = rng.choice(REVIEW_STEPS)
            started = created_at + timedelta(seconds=rng.randint(-3 * 3600, 3 * 3600))
            summary = self._fill(rng.choice(self._offences.pick(rng).narratives))
            rows["sessions"].append(
                self._session(
                    self._uuid(), self._abandoned.pick(rng), step, started, None, summary, ()
                )
            )
        if rng.random() < TASKS_PER_FIR:
            rows["background_tasks"].append(self._task(fir_number, created_at))

    def _person(self) -> str:
        return f"{self._first_names.pick(self._rng)} {self._last_names.pick(self._rng)}"

    def _fill(self, template: str, accused: str = "the accused", place: str = "") -> str:
        """The template with its slots filled, starting with a capital letter."""
        rng = self._rng
        text = template.format(
            object=rng.choice(vocab.OBJECTS),
            place=place or rng.choice(vocab.PLACES),
            accused=accused,
            amount=_rupees(rng),
            vehicle=rng.choice(vocab.VEHICLES),
            relative=rng.choice(vocab.RELATIVES),
        )
        return text[0].upper() + text[1:]

    def _complaint(self, station: str, reported_at: datetime) -> _Complaint:
        """A citizen's complaint of about 1 KB: who, when, where, what happened, what they ask."""
        rng = self._rng
        offences = [self._offences.pick(rng)]
        if rng.random() < 0.2:
            second = self._offences.pick(rng)
            if second is not offences[0]:
                offences.append(second)
        complainant, father = self._person(), self._first_names.pick(rng)
        accused = (
            "an unknown person"
            if rng.random() < 0.4
            else rng.choice(("my neighbour ", "one ", "a local man named ", "my relative "))
            + self._person()
        )
        place = rng.choice(vocab.PLACES)
        incident_at = reported_at - timedelta(minutes=rng.randint(20, 72 * 60))
        city = station.rsplit(", ", 1)[-1]
        narrative = [
            self._fill(template, accused, place)
            for offence in offences
            for template in rng.sample(offence.narratives, 2)
        ]
        property_line = (
            f"The {rng.choice(vocab.OBJECTS)} involved is worth about {_rupees(rng)}, and I have "
            f"the bill and photographs with me."
        )
        witness = self._person()
        text = " ".join(
            (
                f"To the Station House Officer, {station}. Respected Sir/Madam,",
                f"I, {complainant}, aged {rng.randint(18, 75)} years, child of {father}, resident "
                f"of House No. {rng.randint(1, 999)}, Ward {rng.randint(1, 40)}, {city}, wish to "
                "report the following incident.",
                f"On {incident_at:%d %B %Y} at about {incident_at:%I:%M %p} I was near {place} "
                f"{rng.choice(_PURPOSES)}.",
                *narrative,
                rng.choice(
                    (
                        "It all happened within a few minutes and I could not react in time.",
                        "I was shocked and could not understand what was happening at first.",
                        "People gathered around but nobody stopped the person from leaving.",
                        "My family members are very disturbed and afraid since this incident.",
                    )
                ),
                property_line,
                f"{witness}, who was with me at that time, saw everything and can identify "
                "the person.",
                rng.choice(
                    (
                        "I immediately called 112 but nobody came for a long time.",
                        "I searched the whole area with my family but could not find anything.",
                        "The shopkeepers nearby said there is no working CCTV camera on that road.",
                        "I was too scared to come earlier, so I am reporting it now.",
                    )
                ),
                "I request you to kindly register my complaint, investigate the matter and take "
                "strict legal action against the person responsible.",
                f"My mobile number is {rng.randint(6, 9)}{rng.randrange(10**9):09d}.",
            )
        )
        return _Complaint(
            text,
            tuple(offences),
            complainant,
            accused,
            place,
            incident_at,
            property_line,
            " ".join(narrative),
        )

    def _violations(self, offences: tuple[vocab.Offence, ...]) -> list[Section]:
        """1-4 distinct sections, drawn from the offences' categories, most specific first."""
        rng = self._rng
        categories = [c for offence in offences for c in offence.categories]
        wanted = self._violation_counts.pick(rng)
        primary = self._sections_by_category[categories[0]].pick(rng)
        chosen = {primary.id: primary}
        for _ in range(wanted * 3):
            if len(chosen) == wanted:
                break
            section = self._sections_by_category[rng.choice(categories)].pick(rng)
            chosen.setdefault(section.id, section)
        return list(chosen.values())

    def _fir_content(
        self,
        fir_number: str,
        station: str,
        status: str,
        created_at: datetime,
        complaint: _Complaint,
        sections: list[Section],
    ) -> str:
        """The rendered plain-text FIR, as the officer would print it."""
        rng = self._rng
        acts = "; ".join(f"{s.number} ({s.title})" for s in sections)
        return "\n".join(
            (
                "FIRST INFORMATION REPORT (Under Section 173 BNSS)",
                f"FIR No.: {fir_number}",
                f"Police Station: {station}",
                f"Date and time of FIR: {created_at:%d/%m/%Y %H:%M}",
                f"Occurrence: {complaint.incident_at:%d/%m/%Y} at about "
                f"{complaint.incident_at:%H:%M} hours",
                f"Place of occurrence: near {complaint.place}",
                f"Type of information: {rng.choice(('Written', 'Oral', 'Electronic'))}",
                f"Complainant: {complaint.complainant}",
                f"Accused: {complaint.accused}",
                f"Nature of offence: {', '.join(o.name for o in complaint.offences)}",
                f"Acts and sections: {acts}",
                f"Property: {complaint.property_line}",
                f"Brief facts: {complaint.facts}",
                "Action taken: Since the above information reveals commission of a cognizable "
                "offence, a case is registered and investigation is taken up as per law. A copy "
                "of the FIR is given to the complainant free of cost.",
                f"Investigating Officer: SI {self._person()}, Belt No. {rng.randint(1000, 9999)}",
                f"Status: {status}",
            )
        )

    def _session(
        self,
        session_id: str,
        status: str,
        step: str,
        fir_created_at: datetime,
        fir_number: str | None,
        summary: str,
        sections: Sequence[Section],
    ) -> tuple:
        """A session row whose state holds the interactive flow's data up to ``step``."""
        rng = self._rng
        created_at = fir_created_at - timedelta(seconds=rng.randint(120, 1_800))
        reached = len(REVIEW_STEPS) if step == "completed" else REVIEW_STEPS.index(step)
        history, at = [], created_at
        for done in REVIEW_STEPS[:reached]:
            at += timedelta(seconds=rng.randint(10, 240))
            history.append({"step": done, "approved": True, "at": at.isoformat(timespec="seconds")})
        state = {
            "input_type": rng.choice(("text", "text", "audio", "image")),
            "language": "en-IN",
            "current_step": step,
            "summary": summary[:80],
            "violations": [s.number for s in sections],
            "fir_number": fir_number,
            "validation_history": history,
        }
        last_activity = max(at, fir_created_at) + timedelta(seconds=rng.randint(1, 300))
        return (session_id, _json(state), status, step, created_at, last_activity)

    def _task(self, fir_number: str, fir_created_at: datetime) -> tuple:
        rng = self._rng
        name, task_type, priority, _ = self._task_kinds.pick(rng)
        status = self._task_statuses.pick(rng)
        created_at = fir_created_at + timedelta(milliseconds=rng.randint(50, 5_000))
        started_at = completed_at = result = error = None
        retries = 0
        if status != "pending":
            started_at = created_at + timedelta(milliseconds=rng.randint(10, 30_000))
        if status in {"completed", "failed"}:
            completed_at = started_at + timedelta(milliseconds=rng.randint(100, 60_000))
        if status == "completed":
            result = _json({"fir_number": fir_number, "duration_ms": rng.randint(100, 60_000)})
            retries = 1 if rng.random() < 0.05 else 0
        elif status == "failed":
            error, retries = rng.choice(_TASK_ERRORS), 3
        task_id = self._next_task_id
        self._next_task_id += 1
        return (
            task_id,
            self._uuid(),
            name,
            task_type,
            priority,
            status,
            _json({"fir_number": fir_number}),
            result,
            error,
            retries,
            3,
            created_at,
            started_at,
            completed_at,
        )


def dataset_checksum(scale: int, seed: int) -> tuple[str, dict[str, int]]:
    """Generate the whole dataset without storing it; return its checksum and row counts."""
    generator = DatasetGenerator(scale, seed)
    for _ in generator.chunks():
        pass
    return generator.checksum, dict(generator.counts)
