"""Driving asv: machine registration, runs, publish, and which commits have results.

asv's own exit codes mix outcomes (``asv run`` says 2 when any benchmark failed, 1 when there
was nothing to run), so every call here returns the code and the output for the caller to judge.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from afirgen_bench.core.errors import HarnessError


@dataclass(frozen=True)
class AsvResult:
    command: list[str]
    returncode: int
    output: str


def asv_executable() -> str:
    found = shutil.which("asv", path=str(Path(sys.executable).parent)) or shutil.which("asv")
    if not found:
        raise HarnessError("asv is not installed: run 'make setup' (or pip install asv==0.6.6)")
    return found


def run_asv(
    args: Sequence[str], *, root: Path, env: dict[str, str] | None = None, echo: bool = True
) -> AsvResult:
    """Run asv in ``root``, streaming its output (long runs show progress) and keeping it."""
    command = [asv_executable(), *args]
    try:
        process = subprocess.Popen(
            command,
            cwd=root,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
    except OSError as exc:
        raise HarnessError(f"cannot start asv: {exc}") from exc
    lines = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.append(line)
            if echo:
                sys.stderr.write(line)
        return AsvResult(command, process.wait(), "".join(lines))
    except BaseException:
        stop_group(process)
        raise


def stop_group(process: subprocess.Popen[str]) -> None:
    """Stop asv and every process under it (a Ctrl-C or a timeout of the harness must leave
    no benchmark or Callgrind process running): SIGTERM, then SIGKILL. asv starts its
    benchmark servers in sessions of their own, so the tree is walked, not the group."""
    tree = [process.pid, *descendants(process.pid)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in tree:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    process.wait()


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (Linux ``/proc``; none found elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def ensure_machine(root: Path, machine: str) -> None:
    """Register ``machine`` in asv's machine file, so results land in results/<machine>/."""
    result = run_asv(["machine", "--yes", "--machine", machine], root=root, echo=False)
    if result.returncode != 0:
        raise HarnessError(f"asv machine --machine {machine} failed: {result.output[-300:]}")


def read_config(root: Path) -> dict:
    """asv.conf.json (asv allows // comment lines in it)."""
    path = root / "asv.conf.json"
    try:
        text = path.read_text()
        config = json.loads(
            "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        )
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"{path} is unreadable or not JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise HarnessError(f"{path} is not an asv configuration (a JSON object)")
    return config
