"""``calibrate``: this machine's noise, each part measured or computed on its own and saved
in calibration/<machine>.json (runs, resume, duets, layouts, spread, drift)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from afirgen_bench.commands._arguments import at_least, given, given_path, machine_option
from afirgen_bench.commands._base import Command
from afirgen_bench.commands.ci import PR_SUITE
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.workspace import Workspace

if TYPE_CHECKING:
    from afirgen_bench.core.config import Calibration
    from afirgen_bench.rules import Rules

    Part = Callable[[argparse.Namespace, Workspace, str], Calibration]


class Calibrate(Command):
    name = "calibrate"
    help = (
        "this machine's noise, saved in calibration/<machine>.json: A/A runs, A/A duets, "
        "memory layouts, the drift between runs"
    )
    description = (
        "Each part of this machine's calibration (calibration/<machine>.json), measured or "
        "computed on its own: runs (asv A/A runs of one commit against its twin, the "
        "noise and minimum detectable effect of every benchmark), resume (the same from "
        "the runs an interrupted calibration left), duets (the duet design's noise), "
        "layouts and spread (the counted figures' spread across memory layouts), drift "
        "(between runs, from results/). A run in which a benchmark fails leaves that "
        "benchmark out of that run."
    )
    takes_machine = False  # each part takes it

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parts = parser.add_subparsers(dest="part", required=True, metavar="PART")
        measured = argparse.ArgumentParser(add_help=False, parents=[machine_option()])
        measured.add_argument("--commit", type=given, default="HEAD")
        measured.add_argument(
            "--output", type=given_path, default=None, help="save here instead (to try a design)"
        )
        selected = argparse.ArgumentParser(add_help=False)
        selected.add_argument(
            "--bench", default=None, help="asv -b regex: recalibrate only these, keep the rest"
        )
        _add_timed_parts(parts, [measured, selected])
        _add_counted_parts(parts, [measured])

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """Measure (or compute) one part of this machine's calibration and save it."""
        from afirgen_bench.core.reports import noise_table
        from afirgen_bench.git import resolve_commit
        from afirgen_bench.rules import calibration_file

        root, machine, rules = workspace.root, workspace.machine, workspace.rules
        commit = resolve_commit(root, getattr(args, "commit", "HEAD"))
        path = args.output or root / calibration_file(machine)
        if args.part != "runs" and args.part != "resume" and rules.calibration is None:
            raise HarnessError(f"no calibration for {machine} to add to: run calibrate runs first")
        calibration = CALIBRATION_PARTS[args.part](args, workspace, commit)
        bench = getattr(args, "bench", None)
        if bench and rules.calibration is not None and args.output is None and args.part != "duets":
            calibration = rules.calibration.merged(calibration, bench)
        if args.part in ("runs", "resume") and rules.calibration and rules.calibration.drift:
            calibration = calibration.model_copy(update={"drift": rules.calibration.drift})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(calibration.dumps())
        except OSError as exc:
            raise HarnessError(f"cannot save the calibration to {path}: {exc.strerror}") from exc
        print(noise_table(calibration, rules.gate))
        print(f"saved {path}: commit it so PR checks on this machine use it")
        return ExitCode.OK


