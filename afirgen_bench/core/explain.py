"""Where an instruction-count regression went: per-function profiles of base and head, diffed.

The cost benchmarks (``benchmarks/cost.py``) keep, per operation and commit, the self cost of
each function per call: C functions from Callgrind (the interpreter, drivers, extensions,
with file:line) and Python functions from an opcode count (Callgrind sees the interpreter's
C code, not which Python function ran it). A reviewer reads the functions whose cost moved
most, in both views.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from afirgen_bench.core.config import validated
from afirgen_bench.core.errors import HarnessError

TOP = 8


class _ProfileModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class CFunction(_ProfileModel):
    function: str
    file: str
    line: int | None = None
    instructions: Annotated[float, Field(ge=0)]


class PythonFunction(_ProfileModel):
    function: str
    file: str
    line: int | None = None
    opcodes: Annotated[float, Field(ge=0)]


class Profile(_ProfileModel):
    """One operation's profile at one commit, per call."""

    operation: str
    calls: Annotated[int, Field(ge=1)]
    instructions: Annotated[float, Field(ge=0)]
    c_functions: list[CFunction] = []
    python_functions: list[PythonFunction] = []


def parse_profile(text: str, source: str) -> Profile:
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"{source} is not a readable profile ({exc})") from exc
    profile: Profile = validated(Profile, raw, source)
    return profile


@dataclass(frozen=True)
class FunctionDelta:
    """One function's self cost per call at base and head (0 where it did not appear)."""

    function: str
    location: str
    base: float
    head: float

    @property
    def delta(self) -> float:
        return self.head - self.base


@dataclass(frozen=True)
class Explanation:
    """The functions whose cost per call moved most, base -> head."""

    instructions_delta: float
    c_functions: list[FunctionDelta]
    python_functions: list[FunctionDelta]
    python_unit: str = "opcodes"


# Where installed code starts in a path: what comes before it names the machine that
# measured it (its virtualenv, its asv environment's hash), not the code.
_INSTALLED = re.compile(r"^.*/(?:site-packages|dist-packages|lib/python3\.\d+)/")
_BACKEND = re.compile(r"^.*/(?=afirgen_fixtures/|benchmarks/)")


def readable_file(file: str) -> str:
    """``pymysql/connections.py`` for ``/.../.asv/env/<hash>/lib/python3.11/site-packages/
    pymysql/connections.py``; the project's own files from their package on."""
    shorter = _INSTALLED.sub("", file, count=1)
    return _BACKEND.sub("", shorter, count=1) if shorter == file else shorter


def _location(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line is not None else file


# Callgrind names a function's recursive activations "name'2", "name'3"...
_RECURSION = re.compile(r"'\d+$")

View = dict[tuple[str, str], tuple[float, str]]  # (function, file) -> (cost, file:line)


def _view(entries: list[tuple[str, str, int | None, float]]) -> View:
    """Cost per function, keyed by name and file (as any machine would name it): the line
    Callgrind attributes first can move between runs, and recursive activations are the same
    function."""
    view: View = {}
    for function, path, line, cost in entries:
        file = readable_file(path)
        key = (_RECURSION.sub("", function), file)
        before, location = view.get(key, (0.0, _location(file, line)))
        view[key] = (before + cost, location)
    return view


def _diff(base: View, head: View, top: int) -> list[FunctionDelta]:
    deltas = []
    for key in set(base) | set(head):
        before, base_location = base.get(key, (0.0, ""))
        after, head_location = head.get(key, (0.0, ""))
        deltas.append(FunctionDelta(key[0], head_location or base_location, before, after))
    moved = [d for d in deltas if abs(d.delta) >= 0.5]
    return sorted(moved, key=lambda d: (-abs(d.delta), d.function))[:top]


def explain(base: Profile, head: Profile, top: int = TOP) -> Explanation:
    """The ``top`` functions whose self cost per call changed most, in each view."""

    def c_view(profile: Profile) -> View:
        return _view([(f.function, f.file, f.line, f.instructions) for f in profile.c_functions])

    def python_view(profile: Profile) -> View:
        return _view([(f.function, f.file, f.line, f.opcodes) for f in profile.python_functions])

    return Explanation(
        instructions_delta=head.instructions - base.instructions,
        c_functions=_diff(c_view(base), c_view(head), top),
        python_functions=_diff(python_view(base), python_view(head), top),
    )


def explanation_lines(explanation: Explanation) -> list[str]:
    """Plain-text lines: the two views, largest move first."""
    lines = [f"instructions per call {explanation.instructions_delta:+,.0f}"]
    for title, unit, rows in (
        ("Python functions", explanation.python_unit, explanation.python_functions),
        ("C functions (Callgrind)", "instructions", explanation.c_functions),
    ):
        if rows:
            lines.append(f"{title}, self {unit} per call:")
            lines += [
                f"  {d.delta:+,.0f}  {d.function}  {d.location}  ({d.base:,.0f} -> {d.head:,.0f})"
                for d in rows
            ]
    return lines
