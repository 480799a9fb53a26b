"""The rules a judgement is judged by: the gate (gate.toml), the SLA (sla.toml) and this
machine's calibration, read from the working tree or, for a PR check, from the base commit
(a pull request cannot relax the gate that judges it), and checked against the suite."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from afirgen_bench.core.config import (
    Calibration,
    GateConfig,
    Sla,
    parse_calibration,
    parse_gate,
    parse_sla,
)
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.names import check_gate, check_sla, check_sla_only
from afirgen_bench.core.results import IndexEntry
from afirgen_bench.git import file_at
from afirgen_bench.inputs import read_input
from afirgen_bench.load.endpoints import ENDPOINTS

GATE_FILE, SLA_FILE = "gate.toml", "sla.toml"


def calibration_file(machine: str) -> str:
    return f"calibration/{machine}.json"


@dataclass(frozen=True)
class Rules:
    """What a judgement is judged by, and where it came from."""

    gate: GateConfig
    sla: Sla
    calibration: Calibration | None
    calibration_note: str
    source: str  # "the working tree" or "commit <sha8>"


def load_rules(root: Path, machine: str, *, at_commit: str | None = None) -> Rules:
    """The gate, SLA and calibration of the working tree, or of ``at_commit``."""
    if at_commit is None:
        read = lambda name: read_input(root / name)  # noqa: E731
        source = "the working tree"
        _refuse_deleted_calibration(root, machine)
    else:
        read = lambda name: file_at(root, at_commit, name)  # noqa: E731
        source = f"commit {at_commit[:8]}"
    calibration, note = parse_calibration(
        read(calibration_file(machine)), calibration_file(machine), machine
    )
    return Rules(
        gate=parse_gate(read(GATE_FILE), GATE_FILE),
        sla=parse_sla(read(SLA_FILE), SLA_FILE),
        calibration=calibration,
        calibration_note=note,
        source=source,
    )


def check_rules(rules: Rules, index: dict[str, IndexEntry]) -> None:
    """Every name the rules use matches something real in the suite ``index`` lists."""
    check_gate(rules.gate, index, GATE_FILE)
    check_sla(rules.sla, index, SLA_FILE, ENDPOINTS)
    check_sla_only(rules.gate, rules.sla.benchmarks, GATE_FILE)


def _refuse_deleted_calibration(root: Path, machine: str) -> None:
    """A calibration (or its drift) that is committed but gone from the working tree would
    judge every wall time uncalibrated, or leave those across runs unjudged: restore it."""
    name = calibration_file(machine)
    try:
        committed = file_at(root, "HEAD", name)
    except HarnessError:  # no HEAD yet: nothing was committed
        return
    if committed is None:
        return
    if not ((root / name).exists() or (root / name).is_symlink()):
        raise HarnessError(
            f"{name} is committed but missing from the working tree: restore it "
            f"(git checkout -- {name}); a deleted calibration would silence wall times"
        )
    if _has_drift(committed) and not _has_drift(read_input(root / name)):
        raise HarnessError(
            f"{name} lost the drift between runs its committed copy has: without it wall "
            f"times across runs go unjudged; restore it (git checkout -- {name})"
        )


def _has_drift(text: str | None) -> bool:
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("drift"), dict)
