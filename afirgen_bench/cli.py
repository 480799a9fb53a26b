"""The harness's one command-line entry (exit codes: see ``afirgen_bench.core.errors``).

Each command lives in its own module of ``afirgen_bench.commands``; this module lists them
in the order ``--help`` and docs/commands.md show, and maps whatever goes wrong to exit 2."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import NoReturn

from afirgen_bench.commands._arguments import Parser
from afirgen_bench.commands._base import Command
from afirgen_bench.commands._output import one_line
from afirgen_bench.commands.backfill import Backfill
from afirgen_bench.commands.calibrate import Calibrate
from afirgen_bench.commands.ci import Ci
from afirgen_bench.commands.compare import Compare
from afirgen_bench.commands.duet import Duet
from afirgen_bench.commands.history import History
from afirgen_bench.commands.load import Load
from afirgen_bench.commands.load_drive import LoadDrive
from afirgen_bench.commands.measure import Measure
from afirgen_bench.commands.monitoring import Monitoring
from afirgen_bench.commands.proof import Proof
from afirgen_bench.commands.publish import Publish
from afirgen_bench.commands.reference import Reference
from afirgen_bench.commands.report import Report
from afirgen_bench.commands.run import Run
from afirgen_bench.commands.search_mix import SearchMix
from afirgen_bench.commands.show import Show
from afirgen_bench.commands.sla import Sla
from afirgen_bench.core.errors import ExitCode, HarnessError
from afirgen_bench.workspace import Workspace


def commands() -> list[Command]:
    """Every command, in the order the help and the command reference list them."""
    return [
        Measure(),
        History(),
        Publish(),
        Run(),
        Compare(),
        Report(),
        Sla(),
        Show(),
        Ci(),
        Duet(),
        Calibrate(),
        Proof(),
        Load(),
        Backfill(),
        Reference(build_parser),
        SearchMix(),
        Monitoring(),
        LoadDrive(),
    ]


def build_parser() -> argparse.ArgumentParser:
    """The harness's parser: each command adds itself, with its handler as ``handler``."""
    parser = Parser(
        prog="python -m afirgen_bench",
        description="The AFIRGen benchmark harness: drives asv, measures, judges. Exit codes: "
        "0 all good, 1 a regression or an SLA breach, 2 the harness could not judge.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in commands():
        command.register(sub)
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
        return int(args.handler(args, Workspace.from_args(args)))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
    except (HarnessError, ServiceError, DatasetError) as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
    except Exception as exc:
        print(
            f"error: {type(exc).__name__}: {one_line(str(exc))} "
            "(the harness could not judge; rerun with AFIRGEN_BENCH_DEBUG=1 for details)",
            file=sys.stderr,
        )
        if os.environ.get("AFIRGEN_BENCH_DEBUG"):
            raise
    return ExitCode.CANNOT_JUDGE


def _interrupted(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt(signal.Signals(signum).name)
