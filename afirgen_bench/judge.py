"""Running commits and judging them: the work behind run, compare, sla, report, show and ci."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from afirgen_bench import asv_driver, host
from afirgen_bench.calibration import Calibration, calibration_path
from afirgen_bench.compare import GateConfig, compare
from afirgen_bench.errors import HarnessError
from afirgen_bench.results import ResultSet, load_results
from afirgen_bench.sla import load_sla
from afirgen_bench.verdict import Judgement


def resolve_commit(root: Path, revision: str) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise HarnessError(f"'{revision}' is not a commit of this repository")
    return done.stdout.strip()


def judge(root: Path, base: str, head: str, results_dir: Path) -> Judgement:
    base_results = load_results(results_dir, asv_driver.MACHINE, resolve_commit(root, base))
    head_results = load_results(results_dir, asv_driver.MACHINE, resolve_commit(root, head))
    calibration = Calibration.load(calibration_path(root, asv_driver.MACHINE))
    gate = GateConfig.load(root / "gate.toml")
    changes = compare(base_results, head_results, gate, calibration)
    judgement = Judgement.of(base_results, head_results, changes, load_sla(root / "sla.toml"))
    judgement.gate = gate
    judgement.notes.append(noise_note(calibration))
    judgement.host = host.load(results_dir, asv_driver.MACHINE, head_results.commit)
    return judgement


def noise_note(calibration: Calibration | None) -> str:
    if calibration is None:
        return (
            f"noise: no calibration for {asv_driver.MACHINE}; each benchmark is judged against "
            "the spread of its own rounds (run `python -m afirgen_bench calibrate`)"
        )
    return (
        f"noise: calibrated on {calibration.machine} at {calibration.measured_at} "
        f"from {calibration.runs} A/A runs of {calibration.commit[:8]}"
    )


def head_results(root: Path, revision: str, results_dir: Path) -> ResultSet:
    return load_results(results_dir, asv_driver.MACHINE, resolve_commit(root, revision))


def pr_config(root: Path, folder_name: str = "pr") -> tuple[Path, Path]:
    """An asv config that writes into .asv/<folder_name>/ (which may be nested), so a PR
    check never overwrites the history."""
    text = (root / "asv.conf.json").read_text()
    config = json.loads(
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    )
    folder = root / ".asv" / folder_name
    if folder.exists():
        shutil.rmtree(folder / "results", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    up = os.path.relpath(root, folder)
    config.update(
        repo=up,
        benchmark_dir=os.path.join(up, "benchmarks"),
        env_dir=os.path.join(up, ".asv", "env"),
        results_dir="results",
        html_dir="html",
    )
    path = folder / "asv.conf.json"
    path.write_text(json.dumps(config, indent=2))
    return path, folder / "results"
