"""The four reports of a judgement (summary and detailed text, JSON, a PR comment) and the
noise tables of a calibration. Every benchmark that cannot pass is named in every report."""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from afirgen_bench.core.change import Change, detection_for
from afirgen_bench.core.config import Calibration, GateConfig
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.explain import explanation_lines
from afirgen_bench.core.models import NoiseSource, Side, Verdict
from afirgen_bench.core.verdict import Judgement

REPORT_FILES = ("summary.txt", "detailed.txt", "report.json", "comment.md")

# Sections of the reports, most urgent first; verdicts not listed are only in the tables.
SECTIONS = (
    (Verdict.FAILED, "Failed at head"),
    (Verdict.GONE, "Gone at head (no result)"),
    (Verdict.NOT_RUN, "Not run at head (ran at base)"),
    (Verdict.INVALID, "Invalid figures"),
    (Verdict.RECOUNT, "Counted figures whose version changed (count the base again)"),
    (Verdict.REGRESSION, "Regressions"),
    (Verdict.UNCONFIRMED, "Unconfirmed (flagged once, not again when re-run)"),
    (Verdict.UNCERTAIN, "Uncertain (beyond the threshold, within the noise)"),
    (Verdict.IMPROVEMENT, "Improvements"),
    (Verdict.INCOMPARABLE, "Not comparable (the benchmark's version changed)"),
)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    if value >= 1e-6:
        return f"{value * 1e6:.1f} µs"
    return f"{value * 1e9:.0f} ns"


def _ratio(change: Change) -> str:
    return "-" if change.ratio is None else f"{change.ratio:.3f}"


def _limit(change: Change) -> str:
    """The smallest slowdown this benchmark promises to catch, or its absolute limit."""
    if change.absolute_limit is not None:
        unit = change.head.unit if change.head else ""
        return f"±{change.absolute_limit:g} {unit}".strip()
    if change.noise_source is NoiseSource.EXACT and change.limit == 0:
        return "any"
    return "-" if change.limit is None else f"{change.limit:.1%}"


def _line(change: Change) -> str:
    parts = [f"  {change.key}"]
    if change.ratio is not None or change.limit is not None:
        parts.append(f"ratio {_ratio(change)}  limit {_limit(change)}")
    if change.noise_source:
        parts.append(f"({change.noise_source})")
    if change.reason:
        parts.append(f"- {change.reason}")
    return "  ".join(parts)


def _sla(j: Judgement, key: str) -> str:
    verdict = j.sla_of(key)
    if verdict is None:
        return "-"
    text = str(verdict.status)
    if verdict.breaches:
        text += ": " + "; ".join(str(b) for b in verdict.breaches)
    return text + (f" ({verdict.reason})" if verdict.reason else "")


def unprotected_text(change: Change) -> str:
    """How a benchmark whose noise hides any useful change is named, everywhere."""
    return f"unprotected: noise hides changes below {_limit(change)}"


def _counts(j: Judgement) -> str:
    """What the first line must say whatever the verdict: how much was not really judged."""
    return (
        f"{len(j.unprotected)} unprotected (limit above {j.gate.unprotected_above:.0%}: noise "
        f"hides smaller changes), {len(j.incomparable)} not comparable (version changed)"
    )


def _incomparable_line(j: Judgement) -> str | None:
    if not j.incomparable:
        return None
    names = [c.key for c in j.incomparable]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{len(names)} figure(s) changed version and were not compared: {shown}"


