"""An interrupted asv run leaves nothing behind: the harness stops the whole process tree."""

from __future__ import annotations

import os
import subprocess
import time

from afirgen_bench.asv_driver import descendants, stop_group


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_stopping_asv_stops_the_processes_it_started_in_sessions_of_their_own() -> None:
    script = "setsid sleep 60 & sleep 60 & wait"
    process = subprocess.Popen(["sh", "-c", script], text=True)
    deadline = time.monotonic() + 5
    while len(descendants(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = descendants(process.pid)
    assert len(tree) >= 2
    stop_group(process)
    time.sleep(0.2)
    assert process.returncode is not None
    assert not [pid for pid in tree if _alive(pid)]
    assert os.getpid() not in tree
