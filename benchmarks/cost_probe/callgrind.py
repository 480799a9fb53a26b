"""Callgrind from Python: client requests through a tiny C library, and its dumps parsed.

Python cannot issue Valgrind client requests (magic instruction sequences) by itself, so a
few lines of C over ``callgrind.h`` are compiled once, cached by a hash of their source, and
loaded with ctypes. Outside Valgrind the requests are no-ops.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = Path.home() / ".cache" / "afirgen-bench"
HEADER = Path("/usr/include/valgrind/callgrind.h")
SOURCE = """\
#include <valgrind/callgrind.h>
void afirgen_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void afirgen_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
void afirgen_zero(void) { CALLGRIND_ZERO_STATS; }
void afirgen_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
int afirgen_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
"""
VALGRIND_OPTIONS = (
    "--tool=callgrind",
    "--instr-atstart=no",
    "--dump-line=yes",
    "--dump-instr=no",
    "--compress-strings=yes",
    "--compress-pos=yes",
)


class Hooks:
    """Callgrind's client requests: start/stop counting, zero the counts, dump them."""

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(str(build_library()))
        self._lib.afirgen_dump.argtypes = [ctypes.c_char_p]

    @property
    def on_valgrind(self) -> bool:
        return bool(self._lib.afirgen_on_valgrind())

    def start(self) -> None:
        self._lib.afirgen_start()

    def stop(self) -> None:
        self._lib.afirgen_stop()

    def zero(self) -> None:
        self._lib.afirgen_zero()

    def dump(self, name: str) -> None:
        self._lib.afirgen_dump(name.encode())


def build_library() -> Path:
    """The compiled hooks, built on first use under ``~/.cache/afirgen-bench``."""
    if not HEADER.exists():
        raise RuntimeError(f"{HEADER} is missing: install valgrind (apt-get install valgrind)")
    digest = hashlib.sha256(SOURCE.encode()).hexdigest()[:16]
    library = CACHE_DIR / f"callgrind-hooks-{digest}.so"
    if library.exists():
        return library
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    source = library.with_suffix(".c")
    source.write_text(SOURCE)
    partial = library.with_suffix(f".{id(source)}.tmp")
    subprocess.run(
        ["gcc", "-O2", "-shared", "-fPIC", "-o", str(partial), str(source)],
        check=True,
        capture_output=True,
    )
    partial.replace(library)  # atomic: a concurrent build never loads half a file
    return library


def valgrind_command(out_file: Path) -> list[str]:
    """The command prefix running a program under Callgrind, dumps to ``out_file``.N."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("valgrind is not installed: run scripts/setup.sh (apt package valgrind)")
    return [valgrind, *VALGRIND_OPTIONS, f"--callgrind-out-file={out_file}"]


@dataclass(frozen=True)
class FunctionCost:
    function: str
    file: str
    line: int | None
    instructions: int


@dataclass(frozen=True)
class Dump:
    """One Callgrind dump: its description, total instructions and per-function self cost."""

    trigger: str
    instructions: int
    functions: list[FunctionCost]


_NAMED = re.compile(r"\((\d+)\)(?: (.*))?")


class _Names:
    """Callgrind's name compression: ``(id) name`` defines an id, ``(id)`` refers to it."""

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}

    def read(self, value: str) -> str:
        match = _NAMED.fullmatch(value)
        if match is None:
            return value
        ident, name = match.groups()
        if name is not None:
            self._by_id[ident] = name
        return self._by_id.get(ident, value)


def parse_dump(text: str) -> Dump:
    """Parse a Callgrind dump (``positions: line``, first event ``Ir``).

    Each cost line adds to the current function's self cost, except the one that follows a
    ``calls=`` line: that is the inclusive cost of the call, already counted in the callee.
    Positions may be relative (``+n``, ``-n``) or repeated (``*``)."""
    files, functions = _Names(), _Names()
    trigger, total, summary = "", None, None
    source = function = ""  # the function's file (fl=), and the function (fn=)
    inlined = False  # cost lines from another file (fi=/fe=): no line of this function
    last_line = 0
    after_calls = False
    selfs: dict[tuple[str, str], int] = {}
    first_line: dict[tuple[str, str], int] = {}
    for raw in text.splitlines():
        if not raw or raw.startswith("#"):
            continue
        head = raw[0]
        if head.isdigit() or head in "+-*":
            position, _, costs = raw.partition(" ")
            last_line = _position(position, last_line)
            if after_calls:
                after_calls = False
                continue
            cost = int(costs.split()[0]) if costs.strip() else 0
            key = (function, source)
            selfs[key] = selfs.get(key, 0) + cost
            if cost and last_line > 0 and not inlined:
                first_line[key] = min(first_line.get(key, last_line), last_line)
            continue
        name, _, value = raw.partition("=")
        if name == "fl":
            source, inlined = files.read(value), False
        elif name in ("fi", "fe"):
            inlined = files.read(value) != source
        elif name == "fn":
            function, inlined = functions.read(value), False
        elif name in ("cfl", "cfi"):
            files.read(value)
        elif name == "cfn":
            functions.read(value)
        elif name == "calls":
            after_calls = True
        elif raw.startswith("desc: Trigger:"):
            trigger = raw.partition("Trigger:")[2].strip()
        elif raw.startswith("totals:"):
            total = int(raw.split()[1])
        elif raw.startswith("summary:"):
            summary = int(raw.split()[1])
    found = [
        FunctionCost(function, file, first_line.get((function, file)), cost)
        for (function, file), cost in selfs.items()
        if cost
    ]
    found.sort(key=lambda f: (-f.instructions, f.function, f.file))
    instructions = total if total is not None else summary
    if instructions is None:
        raise ValueError("not a Callgrind dump: no totals: or summary: line")
    return Dump(trigger, instructions, found)


def _position(position: str, last: int) -> int:
    if position == "*":
        return last
    if position[0] in "+-":
        return last + int(position)
    return int(position)
