"""The load test's figures as a Markdown table, with its verdict."""

from __future__ import annotations

from afirgen_bench.load.runner import LoadResult


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
    return "\n".join(lines)