def summary_text(j: Judgement) -> str:
    advisory = [c for c in j.changes if c.advisory and c.detection is not None]
    lines = [
        f"Performance check {j.base.commit[:8]} -> {j.head.commit[:8]} on {j.head.machine}: "
        + _counts(j),
        j.headline,
    ]
    if incomparable := _incomparable_line(j):
        lines.append(incomparable)
    lines += [
        "",
        f"compared: {j.compared}   regressions: {len(j.regressions)}   "
        f"improvements: {len(j.improvements)}   cannot judge: {len(j.unjudgeable)}   "
        f"limited by noise: {len(advisory)}",
        f"SLA at head: {sum(v.status == 'pass' for v in j.sla)} pass, {len(j.breaches)} fail "
        f"({len(j.new_breaches)} new), {len(j.sla_unjudgeable)} cannot judge",
    ]
    if j.across_runs:
        lines.append(_across_runs_note(j))
    for verdict, title in SECTIONS:
        if items := j.by_verdict(verdict):
            lines += ["", f"{title}:"]
            for c in items:
                lines.append(_line(c))
                if verdict is Verdict.REGRESSION:
                    lines += [f"      {line}" for line in _explained(j, c)]
    if j.unprotected:
        lines += [
            "",
            f"{len(j.unprotected)} benchmark(s) unprotected, their limit above "
            f"{j.gate.unprotected_above:.0%} (each still fails beyond it):",
            *(f"  {c.key}: {unprotected_text(c)}" for c in j.unprotected),
        ]
    if advisory:
        lines += [
            "",
            f"{len(advisory)} benchmark(s) whose noise hides {j.gate.threshold:.0%}: each still "
            "fails beyond its own limit (its minimum detectable effect):",
            *(f"  {c.key}: limit {_limit(c)}" for c in advisory),
        ]
    if j.breaches:
        lines += ["", "SLA breaches at head:"]
        for v in j.breaches:
            new = " (new)" if v in j.new_breaches else ""
            lines.append(f"  {v.key}{new}: " + "; ".join(str(b) for b in v.breaches))
    if j.sla_unjudgeable:
        lines += ["", "SLA cannot judge:", *(f"  {v.key}: {v.reason}" for v in j.sla_unjudgeable)]
    lines += j.notes
    return "\n".join(lines) + "\n"


def _across_runs_note(j: Judgement) -> str:
    """What judged the figures of two runs: counts on their tolerances, wall times on duet
    pairs, beyond the machine's drift, or not at all."""
    sources = [c.noise_source for c in j.changes]
    exact = sources.count(NoiseSource.EXACT)
    paired = sources.count(NoiseSource.DUET)
    drift = sources.count(NoiseSource.CALIBRATED) + sources.count(NoiseSource.UNCALIBRATED)
    unjudged = len(j.by_verdict(Verdict.ACROSS_RUNS))
    parts = [f"{exact} counted figures judged on their own tolerances"]
    if paired:
        parts.append(f"{paired} wall times on the pairs of their duet")
    if drift:
        parts.append(f"{drift} wall times only beyond the drift this machine has shown")
    if unjudged:
        parts.append(
            f"{unjudged} wall times not judged (no duet measured them: python -m afirgen_bench "
            f"duet {j.base.commit[:8]} {j.head.commit[:8]})"
        )
    return "base and head come from different runs: " + ", ".join(parts)


def _explained(j: Judgement, change: Change) -> list[str]:
    """Where a flagged instruction count's cost went, when both profiles were kept."""
    explanation = j.explanations.get(change.key)
    if explanation is None:
        return []
    return explanation_lines(explanation)


def detailed_text(j: Judgement) -> str:
    header = (
        f"{'benchmark':<70} {'verdict':<14} {'ratio':>7} {'limit':>8} {'noise':<12} "
        f"{'median':>10} {'p95':>10} {'p99':>10} {'n':>5}  sla"
    )
    lines = [summary_text(j), header, "-" * len(header)]
    for c in j.changes:
        head = j.stats(c, Side.HEAD)
        lines.append(
            f"{c.key[:70]:<70} {c.verdict:<14} {_ratio(c):>7} {_limit(c):>8} "
            f"{(c.noise_source or '-'):<12} "
            f"{fmt_seconds(head.median if head else None):>10} "
            f"{fmt_seconds(head.p95 if head else None):>10} "
            f"{fmt_seconds(head.p99 if head else None):>10} {head.count if head else 0:>5}  "
            f"{_sla(j, c.key)}"
        )
    if j.host:
        lines += ["", "Host during the run: " + json.dumps(j.host, sort_keys=True)]
    return "\n".join(lines) + "\n"


