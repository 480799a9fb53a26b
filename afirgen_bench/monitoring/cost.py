"""What watching costs the load test: runs with and without the private Prometheus and its
exporters, interleaved (ABBA, so a drift of the machine hits both alike), compared pair by
pair on requests per second, the client's mean response time and the API's CPU."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from afirgen_bench.load.runner import LoadResult, latencies, run_load

GOAL = 0.02  # issue 26: scraping may cost the run at most 2 % of its requests per second
FIGURES = ("rps", "mean_ms", "p95_ms", "api_cpu_percent")


def _figures(result: LoadResult, out: Path) -> dict[str, float]:
    times, _failures = latencies(out)
    every = [t for values in times.values() for t in values]
    return {
        "rps": result.rps,
        "mean_ms": round(float(np.mean(every)), 3),
        "p95_ms": round(float(np.percentile(every, 95)), 3),
        "api_cpu_percent": result.servers["api"]["cpu_percent"],
    }


def order(pairs: int) -> list[bool]:
    """ABBA: watched first in even pairs, unwatched first in odd ones."""
    return [
        watched
        for i in range(pairs)
        for watched in ((True, False) if i % 2 == 0 else (False, True))
    ]


def measure(
    *,
    pairs: int,
    users: int,
    duration_s: float,
    scale: int,
    out: Path,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    runs = []
    for number, watched in enumerate(order(pairs)):
        progress(f"run {number + 1}/{2 * pairs}: {'with' if watched else 'without'} Prometheus")
        folder = out / f"run-{number + 1}-{'watched' if watched else 'plain'}"
        result = run_load(
            users=users,
            duration_s=duration_s,
            scale=scale,
            out=folder,
            monitor=watched,
            progress=progress,
        )
        runs.append({"watched": watched, **_figures(result, folder)})
    ratios = []
    for i in range(pairs):
        a, b = runs[2 * i], runs[2 * i + 1]
        watched, plain = (a, b) if a["watched"] else (b, a)
        ratios.append(
            {
                key: watched[key] / plain[key]
                for key in ("rps", "mean_ms", "p95_ms", "api_cpu_percent")
            }
        )
    cost = 1 - statistics.median(r["rps"] for r in ratios)
    summary = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m afirgen_bench monitoring cost --pairs {pairs} --users {users} "
        f"--duration {duration_s:g} --scale {scale}",
        "runs": runs,
        "ratios": ratios,
        "median": {key: statistics.median(r[key] for r in ratios) for key in ratios[0]},
        "rps_cost": cost,
        "goal": GOAL,
        "met": cost <= GOAL,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "scrape-cost.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "scrape-cost.md").write_text(markdown(summary))
    return summary


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        "# What scraping costs the load test",
        "",
        f"`{summary['command']}`, {summary['measured']}. Runs with and without the private "
        "Prometheus (1 s scrapes of the API, MariaDB and Redis, rules evaluated every second), "
        "interleaved ABBA; each pair's ratio is watched / plain.",
        "",
        "| pair | requests/s | mean response | P95 response | API CPU |",
        "|---:|---:|---:|---:|---:|",
    ]
    rows = [*enumerate(summary["ratios"], 1), ("median", summary["median"])]
    lines += [f"| {n} | " + " | ".join(f"{r[k]:.4f}" for k in FIGURES) + " |" for n, r in rows]
    lines += [
        "",
        f"Requests per second cost by scraping: {summary['rps_cost']:+.2%} (goal: at most "
        f"{summary['goal']:.0%}): {'met' if summary['met'] else 'NOT met'}.",
        "",
        "| run | watched | requests/s | mean | P95 | API CPU |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n, run in enumerate(summary["runs"], 1):
        watched = "yes" if run["watched"] else "no"
        lines.append(
            f"| {n} | {watched} | {run['rps']:.1f} | {run['mean_ms']:.2f} ms "
            f"| {run['p95_ms']:.2f} ms | {run['api_cpu_percent']:.0f} % |"
        )
    return "\n".join(lines) + "\n"