def _add_timed_parts(
    parts: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    """The parts that calibrate wall times, --bench choosing which (runs, resume, duets)."""
    runs = parts.add_parser(
        "runs", parents=parents, help="asv A/A runs of the commit against its twin"
    )
    runs.add_argument("--runs", type=at_least(2), default=3, help="A/A repetitions (at least 2)")
    parts.add_parser(
        "resume",
        parents=parents,
        help="measure nothing: compute the runs' calibration from the A/A results an "
        "interrupted or partly failed calibration left in .asv/calibrate/run-*/",
    )
    duets = parts.add_parser(
        "duets",
        parents=parents,
        help="the commit in duet with itself N times (the wall times --bench selects): the "
        "noise of the duet design, which judges wall times on pairs",
    )
    duets.add_argument("--duets", type=at_least(2), default=5, help="A/A duets")
    duets.add_argument(
        "--from-records",
        action="store_true",
        help="measure nothing: use the A/A duets the last run left in .asv/calibrate/",
    )


def _add_counted_parts(
    parts: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    """The parts that calibrate the counted figures and the drift (layouts, spread, drift)."""
    layouts = parts.add_parser(
        "layouts",
        parents=parents,
        help="count the cost suite in N memory layouts (5 min each here): each counted "
        "figure's largest move between them sets how far it may move unflagged",
    )
    layouts.add_argument("--layouts", type=at_least(2), default=5)
    spread = parts.add_parser(
        "spread",
        parents=parents,
        help="measure nothing: the A/A spread of the counted figures from a folder of results "
        "of the same code measured separately (each no-op folder of proof deterministic is "
        "one: .asv/proof/repo/.asv/cost-proof/noop-N/results)",
    )
    spread.add_argument("folder", type=given_path)
    parts.add_parser(
        "drift",
        parents=parents,
        help="measure nothing: the drift between runs this machine has shown, from results/ "
        "(result files of the same backend code benchmarked in different runs)",
    )


def _runs(args: argparse.Namespace, workspace: Workspace, commit: str) -> Calibration:
    from afirgen_bench.calibrate import calibrate
    from afirgen_bench.runner import log

    return calibrate(
        workspace,
        commit,
        runs=args.runs,
        bench=args.bench or PR_SUITE,
        gate=workspace.rules.gate,
        progress=log,
    )


def _resume(args: argparse.Namespace, workspace: Workspace, commit: str) -> Calibration:
    from afirgen_bench.calibrate import recalibrate_from_runs

    return recalibrate_from_runs(workspace, commit, gate=workspace.rules.gate)


def _duets(args: argparse.Namespace, workspace: Workspace, commit: str) -> Calibration:
    from afirgen_bench.calibrate import duet_noise, duet_noise_from_records
    from afirgen_bench.runner import log

    rules = workspace.rules
    if args.from_records:
        noise = duet_noise_from_records(workspace, commit)
    else:
        noise = duet_noise(
            workspace,
            commit,
            duets=args.duets,
            bench=args.bench,
            gate=rules.gate,
            progress=log,
        )
    runs = max((n.runs for n in noise.values()), default=0)
    note = (
        f"duet noise of {len(noise)} wall times from {runs} A/A duets of {commit[:8]}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )
    return rules.calibration.model_copy(
        update={
            "duet": {**rules.calibration.duet, **noise},
            "notes": [*rules.calibration.notes, note],
        }
    )


def _with_spreads(rules: Rules, spreads: dict[str, Any], note: str) -> Calibration:
    """The calibration with ``spreads`` replacing those of the same figures, and ``note``."""
    return rules.calibration.model_copy(
        update={
            "spread": {**rules.calibration.spread, **spreads},
            "notes": [*rules.calibration.notes, note],
        }
    )


def _layouts(args: argparse.Namespace, workspace: Workspace, commit: str) -> Calibration:
    from afirgen_bench.calibrate import layout_spreads
    from afirgen_bench.runner import log

    rules = workspace.rules
    spreads = layout_spreads(
        workspace,
        commit,
        layouts=args.layouts,
        gate=rules.gate,
        progress=log,
    )
    note = (
        f"spreads of {len(spreads)} counted figures across {args.layouts} memory layouts of "
        f"{commit[:8]}, {datetime.now(UTC):%Y-%m-%d}"
    )
    return _with_spreads(rules, spreads, note)


def _spread(args: argparse.Namespace, workspace: Workspace, commit: str) -> Calibration:
    from afirgen_bench.calibrate import spreads_from_folder
    from afirgen_bench.results_folder import ResultsFolder

    folder = ResultsFolder(args.folder, workspace.machine)
    spreads = spreads_from_folder(folder, workspace.rules.gate)
    note = f"spreads of {len(spreads)} deterministic figures from {args.folder}"
    return _with_spreads(workspace.rules, spreads, note)


def _drift(args: argparse.Namespace, workspace: Workspace, commit: str) -> Calibration:
    from afirgen_bench.calibrate import measure_drift

    drift = measure_drift(workspace, workspace.rules.gate)
    return workspace.rules.calibration.model_copy(update={"drift": drift})


CALIBRATION_PARTS: dict[str, Part] = {
    "runs": _runs,
    "resume": _resume,
    "duets": _duets,
    "layouts": _layouts,
    "spread": _spread,
    "drift": _drift,
}
