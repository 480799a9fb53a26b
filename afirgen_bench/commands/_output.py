"""What several commands print the same way: errors in one line, a judgement's exit code, and
the files generated from the code (written, or checked with --check)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from afirgen_bench.core.errors import ExitCode

if TYPE_CHECKING:
    from afirgen_bench.core.verdict import Judgement


def one_line(message: str) -> str:
    """``message`` on one line: every exit 2 says why in exactly one line on stderr."""
    return " ".join(message.split())


def verdict(judgement: Judgement) -> int:
    """The judgement's exit code; a check that cannot judge also says why on stderr, in
    the one line every exit 2 carries (the reports have the details)."""
    if judgement.exit_code is ExitCode.CANNOT_JUDGE:
        print(f"error: {one_line(judgement.headline)}", file=sys.stderr)
    return judgement.exit_code


def write_generated(path: Path, text: str, *, shown: Path, stale: str, check: bool) -> int:
    """Write a file generated from the code, or with ``check`` only compare it: a file on
    disk that differs is exit 2 with one line on stderr, ``shown`` followed by ``stale``
    (what is wrong and which command rewrites it). ``path`` is where the file is;
    ``shown`` is how the messages name it."""
    if check:
        if not path.exists() or path.read_text() != text:
            print(f"error: {shown} {stale}", file=sys.stderr)
            return ExitCode.CANNOT_JUDGE
        print(f"{shown} is up to date")
        return ExitCode.OK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {shown}")
    return ExitCode.OK
