"""The four reports of a judgement: summary and detailed text, JSON, and a PR comment."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from afirgen_bench.calibration import Calibration
from afirgen_bench.compare import Change, GateConfig, detection_for
from afirgen_bench.verdict import Judgement

REPORT_FILES = ("summary.txt", "detailed.txt", "report.json", "comment.md")


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


def _p95(j: Judgement, change: Change, side: str) -> str:
    stats = j.stats(change, side)
    return fmt_seconds(stats.p95) if stats else "-"


def _ratio(change: Change) -> str:
    return "-" if change.ratio is None else f"{change.ratio:.3f}"


def _detects(change: Change) -> str:
    """The smallest change this comparison catches with the gate's power (its MDE)."""
    effect = change.minimum_effect
    return "-" if effect is None else f"{effect:.1%}"


def _sla(j: Judgement, key: str) -> str:
    verdict = j.sla_of(key)
    if verdict is None:
        return "-"
    if verdict.status == "fail":
        return "FAIL: " + "; ".join(str(b) for b in verdict.breaches)
    return verdict.status


def _noteworthy(j: Judgement) -> list[Change]:
    order = {"failed": 0, "regression": 1, "unconfirmed": 2, "uncertain": 3, "improvement": 4}
    changes = [c for c in j.changes if c.verdict in order]
    return sorted(changes, key=lambda c: (order[c.verdict], -(c.ratio or 0)))


def summary_text(j: Judgement) -> str:
    lines = [
        f"Performance check {j.base.commit[:8]} -> {j.head.commit[:8]} on {j.head.machine}",
        j.headline,
        "",
        f"compared: {j.compared}   regressions: {len(j.regressions)}   "
        f"advisory regressions: {len(j.advisory_regressions)}   uncertain: {len(j.uncertain)}   "
        f"improvements: {len(j.improvements)}   failed: {len(j.failed)}",
        f"SLA at head: {sum(v.status == 'pass' for v in j.sla)} pass, {len(j.breaches)} fail "
        f"({len(j.new_breaches)} new), {sum(v.status == 'no data' for v in j.sla)} no data",
    ]
    for title, items in (
        ("Regressions", j.regressions),
        ("Advisory regressions (reported, not failing: too noisy to gate)", j.advisory_regressions),
        ("Uncertain (beyond the threshold, within the noise)", j.uncertain),
        ("Unconfirmed (flagged once, not again when re-run)", j.unconfirmed),
        ("Improvements", j.improvements),
        ("Failed at head", j.failed),
    ):
        if items:
            lines += ["", f"{title}:"]
            lines += [f"  {c.key}  ratio {_ratio(c)}  detects {_detects(c)}" for c in items]
    advisory = [c for c in j.changes if c.advisory and c.ratio is not None]
    if advisory:
        lines += ["", f"{len(advisory)} benchmark(s) advisory (reported, never failing):"]
        lines += [f"  {c.key}: {c.advisory_reason}" for c in advisory]
    if j.breaches:
        lines += ["", "SLA breaches at head:"]
        for v in j.breaches:
            new = " (new)" if v in j.new_breaches else ""
            lines.append(f"  {v.key}{new}: " + "; ".join(str(b) for b in v.breaches))
    lines += j.notes
    return "\n".join(lines) + "\n"


def detailed_text(j: Judgement) -> str:
    header = (
        f"{'benchmark':<70} {'verdict':<14} {'ratio':>7} {'detects':>8} {'noise':<10} "
        f"{'median':>10} {'p95':>10} {'p99':>10} {'n':>5}  sla"
    )
    lines = [summary_text(j), header, "-" * len(header)]
    for c in j.changes:
        head = j.stats(c, "head")
        lines.append(
            f"{c.key[:70]:<70} {c.verdict:<14} {_ratio(c):>7} {_detects(c):>8} "
            f"{(c.noise_source or '-'):<10} "
            f"{fmt_seconds(head.median if head else None):>10} "
            f"{fmt_seconds(head.p95 if head else None):>10} "
            f"{fmt_seconds(head.p99 if head else None):>10} {head.count if head else 0:>5}  "
            f"{_sla(j, c.key)}"
        )
    if j.host:
        lines += ["", "Host during the run: " + json.dumps(j.host, sort_keys=True)]
    return "\n".join(lines) + "\n"