def as_json(j: Judgement) -> dict[str, Any]:
    def side(c: Change, name: Side) -> dict[str, Any] | None:
        measurement = c.side(name)
        if measurement is None:
            return None
        stats = j.stats(c, name)
        return {
            "value": measurement.value,
            "unit": measurement.unit,
            "version": measurement.version,
            "stats": stats.as_dict() if stats else None,
        }

    return {
        "base": j.base.commit,
        "head": j.head.commit,
        "machine": j.head.machine,
        "verdict": j.headline,
        "exit_code": int(j.exit_code),
        "changes": [
            {
                "benchmark": c.key,
                "verdict": str(c.verdict),
                "outcome": str(c.verdict.outcome),
                "reason": c.reason,
                "ratio": c.ratio,
                "limit": c.limit,
                "absolute_limit": c.absolute_limit,
                "minimum_detectable_effect": c.minimum_effect,
                "flag_at_ratio": math.exp(c.detection.flag_at) if c.detection else None,
                "noise_sigma": c.detection.sigma if c.detection else None,
                "noise_source": c.noise_source,
                "advisory": c.advisory,
                "unprotected": c.unprotected(j.gate),
                "base": side(c, Side.BASE),
                "head": side(c, Side.HEAD),
                "explanation": asdict(j.explanations[c.key]) if c.key in j.explanations else None,
            }
            for c in j.changes
        ],
        "across_runs": j.across_runs,
        "unprotected_above": j.gate.unprotected_above,
        "unprotected": [
            {"benchmark": c.key, "limit": c.limit, "text": unprotected_text(c)}
            for c in j.unprotected
        ],
        "not_comparable": [c.key for c in j.incomparable],
        "sla": [
            {
                "benchmark": v.key,
                "status": str(v.status),
                "reason": v.reason,
                "new": v in j.new_breaches,
                "breaches": [asdict(b) for b in v.breaches],
            }
            for v in j.sla
        ],
        "notes": j.notes,
        "host": j.host,
    }


def comment_markdown(j: Judgement) -> str:
    """The PR comment: headline and counts, what the check promises, the changed benchmarks,
    then the details a reviewer opens on demand."""
    lines = [f"### Performance: {j.headline}", "", f"**{_counts(j)}**", ""]
    if incomparable := _incomparable_line(j):
        lines += [incomparable, ""]
    lines += [_promise_line(j), "", *_changes_table(j)]
    lines += _unprotected_details(j)
    lines += _explained_details(j)
    if j.across_runs:
        lines += ["", f"_{_across_runs_note(j)}_"]
    lines += [f"\n_{note}_" for note in j.notes]
    lines += _sla_details(j)
    return "\n".join(lines) + "\n"


def _promise_line(j: Judgement) -> str:
    return (
        f"`{j.base.commit[:8]}` → `{j.head.commit[:8]}` on `{j.head.machine}`: "
        f"{j.compared} benchmarks compared. A slowdown fails the check beyond the benchmark's "
        f"*limit*: {j.gate.threshold:.0%}, or its minimum detectable effect where this "
        f"machine's noise hides {j.gate.threshold:.0%} (false alarm {j.gate.alpha:.0%} per "
        "benchmark and run; it must reproduce when re-run). Anything that failed, vanished or "
        "came out invalid cannot pass."
    )


