"""Fingerprints of the code each counted operation runs, and of the probe that counts it.

The counted history of every backend commit was counted with this code. A change to it can
move every later count by a constant (a Python frame more or less is 6-8 opcodes a call), and
the gate would then blame the first commit counted after it. ``test_counted_code_kept``
fails when a fingerprint changes; what to do then is in docs/cost.md ("The definitions kept
the counted history"). Record new fingerprints with
``.venv/bin/python tests/unit/counted_code.py --record``.

A fingerprint covers the bytecode, names and constants (docstrings left out) of the
operation's ``prepare``, of every function in ``benchmarks`` it reaches through its
closures, globals and module attributes, and the operation's calls, warm-up and scale.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RECORD = Path(__file__).with_name("counted_code.json")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
INSTRUMENT = "the probe (benchmarks/cost_probe: runner, opcodes, callgrind, counters, launch)"
UNNAMED = ("<lambda>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>")


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _ours(value: Any) -> Callable[..., Any] | None:
    """``value`` as a function of the suite (unwrapping caches and partials), else None."""
    value = getattr(value, "__wrapped__", value)
    value = getattr(value, "func", value)  # functools.partial
    if isinstance(value, types.FunctionType) and value.__module__.startswith("benchmarks"):
        return value
    return None


def _reached(function: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Every function of the suite ``function`` may call: its closures, the globals and the
    suite modules' attributes its code names, transitively."""
    seen: set[int] = set()
    todo = [function]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        names = {name for code in _codes(current.__code__) for name in code.co_names}
        found = [cell.cell_contents for cell in current.__closure__ or () if _filled(cell)]
        for name in names:
            value = current.__globals__.get(name)
            found.append(value)
            if isinstance(value, types.ModuleType) and value.__name__.startswith("benchmarks"):
                found += [getattr(value, attr, None) for attr in names]
        todo += [f for f in map(_ours, found) if f is not None]


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def _stable(const: Any) -> Any:
    """A constant as text that does not depend on the hash seed (a frozenset's order does)."""
    if isinstance(const, frozenset):
        return sorted(map(repr, const))
    if isinstance(const, tuple):
        return [_stable(c) for c in const]
    return repr(const)


def _code_text(code: types.CodeType) -> str:
    consts = [c for c in code.co_consts if not isinstance(c, types.CodeType)]
    if code.co_name not in UNNAMED and consts and isinstance(consts[0], str):
        consts = consts[1:]  # the docstring: words, not work
    stable = [_stable(c) for c in consts]
    return f"{code.co_qualname}|{code.co_code.hex()}|{code.co_names}|{stable}"


def _digest(functions: list[Callable[..., Any]], extra: str = "") -> str:
    texts = sorted(_code_text(code) for f in functions for code in _codes(f.__code__))
    return hashlib.sha256("\n".join([extra, *texts]).encode()).hexdigest()[:16]


def fingerprints() -> dict[str, str]:
    """Each counted operation's fingerprint by name, and the probe's."""
    from benchmarks.cost_probe import callgrind, counters, launch, opcodes, runner
    from benchmarks.cost_probe.operations import registry

    found = {
        name: _digest(list(_reached(op.prepare)), f"{op.calls} {op.warmup} {op.scale}")
        for name, op in registry().items()
    }
    probe = [callgrind, counters, launch, opcodes, runner]
    functions = [
        f
        for module in probe
        for _, member in inspect.getmembers(module)
        for f in ([_ours(member)] if _ours(member) else _methods(member, module))
    ]
    found[INSTRUMENT] = _digest(functions)
    return found


def _methods(member: Any, module: types.ModuleType) -> list[Callable[..., Any]]:
    if not isinstance(member, type) or member.__module__ != module.__name__:
        return []
    return [f for f in map(_ours, vars(member).values()) if f is not None]


def record() -> None:
    RECORD.write_text(json.dumps({"python": PYTHON, "fingerprints": fingerprints()}, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/unit/counted_code.py --record")
    record()
    print(f"recorded {RECORD.relative_to(ROOT)}")
