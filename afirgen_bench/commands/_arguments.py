"""The argument types every command shares, and the parser class that refuses bad input in
one line with exit 2 (the exit code of every other input error)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from afirgen_bench.core.errors import ExitCode


class Parser(argparse.ArgumentParser):
    """argparse, with its refusals as one line and exit 2 like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.CANNOT_JUDGE, f"error: {message} (see {self.prog} --help)\n")


def machine_option() -> argparse.ArgumentParser:
    """The parent parser of every command that measures or judges on a named machine."""
    common = Parser(add_help=False)
    common.add_argument(
        "--machine",
        type=given,
        default=None,
        help="the benchmark machine's name (default: $AFIRGEN_BENCH_MACHINE, else the only "
        "machine in asv's ~/.asv-machine.json)",
    )
    return common


def given(value: str) -> str:
    """A name or path that must not be empty (an empty --output would write the reports
    into the current folder; an empty --machine would quietly name another machine)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def given_path(value: str) -> Path:
    """A path that must not be empty (see ``given``)."""
    return Path(given(value))


def at_least(minimum: int) -> Callable[[str], int]:
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


def int_list(value: str) -> list[int]:
    """Comma-separated positive whole numbers: 1,3,10."""
    parse = at_least(1)
    return [parse(part) for part in value.split(",")]


def seconds(value: str) -> float:
    """A duration: positive and finite (0, nan or inf would never end or never start)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive, finite duration")
    return number


def share(value: str) -> float:
    """A share of the tasks, from 0 up to but not including 1 (1 would leave no others)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a share from 0 up to (not incl.) 1")
    return number
