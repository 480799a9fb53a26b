"""Driving asv: the machine name, which commits to run, runs, publish.

asv's own exit codes mix outcomes (``asv run`` says 2 when any benchmark failed, 1 when there
was nothing to run), so every call here returns the code and the output for the caller to judge.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from afirgen_bench.errors import HarnessError

MACHINE = "python-svc-2cpu"  # one stable name for this kind of machine; results/<MACHINE>/
# The env installs the package with --no-deps from asv.conf.json's pinned matrix, so only
# the package's own files change what is measured.
BACKEND_PATHS = ("afirgen_fixtures",)


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
    process = subprocess.Popen(
        command,
        cwd=root,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo:
            sys.stderr.write(line)
    return AsvResult(command, process.wait(), "".join(lines))


def ensure_machine(root: Path) -> None:
    """Register this machine under the stable name, so results land in results/<MACHINE>/."""
    run_asv(["machine", "--yes", "--machine", MACHINE], root=root, echo=False)


def backend_commits(root: Path, branch: str = "main") -> list[str]:
    """Commits of ``branch`` that changed the backend under benchmark, oldest first."""
    output = subprocess.run(
        ["git", "log", "--first-parent", "--format=%H", "--reverse", branch, "--", *BACKEND_PATHS],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return output.split()


def commits_with_results(root: Path) -> set[str]:
    machine_dir = root / "results" / MACHINE
    if not machine_dir.is_dir():
        return set()
    return {p.name.split("-", 1)[0] for p in machine_dir.glob("*-*.json")}
