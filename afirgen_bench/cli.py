"""The harness's one command-line entry (exit codes: see ``afirgen_bench.core.errors``)."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from afirgen_bench.core.duet import DUET_PAIRS_FOR_S, DUET_ROUNDS, DUET_SCHEDULE, Schedule
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.core.shards import SHARD_OVERHEAD_S

if TYPE_CHECKING:
    from afirgen_bench.core.config import Calibration
    from afirgen_bench.core.verdict import Judgement
    from afirgen_bench.judge import Rules

# What a PR check runs: the whole suite but the load test, whose 30 s run per commit and
# single noisy figures belong to the nightly history (`history`) and to `load`.
PR_SUITE = r"^(?!load\.)"
PROOF_OUT = "docs/measurements/proof"
COST_PROOF_OUT = "docs/measurements/deterministic-proof"
DUET_PROOF_OUT = "docs/measurements/duet-proof"


class _Parser(argparse.ArgumentParser):
    """argparse, with its refusals as one line and exit 2 like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.CANNOT_JUDGE, f"error: {message} (see {self.prog} --help)\n")


def _given(value: str) -> str:
    """A name or path that must not be empty (an empty --output would write the reports
    into the current folder; an empty --machine would quietly name another machine)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def _given_path(value: str) -> Path:
    return Path(_given(value))


def _at_least(minimum: int) -> Callable[[str], int]:
    """A whole number of at least ``minimum`` (users, runs, calls, rows)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{number} is below {minimum}")
        return number

    return parse


def _int_list(value: str) -> list[int]:
    """Comma-separated positive whole numbers: 1,3,10."""
    parse = _at_least(1)
    return [parse(part) for part in value.split(",")]


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive, finite duration")
    return seconds


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= share < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a share from 0 up to (not incl.) 1")
    return share


def _measure(args: argparse.Namespace) -> int:
    from afirgen_bench.measure import measure, private_services

    _runtime, urls, pids = private_services()
    report = measure(
        urls,
        pids,
        scale=args.scale,
        calls=args.calls,
        http_calls=args.http_calls,
        generation_calls=args.generation_calls,
        fresh_load=args.fresh_load,
        progress=lambda message: print(f"... {message}", file=sys.stderr),
    )
    text = report.markdown()
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return ExitCode.OK


def _machine(args: argparse.Namespace) -> str:
    from afirgen_bench.machine import machine_name

    return machine_name(args.machine)