def as_json(j: Judgement) -> dict[str, Any]:
    def side(c: Change, name: str) -> dict[str, Any] | None:
        stats = j.stats(c, name)
        measurement = c.base if name == "base" else c.head
        if measurement is None:
            return None
        return {
            "value": measurement.value,
            "unit": measurement.unit,
            "stats": stats.as_dict() if stats else None,
        }

    return {
        "base": j.base.commit,
        "head": j.head.commit,
        "machine": j.head.machine,
        "verdict": j.headline,
        "exit_code": j.exit_code,
        "changes": [
            {
                "benchmark": c.key,
                "verdict": c.verdict,
                "ratio": c.ratio,
                "minimum_detectable_effect": c.minimum_effect,
                "limit_ratio": math.exp(c.detection.limit) if c.detection else None,
                "noise_sigma": c.detection.sigma if c.detection else None,
                "noise_source": c.noise_source,
                "advisory": c.advisory,
                "advisory_reason": c.advisory_reason,
                "base": side(c, "base"),
                "head": side(c, "head"),
            }
            for c in j.changes
        ],
        "sla": [
            {
                "benchmark": v.key,
                "status": v.status,
                "reason": v.reason,
                "new": v in j.new_breaches,
                "breaches": [asdict(b) for b in v.breaches],
            }
            for v in j.sla
        ],
        "host": j.host,
    }


def comment_markdown(j: Judgement) -> str:
    lines = [
        f"### Performance: {j.headline}",
        "",
        f"`{j.base.commit[:8]}` → `{j.head.commit[:8]}` on `{j.head.machine}`: "
        f"{j.compared} benchmarks compared; a slowdown fails the check when it is beyond "
        f"this machine's noise (false alarm {j.gate.alpha:.0%} per benchmark and run) and "
        f"consistent with {j.gate.threshold:.0%} or more; it must reproduce when re-run. "
        "*detects*: the smallest change each benchmark catches "
        f"{j.gate.power:.1%} of the time.",
        "",
    ]
    noteworthy = _noteworthy(j)
    if noteworthy:
        lines += [
            "| benchmark | verdict | ratio | detects | P95 before | P95 after | SLA |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for c in noteworthy:
            verdict = c.verdict + (" (advisory)" if c.advisory else "")
            lines.append(
                f"| `{c.key}` | {verdict} | {_ratio(c)} | {_detects(c)} | {_p95(j, c, 'base')} | "
                f"{_p95(j, c, 'head')} | {_sla(j, c.key)} |"
            )
    else:
        lines.append("No benchmark changed beyond the threshold.")
    lines += [f"\n_{note}_" for note in j.notes]
    if j.breaches:
        lines += ["", "<details><summary>SLA breaches at head</summary>", ""]
        for v in j.breaches:
            new = " **(new)**" if v in j.new_breaches else ""
            lines.append(f"- `{v.key}`{new}: " + "; ".join(str(b) for b in v.breaches))
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


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
    directory.mkdir(parents=True, exist_ok=True)
    contents = {
        "summary.txt": summary_text(j),
        "detailed.txt": detailed_text(j),
        "report.json": json.dumps(_finite(as_json(j)), indent=2, allow_nan=False, default=str),
        "comment.md": comment_markdown(j),
    }
    paths = []
    for name in REPORT_FILES:
        path = directory / name
        path.write_text(contents[name])
        paths.append(path)
    return paths


def noise_rows(calibration: Calibration, gate: GateConfig) -> list[dict[str, Any]]:
    """Per benchmark: A/A noise, minimum detectable effect, and whether it gates."""
    rows = []
    for key, noise in sorted(calibration.noise.items()):
        benchmark = key.split("(", 1)[0]
        detection, _source = detection_for(benchmark, gate, noise)
        rows.append(
            {
                "benchmark": key,
                "sigma": noise.sigma,
                "largest_shift": math.expm1(noise.largest),
                "runs": noise.runs,
                "minimum_detectable_effect": detection.minimum_effect,
                "gating": detection.gating and benchmark not in gate.advisory,
            }
        )
    return rows


def noise_heading(calibration: Calibration, gate: GateConfig) -> str:
    rows = noise_rows(calibration, gate)
    gating = sum(r["gating"] for r in rows)
    return (
        f"Noise on {calibration.machine}, {calibration.runs} A/A runs of "
        f"{calibration.commit[:8]} at {calibration.measured_at} "
        f"({', '.join(f'{s:.0f} s' for s in calibration.seconds_per_run)} per run). "
        f"{gating} of {len(rows)} benchmarks gate: they detect a {gate.threshold:.0%} slowdown "
        f"with {gate.power:.1%} power at {gate.alpha:.0%} false alarms per run."
        + "".join(f" Since: {note}." for note in calibration.notes)
    )


def noise_table(calibration: Calibration, gate: GateConfig) -> str:
    rows = noise_rows(calibration, gate)
    lines = [
        noise_heading(calibration, gate),
        "",
        "| benchmark | noise (sd) | largest A/A shift | detects | gate |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['benchmark']}` | {r['sigma']:.2%} | {r['largest_shift']:+.2%} | "
            f"{r['minimum_detectable_effect']:.1%} | {'gating' if r['gating'] else 'advisory'} |"
        )
    return "\n".join(lines) + "\n"
