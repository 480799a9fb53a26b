"""``load-drive``: the load driven against a server someone else started (the asv load
benchmark starts the server, then this command in a process of its own)."""

from __future__ import annotations

import argparse
from pathlib import Path

from afirgen_bench.commands._arguments import at_least, given, seconds
from afirgen_bench.commands._base import Command
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.workspace import Workspace


class LoadDrive(Command):
    name = "load-drive"
    help = "drive the load against a running server"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--target", type=given, required=True, help="JSON: base_url, mysql_url, redis_url, pids"
        )
        parser.add_argument("--users", type=at_least(1), default=15)
        parser.add_argument("--duration", type=seconds, default=30)
        parser.add_argument("--out", type=given, required=True)

    def run(self, args: argparse.Namespace, workspace: Workspace) -> int:
        """Drive the load at the target the file describes: no checkout needed."""
        from afirgen_bench.load.runner import LoadTarget, drive

        target = LoadTarget.from_file(Path(args.target))
        drive(target, users=args.users, duration_s=args.duration, workers=0, out=Path(args.out))
        return ExitCode.OK
