"""Starting the probe: one Callgrind process for instructions, one native for counters.

The interpreter is this one (``sys.executable``, in asv the benchmark environment's): a
symlink to the real binary keeps the environment's site-packages, but it must lead to an
ELF file, or Valgrind would count a shell shim instead of Python.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from .callgrind import valgrind_command

PACKAGE = __package__ or "benchmarks.cost_probe"
REPO_ROOT = Path(__file__).resolve().parents[2]


def interpreter() -> str:
    """``sys.executable``, checked to be (a link to) a real ELF binary."""
    real = os.path.realpath(sys.executable)
    with open(real, "rb") as binary:
        if binary.read(4) != b"\x7fELF":
            raise RuntimeError(f"{sys.executable} -> {real} is not an ELF binary (a shim?)")
    return sys.executable


# The probe imports ``benchmarks`` from the working tree and nothing else from it, as asv
# does (asv_runner's SpecificImporter): on sys.path the working tree's ``afirgen_fixtures``
# would shadow the commit under test installed in the environment. ``-P`` keeps the current
# folder off sys.path too.
BOOTSTRAP = """
import importlib.machinery, runpy, sys
class SuiteOnly:
    def find_spec(self, name, path=None, target=None):
        if name != "benchmarks":
            return None
        return importlib.machinery.PathFinder.find_spec(name, [{root!r}])
sys.meta_path.insert(0, SuiteOnly())
sys.argv[0] = "{package}"
runpy.run_module("{package}", run_name="__main__", alter_sys=True)
"""


def probe_command(*args: str) -> list[str]:
    """The interpreter running the probe with ``args``, the suite importable on its own."""
    code = BOOTSTRAP.format(root=str(REPO_ROOT), package=PACKAGE)
    return [interpreter(), "-P", "-c", code, *args]


# The environment a probe starts with: only what it needs (a commit hash, an asv
# environment's path or a developer's shell would otherwise change it from run to run).
PASSED_ON = ("PATH", "HOME", "PYTHONPATH")
PASSED_ON_PREFIX = "AFIRGEN_"
# Mytkowicz et al. (ASPLOS 2009): the size of the environment and arguments moves the stack,
# and with it the instructions counted (here up to 1 % for one operation). Every probe
# starts with exactly this many bytes of arguments and environment, padded to it.
START_BYTES = 16384
LAYOUT_PAD = "AFIRGEN_LAYOUT_PAD"
LAYOUT_SHIFT_MAX = 4096  # a layout other than 0 moves the stack by up to a page


def probe_env(mysql_url: str, redis_url: str) -> dict[str, str]:
    """The environment of a probe process: fixed hashes, the services, nothing else."""
    passed = {
        name: value
        for name, value in os.environ.items()
        if name in PASSED_ON or name.startswith(PASSED_ON_PREFIX)
    }
    passed.pop(LAYOUT_PAD, None)
    return {
        **passed,
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "AFIRGEN_MYSQL_URL": mysql_url,
        "AFIRGEN_REDIS_URL": redis_url,
    }


def start_bytes(command: list[str], env: dict[str, str]) -> int:
    """Bytes the arguments and environment take on a new process's stack."""
    strings = [*command, *(f"{name}={value}" for name, value in env.items())]
    return sum(len(s.encode()) + 1 for s in strings)


def padded(command: list[str], env: dict[str, str], layout: int) -> dict[str, str]:
    """``env`` padded so that the probe starts with ``START_BYTES`` of arguments and
    environment (layout 0), or that plus a shift drawn from the layout's seed."""
    target = START_BYTES + (random.Random(layout).randrange(LAYOUT_SHIFT_MAX) if layout else 0)
    free = target - start_bytes(command, {**env, LAYOUT_PAD: ""})
    if free < 0:
        raise RuntimeError(
            f"the probe's arguments and environment take {target - free} bytes, more than "
            f"{START_BYTES}: shorten the paths (AFIRGEN_ variables, the repository's)"
        )
    return {**env, LAYOUT_PAD: "x" * free}


@cache
def fixed_addresses() -> list[str]:
    """``setarch -R``, which starts a program with address randomisation off, where the
    system allows it (a container's seccomp profile may not): with it, an operation's
    instructions repeat within 0.01 % from run to run instead of 0.2 %."""
    setarch = shutil.which("setarch")
    if setarch is None:
        return []
    command = [setarch, platform.machine(), "-R"]
    works = subprocess.run([*command, "true"], capture_output=True).returncode == 0
    return command if works else []


def run_probe(
    mode: str,
    env: dict[str, str],
    *,
    only: str | None = None,
    layout: int = 0,
    timeout: float = 900,
) -> dict[str, Any]:
    """Run the probe in ``mode`` and return its result; its stderr tail if it fails.
    ``layout`` 0 is the fixed layout every commit is counted in; any other number a
    layout of its own (the stack and heap moved by amounts drawn from it): the
    calibration measures how far the figures move between layouts."""
    with tempfile.TemporaryDirectory(prefix="afirgen-cost-") as tmp:
        out = Path(tmp) / "result.json"
        command = probe_command("--mode", mode, "--out", str(out), "--layout", str(layout))
        if only:
            command += ["--only", only]
        if mode == "instructions":
            dumps = Path(tmp) / "callgrind.out"
            command = [
                *fixed_addresses(),
                *valgrind_command(dumps),
                *command,
                "--dumps",
                str(dumps),
            ]
        client = command[command.index(interpreter()) :]
        done = subprocess.run(
            command,
            env=padded(client, env, layout),
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0 or not out.exists():
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            own = [line for line in lines if not line.startswith("==")]  # not Valgrind's
            tail = own[-1:] or [f"exit status {done.returncode}"]
            raise RuntimeError(f"the {mode} probe failed: {tail[0]}")
        return json.loads(out.read_text())
