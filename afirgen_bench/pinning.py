"""CPU pinning: client and servers on one CPU, so round trips do not hop between cores.

On this 2-vCPU machine an unpinned client/server pair lands on one or two CPUs at the
scheduler's whim, and every round trip costs 13 us or ~58 us accordingly (floors.md): pinned,
repeated runs agree within a few percent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

BENCH_CPU_ENV = "AFIRGEN_BENCH_CPU"


def bench_cpu() -> int:
    """The CPU to pin to: ``$AFIRGEN_BENCH_CPU``, else the last one."""
    return int(os.environ.get(BENCH_CPU_ENV, os.cpu_count() - 1 if os.cpu_count() else 0))


def pin(pids: Iterable[int], cpu: int | None = None) -> list[int]:
    """Pin each pid (0 = this process) and all its threads to ``cpu``; return those pinned."""
    target = {bench_cpu() if cpu is None else cpu}
    pinned = []
    for pid in pids:
        for tid in _threads(pid):
            try:
                os.sched_setaffinity(tid, target)
            except (ProcessLookupError, PermissionError, OSError):
                continue
        pinned.append(pid)
    return pinned


def _threads(pid: int) -> list[int]:
    """Every thread of ``pid``: MariaDB's worker threads exist before we pin it."""
    real = os.getpid() if pid == 0 else pid
    try:
        return [int(t) for t in os.listdir(f"/proc/{real}/task")]
    except FileNotFoundError:
        return [real]
