"""The generator is deterministic and its rows have production-like shapes (no server needed)."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from datetime import timedelta

import pytest

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    DatasetGenerator,
    UnsupportedScaleError,
    database_name,
)
from afirgen_fixtures.data import vocabulary as vocab
from afirgen_fixtures.data.__main__ import EXIT_USAGE, main
from afirgen_fixtures.data.generator import (
    DATA_DAYS,
    DATA_END,
    LEGAL_SECTION_COUNT,
    REVIEW_STEPS,
    STATUS_SHARES,
    TABLE_COLUMNS,
)
from afirgen_fixtures.db import migrate

SAMPLE_FIRS = 2_000
FIR_NUMBER = re.compile(r"^FIR-[a-f0-9]{8}-\d{14}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _generate(scale: int, seed: int, chunk_firs: int = 500) -> tuple[dict, DatasetGenerator]:
    generator = DatasetGenerator(scale, seed, chunk_firs=chunk_firs)
    rows: dict[str, list[dict]] = {table: [] for table in TABLE_COLUMNS}
    for chunk in generator.chunks():
        assert chunk.firs_done == 0 or len(chunk.rows["fir_records"]) <= chunk_firs
        for table, table_rows in chunk.rows.items():
            rows[table].extend(dict(zip(TABLE_COLUMNS[table], r, strict=True)) for r in table_rows)
    return rows, generator


@pytest.fixture(scope="module")
def sample() -> tuple[dict, DatasetGenerator]:
    return _generate(SAMPLE_FIRS, seed=7)


@pytest.fixture(scope="module")
def firs(sample) -> list[dict]:
    return sample[0]["fir_records"]


def test_same_seed_gives_same_rows_and_checksum(sample) -> None:
    rows, generator = sample
    again_rows, again = _generate(SAMPLE_FIRS, seed=7, chunk_firs=700)
    assert again.checksum == generator.checksum
    assert again_rows["fir_records"][:5] == rows["fir_records"][:5]
    assert again_rows["sessions"][:5] == rows["sessions"][:5]
    assert re.fullmatch(r"[0-9a-f]{64}", generator.checksum)


def test_different_seed_gives_different_checksum(sample) -> None:
    rows, generator = sample
    other_rows, other = _generate(SAMPLE_FIRS, seed=8)
    assert other.checksum != generator.checksum
    assert other_rows["fir_records"][0]["fir_number"] != rows["fir_records"][0]["fir_number"]


def test_checksum_is_refused_before_every_row_is_generated() -> None:
    generator = DatasetGenerator(100, seed=1)
    next(generator.chunks())
    with pytest.raises(RuntimeError, match="only after every chunk"):
        _ = generator.checksum


def test_counts_follow_the_rows_and_proportions(sample) -> None:
    rows, generator = sample
    assert generator.counts == {table: len(table_rows) for table, table_rows in rows.items()}
    assert generator.counts["fir_records"] == SAMPLE_FIRS
    assert generator.counts["legal_sections"] == LEGAL_SECTION_COUNT
    assert 1.05 * SAMPLE_FIRS < generator.counts["sessions"] < 1.2 * SAMPLE_FIRS
    assert 0.15 * SAMPLE_FIRS < generator.counts["background_tasks"] < 0.25 * SAMPLE_FIRS
    assert SAMPLE_FIRS < generator.counts["fir_violations"] < 4 * SAMPLE_FIRS


def test_status_shares_are_skewed_like_production(firs) -> None:
    shares = Counter(f["status"] for f in firs)
    for status, target in STATUS_SHARES.items():
        assert shares[status] / len(firs) == pytest.approx(target, abs=0.025), status
    for fir in firs:
        finalized = fir["status"] in {"finalized", "archived"}
        assert (fir["finalized_at"] is not None) == finalized
        if finalized:
            assert fir["created_at"] <= fir["finalized_at"] <= DATA_END


def test_created_at_spans_two_years_in_order_with_ties(firs) -> None:
    stamps = [f["created_at"] for f in firs]
    assert stamps == sorted(stamps)
    assert stamps[-1] <= DATA_END
    assert stamps[0] >= DATA_END - timedelta(days=DATA_DAYS)
    assert stamps[-1] - stamps[0] > timedelta(days=DATA_DAYS - 30)
    assert len(stamps) - len(set(stamps)) > 0, "expected some identical timestamps"
    night = sum(2 <= s.hour < 5 for s in stamps)
    midday = sum(10 <= s.hour < 13 for s in stamps)
    assert midday > 4 * night, "complaints follow the day's rhythm"


def test_complaints_average_one_kilobyte(firs) -> None:
    assert 850 <= statistics.mean(len(f["complaint_text"]) for f in firs) <= 1_250
    assert 1_000 <= statistics.mean(len(f["fir_content"]) for f in firs) <= 1_600


def test_fir_numbers_match_the_pattern_session_and_time(firs) -> None:
    assert len({f["fir_number"] for f in firs}) == len(firs)
    for fir in firs:
        assert FIR_NUMBER.match(fir["fir_number"])
        assert fir["fir_number"].endswith(fir["created_at"].strftime("%Y%m%d%H%M%S"))
        if fir["session_id"] is not None:
            assert UUID.match(fir["session_id"])
            assert fir["fir_number"][4:12] == fir["session_id"][:8]


def test_violations_json_matches_fir_violation_rows(sample) -> None:
    rows, _ = sample
    numbers = {s["id"]: s["section_number"] for s in rows["legal_sections"]}
    linked: dict[int, list[str]] = {}
    for link in rows["fir_violations"]:
        linked.setdefault(link["fir_id"], []).append(numbers[link["section_id"]])
    for fir in rows["fir_records"]:
        listed = [v["section_number"] for v in json.loads(fir["violations"])]
        assert 1 <= len(listed) <= 4
        assert sorted(listed) == sorted(linked[fir["id"]])


def test_legal_sections_are_unique_and_described(sample) -> None:
    sections = sample[0]["legal_sections"]
    assert len({s["section_number"] for s in sections}) == LEGAL_SECTION_COUNT
    assert all(300 <= len(s["description"]) <= 600 for s in sections)
    assert {s["category"] for s in sections} == set(vocab.LEGAL_CATEGORIES)


def test_sessions_hold_small_step_state(sample) -> None:
    rows, _ = sample
    sessions = rows["sessions"]
    by_id = {s["id"]: s for s in sessions}
    assert len(by_id) == len(sessions)
    for fir in rows["fir_records"]:
        if fir["session_id"] is not None:
            assert by_id[fir["session_id"]]["status"] == "completed"
    assert {s["current_step"] for s in sessions} == {*REVIEW_STEPS, "completed"}
    assert 300 <= statistics.mean(len(s["state"]) for s in sessions) <= 600
    assert all(s["created_at"] <= s["last_activity"] for s in sessions)


def test_users_are_skewed(firs) -> None:
    per_user = Counter(f["user_id"] for f in firs).most_common()
    assert per_user[0][1] >= 5 * statistics.mean(count for _, count in per_user)


def test_every_narrative_carries_a_cue_of_its_offence() -> None:
    for offence in vocab.OFFENCES:
        assert set(offence.categories) <= set(vocab.LEGAL_CATEGORIES), offence.name
        for narrative in offence.narratives:
            assert any(cue in narrative.lower() for cue in offence.cues), narrative


def test_first_cue_is_a_word_no_other_offence_uses() -> None:
    for offence in vocab.OFFENCES:
        word = offence.cues[0]
        assert re.fullmatch(r"[a-z]{3,}", word), offence.name
        others = [n for o in vocab.OFFENCES if o is not offence for n in o.narratives]
        assert not any(re.search(rf"\b{word}\b", n, re.IGNORECASE) for n in others), word


def test_vocabularies_are_unique_and_sized() -> None:
    assert len(set(vocab.POLICE_STATIONS)) == len(vocab.POLICE_STATIONS) == 200
    for words in (vocab.PLACES, vocab.FIRST_NAMES, vocab.LAST_NAMES, vocab.OBJECTS):
        assert len(set(words)) == len(words) >= 20
    assert {category for _, _, category, _ in vocab.CORE_SECTIONS} <= set(vocab.LEGAL_CATEGORIES)


def test_database_name_encodes_the_key() -> None:
    server = MySQLTarget("127.0.0.1", 3306, "u", "", "afirgen")
    head = migrate.head_version()
    assert (
        database_name(server, 100_000, DEFAULT_SEED) == f"afirgen_100k_s{head}_g{GENERATOR_VERSION}"
    )
    assert database_name(server, 1_000_000, 5).endswith(f"_1m_s{head}_g{GENERATOR_VERSION}_r5")
    assert len(database_name(server, 10_000, 2**63 - 1)) <= 64


@pytest.mark.parametrize(("scale", "seed"), [(5, DEFAULT_SEED), (10_000, -1)])
def test_unsupported_parameters_are_refused(scale: int, seed: int) -> None:
    server = MySQLTarget("127.0.0.1", 3306, "u", "", "afirgen")
    with pytest.raises(UnsupportedScaleError):
        database_name(server, scale, seed)


def test_cli_rejects_an_unsupported_scale_in_one_line(capsys) -> None:
    assert main(["load", "--scale", "5"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: unsupported scale 5") and err.count("\n") == 1
