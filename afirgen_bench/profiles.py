"""Where the cost benchmarks keep per-function profiles, and reading them back.

The profiles are this machine's own (``.asv/profiles/<machine>/<commit>/``, not committed):
they explain a flagged instruction count when both commits were measured here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.explain import Profile, parse_profile

if TYPE_CHECKING:
    from afirgen_bench.workspace import Workspace

PROFILES_ENV = "AFIRGEN_BENCH_PROFILES"


def profiles_dir(workspace: Workspace) -> Path:
    """The folder the cost benchmarks write into (``$AFIRGEN_BENCH_PROFILES``), per commit."""
    return workspace.root / ".asv" / "profiles" / workspace.machine


def normalized(key: str) -> str:
    """A benchmark key without asv's quotes around string parameters."""
    return key.replace("'", "").replace('"', "")


def load_profiles(workspace: Workspace, commit: str) -> dict[str, Profile]:
    """The profiles kept for ``commit`` (a full sha), by normalized benchmark key; a profile
    that cannot be read is left out (it only explains, it never judges)."""
    folder = profiles_dir(workspace) / commit
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            profile = parse_profile(path.read_text(), str(path))
        except (OSError, HarnessError):
            continue
        found[normalized(profile.operation)] = profile
    return found
