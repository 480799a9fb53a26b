"""Running asv on commits: private servers pinned to one CPU, raw samples, host counters."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench import asv_driver, host, preflight
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.pinning import BENCH_CPU_ENV, bench_cpu, pin
from afirgen_bench.profiles import PROFILES_ENV, profiles_dir
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

if TYPE_CHECKING:
    from afirgen_bench.workspace import Workspace

HARNESS_PYTHON_ENV = "AFIRGEN_BENCH_HARNESS_PYTHON"
UNNAMED_FAILURE = (
    "a benchmark asv did not name (asv run exited 2)"  # the load benchmark drives load with it
)


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def benchmark_environment() -> dict[str, str]:
    """The servers for a run: those AFIRGEN_MYSQL_URL / AFIRGEN_REDIS_URL name, else private
    ones (stopped when this process exits) pinned to the benchmark CPU."""
    from afirgen_fixtures.services import ServiceRuntime, default_state_dir, resolve

    harness = {BENCH_CPU_ENV: str(bench_cpu()), HARNESS_PYTHON_ENV: sys.executable}
    if os.environ.get(MYSQL_URL_ENV) and os.environ.get(REDIS_URL_ENV):
        return {**resolve().environ(), **harness}
    runtime = ServiceRuntime(default_state_dir())
    urls = runtime.ensure(owner_pid=os.getpid())
    pids = runtime.pids()
    pin([pids["mariadb"], pids["redis"]])
    return {**urls.environ(), **harness}


def private_server_pids() -> dict[str, int]:
    """MariaDB's and Redis's pids when they are this project's private servers."""
    from afirgen_fixtures.services import ServiceRuntime, default_state_dir

    if os.environ.get(MYSQL_URL_ENV):
        return {}
    pids = ServiceRuntime(default_state_dir()).pids()
    return {name: pids[name] for name in ("mariadb", "redis") if name in pids}


def run_commits(
    workspace: Workspace,
    commits: list[str],
    *,
    bench: str | None,
    config: Path | None,
    extra_env: Mapping[str, str] | None = None,
) -> list[str]:
    """Benchmark ``commits`` (interleaved rounds when several), pinned, with raw samples and
    host counters; return the benchmarks that failed (asv exits 2 for those). asv writes
    where ``config`` (default: the checkout's asv.conf.json) says, the host counters go to
    the workspace's results. ``extra_env`` reaches the benchmarks (e.g.
    ``AFIRGEN_BENCH_SCALES``)."""
    root, machine = workspace.root, workspace.machine
    asv_driver.ensure_machine(root, machine)
    counting = preflight.selects_cost(bench)
    if counting:
        preflight.check_valgrind()
    env = benchmark_environment()
    if counting:
        preflight.check_counters(env[MYSQL_URL_ENV], env[REDIS_URL_ENV])
    env[PROFILES_ENV] = str(profiles_dir(workspace))
    env.update(extra_env or {})
    # one commit list per run: runs started side by side never read each other's
    (root / ".asv").mkdir(parents=True, exist_ok=True)
    hashfile = root / ".asv" / f"run-commits-{os.getpid()}.txt"
    hashfile.write_text("\n".join(commits) + "\n")
    args = [
        "run",
        f"HASHFILE:{hashfile}",
        "--machine",
        machine,
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
    try:
        with host.recording() as counters:
            result = asv_driver.run_asv(args, root=root, env=env)
    finally:
        hashfile.unlink(missing_ok=True)
    workspace.results.save_host_record(commits, counters)
    failed = sorted(set(re.findall(r"··· ([\w.]+)\s+failed", result.output)))
    if result.returncode not in (0, 2):
        raise HarnessError(
            f"asv run exited {result.returncode} without benchmark results (its output is above)"
        )
    if result.returncode == 2 and not failed:
        # asv says nothing for a round that timed out or printed no result: the benchmark
        # then lacks that round's samples, which the judge marks invalid by name
        failed = [UNNAMED_FAILURE]
    return failed
