"""Starting the probe: one Callgrind process for instructions, one native for counters.

The interpreter is this one (``sys.executable``, in asv the benchmark environment's): a
symlink to the real binary keeps the environment's site-packages, but it must lead to an
ELF file, or Valgrind would count a shell shim instead of Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
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


def probe_env(mysql_url: str, redis_url: str) -> dict[str, str]:
    """The environment of a probe process: fixed hashes and the services."""
    return {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "AFIRGEN_MYSQL_URL": mysql_url,
        "AFIRGEN_REDIS_URL": redis_url,
    }


def run_probe(
    mode: str, env: dict[str, str], *, only: str | None = None, timeout: float = 900
) -> dict[str, Any]:
    """Run the probe in ``mode`` and return its result; its stderr tail if it fails."""
    with tempfile.TemporaryDirectory(prefix="afirgen-cost-") as tmp:
        out = Path(tmp) / "result.json"
        command = probe_command("--mode", mode, "--out", str(out))
        if only:
            command += ["--only", only]
        if mode == "instructions":
            dumps = Path(tmp) / "callgrind.out"
            command = [*valgrind_command(dumps), *command, "--dumps", str(dumps)]
        done = subprocess.run(
            command, env=env, cwd=tmp, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0 or not out.exists():
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            own = [line for line in lines if not line.startswith("==")]  # not Valgrind's
            tail = own[-1:] or [f"exit status {done.returncode}"]
            raise RuntimeError(f"the {mode} probe failed: {tail[0]}")
        return json.loads(out.read_text())
