"""``python -m afirgen_fixtures.data {load,checksum,list,drop} [--scale N] [--seed S]``.

Exit codes: 0 done, 2 bad arguments (unsupported scale or seed), 3 servers unavailable,
4 database refused (not created by the loader, or holding other parameters), 5 database error.
"""

from __future__ import annotations

import argparse
import sys
import time

import pymysql

from afirgen_fixtures.config import ConfigError, MySQLTarget
from afirgen_fixtures.data.generator import dataset_checksum
from afirgen_fixtures.data.loader import (
    DEFAULT_SCALE,
    DEFAULT_SEED,
    DatasetError,
    UnsupportedScaleError,
    check_parameters,
    database_name,
    drop_dataset,
    list_datasets,
    load_dataset,
)
from afirgen_fixtures.db.migrate import MigrationError
from afirgen_fixtures.services import ServiceError, resolve

EXIT_USAGE, EXIT_SERVICES, EXIT_REFUSED, EXIT_DATABASE = 2, 3, 4, 5


def _progress(message: str) -> None:
    print(message, flush=True)


def _server() -> MySQLTarget:
    return MySQLTarget.from_url(resolve().mysql_url)


def _load(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    dataset = load_dataset(_server(), scale=args.scale, seed=args.seed, progress=_progress)
    verb = "reused" if dataset.reused else "loaded"
    print(
        f"{verb} {dataset.target.database}: {dataset.counts} in "
        f"{time.perf_counter() - started:.1f} s total; checksum {dataset.checksum}"
    )


def _checksum(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    checksum, counts = dataset_checksum(args.scale, args.seed)
    print(f"generated {counts} in {time.perf_counter() - started:.1f} s; checksum {checksum}")


def _list(_args: argparse.Namespace) -> None:
    markers = list_datasets(_server())
    for m in markers:
        seconds = f"{m.load_seconds:.1f} s" if m.load_seconds is not None else "-"
        print(
            f"{m.database}\t{m.status}\tscale {m.scale:,}\tseed {m.seed}\t"
            f"load {seconds}\t{m.loaded_at:%Y-%m-%d %H:%M}\t{m.checksum or '-'}"
        )
    if not markers:
        print("no datasets on this server")


def _drop(args: argparse.Namespace) -> None:
    server = _server()
    name = database_name(server, args.scale, args.seed)
    dropped = drop_dataset(server, args.scale, args.seed)
    print(f"dropped {name}" if dropped else f"{name} does not exist; nothing to drop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m afirgen_fixtures.data")
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {
        "load": (_load, "load the dataset into its own database, or reuse it"),
        "checksum": (_checksum, "generate the dataset without a server and print its checksum"),
        "list": (_list, "list the datasets on the server"),
        "drop": (_drop, "drop the dataset's database (only one the loader created)"),
    }
    for name, (handler, help_text) in commands.items():
        command = sub.add_parser(name, help=help_text)
        command.set_defaults(handler=handler)
        if name != "list":
            command.add_argument(
                "--scale",
                type=int,
                default=DEFAULT_SCALE,
                help=f"number of FIRs (default {DEFAULT_SCALE:,})",
            )
            command.add_argument(
                "--seed",
                type=int,
                default=DEFAULT_SEED,
                help=f"generator seed (default {DEFAULT_SEED})",
            )
    args = parser.parse_args(argv)
    try:
        if args.command != "list":
            check_parameters(args.scale, args.seed)  # before any server is started
        args.handler(args)
    except UnsupportedScaleError as exc:
        return _fail(exc, EXIT_USAGE)
    except (ServiceError, ConfigError) as exc:
        return _fail(exc, EXIT_SERVICES)
    except DatasetError as exc:
        return _fail(exc, EXIT_REFUSED)
    except MigrationError as exc:
        return _fail(exc, EXIT_DATABASE)
    except pymysql.err.MySQLError as exc:
        return _fail(f"database error: {exc.args[-1] if exc.args else exc}", EXIT_DATABASE)
    return 0


def _fail(problem: object, code: int) -> int:
    print(f"error: {problem}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