def _history(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root
    from afirgen_bench.history import run_history

    return run_history(
        repo_root(),
        machine=_machine(args),
        limit=args.limit,
        publish=not args.no_publish,
        bench=args.bench,
        remeasure=args.remeasure,
    )


def _publish(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root
    from afirgen_bench.publish import publish_site

    return publish_site(repo_root(), _machine(args))


def _results_dir(args: argparse.Namespace, root: Path) -> Path:
    return Path(args.results_dir) if args.results_dir else root / "results"


def _run(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root, resolve_commit
    from afirgen_bench.runner import run_commits

    root = repo_root()
    machine = _machine(args)
    commit = resolve_commit(root, args.commit)
    failed = run_commits(
        root, [commit], machine=machine, bench=args.bench, config=None, results_dir=root / "results"
    )
    if failed:
        print(
            f"error: {len(failed)} benchmark(s) failed to run: {', '.join(failed)}", file=sys.stderr
        )
        return ExitCode.CANNOT_JUDGE
    return _sla_of(root, commit, root / "results", machine) if args.check_sla else ExitCode.OK


def _compare(args: argparse.Namespace) -> int:
    from afirgen_bench.core.reports import comment_markdown, summary_text, write_reports
    from afirgen_bench.git import repo_root
    from afirgen_bench.judge import judge, refuse_swapped

    root = repo_root()
    machine = _machine(args)
    results_dir = _results_dir(args, root)
    refuse_swapped(root, args.base, args.head)
    if args.run_missing:
        _benchmark_missing(root, [args.base, args.head], results_dir, machine)
    judgement = judge(root, args.base, args.head, results_dir, machine)
    if args.reports:
        write_reports(judgement, Path(args.reports))
    print(summary_text(judgement))
    print(comment_markdown(judgement))
    return _verdict(judgement)


def _benchmark_missing(root: Path, revisions: list[str], results_dir: Path, machine: str) -> None:
    from afirgen_bench.asv_driver import commits_with_results
    from afirgen_bench.git import resolve_commit
    from afirgen_bench.runner import run_commits

    done = commits_with_results(results_dir, machine)
    missing = [c for c in (resolve_commit(root, r) for r in revisions) if c[:8] not in done]
    if missing:
        failed = run_commits(
            root, missing, machine=machine, bench=None, config=None, results_dir=results_dir
        )
        if failed:
            raise HarnessError(f"benchmarks failed on {machine}: {', '.join(failed)}")


def _verdict(judgement: Judgement) -> int:
    """The judgement's exit code; a check that cannot judge also says why on stderr, in
    the one line every exit 2 carries (the reports have the details)."""
    if judgement.exit_code is ExitCode.CANNOT_JUDGE:
        print(f"error: {_one_line(judgement.headline)}", file=sys.stderr)
    return judgement.exit_code


def _sla_of(root: Path, revision: str, results_dir: Path, machine: str) -> int:
    from afirgen_bench.core.sla import SlaStatus, check_all, idle_sections
    from afirgen_bench.git import resolve_commit
    from afirgen_bench.judge import check_rules, load_index, load_results, load_rules
    from afirgen_bench.load.endpoints import sla_sections

    index = load_index(results_dir)
    results = load_results(results_dir, machine, resolve_commit(root, revision), index)
    rules = load_rules(root, machine)
    check_rules(rules, index)
    verdicts = check_all(results, rules.sla)
    judged = [v for v in verdicts if v.status in (SlaStatus.PASS, SlaStatus.FAIL)]
    load_test = sla_sections()  # judged by `afirgen_bench load`, never here
    idle = [name for name in idle_sections(results, rules.sla) if name not in load_test]
    for verdict in verdicts:
        detail = "; ".join(str(b) for b in verdict.breaches)
        detail = "; ".join(filter(None, [detail, verdict.reason]))
        print(f"{verdict.status:<12} {verdict.key}  {detail}")
    failed = [v for v in verdicts if v.status is SlaStatus.FAIL]
    unjudged = [v for v in verdicts if v.status is SlaStatus.CANNOT_JUDGE]
    print(
        f"\n{sum(v.status is SlaStatus.PASS for v in verdicts)} within their limits, "
        f"{len(failed)} breaching, {len(unjudged)} cannot be judged (failed or invalid)"
    )
    if idle:
        print(f"{len(idle)} section(s) of sla.toml judged nothing here: {', '.join(idle)}")
    if not judged:
        raise HarnessError(
            f"sla.toml judged nothing at {revision}: no section's benchmark has a figure in "
            "these results (benchmark the commit first, or with the benchmarks it limits)"
        )
    if unjudged:
        return ExitCode.CANNOT_JUDGE
    return ExitCode.VERDICT_FAILED if failed else ExitCode.OK


def _sla(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root

    root = repo_root()
    return _sla_of(root, args.commit, _results_dir(args, root), _machine(args))


def _report(args: argparse.Namespace) -> int:
    from afirgen_bench.core.reports import write_reports
    from afirgen_bench.git import repo_root
    from afirgen_bench.judge import judge, refuse_swapped

    root = repo_root()
    refuse_swapped(root, args.base, args.head)
    judgement = judge(root, args.base, args.head, _results_dir(args, root), _machine(args))
    for path in write_reports(judgement, Path(args.output)):
        print(path)
    print(judgement.headline)
    return _verdict(judgement)


def _show(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root
    from afirgen_bench.show import benchmark_history

    root = repo_root()
    rows = benchmark_history(root, args.benchmark, _results_dir(args, root), _machine(args))
    if not rows:
        raise HarnessError(f"no results for a benchmark matching '{args.benchmark}'")
    for row in rows:
        print(row)
    return ExitCode.OK


def _ci(args: argparse.Namespace) -> int:
    from afirgen_bench.confirm import confirm_regressions
    from afirgen_bench.core.reports import summary_text, write_reports
    from afirgen_bench.git import repo_root, resolve_commit
    from afirgen_bench.judge import judge, load_rules, pr_config, refuse_swapped
    from afirgen_bench.runner import run_commits

    root = repo_root()
    machine = _machine(args)
    base, head = resolve_commit(root, args.base), resolve_commit(root, args.head)
    if base == head:
        raise HarnessError("base and head are the same commit: nothing to compare")
    refuse_swapped(root, base, head)
    rules = load_rules(root, machine, at_commit=base)  # the PR cannot relax its own gate
    config, results_dir = pr_config(root)
    failed = run_commits(
        root,
        [base, head],
        machine=machine,
        bench=args.bench or PR_SUITE,
        config=config,
        results_dir=results_dir,
    )
    judgement = judge(root, base, head, results_dir, machine, rules=rules)
    if failed:
        judgement.run_failures.extend(failed)
    else:
        confirm_regressions(
            root,
            base,
            head,
            judgement,
            machine=machine,
            rules=rules,
            results_dir=results_dir,
            folder="pr-confirm",
        )
    write_reports(judgement, Path(args.reports))
    print(summary_text(judgement))
    print(f"reports in {args.reports}/")
    return _verdict(judgement)


def _calibrate(args: argparse.Namespace) -> int:
    """Measure (or compute) one part of this machine's calibration and save it."""
    from afirgen_bench.core.reports import noise_table
    from afirgen_bench.git import repo_root, resolve_commit
    from afirgen_bench.judge import calibration_file, load_rules

    root = repo_root()
    machine = _machine(args)
    rules = load_rules(root, machine)
    commit = resolve_commit(root, getattr(args, "commit", "HEAD"))
    path = args.output or root / calibration_file(machine)
    if args.part != "runs" and args.part != "resume" and rules.calibration is None:
        raise HarnessError(f"no calibration for {machine} to add to: run calibrate runs first")
    calibration = CALIBRATION_PARTS[args.part](args, root, machine, commit, rules)
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


def _calibrate_runs(
    args: argparse.Namespace, root: Path, machine: str, commit: str, rules: Rules
) -> Calibration:
    from afirgen_bench.calibrate import calibrate
    from afirgen_bench.runner import log

    return calibrate(
        root,
        commit,
        machine=machine,
        runs=args.runs,
        bench=args.bench or PR_SUITE,
        gate=rules.gate,
        progress=log,
    )


def _calibrate_resume(
    args: argparse.Namespace, root: Path, machine: str, commit: str, rules: Rules
) -> Calibration:
    from afirgen_bench.calibrate import recalibrate_from_runs

    return recalibrate_from_runs(root, commit, machine=machine, gate=rules.gate)


def _calibrate_duets(
    args: argparse.Namespace, root: Path, machine: str, commit: str, rules: Rules
) -> Calibration:
    from afirgen_bench.calibrate import duet_noise, duet_noise_from_records
    from afirgen_bench.runner import log

    if args.from_records:
        noise = duet_noise_from_records(root, commit, machine)
    else:
        noise = duet_noise(
            root,
            commit,
            machine=machine,
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
    return rules.calibration.model_copy(
        update={
            "spread": {**rules.calibration.spread, **spreads},
            "notes": [*rules.calibration.notes, note],
        }
    )


def _calibrate_layouts(
    args: argparse.Namespace, root: Path, machine: str, commit: str, rules: Rules
) -> Calibration:
    from afirgen_bench.calibrate import layout_spreads
    from afirgen_bench.runner import log

    spreads = layout_spreads(
        root, commit, machine=machine, layouts=args.layouts, gate=rules.gate, progress=log
    )
    note = (
        f"spreads of {len(spreads)} counted figures across {args.layouts} memory layouts of "
        f"{commit[:8]}, {datetime.now(UTC):%Y-%m-%d}"
    )
    return _with_spreads(rules, spreads, note)


def _calibrate_spread(
    args: argparse.Namespace, root: Path, machine: str, commit: str, rules: Rules
) -> Calibration:
    from afirgen_bench.calibrate import spreads_from_folder

    spreads = spreads_from_folder(args.folder, machine, rules.gate)
    note = f"spreads of {len(spreads)} deterministic figures from {args.folder}"
    return _with_spreads(rules, spreads, note)


def _calibrate_drift(
    args: argparse.Namespace, root: Path, machine: str, commit: str, rules: Rules
) -> Calibration:
    from afirgen_bench.calibrate import measure_drift

    drift = measure_drift(root, root / "results", machine, rules.gate)
    return rules.calibration.model_copy(update={"drift": drift})


CALIBRATION_PARTS = {
    "runs": _calibrate_runs,
    "resume": _calibrate_resume,
    "duets": _calibrate_duets,
    "layouts": _calibrate_layouts,
    "spread": _calibrate_spread,
    "drift": _calibrate_drift,
}


def _proof(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root
    from afirgen_bench.runner import log

    root, machine, out = repo_root(), _machine(args), Path(args.out)
    if args.kind == "duet":
        from afirgen_bench.duet_proof import run_duet_proof

        run_duet_proof(root, machine=machine, checks=args.checks, out=out, progress=log)
    elif args.kind == "deterministic":
        from afirgen_bench.cost_proof import run_cost_proof

        run_cost_proof(
            root, machine=machine, runs=args.runs, noops=args.noops, out=out, progress=log
        )
    else:
        from afirgen_bench.proof import run_proof

        try:
            levels = sorted({int(level) for level in args.levels.split(",")})
        except ValueError as exc:
            raise HarnessError(f"--levels takes whole percentages like 0,3,5,10: {exc}") from exc
        run_proof(root, machine=machine, pairs=args.pairs, levels=levels, out=out, progress=log)
    print(out.with_suffix(".md").read_text())
    return ExitCode.OK


def _load(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root
    from afirgen_bench.judge import load_sla
    from afirgen_bench.load.report import load_table
    from afirgen_bench.load.runner import judge_load, run_load

    sla = load_sla(repo_root())
    result = run_load(
        users=args.users,
        duration_s=args.duration,
        workers=args.workers,
        scale=args.scale,
        out=Path(args.out),
        search_share=args.search_share,
        monitor=args.monitor,
        progress=lambda m: print(f"... {m}", file=sys.stderr),
    )
    problems = judge_load(result, sla)
    table = load_table(result, problems)
    Path(args.out, "load.md").write_text(table + "\n")
    print(table)
    return ExitCode.VERDICT_FAILED if problems else ExitCode.OK


def _backfill(args: argparse.Namespace) -> int:
    from afirgen_bench import backfill
    from afirgen_bench.git import repo_root

    root = repo_root()
    if args.step == "plan":
        machine = _machine(args)
        commits = backfill.commits_to_measure(root, machine, args.range)
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
    if args.step == "shard":
        return backfill.run_shard(root, args.plan, args.index, args.output)
    if args.step == "estimate":
        machine = _machine(args)
        cost = backfill.measured_cost(root, machine, args.overhead)
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
    return backfill.merge_shards(root, args.plan, args.folders, accept_partial=args.accept_partial)


def _reference(args: argparse.Namespace) -> int:
    from afirgen_bench.git import repo_root
    from afirgen_bench.reference import REFERENCE, markdown

    path = repo_root() / REFERENCE
    written = markdown(build_parser())
    if args.check:
        if not path.exists() or path.read_text() != written:
            print(f"error: {REFERENCE} is out of date: run reference", file=sys.stderr)
            return ExitCode.CANNOT_JUDGE
        print(f"{REFERENCE} is up to date")
        return ExitCode.OK
    path.write_text(written)
    print(f"wrote {REFERENCE}")
    return ExitCode.OK


def _search_mix(args: argparse.Namespace) -> int:
    from afirgen_bench.search_mix import MIX_FILE, build_mix, render_mix, sample_complaints

    written = render_mix(build_mix(sample_complaints()))
    if args.check:
        if not MIX_FILE.exists() or MIX_FILE.read_text() != written:
            print(
                f"error: {MIX_FILE} is not what the generator writes: run search-mix",
                file=sys.stderr,
            )
            return ExitCode.CANNOT_JUDGE
        print(f"{MIX_FILE} is up to date")
        return ExitCode.OK
    MIX_FILE.write_text(written)
    print(f"wrote {MIX_FILE}")
    return ExitCode.OK


def _monitoring(args: argparse.Namespace) -> int:
    """Write (or check) a file generated from sla.toml and the monitoring queries, or measure
    what scraping costs the load test."""
    from afirgen_bench.git import repo_root

    if args.step == "cost":
        from afirgen_bench.monitoring.cost import measure

        summary = measure(
            pairs=args.pairs,
            users=args.users,
            duration_s=args.duration,
            scale=args.scale,
            out=Path(args.out),
            progress=lambda m: print(f"... {m}", file=sys.stderr),
        )
        print(Path(args.out, "scrape-cost.md").read_text())
        return ExitCode.OK if summary["met"] else ExitCode.VERDICT_FAILED
    from afirgen_bench.monitoring import generated

    root = repo_root()
    path, written = generated.files(root)[args.step]
    if args.check:
        if not (root / path).exists() or (root / path).read_text() != written:
            print(f"error: {path} is out of date: run monitoring {args.step}", file=sys.stderr)
            return ExitCode.CANNOT_JUDGE
        print(f"{path} is up to date")
        return ExitCode.OK
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(written)
    print(f"wrote {path}")
    return ExitCode.OK


def _load_drive(args: argparse.Namespace) -> int:
    """Drive the load against a server someone else started (the asv load benchmark)."""
    from afirgen_bench.load.runner import LoadTarget, drive

    target = LoadTarget.from_file(Path(args.target))
    drive(target, users=args.users, duration_s=args.duration, workers=0, out=Path(args.out))
    return ExitCode.OK


def _duet(args: argparse.Namespace) -> int:
    """Measure two commits' wall times in duet; write the pairs where the judge finds them."""
    from afirgen_bench.duet import duet_targets, run_duet
    from afirgen_bench.duet_store import record_path, write_record
    from afirgen_bench.git import repo_root, resolve_commit
    from afirgen_bench.judge import load_index, load_rules

    root = repo_root()
    machine = _machine(args)
    base, head = resolve_commit(root, args.base), resolve_commit(root, args.head)
    targets = duet_targets(load_index(root / "results"), load_rules(root, machine).gate, args.bench)
    record = run_duet(
        root,
        base,
        head,
        targets,
        machine=machine,
        schedule=Schedule(args.schedule),
        rounds=args.rounds,
        pairs_for=args.pairs_for,
    )
    out = args.output or record_path(root, machine, base, head)
    write_record(record, out)
    problems = [f for f in record.figures.values() if f.problem]
    print(f"wrote {out}: {len(record.figures)} wall times in duet, {len(problems)} not measured")
    for figure in problems:
        print(f"  {figure.key}: {figure.problem}")
    return ExitCode.CANNOT_JUDGE if problems else ExitCode.OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m afirgen_bench",
        description="The AFIRGen benchmark harness: drives asv, measures, judges. Exit codes: "
        "0 all good, 1 a regression or an SLA breach, 2 the harness could not judge.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    common = _Parser(add_help=False)
    common.add_argument(
        "--machine",
        type=_given,
        default=None,
        help="the benchmark machine's name (default: $AFIRGEN_BENCH_MACHINE, else the only "
        "machine in asv's ~/.asv-machine.json)",
    )
    measure = sub.add_parser(
        "measure",
        parents=[common],
        help="time the layers next to their raw floors, and the HTTP API, in one run",
    )
    measure.add_argument("--scale", type=_at_least(1), default=100_000)
    measure.add_argument("--calls", type=_at_least(1), default=5_000, help="per layer operation")
    measure.add_argument("--http-calls", type=_at_least(1), default=2_000)
    measure.add_argument("--generation-calls", type=_at_least(1), default=200, help="per scenario")
    measure.add_argument(
        "--fresh-load", action="store_true", help="drop and reload the data set, timing the load"
    )
    measure.add_argument("--output", type=_given_path, help="also write the Markdown report here")
    measure.set_defaults(handler=_measure)

    history = sub.add_parser(
        "history",
        parents=[common],
        help="benchmark every backend-changing commit of main that has no results yet, "
        "compare the newest two, publish the site (offline-ready)",
        description=(
            "The main job. It benchmarks the backend commits that have no results, measures each "
            "new one in a duet with its predecessor (results-duet/), and judges the newest two "
            "from what is stored: counted figures on their tolerances, wall times on the pairs of"
            " their duet. It re-runs nothing: wall times from different runs with no duet are "
            "reported unjudged."
        ),
    )
    history.add_argument(
        "--limit", type=_at_least(1), default=None, help="only the newest N such commits"
    )
    history.add_argument("--bench", default=None, help="asv -b regex: a subset of benchmarks")
    history.add_argument("--no-publish", action="store_true")
    history.add_argument(
        "--remeasure",
        action="store_true",
        help="benchmark every backend commit again in one run (after a design change)",
    )
    history.set_defaults(handler=_history)

    publish = sub.add_parser(
        "publish", parents=[common], help="asv publish, then make html/ work offline"
    )
    publish.set_defaults(handler=_publish)

    run = sub.add_parser(
        "run", parents=[common], help="benchmark one commit into results/ (pinned, raw samples)"
    )
    run.add_argument("--commit", type=_given, default="HEAD")
    run.add_argument("--bench", default=None, help="asv -b regex: a subset of benchmarks")
    run.add_argument(
        "--check-sla", action="store_true", help="then judge the SLA (exit 1 on a breach)"
    )
    run.set_defaults(handler=_run)

    for name, handler, text in (
        ("compare", _compare, "judge head against base from stored results (the 5 %% gate + SLA)"),
        ("report", _report, "write summary, detailed, JSON and PR-comment reports"),
    ):
        command = sub.add_parser(name, parents=[common], help=text)
        command.add_argument(
            "base", nargs="?" if name == "report" else None, type=_given, default="HEAD~1"
        )
        command.add_argument(
            "head", nargs="?" if name == "report" else None, type=_given, default="HEAD"
        )
        command.add_argument("--results-dir", type=_given, default=None)
        if name == "compare":
            command.add_argument(
                "--reports", type=_given, default=None, help="also write the reports here"
            )
            command.add_argument(
                "--run-missing",
                action="store_true",
                help="benchmark a commit first if it has no results",
            )
        else:
            command.add_argument("--output", type=_given, default="reports")
        command.set_defaults(handler=handler)

    sla = sub.add_parser(
        "sla", parents=[common], help="check one commit's results against sla.toml"
    )
    sla.add_argument("commit", nargs="?", type=_given, default="HEAD")
    sla.add_argument("--results-dir", type=_given, default=None)
    sla.set_defaults(handler=_sla)

    show = sub.add_parser(
        "show", parents=[common], help="one benchmark's history: median and P95 by commit"
    )
    show.add_argument("benchmark", help="a benchmark name or a regex of names")
    show.add_argument("--results-dir", type=_given, default=None)
    show.set_defaults(handler=_show)

    ci = sub.add_parser(
        "ci",
        parents=[common],
        help="PR check: benchmark base and head interleaved, judge, write reports",
    )
    ci.add_argument("--base", type=_given, required=True)
    ci.add_argument("--head", type=_given, default="HEAD")
    ci.add_argument("--bench", default=None, help="asv -b regex (default: all but the load test)")
    ci.add_argument("--reports", type=_given, default="reports")
    ci.set_defaults(handler=_ci)

    duet = sub.add_parser(
        "duet",
        parents=[common],
        help="measure two commits' wall times together, pair by pair, into results-duet/ "
        "(compare and history then judge their wall times on the pairs)",
        description=(
            "Both commits' wall-time benchmarks, measured together in two worker processes (one "
            "per commit), sample after sample in pairs, in fresh processes per round; compare and "
            "history then judge those wall times on the pairs (docs/gate.md, 'Wall time in "
            "duet')."
        ),
    )
    duet.add_argument("base", type=_given)
    duet.add_argument("head", type=_given)
    duet.add_argument("--bench", default=None, help="regex of benchmark keys (default: all)")
    duet.add_argument(
        "--schedule",
        choices=[s.value for s in Schedule],
        default=DUET_SCHEDULE.value,
        help="samples at the same moment, or one right after the other in a random order",
    )
    duet.add_argument(
        "--rounds", type=_at_least(1), default=DUET_ROUNDS, help="fresh processes per round"
    )
    duet.add_argument(
        "--pairs-for",
        type=_seconds,
        default=DUET_PAIRS_FOR_S,
        help="seconds of pairs per benchmark per round (judged with the calibration only when "
        "the design matches the calibrated one)",
    )
    duet.add_argument("--output", type=_given_path, default=None, help="where to write the pairs")
    duet.set_defaults(handler=_duet)

    calibrate = sub.add_parser(
        "calibrate",
        help="this machine's noise, saved in calibration/<machine>.json: A/A runs, A/A duets, "
        "memory layouts, the drift between runs",
        description=(
            "Each part of this machine's calibration (calibration/<machine>.json), measured or "
            "computed on its own: runs (asv A/A runs of one commit against its twin, the "
            "noise and minimum detectable effect of every benchmark), resume (the same from "
            "the runs an interrupted calibration left), duets (the duet design's noise), "
            "layouts and spread (the counted figures' spread across memory layouts), drift "
            "(between runs, from results/). A run in which a benchmark fails leaves that "
            "benchmark out of that run."
        ),
    )
    parts = calibrate.add_subparsers(dest="part", required=True, metavar="PART")
    measured = argparse.ArgumentParser(add_help=False, parents=[common])
    measured.add_argument("--commit", type=_given, default="HEAD")
    measured.add_argument(
        "--output", type=_given_path, default=None, help="save here instead (to try a design)"
    )
    selected = argparse.ArgumentParser(add_help=False)
    selected.add_argument(
        "--bench", default=None, help="asv -b regex: recalibrate only these, keep the rest"
    )
    runs = parts.add_parser(
        "runs", parents=[measured, selected], help="asv A/A runs of the commit against its twin"
    )
    runs.add_argument("--runs", type=_at_least(2), default=3, help="A/A repetitions (at least 2)")
    parts.add_parser(
        "resume",
        parents=[measured, selected],
        help="measure nothing: compute the runs' calibration from the A/A results an "
        "interrupted or partly failed calibration left in .asv/calibrate/run-*/",
    )
    duets = parts.add_parser(
        "duets",
        parents=[measured, selected],
        help="the commit in duet with itself N times (the wall times --bench selects): the "
        "noise of the duet design, which judges wall times on pairs",
    )
    duets.add_argument("--duets", type=_at_least(2), default=5, help="A/A duets")
    duets.add_argument(
        "--from-records",
        action="store_true",
        help="measure nothing: use the A/A duets the last run left in .asv/calibrate/",
    )
    layouts = parts.add_parser(
        "layouts",
        parents=[measured],
        help="count the cost suite in N memory layouts (5 min each here): each counted "
        "figure's largest move between them sets how far it may move unflagged",
    )
    layouts.add_argument("--layouts", type=_at_least(2), default=5)
    spread = parts.add_parser(
        "spread",
        parents=[measured],
        help="measure nothing: the A/A spread of the counted figures from a folder of results "
        "of the same code measured separately (each no-op folder of proof deterministic is "
        "one: .asv/proof/repo/.asv/cost-proof/noop-N/results)",
    )
    spread.add_argument("folder", type=_given_path)
    parts.add_parser(
        "drift",
        parents=[measured],
        help="measure nothing: the drift between runs this machine has shown, from results/ "
        "(result files of the same backend code benchmarked in different runs)",
    )
    calibrate.set_defaults(handler=_calibrate)

    proof = sub.add_parser(
        "proof",
        help="in a scratch clone, commit known slowdowns and measure how often the gate "
        "catches them and how often it cries wolf",
        description=(
            "In a scratch clone, commits known slowdowns and measures how often the gate "
            "catches them and how often it cries wolf: levels (slowdowns of a few percent in "
            "one backend function per area, each pair through the PR check), duet (slowdowns "
            "only time can see, each in duets against the base, and A/A duets), "
            "deterministic (no-op commits, then realistic regressions, on the counted figures)."
        ),
    )
    kinds = proof.add_subparsers(dest="kind", required=True, metavar="KIND")

    def proof_kind(name: str, out: str, text: str) -> argparse.ArgumentParser:
        kind = kinds.add_parser(name, parents=[common], help=text)
        kind.add_argument(
            "--out",
            type=_given,
            default=out,
            help="writes OUT.md and OUT.json (rewritten after every repetition)",
        )
        return kind

    levels = proof_kind(
        "levels",
        PROOF_OUT,
        "slowdowns at --levels in one backend function per area, each pair run through the "
        "PR check --pairs times",
    )
    levels.add_argument("--pairs", type=_at_least(1), default=20, help="PR checks per level")
    levels.add_argument("--levels", default="0,3,5,10", help="injected slowdowns, in percent")
    duet_proof = proof_kind(
        "duet",
        DUET_PROOF_OUT,
        "slowdowns only time can see (a worse query plan over the same rows, a 0.5 ms sleep "
        "in a request path, a pool lock held longer), each measured against the base in "
        "--checks duets, and as many A/A duets",
    )
    duet_proof.add_argument(
        "--checks", type=_at_least(1), default=20, help="duets per slowdown and A/A"
    )
    deterministic = proof_kind(
        "deterministic",
        COST_PROOF_OUT,
        "no-op commits (comments, docstrings, an unused helper, reordered imports, a module no "
        "operation calls, a test file), each counted in a run of its own, and realistic "
        "regressions (fixed work at +1, +2 and +5 %% of instructions, an extra query, a lost "
        "cache hit, a dropped index)",
    )
    deterministic.add_argument(
        "--runs",
        type=_at_least(0),
        default=2,
        help="separate runs per injected head (0: the no-op commits only)",
    )
    deterministic.add_argument(
        "--noops",
        type=_at_least(1),
        default=24,
        help="no-op commits, each counted in a run of its own (24 at most, about 2 minutes "
        "each here)",
    )
    proof.set_defaults(handler=_proof)

    load = sub.add_parser(
        "load", parents=[common], help="Locust load test against the real server, then judge it"
    )
    load.add_argument("--users", type=_at_least(1), default=15)
    load.add_argument("--duration", type=_seconds, default=300, help="seconds")
    load.add_argument(
        "--workers", type=_at_least(0), default=0, help="local Locust workers (0: one process)"
    )
    load.add_argument("--scale", type=_at_least(1), default=100_000)
    load.add_argument(
        "--search-share",
        type=_share,
        default=0.0,
        help="make searches this share of the tasks, e.g. 0.5 for the search-heavy mix "
        "(default: the seed's weights, one task in eight)",
    )
    load.add_argument(
        "--no-monitor",
        dest="monitor",
        action="store_false",
        help="run without the private Prometheus and exporters (no server-side view)",
    )
    load.add_argument(
        "--out", type=_given, default="reports/load", help="load.md, load.json, server-view.png"
    )
    load.set_defaults(handler=_load)

    backfill = sub.add_parser(
        "backfill",
        help="the history measured in shards (a GitHub Actions matrix): plan, shard, merge",
        description=(
            "Backfill the history on several runners at once. plan splits the backend commits "
            "that have no results among N shards; shard measures one of them (asv results, "
            "each commit's duet with its predecessor, a manifest); merge checks every shard "
            "against the plan and files their results into results/ (docs/ci.md)."
        ),
    )
    steps = backfill.add_subparsers(dest="step", required=True)
    plan = steps.add_parser("plan", parents=[common], help="write the plan of N shards")
    plan.add_argument("--shards", type=_at_least(1), required=True)
    plan.add_argument(
        "--range", default=None, help="A..B: only backend commits after A up to B (default: all)"
    )
    plan.add_argument("--plan", type=_given_path, default=Path("plan.json"))
    plan.add_argument(
        "--bench", default=None, help="asv -b regex: the benchmarks every shard runs (all)"
    )
    plan.add_argument(
        "--github-output",
        type=_given_path,
        default=None,
        help="append the matrix (matrix={...}) to this file ($GITHUB_OUTPUT)",
    )
    shard = steps.add_parser("shard", help="measure one shard of the plan into a folder")
    shard.add_argument("--plan", type=_given_path, required=True)
    shard.add_argument("--index", type=_at_least(0), required=True)
    shard.add_argument("--output", type=_given_path, required=True)
    estimate = steps.add_parser(
        "estimate",
        parents=[common],
        help="how long a backfill takes on N shards, from the suite and duet times stored",
    )
    estimate.add_argument(
        "--commits", type=_int_list, default=[29, 500], help="comma-separated: 29,500"
    )
    estimate.add_argument(
        "--shards", type=_int_list, default=[1, 3, 10, 29], help="comma-separated: 1,3,10,29"
    )
    estimate.add_argument(
        "--overhead",
        type=_seconds,
        default=SHARD_OVERHEAD_S,
        help="a shard's fixed cost in seconds: set-up, asv environment, data sets "
        "(default: what they took on this VM)",
    )
    merge = steps.add_parser(
        "merge", help="check the shards against the plan, then file them into results/"
    )
    merge.add_argument("--plan", type=_given_path, required=True)
    merge.add_argument("folders", type=_given_path, nargs="+", help="each shard's folder")
    merge.add_argument(
        "--accept-partial",
        action="store_true",
        help="file what finished even if shards are missing or short, naming the rest",
    )
    backfill.set_defaults(handler=_backfill)

    reference = sub.add_parser(
        "reference", help="write docs/commands.md, this reference, from the commands' parser"
    )
    reference.add_argument(
        "--check", action="store_true", help="write nothing; exit 2 if the file is out of date"
    )
    reference.set_defaults(handler=_reference)

    mix = sub.add_parser(
        "search-mix",
        help="write benchmarks/search_queries.json from the data set's term frequencies",
    )
    mix.add_argument("--check", action="store_true", help="only check it is up to date")
    mix.set_defaults(handler=_search_mix)

    monitoring = sub.add_parser(
        "monitoring",
        help="the alert rules and the Grafana dashboard (written from sla.toml and the "
        "monitoring queries), and what scraping costs the load test (docs/monitoring.md)",
    )
    monitoring_steps = monitoring.add_subparsers(dest="step", required=True)
    for name, text in (
        ("rules", "write monitoring/alerts.yml"),
        ("dashboard", "write monitoring/grafana/afirgen.json"),
    ):
        generated = monitoring_steps.add_parser(name, help=text)
        generated.add_argument(
            "--check", action="store_true", help="write nothing; exit 2 if it is out of date"
        )
    cost = monitoring_steps.add_parser(
        "cost",
        parents=[common],
        help="load runs with and without Prometheus, interleaved; exit 1 if scraping costs "
        "more than 2 %% of the requests per second",
    )
    cost.add_argument("--pairs", type=_at_least(1), default=3)
    cost.add_argument("--users", type=_at_least(1), default=15)
    cost.add_argument("--duration", type=_seconds, default=60, help="seconds per run")
    cost.add_argument("--scale", type=_at_least(1), default=100_000)
    cost.add_argument(
        "--out", type=_given, default="reports/scrape-cost", help="scrape-cost.md and .json"
    )
    monitoring.set_defaults(handler=_monitoring)

    drive = sub.add_parser(
        "load-drive", parents=[common], help="drive the load against a running server"
    )
    drive.add_argument(
        "--target", type=_given, required=True, help="JSON: base_url, mysql_url, redis_url, pids"
    )
    drive.add_argument("--users", type=_at_least(1), default=15)
    drive.add_argument("--duration", type=_seconds, default=30)
    drive.add_argument("--out", type=_given, required=True)
    drive.set_defaults(handler=_load_drive)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Whatever goes wrong becomes one line on stderr and exit 2: a
    harness that cannot judge must never look like a regression (1) or a pass (0)."""
    args = build_parser().parse_args(argv)
    from afirgen_fixtures.data import DatasetError
    from afirgen_fixtures.services import ServiceError

    # A timeout or a cancelled CI job sends SIGTERM: raised like Ctrl-C, so the processes
    # the command started are stopped on the way out (asv_driver.run_asv).
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
    except (HarnessError, ServiceError, DatasetError) as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
    except Exception as exc:
        print(
            f"error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(the harness could not judge; rerun with AFIRGEN_BENCH_DEBUG=1 for details)",
            file=sys.stderr,
        )
        if os.environ.get("AFIRGEN_BENCH_DEBUG"):
            raise
    return ExitCode.CANNOT_JUDGE


def _interrupted(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _one_line(message: str) -> str:
    return " ".join(message.split())
