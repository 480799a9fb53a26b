"""Running asv on commits: private servers pinned to one CPU, raw samples, host counters."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from afirgen_bench import asv_driver, host
from afirgen_bench.errors import HarnessError
from afirgen_bench.pinning import BENCH_CPU_ENV, bench_cpu, pin

OWNER_ENV = "AFIRGEN_BENCH_OWNER_PID"


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def benchmark_environment() -> dict[str, str]:
    """Private servers for the run (stopped when this process exits), pinned to one CPU."""
    from afirgen_fixtures.services import ServiceRuntime, default_state_dir

    runtime = ServiceRuntime(default_state_dir())
    urls = runtime.ensure(owner_pid=os.getpid())
    pids = runtime.pids()
    pin([pids["mariadb"], pids["redis"]])
    return {**urls.environ(), OWNER_ENV: str(os.getpid()), BENCH_CPU_ENV: str(bench_cpu())}


def run_commits(
    root: Path, commits: list[str], *, bench: str | None, config: Path | None, results_dir: Path
) -> list[str]:
    """Benchmark ``commits`` (interleaved rounds when several), pinned, with raw samples and
    host counters; return the benchmarks that failed (asv exits 2 for those)."""
    asv_driver.ensure_machine(root)
    env = benchmark_environment()
    hashfile = root / ".asv" / "run-commits.txt"
    hashfile.parent.mkdir(parents=True, exist_ok=True)
    hashfile.write_text("\n".join(commits) + "\n")
    args = [
        "run",
        f"HASHFILE:{hashfile}",
        "--machine",
        asv_driver.MACHINE,
        "--record-samples",
        "--cpu-affinity",
        str(bench_cpu()),
        "--show-stderr",
    ]
    if len(commits) > 1:
        args.append("--interleave-rounds")
    if bench:
        args += ["--bench", bench]
    if config:
        args[1:1] = ["--config", str(config)]
    log(f"benchmarking {', '.join(c[:8] for c in commits)}")
    with host.recording() as counters:
        result = asv_driver.run_asv(args, root=root, env=env)
    host.save(results_dir, asv_driver.MACHINE, commits, counters)
    failed = sorted(set(re.findall(r"··· ([\w.]+)\s+failed", result.output)))
    if result.returncode not in (0, 2) or (result.returncode == 2 and not failed):
        raise HarnessError(f"asv run exited {result.returncode}:\n{result.output[-1500:]}")
    return failed
