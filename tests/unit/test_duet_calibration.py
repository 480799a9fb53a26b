"""The duet design's noise: A/A shifts across duets, never below the pairs' own standard
error, kept per benchmark version and duet design."""

from __future__ import annotations

import math
import random

from afirgen_bench.calibrate import duet_estimate
from afirgen_bench.core.duet import DuetFigure, DuetRecord, Schedule, noise_version

KEY = "cache.CacheOperations.time_get_hit"


def record(bias: float, spread: float, seed: int) -> DuetRecord:
    rng = random.Random(seed)
    pairs = []
    for _ in range(200):
        base = 1e-4 * math.exp(rng.gauss(0, spread))
        pairs.append([base, 1e-4 * math.exp(bias + rng.gauss(0, spread))])
    figure = DuetFigure(
        benchmark=KEY, unit="seconds", version="v", pairs=pairs, rounds=[i % 4 for i in range(200)]
    )
    return DuetRecord(
        machine="m",
        base="a" * 40,
        head="a" * 40,
        schedule=Schedule.ALTERNATE,
        design="d",
        measured_at="now",
        seconds=1.0,
        figures={KEY: figure},
    )


def test_a_steady_bias_between_the_sides_counts_as_noise() -> None:
    noise = duet_estimate([record(0.03, 0.01, seed) for seed in range(5)])[KEY]
    assert noise.sigma > 0.025  # the bias, 0.03, in every duet
    assert noise.version == noise_version(record(0, 0.01, 0).figures[KEY], "d")


def test_noisy_pairs_set_a_floor_under_lucky_agreement() -> None:
    noisy = [record(0.0, 0.5, seed) for seed in range(5)]
    noise = duet_estimate(noisy)[KEY]
    from afirgen_bench.core.duet import paired_shift

    errors = sorted(paired_shift(r.figures[KEY])[1] for r in noisy)
    assert noise.sigma >= errors[2] * 0.999
