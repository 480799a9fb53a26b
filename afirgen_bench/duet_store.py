"""Where duet records live (``results-duet/<machine>/<base8>-<head8>.json``, beside asv's
``results/``, which asv would try to read them from) and how they are read and written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench.core.config import parse_json, validated
from afirgen_bench.core.duet import DuetRecord
from afirgen_bench.core.errors import HarnessError
from afirgen_bench.inputs import read_input

if TYPE_CHECKING:
    from afirgen_bench.workspace import Workspace

DUET_DIR = "results-duet"


def record_path(workspace: Workspace, base: str, head: str) -> Path:
    """Where the workspace keeps the duet of ``base`` and ``head``."""
    return workspace.root / DUET_DIR / workspace.machine / f"{base[:8]}-{head[:8]}.json"


def load_record(path: Path, *, machine: str, base: str, head: str) -> DuetRecord | None:
    """The validated duet of ``base`` and ``head`` at ``path``; None when there is none."""
    text = read_input(path)
    if text is None:
        return None
    raw = parse_json(text, str(path), "measure the pair again (python -m afirgen_bench duet)")
    record: DuetRecord = validated(DuetRecord, raw, str(path))
    if (record.machine, record.base, record.head) != (machine, base, head):
        raise HarnessError(
            f"{path} holds the duet of {record.base[:8]} -> {record.head[:8]} on "
            f"{record.machine}, not {base[:8]} -> {head[:8]} on {machine}: it was renamed or "
            "edited; measure the pair again"
        )
    return record


def write_record(record: DuetRecord, path: Path) -> None:
    """Write ``record`` whole or not at all (an interrupted write leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
