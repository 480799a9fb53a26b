"""Timing many single calls of several operations, interleaved, for per-call percentiles."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    """Per-call latency statistics of one operation, in microseconds."""

    name: str
    calls: int
    p50_us: float
    p95_us: float
    p99_us: float
    mean_us: float

    @classmethod
    def of(cls, name: str, samples_ns: list[int] | np.ndarray) -> Summary:
        us = np.asarray(samples_ns, dtype=float) / 1_000
        p50, p95, p99 = np.percentile(us, [50, 95, 99])
        return cls(name, int(us.size), float(p50), float(p95), float(p99), float(us.mean()))


def interleaved(
    operations: Mapping[str, Callable[[int], object]],
    *,
    calls: int,
    block: int = 250,
    warmup: int = 200,
) -> dict[str, Summary]:
    """Time ``calls`` single calls of each operation, alternating blocks of ``block`` calls
    (ABBA order) so slow drifts of the machine hit every operation alike. Each operation gets
    the call's index, to vary its input. GC is off while timing."""
    for operation in operations.values():
        for i in range(warmup):
            operation(i)
    samples: dict[str, list[int]] = {name: [] for name in operations}
    names = list(operations)
    clock = time.perf_counter_ns
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for block_index, start in enumerate(range(0, calls, block)):
            order = names if block_index % 2 == 0 else names[::-1]
            for name in order:
                operation, out = operations[name], samples[name]
                for i in range(start, min(start + block, calls)):
                    begin = clock()
                    operation(i)
                    out.append(clock() - begin)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: Summary.of(name, values) for name, values in samples.items()}
