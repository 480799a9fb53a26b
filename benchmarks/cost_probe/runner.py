"""Running the operations in one mode: instructions (under Callgrind) or server counters
and opcodes.

Both modes run the same operations in the same order with the same indices, so the two
processes see the same data and cache states. For each operation: build it, warm up
uncounted, then count ``calls`` calls with the garbage collector frozen and off (a
collection lands on whichever call crosses a threshold: noise, not cost).

Layout: the instructions an operation counts depend a little on where things sit in memory
(Curtsinger and Berger, STABILIZER, ASPLOS 2013): any edit of the backend, even a
docstring, moves the heap every later allocation lands in. Layout 0 is the one every commit
is counted in; any other layout first allocates a seeded, random amount of padding, as an
edit would, so the calibration can measure how far each figure moves between layouts and
the gate judges each figure beyond that.
"""

from __future__ import annotations

import gc
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..backend import feature, has_feature
from ..resources import reset_writes, service_urls
from .callgrind import Dump, Hooks, parse_dump
from .counters import FIGURES, Counters, figures_between
from .opcodes import OpcodeCounter
from .operations import Operation, clear_namespace, registry

TOP_FUNCTIONS = 300
# A forced GIL hand-over every 5 ms of wall time lands at a different bytecode each run
# (Callgrind slows the process 20-50x); handing over only on blocking calls keeps it the same.
SWITCH_INTERVAL_S = 10.0


def selected(only: str | None) -> list[Operation]:
    pattern = re.compile(only) if only else None
    return [op for name, op in registry().items() if pattern is None or pattern.search(name)]


def run(
    mode: str, operations: list[Operation], dumps: Path | None = None, layout: int = 0
) -> dict[str, Any]:
    """Measure ``operations``; ``{"figures", "errors", "skipped", "profiles", "seconds"}``."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        raise RuntimeError("run the probe with PYTHONHASHSEED=0: str hashes change the counts")
    _padding = heap_padding(layout)  # kept alive while the operations run
    result: dict[str, Any] = {
        "figures": {},
        "errors": {},
        "skipped": {},
        "profiles": {},
        "seconds": {},  # wall time per operation, set-up included: the budget
    }
    reset_data(operations)
    clear_namespace()
    measure = Instructions(dumps) if mode == "instructions" else ServerCounters()
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        for op in operations:
            started = time.perf_counter()
            kind, outcome = _measure(op, measure)
            if kind == "figures":
                result["figures"][op.name], result["profiles"][op.name] = outcome
                result["seconds"][op.name] = round(time.perf_counter() - started, 2)
            else:
                result[kind][op.name] = outcome
    finally:
        sys.setswitchinterval(switch_interval)
    return result


def _measure(op: Operation, measure: Callable[..., tuple[dict, dict]]) -> tuple[str, Any]:
    """``("figures", (figures, profile))``, or ``("skipped" | "errors", message)``."""
    try:
        call = op.build()
    except NotImplementedError as exc:
        return "skipped", one_line(exc)
    except Exception as exc:
        return "errors", one_line(exc)
    try:
        for k in range(op.warmup):
            call(op.calls + k)
        return "figures", measure(op, call)
    except Exception as exc:
        return "errors", one_line(exc)


def reset_data(operations: list[Operation]) -> None:
    """Take the data sets the operations read back to as generated (the API writes)."""
    if not has_feature("data", "reset_dataset"):
        return
    for scale in sorted({op.scale for op in operations if op.scale is not None}):
        reset_writes(scale)


def heap_padding(layout: int) -> list[bytes]:
    """Nothing for layout 0; else a seeded number of objects of seeded sizes, small ones
    (Python's allocator) and one large (the C allocator's heap)."""
    if not layout:
        return []
    rng = random.Random(layout)
    small = [bytes(rng.randrange(1, 512)) for _ in range(rng.randrange(64, 4096))]
    return [*small, bytes(rng.randrange(1 << 12, 1 << 20))]


def one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def quiet_gc() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def counted(op: Operation, call: Callable[[int], Any]) -> None:
    for i in range(op.calls):
        call(i)


class Instructions:
    """Instructions per call under Callgrind, and the C functions' self cost per call."""

    def __init__(self, dumps: Path | None) -> None:
        self.hooks = Hooks()
        if not self.hooks.on_valgrind or dumps is None:
            raise RuntimeError("instructions mode runs under valgrind --tool=callgrind only")
        self.dumps = dumps
        self.dumped = 0

    def __call__(self, op: Operation, call: Callable[[int], Any]) -> tuple[dict, dict]:
        with quiet_gc():
            # The type attribute cache keeps what earlier code looked up, and its misses
            # differ with that history: emptied, every operation starts from one state
            # (repeated runs of a few operations: A/A spread 5-10x smaller).
            sys._clear_type_cache()
            self.hooks.zero()
            self.hooks.start()
            try:
                counted(op, call)
            finally:
                self.hooks.stop()
                self.hooks.dump(op.name)
                self.dumped += 1
        dump = self._read(op)
        functions = [
            {
                "function": f.function,
                "file": f.file,
                "line": f.line,
                "instructions": f.instructions / op.calls,
            }
            for f in dump.functions[:TOP_FUNCTIONS]
        ]
        return {"instructions": dump.instructions / op.calls}, {"c_functions": functions}

    def _read(self, op: Operation) -> Dump:
        path = Path(f"{self.dumps}.{self.dumped}")
        dump = parse_dump(path.read_text(errors="replace"))
        if not dump.trigger.endswith(op.name):
            raise RuntimeError(f"dump {path} is of {dump.trigger!r}, not {op.name!r}")
        path.unlink()
        return dump


class ServerCounters:
    """Server counters and Python opcodes per call, and the opcodes per Python function.

    Opcodes are Python-level work counted exactly: unlike instructions, they do not depend
    on where objects sit in memory. Tracing slows the calls, not what they send."""

    def __init__(self) -> None:
        target = feature("config", "MySQLTarget").from_url(service_urls().mysql_url)
        self.counters = Counters(target, service_urls().redis_url)

    def __call__(self, op: Operation, call: Callable[[int], Any]) -> tuple[dict, dict]:
        opcodes = OpcodeCounter()
        with quiet_gc():
            before = self.counters.read()
            with opcodes.active():
                counted(op, call)
            after = self.counters.read()
        totals = figures_between(before, after)
        figures = {name: totals[name] / op.calls for name in FIGURES}
        figures["opcodes"] = opcodes.total() / op.calls
        return figures, {"python_functions": opcodes.top(op.calls)}
