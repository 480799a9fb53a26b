"""The history measured in shards (issue 24): a plan splits the commits to measure among N
runners, each shard says what it measured in a manifest, and a merge checks the shards
against the plan before anything enters ``results/``.

Counted figures do not depend on the runner that measured them, so shards merge into one
comparable history; wall times do, so a shard's wall times are never compared with another
shard's (each new commit's duet with its predecessor, measured in its shard, judges them).
Two shards that counted the same commit and disagree beyond a figure's tolerance point at a
determinism bug: the merge names it, never averages it away.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, model_validator

from afirgen_bench.core.config import Calibration, GateConfig, StrictModel
from afirgen_bench.core.gate import compare_one
from afirgen_bench.core.models import ResultSet, Verdict

SHARD_FORMAT = 1
# A shard's fixed cost on this VM before its first commit: scripts/setup.sh (48.7 s on
# 2026-12-06), the asv environment, and the 10k, 100k (35.4 s) and 1M (641.0 s) data sets
# (docs/measurements/README.md, docs/measurements/2026-12-04-load-1m.log).
SHARD_OVERHEAD_S = 800.0
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
Name = Annotated[str, Field(min_length=1)]


def plan_shards(commits: list[str], count: int) -> list[list[str]]:
    """``commits`` (oldest first) dealt to ``count`` shards in turn: each shard spans the
    whole history, and no two differ by more than one commit (a commit costs about the same
    anywhere in it). Never an empty shard: fewer commits than shards give fewer shards."""
    if count < 1:
        raise ValueError(f"{count} shards: at least one is needed")
    used = min(count, len(commits))
    return [commits[i::used] for i in range(used)]


class ShardPlan(StrictModel):
    """What each shard of one backfill measures (``backfill plan`` writes it)."""

    format: Literal[1] = SHARD_FORMAT
    machine: Name
    harness: Sha  # the commit whose suite and harness every shard runs
    bench: str | None = None  # the benchmarks every shard runs (asv -b regex; None: all)
    shards: Annotated[list[Annotated[list[Sha], Field(min_length=1)]], Field(min_length=1)]

    @model_validator(mode="after")
    def _each_commit_once(self) -> ShardPlan:
        seen = [c for shard in self.shards for c in shard]
        if len(seen) != len(set(seen)):
            raise ValueError("a commit is planned in two shards")
        return self

    @property
    def digest(self) -> str:
        """Names this plan in each shard's manifest, so a shard of another plan is refused."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class ShardManifest(StrictModel):
    """What one shard measured, and on what (``backfill shard`` writes it last: a shard
    without one did not finish)."""

    format: Literal[1] = SHARD_FORMAT
    plan: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    index: Annotated[int, Field(ge=0)]
    machine: Name
    harness: Sha
    suite: Name  # a digest of the suite's asv index (results/benchmarks.json)
    duet_design: Name
    commits: list[Sha]  # the commits it was given
    measured: list[Sha]  # those with a result file in the shard
    failed: list[Name]  # benchmarks asv reported failed
    host: dict[str, str]  # what it ran on: CPU model and count, kernel, Python
    started_at: Name
    finished_at: Name

    @model_validator(mode="after")
    def _measured_what_it_was_given(self) -> ShardManifest:
        if not set(self.measured) <= set(self.commits):
            raise ValueError("measured a commit it was not given")
        return self


