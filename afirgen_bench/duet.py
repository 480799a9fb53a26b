"""Duet runs: the wall-time benchmarks of two commits measured together, pair by pair.

Each round starts one worker process per commit (``duet_worker.py``, in asv's benchmark
environment with that commit's ``afirgen_fixtures`` first on the path) and walks the suite's
wall-time benchmarks: both sides set a benchmark up (one after the other, so they never load
a data set at once), then take its samples in pairs, by the ``Schedule``. HTTP benchmarks run
against one API server per commit. The pairs go to ``results-duet/<machine>/`` (or a PR
check's own folder) for the judge (``core/duet.py``).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import random
import re
import select
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from afirgen_bench import asv_driver
from afirgen_bench.core.config import GateConfig
from afirgen_bench.core.duet import (
    DUET_PAIRS_FOR_MAX_S,
    DUET_PAIRS_FOR_S,
    DUET_ROUND_ERROR,
    DUET_ROUNDS,
    DUET_SCHEDULE,
    DUET_WARMUP_S,
    MIN_PAIRS,
    TRIM,
    DuetFigure,
    DuetRecord,
    Schedule,
    paired_shift,
    round_estimate,
)
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import declared_counted, result_key
from afirgen_bench.core.results import IndexEntry
from afirgen_bench.pinning import bench_cpu
from afirgen_bench.runner import benchmark_environment, log
from afirgen_bench.workspace import Workspace

WORKER = Path(__file__).with_name("duet_worker.py")
DUET_PYTHON_ENV = "AFIRGEN_BENCH_DUET_PYTHON"
# Suites measured elsewhere: counted figures (exact, by Callgrind) and the Locust load test
# (minutes per sample; judged against the SLA).
NOT_IN_DUET = re.compile(r"^(cost|load)\.")
# Each sample times calls for at least SAMPLE_S (a call of 60 us alone varies by ~13 % from
# the next; batched, the pair's ratio steadies), and a benchmark takes pairs for the design's
# seconds per round (at least MIN_PAIRS, at most MAX_PAIRS).
SAMPLE_S = 0.001
MAX_PAIRS = 2000
CHECK_EVERY = 25  # pairs between two looks at a round's standard error, past its seconds
PREPARE_TIMEOUT_S = 3600.0  # a setup_cache may load a data set
SEED = 20261206


@dataclass(frozen=True)
class Target:
    """One benchmark at one parameter combination."""

    name: str
    params: tuple[str, ...]
    unit: str
    version: str | None
    number: int  # asv's calls per sample: the least a duet sample takes
    timeout: float

    @property
    def key(self) -> str:
        return result_key(self.name, self.params)


def duet_targets(index: dict[str, IndexEntry], gate: GateConfig, bench: str | None) -> list[Target]:
    """The wall-time benchmarks of the suite's index that ``bench`` selects: not counted,
    not seeded (``deterministic``), not a rate with an absolute limit, not a ratio of others."""
    pattern = re.compile(bench) if bench else None
    excluded = set(gate.deterministic) | set(gate.absolute) | set(gate.derived)
    targets = []
    for name, entry in index.items():
        if NOT_IN_DUET.search(name) or name in excluded or declared_counted(entry.version):
            continue
        if entry.type not in ("time", "track"):
            continue
        extra = entry.model_extra or {}
        for params in itertools.product(*entry.params):  # one empty combination if none
            target = Target(
                name=name,
                params=tuple(params),
                unit=entry.unit,
                version=entry.version,
                number=int(extra.get("number") or 1),
                timeout=float(extra.get("timeout") or 600),
            )
            if pattern is None or pattern.search(target.key):
                targets.append(target)
    return targets


def export_tree(root: Path, commit: str) -> Path:
    """The backend package of ``commit``, unpacked once under .asv/duet/trees/."""
    folder = root / ".asv" / "duet" / "trees" / commit
    done = folder / ".complete"
    if done.exists():
        return folder
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", commit, "afirgen_fixtures"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise HarnessError(
            f"cannot export afirgen_fixtures at {commit[:8]}: {archive.stderr.decode()[:200]}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    done.touch()
    return folder


def benchmark_python(root: Path) -> Path:
    """``$AFIRGEN_BENCH_DUET_PYTHON``, else asv's benchmark environment (the pinned matrix),
    set up first if it is missing."""
    if configured := os.environ.get(DUET_PYTHON_ENV):
        return Path(configured)
    found = sorted((root / ".asv" / "env").glob("*/bin/python"))
    if not found:
        log("setting up asv's benchmark environment")
        result = asv_driver.run_asv(["setup"], root=root, echo=False)
        found = sorted((root / ".asv" / "env").glob("*/bin/python"))
        if not found:  # asv setup exits 1 even when it made the environment
            raise HarnessError(f"asv setup failed: {result.output[-300:]}")
    return found[0]


class WorkerError(Exception):
    """A worker answered with an error, timed out or died."""


class Side:
    """One commit's worker process."""

    def __init__(
        self, commit: str, python: Path, tree: Path, root: Path, env: dict[str, str], log_to: Path
    ) -> None:
        self.commit = commit
        log_to.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_to.open("a")
        workdir = log_to.parent / f"work-{commit[:8]}-{os.getpid()}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(python), "-P", str(WORKER), str(root / "benchmarks")],
            cwd=workdir,
            env={**env, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
        )

    def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError(f"the worker of {self.commit[:8]} is gone ({exc})") from exc

    def receive(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise WorkerError(f"no answer from {self.commit[:8]} within {timeout:.0f} s")
        line = self.process.stdout.readline()
        if not line:
            raise WorkerError(
                f"the worker of {self.commit[:8]} exited ({self.process.poll()}); "
                f"its log: {self._log.name}"
            )
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"at {self.commit[:8]}: {reply['error']}")
        return reply

    def ask(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.send(command)
        return self.receive(timeout)

    def close(self) -> None:
        with contextlib.suppress(WorkerError):
            self.send({"op": "quit"})
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            asv_driver.stop_group(self.process)  # type: ignore[arg-type]
        self._log.close()


@dataclass
class Duet:
    """The two workers of a round and how they take their pairs."""

    base: Side
    head: Side
    schedule: Schedule
    rng: random.Random

    def pair(self, number: int, timeout: float) -> list[float]:
        command = {"op": "sample", "number": number}
        if self.schedule is Schedule.PARALLEL:
            self.base.send(command)
            self.head.send(command)
            before = self.base.receive(timeout)["value"]
            after = self.head.receive(timeout)["value"]
        elif self.rng.random() < 0.5:
            before = self.base.ask(command, timeout)["value"]
            after = self.head.ask(command, timeout)["value"]
        else:
            after = self.head.ask(command, timeout)["value"]
            before = self.base.ask(command, timeout)["value"]
        return [float(before), float(after)]

    def close(self) -> None:
        self.base.close()
        self.head.close()


@dataclass
class Evidence:
    """What the rounds gathered for one target so far."""

    target: Target
    pairs: list[list[float]]
    rounds: list[int]
    problem: str | None = None
    skipped: bool = False

    def summary(self) -> str:
        figure = None if self.skipped else self.figure()
        if figure is None or figure.problem:
            return f"{self.target.key}: {figure.problem if figure else 'skipped'}"
        shift, error = paired_shift(figure)
        return (
            f"{self.target.key}: {len(self.pairs)} pairs, head/base {shift.ratio:.4f} "
            f"± {error * 100:.2f} %"
        )

    def figure(self) -> DuetFigure | None:
        if self.skipped and not self.pairs:
            return None
        problem = self.problem
        if problem is None and len(self.pairs) < MIN_PAIRS:
            problem = f"only {len(self.pairs)} pairs"
        return DuetFigure(
            benchmark=self.target.name,
            params=list(self.target.params),
            unit=self.target.unit,
            version=self.target.version,
            pairs=self.pairs if problem is None else [],
            rounds=self.rounds if problem is None else [],
            problem=problem,
        )


@dataclass(frozen=True)
class Lineup:
    """What every round's workers are started from."""

    root: Path
    python: Path
    trees: dict[str, Path]
    env: dict[str, str]
    base: str
    head: str
    schedule: Schedule
    rng: random.Random

    def start(self, round_: int) -> Duet:
        """Two fresh workers; odd rounds start the head's first (the later one finds more
        of the machine's caches warm)."""
        logs = self.root / ".asv" / "duet" / "logs"
        order = ((self.base, "base.log"), (self.head, "head.log"))
        started = [
            Side(commit, self.python, self.trees[commit], self.root, self.env, logs / name)
            for commit, name in (order[::-1] if round_ % 2 else order)
        ]
        sides = started[::-1] if round_ % 2 else started
        duet = Duet(sides[0], sides[1], self.schedule, self.rng)
        # Alternating workers share the benchmark CPU with the servers, as asv's processes
        # do; parallel ones get every CPU, so that neither side is the one by the servers.
        everywhere = set(range(os.cpu_count() or 1))
        cpus = {bench_cpu()} if self.schedule is Schedule.ALTERNATE else everywhere
        for side in sides:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(side.process.pid, cpus)
        return duet


def run_duet(
    workspace: Workspace,
    base: str,
    head: str,
    targets: list[Target],
    *,
    schedule: Schedule = DUET_SCHEDULE,
    rounds: int = DUET_ROUNDS,
    pairs_for: float = DUET_PAIRS_FOR_S,
    progress: Callable[[str], None] = log,
    python: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> DuetRecord:
    """Measure ``targets`` for ``base`` and ``head`` (full shas) in duet, ``rounds`` times
    with fresh processes, each benchmark taking pairs for ``pairs_for`` seconds per round (or
    longer while they are noisy), and return the record (not yet written). ``python``: the
    workers' interpreter (default: asv's benchmark environment); ``extra_env`` reaches the
    benchmarks (``AFIRGEN_BENCH_SCALES`` for targets at a scale the default suite does not
    run)."""
    if not targets:
        raise HarnessError("no wall-time benchmark selected for the duet")
    root = workspace.root
    env = {**os.environ, **benchmark_environment()}
    env.pop("PYTHONPATH", None)
    env["PYTHONHASHSEED"] = "0"  # the same for both sides, as for the suite's API servers
    env.update(extra_env or {})
    lineup = Lineup(
        root=root,
        python=python or benchmark_python(root),
        trees={commit: export_tree(root, commit) for commit in {base, head}},
        env=env,
        base=base,
        head=head,
        schedule=schedule,
        rng=random.Random(SEED),
    )
    evidence = [Evidence(t, [], []) for t in targets]
    started = time.monotonic()
    for round_ in range(rounds):
        _round(lineup, (round_, rounds), evidence, pairs_for, progress)
    figures = {}
    for found in evidence:
        if (figure := found.figure()) is not None:
            figures[found.target.key] = figure
    return DuetRecord(
        machine=workspace.machine,
        base=base,
        head=head,
        schedule=schedule,
        design=duet_design(schedule, rounds, pairs_for),
        measured_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        seconds=round(time.monotonic() - started, 1),
        figures=figures,
    )


def _round(
    lineup: Lineup,
    of: tuple[int, int],
    evidence: list[Evidence],
    pairs_for: float,
    progress: Callable[[str], None],
) -> None:
    """One round (``of``: its index and the number of rounds): fresh workers take each
    target's pairs (targets that failed or were skipped in an earlier round are left out)."""
    round_, rounds = of
    duet = lineup.start(round_)
    try:
        for n, found in enumerate(evidence, 1):
            if found.problem or found.skipped:
                continue
            if not _measure(duet, found.target, found, round_, pairs_for):
                duet.close()  # a worker failed or hung: the next target gets new ones
                duet = lineup.start(round_)
            progress(f"round {round_ + 1}/{rounds} [{n}/{len(evidence)}] {found.summary()}")
    finally:
        duet.close()


def duet_design(
    schedule: Schedule = DUET_SCHEDULE,
    rounds: int = DUET_ROUNDS,
    pairs_for: float = DUET_PAIRS_FOR_S,
) -> str:
    """How a duet takes its pairs, in words: a calibrated noise holds for this design only."""
    return (
        f"{schedule} rounds={rounds} sample>={SAMPLE_S * 1000:g}ms "
        f"warmup={DUET_WARMUP_S:g}s pairs-for={pairs_for:g}-{_longest(pairs_for):g}s "
        f"until±{DUET_ROUND_ERROR:.1%} trim={TRIM:g} hashseed=0"
    )


def _longest(pairs_for: float) -> float:
    """The longest a benchmark takes pairs in a round, scaled with ``pairs_for``."""
    return pairs_for * DUET_PAIRS_FOR_MAX_S / DUET_PAIRS_FOR_S


def _more(ratios: list[float], elapsed: float, pairs_for: float) -> bool:
    """Whether a round takes another pair: always below MIN_PAIRS and within ``pairs_for``;
    past it, while its standard error is above DUET_ROUND_ERROR, up to the longest time the
    design gives a benchmark (scaled with ``pairs_for``)."""
    if len(ratios) < MIN_PAIRS or elapsed < pairs_for:
        return True
    if elapsed >= _longest(pairs_for):
        return False
    if len(ratios) % CHECK_EVERY and len(ratios) > CHECK_EVERY:
        return True
    return round_estimate(ratios)[1] > DUET_ROUND_ERROR


def _measure(duet: Duet, target: Target, found: Evidence, round_: int, pairs_for: float) -> bool:
    """One round of one target's pairs; False when a worker failed or hung (the target then
    names the problem and has no pairs: it cannot pass unseen)."""
    prepare = {
        "op": "prepare",
        "name": target.name,
        "params": list(target.params),
        "warmup": DUET_WARMUP_S,
    }
    try:
        # who sets up last starts its pairs warmest: the order is drawn, as for the pairs
        both = (duet.base, duet.head)
        answers: list[dict[str, Any]] = [{}, {}]
        for i in (0, 1) if duet.rng.random() < 0.5 else (1, 0):
            answers[i] = both[i].ask(prepare, PREPARE_TIMEOUT_S)
        if any("skipped" in a for a in answers):
            found.skipped = all("skipped" in a for a in answers)
            if not found.skipped:
                side = "base" if "skipped" in answers[0] else "head"
                found.problem = f"skipped at {side} only"
            return True
        slowest = max(float(a.get("per_call") or 0.0) for a in answers)
        number = max(target.number, math.ceil(SAMPLE_S / slowest) if slowest > 0 else 1)
        if answers[0].get("kind") != "time":
            number = 1  # a track_ figure is one value per call
        started = time.monotonic()
        ratios: list[float] = []
        while len(ratios) < MAX_PAIRS and _more(ratios, time.monotonic() - started, pairs_for):
            pair = duet.pair(number, target.timeout)
            found.pairs.append(pair)
            found.rounds.append(round_)
            ratios.append(math.log(pair[1] / pair[0]))
        for side in (duet.base, duet.head):
            side.ask({"op": "finish"}, target.timeout)
        return True
    except WorkerError as exc:
        found.problem = str(exc)
        found.pairs.clear()
        found.rounds.clear()
        return False
