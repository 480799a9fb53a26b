"""The host's CPU, memory, disk and network counters over a benchmark run (psutil).

Recorded next to the results (``ResultsFolder.save_host_record``), so a noisy run can be told
from a slow commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psutil


@contextmanager
def recording(every_s: float = 1.0) -> Iterator[dict[str, Any]]:
    """Sample the host while the block runs; the dict is filled in when it ends."""
    summary: dict[str, Any] = {}
    cpu: list[float] = []
    memory: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        psutil.cpu_percent(interval=None)
        while not stop.wait(every_s):
            cpu.append(psutil.cpu_percent(interval=None))
            memory.append(psutil.virtual_memory().percent)

    disk0, net0, started = psutil.disk_io_counters(), psutil.net_io_counters(), time.time()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield summary
    finally:
        stop.set()
        thread.join()
        disk1, net1 = psutil.disk_io_counters(), psutil.net_io_counters()
        summary.update(
            started=started,
            seconds=round(time.time() - started, 1),
            cpu_count=psutil.cpu_count(),
            cpu_percent_mean=round(sum(cpu) / len(cpu), 1) if cpu else None,
            cpu_percent_max=max(cpu) if cpu else None,
            memory_percent_max=max(memory) if memory else None,
            memory_total_gb=round(psutil.virtual_memory().total / 2**30, 1),
            disk_read_mb=_delta_mb(disk0, disk1, "read_bytes"),
            disk_write_mb=_delta_mb(disk0, disk1, "write_bytes"),
            net_sent_mb=_delta_mb(net0, net1, "bytes_sent"),
            net_recv_mb=_delta_mb(net0, net1, "bytes_recv"),
        )


def _delta_mb(before: Any, after: Any, field: str) -> float | None:
    if before is None or after is None:
        return None
    return round((getattr(after, field) - getattr(before, field)) / 2**20, 1)