@dataclass
class MergeCheck:
    """Whether the shards at hand make the planned history: every problem by name."""

    missing: list[int] = field(default_factory=list)  # planned shards with no manifest
    foreign: list[str] = field(default_factory=list)  # a manifest of another plan or machine
    duplicated: list[int] = field(default_factory=list)  # two manifests of one shard
    incomplete: dict[int, list[str]] = field(default_factory=dict)  # commits not measured
    failed: dict[int, list[str]] = field(default_factory=dict)  # benchmarks that failed

    @property
    def complete(self) -> bool:
        return not (self.missing or self.foreign or self.duplicated or self.incomplete)

    def problems(self) -> list[str]:
        lines = [
            f"shard {i}: missing (no manifest: it failed or was not downloaded)"
            for i in self.missing
        ]
        lines += self.foreign
        lines += [
            f"shard {i}: two manifests (the same shard downloaded twice?)" for i in self.duplicated
        ]
        for i, commits in self.incomplete.items():
            shas = ", ".join(c[:8] for c in commits)
            lines.append(f"shard {i}: {len(commits)} commit(s) not measured ({shas})")
        lines += [
            f"shard {i}: benchmarks failed ({', '.join(names)})" for i, names in self.failed.items()
        ]
        return lines


def check_shards(plan: ShardPlan, manifests: list[tuple[str, ShardManifest]]) -> MergeCheck:
    """The manifests (each with where it came from) against the plan."""
    check = MergeCheck()
    by_index: dict[int, ShardManifest] = {}
    suites = {m.suite for _origin, m in manifests if m.plan == plan.digest}
    if len(suites) > 1:
        check.foreign.append(f"the shards ran {len(suites)} different suites: {sorted(suites)}")
    for origin, manifest in manifests:
        if manifest.plan != plan.digest:
            check.foreign.append(f"{origin}: a shard of another plan")
            continue
        if manifest.machine != plan.machine or manifest.harness != plan.harness:
            check.foreign.append(
                f"{origin}: measured as {manifest.machine} with harness {manifest.harness[:8]}, "
                f"the plan says {plan.machine} with {plan.harness[:8]}"
            )
            continue
        if manifest.index >= len(plan.shards) or manifest.commits != plan.shards[manifest.index]:
            check.foreign.append(f"{origin}: shard {manifest.index} is not the plan's")
            continue
        if manifest.index in by_index:
            check.duplicated.append(manifest.index)
            continue
        by_index[manifest.index] = manifest
    for index, commits in enumerate(plan.shards):
        manifest = by_index.get(index)
        if manifest is None:
            check.missing.append(index)
            continue
        unmeasured = [c for c in commits if c not in manifest.measured]
        if unmeasured:
            check.incomplete[index] = unmeasured
        if manifest.failed:
            check.failed[index] = manifest.failed
    return check


def counted_conflicts(
    first: ResultSet, second: ResultSet, gate: GateConfig, calibration: Calibration | None
) -> list[str]:
    """The counted (and seeded) figures on which two measurements of one commit disagree
    beyond their tolerance; wall times are never compared across runners."""
    conflicts = []
    for key, one in first.measurements.items():
        other = second.measurements.get(key)
        exact = one.counted or one.benchmark in gate.deterministic
        if other is None or not exact or one.failed or other.failed or one.skipped:
            continue
        change = compare_one(one, other, gate, calibration, across_runs=True)
        if change.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT):
            conflicts.append(f"{key}: {one.value:g} against {other.value:g} {one.unit}")
    return conflicts


@dataclass(frozen=True)
class BackfillCost:
    """What a backfill costs, from what this machine measured: a commit's suite and its duet
    with its predecessor, and a shard's fixed cost before its first commit (set-up, the asv
    environment, the data sets), all in seconds."""

    suite_s: float
    duet_s: float
    overhead_s: float

    def wall_s(self, commits: int, shards: int) -> float:
        """The backfill's wall-clock time when ``shards`` runners measure at once: its
        largest shard (shards are dealt to within one commit of each other)."""
        if commits < 1 or shards < 1:
            raise ValueError(f"{commits} commits on {shards} shards: both must be positive")
        largest = -(-commits // min(shards, commits))
        return self.overhead_s + largest * (self.suite_s + self.duet_s)

    def runner_s(self, commits: int, shards: int) -> float:
        """Runner time paid for (every shard's fixed cost, every commit's work)."""
        used = min(shards, commits)
        return used * self.overhead_s + commits * (self.suite_s + self.duet_s)
