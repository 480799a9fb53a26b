"""Small process helpers shared by the server launchers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# Servers outlive the call that started them (other processes reuse them), so their Popen
# objects are kept here: dropping one while the server runs raises a ResourceWarning.
_launched: dict[int, subprocess.Popen] = {}


def launch(
    command: Sequence[str], *, log: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.Popen:
    """Start a server in its own session, detached from our terminal and signals."""
    with open(log or os.devnull, "ab") as output:
        process = subprocess.Popen(
            list(command),
            env=None if env is None else dict(env),
            stdout=output,
            stderr=output,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _launched[process.pid] = process
    return process


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        return _signal_zero(pid)
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in {"Z", "X"}


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot): tells a process from a later one that
    reuses its pid. None if it is gone or /proc cannot say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[-1].split()[19])


def _signal_zero(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(
    ready: Callable[[], bool], *, timeout_s: float, alive: Callable[[], bool], what: str
) -> None:
    """Poll ``ready`` until it is true; fail fast if the process died, else after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        if ready():
            return
        if not alive():
            raise RuntimeError(f"{what} exited during start-up")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready after {timeout_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)


def terminate(pid: int, *, timeout_s: float = 30.0) -> bool:
    """SIGTERM, wait for a clean exit, SIGKILL after ``timeout_s``. True if it exited cleanly."""
    if not is_alive(pid):
        return True
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_alive(pid):
            return True
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    _reap(pid)
    return False


def _reap(pid: int) -> None:
    """Collect our own child so it does not linger as a zombie."""
    process = _launched.get(pid)
    if process is not None:
        if process.poll() is not None:
            del _launched[pid]
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