def _changes_table(j: Judgement) -> list[str]:
    noteworthy = [c for verdict, _title in SECTIONS for c in j.by_verdict(verdict)]
    if not noteworthy:
        return ["No benchmark changed beyond its limit."]
    lines = [
        "| benchmark | verdict | ratio | limit | P95 before | P95 after | SLA |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for c in noteworthy:
        before, after = j.stats(c, Side.BASE), j.stats(c, Side.HEAD)
        verdict = str(c.verdict) + (f": {c.reason}" if c.reason else "")
        lines.append(
            f"| `{c.key}` | {verdict} | {_ratio(c)} | {_limit(c)} | "
            f"{fmt_seconds(before.p95 if before else None)} | "
            f"{fmt_seconds(after.p95 if after else None)} | {_sla(j, c.key)} |"
        )
    return lines


def _unprotected_details(j: Judgement) -> list[str]:
    if not j.unprotected:
        return []
    return [
        "",
        f"<details><summary>{len(j.unprotected)} unprotected benchmark(s): limit above "
        f"{j.gate.unprotected_above:.0%}</summary>",
        "",
        *(f"- `{c.key}`: {unprotected_text(c)}" for c in j.unprotected),
        "",
        "</details>",
    ]


def _explained_details(j: Judgement) -> list[str]:
    """Where each regression's instructions went, from its profile."""
    lines: list[str] = []
    for c in j.regressions:
        if explained := _explained(j, c):
            lines += [
                "",
                f"<details><summary>Where the instructions of <code>{c.key}</code> went</summary>",
                "",
                "```",
                *explained,
                "```",
                "",
                "</details>",
            ]
    return lines


def _sla_details(j: Judgement) -> list[str]:
    if not (j.breaches or j.sla_unjudgeable):
        return []
    lines = ["", "<details><summary>SLA at head</summary>", ""]
    for v in j.breaches:
        new = " **(new)**" if v in j.new_breaches else ""
        lines.append(f"- `{v.key}`{new}: " + "; ".join(str(b) for b in v.breaches))
    lines += [f"- `{v.key}`: cannot judge, {v.reason}" for v in j.sla_unjudgeable]
    return [*lines, "", "</details>"]


def _finite(value: Any) -> Any:
    """NaN and infinity as null, so the export is standard JSON (asv's own files are not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_reports(j: Judgement, directory: Path) -> list[Path]:
    contents = {
        "summary.txt": summary_text(j),
        "detailed.txt": detailed_text(j),
        "report.json": json.dumps(_finite(as_json(j)), indent=2, allow_nan=False, default=str),
        "comment.md": comment_markdown(j),
    }
    paths = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name in REPORT_FILES:
            path = directory / name
            path.write_text(contents[name])
            paths.append(path)
    except OSError as exc:
        raise HarnessError(f"cannot write the reports into {directory}: {exc.strerror}") from exc
    return paths


def noise_rows(
    calibration: Calibration, gate: GateConfig, *, duet: bool = False
) -> list[dict[str, Any]]:
    """Per benchmark: A/A noise, minimum detectable effect, and its limit; of the A/A runs
    of the suite, or (``duet``) of A/A duets."""
    rows = []
    for key, noise in sorted((calibration.duet if duet else calibration.noise).items()):
        detection, _source = detection_for(key.split("(", 1)[0], gate, noise)
        rows.append(
            {
                "benchmark": key,
                "sigma": noise.sigma,
                "largest_shift": math.expm1(noise.largest),
                "runs": noise.runs,
                "minimum_detectable_effect": detection.minimum_effect,
                "limit": detection.promise,
                "meets_threshold": detection.meets_threshold,
                "unprotected": detection.promise > gate.unprotected_above,
            }
        )
    return rows


# A counted figure flagged only beyond this cannot promise to catch +1 % by itself.
PROMISED_TOLERANCE = 0.01


def spread_rows(calibration: Calibration, gate: GateConfig) -> list[dict[str, Any]]:
    """Per counted figure: its largest move between layouts and the change the gate flags."""
    rows = []
    for key, spread in sorted(calibration.spread.items()):
        floor = gate.exact.get(spread.unit)
        tolerance = None if floor is None else max(floor, gate.layout_margin * spread.largest)
        rows.append(
            {
                "benchmark": key,
                "unit": spread.unit,
                "largest_spread": spread.largest,
                "runs": spread.runs,
                "flagged_at": tolerance,
                "steady": tolerance is not None
                and tolerance <= max(floor or 0, PROMISED_TOLERANCE),
            }
        )
    return rows


def loose_figures(calibration: Calibration, gate: GateConfig) -> list[str]:
    """Counted figures whose spread across layouts forbids flagging +1 %, by name."""
    return [
        f"{r['benchmark']} (flagged from {r['flagged_at']:.2%})"
        for r in spread_rows(calibration, gate)
        if r["flagged_at"] is not None and r["flagged_at"] > PROMISED_TOLERANCE
    ]


def spread_heading(calibration: Calibration, gate: GateConfig) -> str:
    rows = spread_rows(calibration, gate)
    steady = sum(r["steady"] for r in rows)
    floors = ", ".join(
        f"{unit} {'any change' if t == 0 else f'{t:.1%}'}" for unit, t in gate.exact.items()
    )
    return (
        f"Counted figures on {calibration.machine}: the largest difference between separate "
        f"measurements of the same code in different memory layouts. A figure is flagged "
        f"beyond {gate.layout_margin:g} times that, and never below its unit's floor "
        f"({floors}). {steady} of {len(rows)} are flagged at 1 % or less."
    )


def drift_note(calibration: Calibration) -> str:
    """What the machine's drift between runs is, and what it does to cross-run verdicts."""
    drift = calibration.drift
    if drift is None:
        return ""
    return (
        f"Drift between runs: wall times of unchanged code moved by up to "
        f"{math.expm1(drift.largest):+.0%} ({drift.pairs} pairs; {drift.source}; measured "
        f"{drift.measured_at}). Across runs a wall time is judged only beyond it; "
        "counted figures are judged against their own tolerances."
    )


def noise_heading(calibration: Calibration, gate: GateConfig) -> str:
    rows = noise_rows(calibration, gate)
    meeting = sum(r["meets_threshold"] for r in rows)
    unprotected = sum(r["unprotected"] for r in rows)
    return (
        f"Noise on {calibration.machine}, {calibration.runs} A/A runs of "
        f"{calibration.commit[:8]} at {calibration.measured_at} "
        f"({', '.join(f'{s:.0f} s' for s in calibration.seconds_per_run)} per run). "
        f"{unprotected} of {len(rows)} benchmarks are unprotected (limit above "
        f"{gate.unprotected_above:.0%}: noise hides any change worth a review). "
        f"{meeting} of {len(rows)} benchmarks detect a {gate.threshold:.0%} slowdown with "
        f"{gate.power:.1%} power at {gate.alpha:.0%} false alarms per run; every benchmark "
        "fails beyond its limit, the larger of the threshold and its minimum detectable effect."
        + "".join(f" Since: {note}." for note in calibration.notes)
    )


# Reads over HTTP (the GET benchmarks): a duet must resolve 10 % for each of them.
HTTP_READS = re.compile(r"^api\.(GetFir|GetSession)")


def duet_heading(calibration: Calibration, gate: GateConfig) -> str:
    """How much the duet design resolves: its A/A duets' noise, as limits."""
    rows = noise_rows(calibration, gate, duet=True)
    runs = max((r["runs"] for r in rows), default=0)
    meeting = sum(r["meets_threshold"] for r in rows)
    reads = [r for r in rows if HTTP_READS.search(r["benchmark"])]
    wide = [r["benchmark"] for r in rows if r["unprotected"]]
    text = (
        f"Wall times judged in duet on {calibration.machine} ({runs} A/A duets): {meeting} of "
        f"{len(rows)} detect a {gate.threshold:.0%} slowdown with {gate.power:.1%} power; "
        f"{sum(r['limit'] <= 0.10 for r in reads)} of {len(reads)} HTTP reads have a limit "
        f"of 10 % or less; {len(wide)} have a limit above {gate.unprotected_above:.0%}"
    )
    return text + (f" ({', '.join(wide)})." if wide else ".")


def _noise_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| benchmark | noise (sd) | largest A/A shift | detects | limit |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        limit = f"{r['limit']:.1%}"
        if r["unprotected"]:
            limit = f"unprotected: noise hides changes below {limit}"
        lines.append(
            f"| `{r['benchmark']}` | {r['sigma']:.2%} | {r['largest_shift']:+.2%} | "
            f"{r['minimum_detectable_effect']:.1%} | {limit} |"
        )
    return lines


def noise_table(calibration: Calibration, gate: GateConfig) -> str:
    lines = [noise_heading(calibration, gate), "", *_noise_lines(noise_rows(calibration, gate))]
    if calibration.duet:
        lines += [
            "",
            duet_heading(calibration, gate),
            "",
            *_noise_lines(noise_rows(calibration, gate, duet=True)),
        ]
    if calibration.spread:
        lines += [
            "",
            spread_heading(calibration, gate),
            "",
            "| figure | unit | largest move between layouts | flagged at |",
            "|---|---|---:|---:|",
        ]
        for r in spread_rows(calibration, gate):
            flagged = "-" if r["flagged_at"] is None else f"{r['flagged_at']:.2%}"
            lines.append(
                f"| `{r['benchmark']}` | {r['unit']} | {r['largest_spread']:.2e} | "
                f"{'any change' if r['flagged_at'] == 0 else flagged} |"
            )
        if loose := loose_figures(calibration, gate):
            lines += ["", f"Flagged only beyond 1 % ({len(loose)}), by name:"]
            lines += [f"- `{item}`" for item in loose]
    if note := drift_note(calibration):
        lines += ["", note]
    return "\n".join(lines) + "\n"
