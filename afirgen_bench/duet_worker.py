"""One side of a duet: runs the suite's benchmarks for one commit, a sample at a time, on
command, so the coordinator (``afirgen_bench.duet``) can take the other commit's sample at the
same moment.

It runs in asv's benchmark environment with the commit's ``afirgen_fixtures`` first on
``PYTHONPATH``, started as ``python -P duet_worker.py BENCHMARK_DIR``, and so imports only
the standard library and ``asv_runner`` (the harness's own packages are not installed there).
Commands arrive as JSON lines on stdin; each gets one JSON line back on the descriptor that was
stdout (the benchmarks' own prints go to stderr):

* ``{"op": "prepare", "name": ..., "params": [...], "warmup": s}``: set the benchmark up
  (its ``setup_cache`` once per key, as asv shares it), call it for ``warmup`` seconds,
  then start the suite's round robins again (so both sides' n-th calls do the same work);
  answers its kind and unit, or that it is skipped;
* ``{"op": "sample", "number": n}``: one sample, as asv takes it (set-up before every timed
  call); answers ``{"value": seconds per call}``, or a track_ benchmark's value;
* ``{"op": "finish"}``: tear the benchmark down; ``{"op": "quit"}``.

An error answers ``{"error": "..."}``; the coordinator records the benchmark as failed.
Garbage collection stays on while a sample is timed (asv turns it off): a change that
allocates more pays for its collections in the pairs.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
import traceback
from typing import Any

OWNER_ENV = "AFIRGEN_BENCH_OWNER_PID"  # servers a benchmark starts stop with this process
WARMUP_S = 0.2  # when the coordinator does not say


class Worker:
    def __init__(self, benchmark_dir: str) -> None:
        self.benchmark_dir = benchmark_dir
        self.caches: dict[str, Any] = {}
        self.benchmark: Any = None

    def prepare(self, name: str, params: list[str], warmup: float = WARMUP_S) -> dict[str, Any]:
        """Set ``name`` up at ``params`` (as asv's index spells them: ``'complaints'``)."""
        from asv_runner.discovery import get_benchmark_from_name

        self.finish()
        benchmark = get_benchmark_from_name(self.benchmark_dir, name)
        combos = [list(c) for c in itertools.product(*benchmark.params)] if params else [[]]
        if params not in combos:
            raise LookupError(f"{name} has no parameters {params} here (it has {combos[:4]}...)")
        if params:
            benchmark.set_param_idx(combos.index(params))
        key = benchmark.setup_cache_key
        if key is not None:
            if key not in self.caches:
                try:
                    self.caches[key] = benchmark.do_setup_cache()
                except NotImplementedError as exc:
                    self.caches[key] = exc
            if isinstance(self.caches[key], NotImplementedError):
                return {"skipped": str(self.caches[key])}
            benchmark.set_cache(self.caches[key])
        if benchmark.do_setup():
            return {"skipped": "setup raised NotImplementedError"}
        self.benchmark = benchmark
        started = time.perf_counter()
        calls = 0
        while time.perf_counter() < started + warmup:
            self.sample(1)
            calls += 1
        per_call = (time.perf_counter() - started) / calls
        self.restart_cycles()
        return {"kind": benchmark.type, "unit": benchmark.unit, "per_call": per_call}

    def restart_cycles(self) -> None:
        """Both sides' round robins (``resources.next_of``) start again where the other's do."""
        package = os.path.basename(os.path.normpath(self.benchmark_dir))
        resources = sys.modules.get(f"{package}.resources")
        if resources is None or not hasattr(resources, "restart_cycles"):
            raise RuntimeError(f"{package}.resources.restart_cycles is missing: pairs would differ")
        resources.restart_cycles()

    def sample(self, number: int) -> dict[str, Any]:
        benchmark = self.benchmark
        if benchmark is None:
            raise RuntimeError("sample before prepare")
        params = benchmark._build_params()
        if benchmark.type != "time":
            benchmark.redo_setup()
            return {"value": benchmark.func(*params)}
        timer = benchmark.timer
        total = 0.0
        for _ in range(number):
            benchmark.redo_setup()
            start = timer()
            benchmark.func(*params)
            total += timer() - start
        return {"value": total / number}

    def finish(self) -> dict[str, Any]:
        if self.benchmark is not None:
            benchmark, self.benchmark = self.benchmark, None
            benchmark.do_teardown()
        return {}


def serve(benchmark_dir: str) -> None:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the benchmarks' prints must not corrupt the replies
    sys.stdout = sys.stderr
    os.environ[OWNER_ENV] = str(os.getpid())
    worker = Worker(benchmark_dir)
    for line in sys.stdin:
        command = json.loads(line)
        op = command.get("op")
        try:
            if op == "quit":
                worker.finish()
                break
            if op == "prepare":
                reply = worker.prepare(
                    command["name"],
                    command.get("params", []),
                    float(command.get("warmup", WARMUP_S)),
                )
            elif op == "sample":
                reply = worker.sample(int(command.get("number", 1)))
            elif op == "finish":
                reply = worker.finish()
            else:
                reply = {"error": f"unknown command {op!r}"}
        except Exception as exc:  # reported to the coordinator, which names the benchmark
            traceback.print_exc()
            worker.benchmark = None
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    serve(sys.argv[1])
