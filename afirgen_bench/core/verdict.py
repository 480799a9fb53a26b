"""One judgement of a head commit against a base: changes, SLA, and the exit code.

Exit codes mean one thing each: 0 judged and good; 1 a regression, or an SLA limit the head
breaches and the base kept; 2 the harness could not judge: a benchmark failed, vanished, did
not run or came out invalid at head, a counted figure changed version, a suspect's re-run did
not run, nothing compared, or the SLA judged nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from afirgen_bench.core.change import Change
from afirgen_bench.core.config import GateConfig, Limits
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.core.explain import Explanation
from afirgen_bench.core.models import NoiseSource, Outcome, ResultSet, Side, Verdict
from afirgen_bench.core.sla import SlaStatus, SlaVerdict, check_all
from afirgen_bench.core.stats import SampleStats, describe

# Evidence a re-run cannot improve on: counted figures count the same again, and duet pairs
# already took base and head side by side.
SETTLED = frozenset({NoiseSource.EXACT, NoiseSource.DUET})


@dataclass(frozen=True)
class Judgement:
    """Built once by ``of`` and never changed: a second look (``keep_confirmed``) or an
    added note (``with_notes``) gives a new judgement, so no caller sees one half-updated."""

    base: ResultSet
    head: ResultSet
    changes: tuple[Change, ...]
    sla: tuple[SlaVerdict, ...]
    sla_at_base: Mapping[str, frozenset[str]]  # benchmark -> limits the base breached
    gate: GateConfig
    host: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()
    run_failures: tuple[str, ...] = ()  # what the run itself reported
    across_runs: bool = False  # base and head measured in different runs
    # flagged instruction counts: where the cost went (benchmark key -> per-function diff)
    explanations: Mapping[str, Explanation] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        base: ResultSet,
        head: ResultSet,
        changes: Sequence[Change],
        sla: dict[str, Limits],
        gate: GateConfig,
        *,
        across_runs: bool = False,
    ) -> Judgement:
        at_base = {v.key: frozenset(b.limit for b in v.breaches) for v in check_all(base, sla)}
        return cls(
            base,
            head,
            tuple(changes),
            tuple(check_all(head, sla)),
            at_base,
            gate,
            across_runs=across_runs,
        )

    def with_notes(self, *notes: str) -> Judgement:
        return replace(self, notes=(*self.notes, *notes))

    def with_run_failures(self, failures: Sequence[str]) -> Judgement:
        """The judgement of a run that reported ``failures``: it cannot judge (exit 2)."""
        return replace(self, run_failures=(*self.run_failures, *failures))

    def by_verdict(self, *verdicts: Verdict) -> list[Change]:
        return [c for c in self.changes if c.verdict in verdicts]

    @property
    def regressions(self) -> list[Change]:
        return self.by_verdict(Verdict.REGRESSION)

    @property
    def improvements(self) -> list[Change]:
        return self.by_verdict(Verdict.IMPROVEMENT)

    @property
    def unprotected(self) -> list[Change]:
        """Benchmarks whose limit is above the gate's ``unprotected_above``."""
        return [c for c in self.changes if c.unprotected(self.gate)]

    @property
    def incomparable(self) -> list[Change]:
        """Figures whose version (meaning) changed: not compared."""
        return self.by_verdict(Verdict.INCOMPARABLE, Verdict.RECOUNT)

    @property
    def unjudgeable(self) -> list[Change]:
        """Benchmarks that failed, vanished, did not run or came out invalid."""
        return [c for c in self.changes if c.verdict.outcome is Outcome.CANNOT_JUDGE]

    @property
    def sla_judged_nothing(self) -> bool:
        """No limit of sla.toml passed or failed at head: the SLA checked nothing."""
        return not any(v.status in (SlaStatus.PASS, SlaStatus.FAIL) for v in self.sla)

    @property
    def sla_unjudgeable(self) -> list[SlaVerdict]:
        return [v for v in self.sla if v.status is SlaStatus.CANNOT_JUDGE]

    def keep_confirmed(self, again: Mapping[str, Change], how: str) -> Judgement:
        """Keep as regressions only those ``again`` (a second look, by key, ``how`` taken)
        flagged again, in a new judgement; the others become "unconfirmed" (reported, not
        failing). A suspect the second look could not measure takes its verdict (failed,
        gone, invalid): it cannot pass unseen. Settled evidence needs no second look:
        counted again, a figure counts the same; duet pairs already took base and head side
        by side."""
        suspected = [c.key for c in self.regressions]
        updated = []
        for change in self.changes:
            if change.verdict is Verdict.REGRESSION and change.noise_source not in SETTLED:
                second = again.get(change.key)
                if second is None:
                    change = replace(
                        change, verdict=Verdict.GONE, reason=f"not measured again ({how})"
                    )
                elif second.verdict.outcome is Outcome.CANNOT_JUDGE:
                    change = replace(
                        change, verdict=second.verdict, reason=f"{how}: {second.reason}"
                    )
                elif second.verdict is Verdict.REGRESSION:
                    change = second
                else:
                    change = replace(change, verdict=Verdict.UNCONFIRMED)
            updated.append(change)
        confirmed = sum(c.verdict is Verdict.REGRESSION for c in updated)
        return replace(self, changes=tuple(updated)).with_notes(
            f"confirmation: {len(suspected)} regression(s) suspected, "
            f"{confirmed} confirmed (wall times {how}, counted figures as counted)"
        )

    @property
    def breaches(self) -> list[SlaVerdict]:
        return [v for v in self.sla if v.status is SlaStatus.FAIL]

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
        return sum(c.ratio is not None or c.absolute_limit is not None for c in self.changes)

    @property
    def exit_code(self) -> ExitCode:
        if (
            self.unjudgeable
            or self.sla_unjudgeable
            or self.run_failures
            or not self.compared
            or self.sla_judged_nothing
        ):
            return ExitCode.CANNOT_JUDGE
        if self.regressions or self.new_breaches:
            return ExitCode.VERDICT_FAILED
        return ExitCode.OK

    @property
    def headline(self) -> str:
        if self.run_failures:
            return f"CANNOT JUDGE: the run reported failures ({', '.join(self.run_failures)})"
        if self.unjudgeable or self.sla_unjudgeable:
            names = list(
                dict.fromkeys(
                    [c.key for c in self.unjudgeable] + [v.key for v in self.sla_unjudgeable]
                )
            )
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            return f"CANNOT JUDGE: {len(names)} benchmark(s) failed, vanished or invalid ({shown})"
        if not self.compared:
            return "CANNOT JUDGE: no benchmark has results at both commits"
        if self.sla_judged_nothing:
            return (
                "CANNOT JUDGE: sla.toml judged nothing (no benchmark in the head's results has "
                "a limit there)"
            )
        problems = []
        if self.regressions:
            problems.append(f"{len(self.regressions)} regression(s)")
        if self.new_breaches:
            problems.append(f"{len(self.new_breaches)} new SLA breach(es)")
        if problems:
            return "FAILED: " + ", ".join(problems)
        return "PASSED: no regression beyond any benchmark's limit, no new SLA breach"

    def stats(self, change: Change, side: Side) -> SampleStats | None:
        measurement = change.side(side)
        if measurement is None or not measurement.samples or measurement.problem:
            return None
        return describe(measurement.rounds or [measurement.samples])

    def sla_of(self, key: str) -> SlaVerdict | None:
        return next((v for v in self.sla if v.key == key), None)
