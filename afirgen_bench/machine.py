"""Which machine results belong to: its name keys ``results/<machine>/`` and the noise
calibration ``calibration/<machine>.json``, so verdicts use only that machine's noise.

The name comes from, in order: an explicit ``--machine``; ``$AFIRGEN_BENCH_MACHINE``; the
only machine in asv's machine file (``~/.asv-machine.json``, written by ``asv machine``
and by ``scripts/setup.sh``). Anything else is ambiguous and says what to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from afirgen_bench.core.errors import HarnessError

MACHINE_ENV = "AFIRGEN_BENCH_MACHINE"


def asv_machine_file() -> Path:
    return Path(os.path.expanduser("~/.asv-machine.json"))


def registered_machines(path: Path | None = None) -> list[str]:
    path = path or asv_machine_file()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"asv's machine file {path} is unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise HarnessError(f"asv's machine file {path} is not a table of machines")
    return sorted(name for name, info in data.items() if isinstance(info, dict))


def machine_name(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    if named := os.environ.get(MACHINE_ENV):
        return named
    machines = registered_machines()
    if len(machines) == 1:
        return machines[0]
    if not machines:
        raise HarnessError(
            f"no benchmark machine is named: run `make setup`, or set {MACHINE_ENV}, "
            "or pass --machine"
        )
    raise HarnessError(
        f"asv's machine file names {len(machines)} machines ({', '.join(machines)}): "
        f"pick one with --machine or {MACHINE_ENV}"
    )
