"""The harness's one command-line entry (exit codes: see ``afirgen_bench.errors``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from afirgen_bench.errors import EXIT_CANNOT_JUDGE, EXIT_OK, HarnessError


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
    return EXIT_OK


def repo_root() -> Path:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise HarnessError("run this inside the benchmark repository's git checkout") from exc
    return Path(out.stdout.strip())


def _history(args: argparse.Namespace) -> int:
    from afirgen_bench.history import run_history

    return run_history(repo_root(), limit=args.limit, publish=not args.no_publish, bench=args.bench)


def _publish(args: argparse.Namespace) -> int:
    from afirgen_bench.history import publish_site

    return publish_site(repo_root())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m afirgen_bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    measure = sub.add_parser(
        "measure", help="time the layers next to their raw floors, and the HTTP API, in one run"
    )
    measure.add_argument("--scale", type=int, default=100_000)
    measure.add_argument("--calls", type=int, default=5_000, help="per layer operation")
    measure.add_argument("--http-calls", type=int, default=2_000)
    measure.add_argument("--generation-calls", type=int, default=200, help="per scenario")
    measure.add_argument(
        "--fresh-load", action="store_true", help="drop and reload the data set, timing the load"
    )
    measure.add_argument("--output", type=Path, help="also write the Markdown report here")
    measure.set_defaults(handler=_measure)

    history = sub.add_parser(
        "history",
        help="benchmark every backend-changing commit of main that has no results yet, "
        "compare the newest two, publish the site (offline-ready)",
    )
    history.add_argument("--limit", type=int, default=None, help="only the newest N such commits")
    history.add_argument("--bench", default=None, help="asv -b regex: a subset of benchmarks")
    history.add_argument("--no-publish", action="store_true")
    history.set_defaults(handler=_history)

    publish = sub.add_parser("publish", help="asv publish, then make html/ work offline")
    publish.set_defaults(handler=_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from afirgen_fixtures.data import DatasetError
    from afirgen_fixtures.services import ServiceError

    try:
        return args.handler(args)
    except (HarnessError, ServiceError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
