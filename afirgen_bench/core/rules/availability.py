"""Whatever did not run, vanished, came out wrong or changed meaning is named before any figure
is compared: none of it can pass unseen."""

from __future__ import annotations

from afirgen_bench.core.change import Case, Change, GateRule
from afirgen_bench.core.models import Verdict


def _gone(case: Case) -> Change | None:
    return (
        case.verdict(Verdict.GONE, "ran at base, no result at head") if case.head is None else None
    )


def _failed_at_head(case: Case) -> Change | None:
    head = case.head
    return case.verdict(Verdict.FAILED, "failed at head") if head and head.failed else None


def _invalid_at_head(case: Case) -> Change | None:
    head = case.head
    return (
        case.verdict(Verdict.INVALID, f"{head.problem} at head") if head and head.problem else None
    )


def _new(case: Case) -> Change | None:
    return case.verdict(Verdict.NEW) if case.base is None else None


def _invalid_at_base(case: Case) -> Change | None:
    base, _ = case.sides
    return case.verdict(Verdict.INVALID, f"{base.problem} at base") if base.problem else None


def _fixed(case: Case) -> Change | None:
    base, _ = case.sides
    return case.verdict(Verdict.FIXED, "failed at base") if base.failed else None


def _skipped(case: Case) -> Change | None:
    base, head = case.sides
    if head.skipped:
        if base.skipped:
            return case.verdict(Verdict.SKIPPED, "not in either commit")
        return case.verdict(Verdict.NOT_RUN, "ran at base, skipped at head")
    return case.verdict(Verdict.NEW, "skipped at base") if base.skipped else None


def _version_changed(case: Case) -> Change | None:
    base, head = case.sides
    if base.version == head.version:
        return None
    if head.counted or base.counted:
        return case.verdict(
            Verdict.RECOUNT,
            f"the counted figure's version changed ({base.version} -> {head.version}): "
            "count the base again with this suite (run --commit BASE --bench '^cost\\.')",
        )
    return case.verdict(Verdict.INCOMPARABLE, "the benchmark's version (its meaning) changed")


RULES = (
    GateRule("gone at head", 10, _gone),
    GateRule("failed at head", 20, _failed_at_head),
    GateRule("invalid at head", 30, _invalid_at_head),
    GateRule("new at head", 40, _new),
    GateRule("invalid at base", 50, _invalid_at_base),
    GateRule("fixed at head", 60, _fixed),
    GateRule("skipped", 70, _skipped),
    GateRule("version changed", 80, _version_changed),
)
