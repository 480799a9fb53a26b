"""The host's CPU, memory, disk and network counters over a benchmark run (psutil).

Recorded next to the results, so a noisy run can be told from a slow commit."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

HOST_DIR = "results-host"


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


def save(results_dir: Path, machine: str, commits: list[str], counters: dict[str, Any]) -> None:
    """Into ``results-host/<machine>/<sha8>.json`` beside the results dir (asv would try
    to read any JSON put inside it)."""
    folder = results_dir.parent / HOST_DIR / machine
    folder.mkdir(parents=True, exist_ok=True)
    for commit in commits:
        (folder / f"{commit[:8]}.json").write_text(json.dumps(counters, indent=2) + "\n")


def load(results_dir: Path, machine: str, commit: str) -> dict[str, Any] | None:
    path = results_dir.parent / HOST_DIR / machine / f"{commit[:8]}.json"
    if not path.is_file() or path.stat().st_size > 1_000_000:  # a pipe or a device: no record
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    # a record that is not an object is no record: its run counts as unknown (another run)
    return record if isinstance(record, dict) else None
