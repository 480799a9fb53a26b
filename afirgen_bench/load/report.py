"""The load test's figures as a Markdown table, with its verdict."""

from __future__ import annotations

import math

from afirgen_bench.load.runner import LoadResult
from afirgen_bench.monitoring.server_view import ServerView


def load_table(result: LoadResult, problems: list[str]) -> str:
    lines = [
        f"Load: {result.users} users for {result.duration_s:.0f} s"
        f"{f' ({result.workers} Locust workers)' if result.workers else ''}: "
        f"{result.requests:,} requests, {result.rps:.1f}/s, {result.failures} failed"
        + (f"; searches {result.search_share:.0%} of tasks" if result.search_share else ""),
        "",
        "| endpoint | requests | req/s | failed | P50 | P95 | P99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in result.endpoints.values():
        lines.append(
            f"| `{e.name}` | {e.requests:,} | {e.rps:.1f} | {e.failures} | "
            f"{e.p50_ms:.1f} ms | {e.p95_ms:.1f} ms | {e.p99_ms:.1f} ms |"
        )
    lines += ["", "| server | CPU | peak RSS |", "|---|---:|---:|"]
    for name, figures in result.servers.items():
        lines.append(
            f"| {name} | {figures['cpu_percent']:.0f} % | {figures['peak_rss_mb']:.0f} MB |"
        )
    lines += [
        "",
        f"MariaDB queries per request: {result.queries_per_request}; "
        f"Redis commands per request: {result.redis_commands_per_request}.",
        f"FIRs created {result.firs_created}, stored {result.firs_stored}, sessions with more "
        f"than one FIR {result.duplicate_firs}, half-finished sessions "
        f"{result.half_finished_sessions}.",
        "",
        ("FAILED: " + "; ".join(problems)) if problems else "PASSED: every load criterion met",
    ]
    if result.server_view:
        lines += ["", *server_lines(result.server_view)]
    return "\n".join(lines)


_FORMATS = {
    "reqps": ("{:.1f}", "/s", 1),
    "qps": ("{:.1f}", "/s", 1),
    "ops": ("{:.1f}", "/s", 1),
    "percentunit": ("{:.1f}", " %", 100),
    "bytes": ("{:.1f}", " MB", 2**-20),
}


def _figure(value: float, unit: str) -> str:
    if math.isnan(value):
        return "no data"
    pattern, suffix, scale = _FORMATS.get(unit, ("{:g}", "", 1))
    return pattern.format(value * scale) + suffix


def server_lines(view: ServerView) -> list[str]:
    """The servers' own view of the run, from Prometheus."""
    lines = [
        f"What the servers saw (Prometheus, scraped every {view.interval_s:g} s). The server's "
        "P95 is interpolated inside the histogram bucket it falls in; that bucket never "
        "starts above the client's P95 (the client's time adds the network and the client).",
        "",
        "| route | requests | client P95 | server P95 | server's bucket |",
        "|---|---:|---:|---:|---|",
    ]
    for row in view.routes:
        low, high = row.bucket_ms
        mark = "" if row.consistent else " (above the client's!)"
        lines.append(
            f"| `{row.route}` | {row.requests:,} | {row.client_p95_ms:.1f} ms | "
            f"{row.server_p95_ms:.1f} ms{mark} | {low:g}-{high:g} ms |"
        )
    lines += ["", "| figure | mean | peak |", "|---|---:|---:|"]
    for signal in view.signals:
        lines.append(
            f"| {signal.title} | {_figure(signal.mean, signal.unit)} | "
            f"{_figure(signal.peak, signal.unit)} |"
        )
    lines += ["", *(f"- {note}" for note in view.notes)] if view.notes else []
    if view.plot:
        lines += ["", f"![the run's time series]({view.plot})"]
    return lines
