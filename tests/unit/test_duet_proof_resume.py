"""An interrupted duet proof resumes only from checks of the same backend and duet design:
checks of another design would mix two designs' evidence into one count."""

from __future__ import annotations

import json
from pathlib import Path

from afirgen_bench.duet import duet_design
from afirgen_bench.duet_proof import _earlier_checks, _summary

CHECK = {"check": 1, "seconds": 1.0, "flagged": ["k"], "ratios": {"k": 1.2}, "problems": []}


def _write(out: Path, *, backend: str = "tree", design: str | None = None) -> None:
    summary = _summary(
        {"slow": [CHECK], "A/A": [{**CHECK, "flagged": []}]}, "b", backend, "t", 20, 1
    )
    if design is not None:
        summary["design"] = design
    out.with_suffix(".json").write_text(json.dumps(summary))


def test_checks_of_the_same_backend_and_design_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "proof"
    _write(out)
    found = _earlier_checks(out, "tree", lambda _: None)
    assert found is not None
    results, started = found
    assert started == "t" and [c["check"] for c in results["slow"]] == [1]


def test_another_design_or_backend_starts_afresh(tmp_path: Path) -> None:
    out = tmp_path / "proof"
    said: list[str] = []
    _write(out, design=duet_design(rounds=4))
    assert _earlier_checks(out, "tree", said.append) is None
    _write(out)
    assert _earlier_checks(out, "another tree", said.append) is None
    assert len(said) == 2 and all("afresh" in s for s in said)
    assert _earlier_checks(tmp_path / "none", "tree", said.append) is None
