"""One judgement of a head commit against a base: regressions, SLA breaches, exit code.

Exit codes mean one thing each: 0 all good; 1 a (non-advisory) regression, or an SLA limit
the head breaches and the base did not; 2 the harness could not judge (a benchmark failed to
run at head, or there was nothing comparable).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from afirgen_bench.compare import (
    FAILED,
    IMPROVEMENT,
    REGRESSION,
    UNCERTAIN,
    UNCONFIRMED,
    Change,
    GateConfig,
)
from afirgen_bench.errors import EXIT_CANNOT_JUDGE, EXIT_OK, EXIT_VERDICT_FAILED
from afirgen_bench.results import ResultSet
from afirgen_bench.sla import Limits, SlaVerdict, check_all
from afirgen_bench.stats import SampleStats, describe


@dataclass
class Judgement:
    base: ResultSet
    head: ResultSet
    changes: list[Change]
    sla: list[SlaVerdict]
    sla_at_base: dict[str, set[str]]  # benchmark -> limits the base breached
    host: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    gate: GateConfig = field(default_factory=GateConfig)

    @classmethod
    def of(
        cls, base: ResultSet, head: ResultSet, changes: list[Change], sla: dict[str, Limits]
    ) -> Judgement:
        at_base = {v.key: {b.limit for b in v.breaches} for v in check_all(base, sla)}
        return cls(base, head, changes, check_all(head, sla), at_base)

    def by_verdict(self, verdict: str) -> list[Change]:
        return [c for c in self.changes if c.verdict == verdict]

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.gates]

    @property
    def advisory_regressions(self) -> list[Change]:
        return [c for c in self.by_verdict(REGRESSION) if c.advisory]

    @property
    def improvements(self) -> list[Change]:
        return self.by_verdict(IMPROVEMENT)

    @property
    def uncertain(self) -> list[Change]:
        return self.by_verdict(UNCERTAIN)

    @property
    def unconfirmed(self) -> list[Change]:
        return self.by_verdict(UNCONFIRMED)

    def keep_confirmed(self, rerun: Judgement) -> None:
        """Keep as regressions only those the re-run flagged again; the others become
        "unconfirmed" (reported, not failing), and a note says how many of each."""
        again = {c.key for c in rerun.regressions}
        suspected = [c.key for c in self.regressions]
        self.changes = [
            replace(c, verdict=UNCONFIRMED) if c.gates and c.key not in again else c
            for c in self.changes
        ]
        self.notes.append(
            f"confirmation: {len(suspected)} regression(s) suspected, "
            f"{len(self.regressions)} confirmed by an interleaved re-run"
        )

    @property
    def failed(self) -> list[Change]:
        return self.by_verdict(FAILED)

    @property
    def breaches(self) -> list[SlaVerdict]:
        return [v for v in self.sla if v.status == "fail"]

    @property
    def new_breaches(self) -> list[SlaVerdict]:
        """Breaches of a limit the base kept: a change must not break an SLA, while one
        already broken on the base is reported without failing every later check."""
        return [
            v
            for v in self.breaches
            if any(b.limit not in self.sla_at_base.get(v.key, set()) for b in v.breaches)
        ]

    @property
    def compared(self) -> int:
        return sum(c.ratio is not None for c in self.changes)

    @property
    def exit_code(self) -> int:
        if self.failed or not self.compared:
            return EXIT_CANNOT_JUDGE
        if self.regressions or self.new_breaches:
            return EXIT_VERDICT_FAILED
        return EXIT_OK

    @property
    def headline(self) -> str:
        if self.failed:
            return f"CANNOT JUDGE: {len(self.failed)} benchmark(s) failed to run at head"
        if not self.compared:
            return "CANNOT JUDGE: no benchmark has results at both commits"
        problems = []
        if self.regressions:
            problems.append(f"{len(self.regressions)} regression(s)")
        if self.new_breaches:
            problems.append(f"{len(self.new_breaches)} new SLA breach(es)")
        if problems:
            return "FAILED: " + ", ".join(problems)
        return "PASSED: no regression beyond the threshold, no new SLA breach"

    def stats(self, change: Change, side: str) -> SampleStats | None:
        measurement = change.base if side == "base" else change.head
        if measurement is None or not measurement.samples:
            return None
        return describe(measurement.samples)

    def sla_of(self, key: str) -> SlaVerdict | None:
        return next((v for v in self.sla if v.key == key), None)
