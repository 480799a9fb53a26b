"""``backfill``: the history measured in shards on several runners at once (a GitHub Actions
matrix): plan, shard, estimate, merge."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from afirgen_bench.commands._arguments import (
    at_least,
    given_path,
    int_list,
    machine_option,
    seconds,
)
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.core.shards import SHARD_OVERHEAD_S
from afirgen_bench.workspace import Workspace


class Backfill(Command):
    name = "backfill"
    help = "the history measured in shards (a GitHub Actions matrix): plan, shard, merge"
    description = (
        "Backfill the history on several runners at once. plan splits the backend commits "
        "that have no results among N shards; shard measures one of them (asv results, "
        "each commit's duet with its predecessor, a manifest); merge checks every shard "
        "against the plan and files their results into results/ (docs/ci.md)."
    )
    takes_machine = False  # plan and estimate take it

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        steps = parser.add_subparsers(dest="step", required=True)
        plan = steps.add_parser(
            "plan", parents=[machine_option()], help="write the plan of N shards"
        )
        plan.add_argument("--shards", type=at_least(1), required=True)
        plan.add_argument(
            "--range",
            default=None,
            help="A..B: only backend commits after A up to B (default: all)",
        )
        plan.add_argument("--plan", type=given_path, default=Path("plan.json"))
        plan.add_argument(
            "--bench", default=None, help="asv -b regex: the benchmarks every shard runs (all)"
        )
        plan.add_argument(
            "--github-output",
            type=given_path,
            default=None,
            help="append the matrix (matrix={...}) to this file ($GITHUB_OUTPUT)",
        )
        shard = steps.add_parser("shard", help="measure one shard of the plan into a folder")
        shard.add_argument("--plan", type=given_path, required=True)
        shard.add_argument("--index", type=at_least(0), required=True)
        shard.add_argument("--output", type=given_path, required=True)
        _add_estimate(steps)
        merge = steps.add_parser(
            "merge", help="check the shards against the plan, then file them into results/"
        )
        merge.add_argument("--plan", type=given_path, required=True)
        merge.add_argument("folders", type=given_path, nargs="+", help="each shard's folder")
        merge.add_argument(
            "--accept-partial",
            action="store_true",
            help="file what finished even if shards are missing or short, naming the rest",
        )

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        from afirgen_bench import backfill

        root = workspace.root
        if args.step == "plan":
            return _plan(args, workspace)
        if args.step == "shard":
            return backfill.run_shard(root, args.plan, args.index, args.output)
        if args.step == "estimate":
            return _estimate(args, workspace)
        return backfill.merge_shards(
            root, args.plan, args.folders, accept_partial=args.accept_partial
        )


def _add_estimate(steps: argparse._SubParsersAction) -> None:
    """``backfill estimate``: how long a backfill takes, from what is stored."""
    estimate = steps.add_parser(
        "estimate",
        parents=[machine_option()],
        help="how long a backfill takes on N shards, from the suite and duet times stored",
    )
    estimate.add_argument(
        "--commits", type=int_list, default=[29, 500], help="comma-separated: 29,500"
    )
    estimate.add_argument(
        "--shards", type=int_list, default=[1, 3, 10, 29], help="comma-separated: 1,3,10,29"
    )
    estimate.add_argument(
        "--overhead",
        type=seconds,
        default=SHARD_OVERHEAD_S,
        help="a shard's fixed cost in seconds: set-up, asv environment, data sets "
        "(default: what they took on this VM)",
    )


def _plan(args: argparse.Namespace, workspace: Workspace) -> int:
    """Split the backend commits without results among the shards; tell the workflow the
    matrix (empty when there is nothing to backfill)."""
    from afirgen_bench import backfill

    root, machine = workspace.root, workspace.machine
    commits = backfill.commits_to_measure(workspace, args.range)
    shards: list[list[str]] = []
    if commits:
        plan = backfill.write_plan(
            root,
            machine=machine,
            commits=commits,
            shards=args.shards,
            out=args.plan,
            bench=args.bench,
        )
        shards = plan.shards
        sizes = ", ".join(str(len(s)) for s in shards)
        print(f"wrote {args.plan}: {len(shards)} shard(s) of {sizes} commit(s)")
    else:
        print(f"every backend commit in range has results on {machine}: nothing to backfill")
    if args.github_output:
        matrix = json.dumps({"shard": list(range(len(shards)))})
        with args.github_output.open("a") as out:
            out.write(f"matrix={matrix}\ncommits={len(commits)}\n")
    return ExitCode.OK


def _estimate(args: argparse.Namespace, workspace: Workspace) -> int:
    """Print the wall clock and runner time of backfills of --commits on --shards."""
    from afirgen_bench import backfill

    machine = workspace.machine
    cost = backfill.measured_cost(workspace, args.overhead)
    print(
        f"On {machine}: a commit's suite {cost.suite_s / 60:.1f} min and its duet "
        f"{cost.duet_s / 60:.1f} min (medians of what is stored), a shard's fixed cost "
        f"{cost.overhead_s / 60:.1f} min.\n\n"
        "| commits | shards | wall clock | runner time |\n|---:|---:|---:|---:|"
    )
    for commits in args.commits:
        for shards in args.shards:
            print(
                f"| {commits} | {shards} | {cost.wall_s(commits, shards) / 3600:.1f} h | "
                f"{cost.runner_s(commits, shards) / 3600:.1f} h |"
            )
    return ExitCode.OK
