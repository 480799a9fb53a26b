"""Properties of the gate that must hold for any input (hypothesis): identical inputs never
flag; a head slowed beyond a benchmark's limit always flags; an improvement never flags; and
corrupt inputs always give exit 2, never a pass or a regression."""

from __future__ import annotations

import json
import math
from pathlib import Path

from asv_files import RESULT_COLUMNS
from hypothesis import given, settings
from hypothesis import strategies as st

from afirgen_bench.core.config import Calibration, GateConfig, Limits, Noise, parse_calibration
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.core.gate import compare_one
from afirgen_bench.core.models import Kind, Measurement, ResultSet, Verdict
from afirgen_bench.core.results import parse_index, parse_results
from afirgen_bench.core.verdict import Judgement

VERSION = "v rounds=4 repeat=20 number=1"
KEY = "a.A.time_x"

times = st.floats(min_value=1e-7, max_value=10.0, allow_nan=False, allow_infinity=False)
rounds = st.lists(
    st.lists(times, min_size=20, max_size=20), min_size=4, max_size=4
)  # 4 rounds x 20 samples, as the version says
sigmas = st.one_of(st.none(), st.floats(min_value=0.005, max_value=0.5))
gates = st.builds(
    GateConfig,
    threshold=st.floats(min_value=0.01, max_value=0.25),
    alpha=st.floats(min_value=0.001, max_value=0.1),
    power=st.floats(min_value=0.5, max_value=0.995),
)


def _measure(samples: list[list[float]], factor: float = 1.0) -> Measurement:
    flat = tuple(s * factor for r in samples for s in r)
    return Measurement(KEY, (), Kind.TIME, "seconds", flat[0], False, flat, VERSION)


def _calibration(sigma: float | None) -> Calibration | None:
    if sigma is None:
        return None
    noise = {KEY: Noise(sigma=sigma, runs=3, largest=sigma, version=VERSION)}
    return Calibration(
        machine="m", measured_at="t", commit="0" * 40, runs=3, seconds_per_run=[1.0], noise=noise
    )


@given(samples=rounds, gate=gates, sigma=sigmas)
def test_identical_inputs_never_flag(samples, gate: GateConfig, sigma) -> None:
    change = compare_one(_measure(samples), _measure(samples), gate, _calibration(sigma))
    assert change.verdict is Verdict.UNCHANGED


@given(samples=rounds, gate=gates, sigma=sigmas, beyond=st.floats(min_value=1.001, max_value=20))
def test_a_head_slowed_beyond_the_limit_always_flags(samples, gate, sigma, beyond) -> None:
    calibration = _calibration(sigma)
    probe = compare_one(_measure(samples), _measure(samples), gate, calibration)
    assert probe.limit is not None
    factor = (1 + probe.limit) * beyond
    change = compare_one(_measure(samples), _measure(samples, factor), gate, calibration)
    assert change.verdict is Verdict.REGRESSION and change.fails


@given(samples=rounds, gate=gates, sigma=sigmas, faster=st.floats(min_value=0.01, max_value=1))
def test_an_improvement_never_flags(samples, gate, sigma, faster) -> None:
    change = compare_one(_measure(samples), _measure(samples, faster), gate, _calibration(sigma))
    assert not change.fails
    assert change.verdict in (Verdict.UNCHANGED, Verdict.IMPROVEMENT, Verdict.UNCERTAIN)


# -- corrupt inputs --------------------------------------------------------------------------

GOOD_ROW = [[0.001], [], VERSION, 0, 1.0, None, None, None, None, [1], [80], [[0.001] * 80]]
GOOD_FILE = {
    "commit_hash": "a" * 40,
    "env_name": "e",
    "date": 0,
    "params": {"machine": "m"},
    "python": "3.11",
    "requirements": {},
    "env_vars": {},
    "result_columns": RESULT_COLUMNS,
    "results": {KEY: GOOD_ROW},
    "durations": {},
    "version": 2,
}
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
# The fields the harness reads (the others, such as requirements, are asv's own business).
FIELDS = ["commit_hash", "params", "result_columns", "results", "version", "surprise"]


def _judge_text(text: str) -> ExitCode:
    """What the harness makes of a result file's text as head (against a good base)."""
    index = parse_index(json.dumps({KEY: {"type": "time", "unit": "seconds"}}), "index")
    try:
        head = parse_results(text, "head.json", commit="a" * 40, machine="m", index=index)
    except HarnessError:
        return ExitCode.CANNOT_JUDGE
    base = ResultSet("b" * 40, "m", Path("base"), {KEY: _measure([[0.001] * 20] * 4)})
    gate = GateConfig()
    changes = [
        compare_one(base.measurements.get(k), head.measurements.get(k), gate)
        for k in dict.fromkeys([*base.measurements, *head.measurements])
    ]
    sla = {KEY: Limits(mean_ms=1000.0)}  # an SLA that judges something, so only the file decides
    return Judgement.of(base, head, changes, sla, gate).exit_code


@settings(max_examples=300)
@given(field=st.sampled_from(FIELDS), value=junk)
def test_a_corrupt_result_field_never_passes_or_reads_as_a_regression(field, value) -> None:
    data = {**GOOD_FILE, field: value}
    assert _judge_text(json.dumps(data)) == ExitCode.CANNOT_JUDGE or data[field] == GOOD_FILE.get(
        field
    )


@settings(max_examples=300)
@given(position=st.integers(min_value=0, max_value=len(GOOD_ROW) - 1), value=junk)
def test_a_corrupt_result_row_never_reads_as_a_regression(position, value) -> None:
    row = list(GOOD_ROW)
    row[position] = value
    code = _judge_text(json.dumps({**GOOD_FILE, "results": {KEY: row}}))
    assert code != ExitCode.VERDICT_FAILED


@settings(max_examples=200)
@given(
    samples=st.lists(
        st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0]), min_size=1, max_size=3
    )
)
def test_nan_infinite_or_non_positive_samples_cannot_pass(samples) -> None:
    row = list(GOOD_ROW)
    row[11] = [[*samples, *[0.001] * (80 - len(samples))]]
    assert _judge_text(json.dumps({**GOOD_FILE, "results": {KEY: row}})) == ExitCode.CANNOT_JUDGE


@settings(max_examples=200)
@given(key=st.sampled_from(["sigma", "runs", "largest", "version"]), value=junk)
def test_a_corrupt_calibration_never_judges(key, value) -> None:
    good = {"sigma": 0.01, "runs": 3, "largest": 0.0, "version": VERSION}
    data = {
        "format": 2,
        "machine": "m",
        "measured_at": "t",
        "commit": "0" * 40,
        "runs": 3,
        "seconds_per_run": [1.0],
        "noise": {KEY: {**good, key: value}},
    }
    try:
        calibration, _note = parse_calibration(json.dumps(data), "c.json", "m")
    except HarnessError:
        return
    noise = calibration.noise[KEY]  # it was accepted: then it is a sound calibration
    assert math.isfinite(noise.sigma) and noise.sigma > 0 and noise.runs >= 2
