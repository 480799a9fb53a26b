"""Where the benchmark's threads run: the servers on the harness's benchmark CPU, concurrent
clients on the others, and the client thread pool."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import cache

BENCH_CPU_ENV = "AFIRGEN_BENCH_CPU"


def server_cpu() -> int | None:
    """The CPU the harness pinned MariaDB and Redis to, if it did (``$AFIRGEN_BENCH_CPU``);
    asv's ``--cpu-affinity`` puts the benchmark process there too."""
    cpu = os.environ.get(BENCH_CPU_ENV)
    return None if cpu is None else int(cpu)


def _pin_threads(pid: int, cpus: set[int]) -> None:
    """Pin every thread of ``pid``: a thread only inherits affinity when it is created."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with suppress(ProcessLookupError):  # the thread ended meanwhile
            os.sched_setaffinity(int(tid), cpus)


def pin_like_the_harness(pid: int | None) -> None:
    """Put the API server on the harness's benchmark CPU, next to MariaDB and Redis."""
    cpu = server_cpu()
    if cpu is None or pid is None:
        return
    _pin_threads(pid, {cpu})


def move_to_client_cpus() -> set[int]:
    """Move this process's threads, and so those it starts later, off the servers' CPU onto
    all the others, and return the affinity to give back in ``teardown`` (``pin_process``).

    Concurrent clients on the servers' CPU measure time slicing, not concurrency. Nothing
    moves when the harness pinned no servers, or on a machine with one CPU: there the
    clients and the servers can only take turns."""
    previous = os.sched_getaffinity(0)
    cpu = server_cpu()
    others = set(range(os.cpu_count() or 1)) - {cpu}
    if cpu is not None and others:
        pin_process(others)
    return previous


def pin_process(cpus: set[int]) -> None:
    _pin_threads(os.getpid(), cpus)


@cache
def executor(workers: int) -> ThreadPoolExecutor:
    """Client threads. A thread starts on the CPUs of the thread that creates it: call
    ``move_to_client_cpus`` first (it also moves threads made before it)."""
    pool = ThreadPoolExecutor(max_workers=workers)
    everyone = threading.Barrier(workers)  # a task per thread, all at once: every thread starts
    list(pool.map(lambda _: everyone.wait(), range(workers)))
    return pool
