"""Edits that change no work, made the way developers make them, for the no-op proof.

A comment or docstring edit, a new helper nobody calls, imports reordered, a change in a
module the operations never call, a new test file: each moves the source and so the memory
layout the counted operations run in, and none changes what they execute. Pure text -> text
(the test file aside), so each is checked without a backend: the result compiles, and its
code is the original's (docstrings and the new helper aside).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from afirgen_bench.core.errors import HarnessError


class NoOpKind(StrEnum):
    COMMENT = "a comment"
    DOCSTRING = "a docstring"
    UNUSED_HELPER = "an unused helper"
    REORDERED_IMPORTS = "reordered imports"
    UNCALLED_MODULE = "a module no operation calls"
    TEST_FILE = "a new test file"


def add_comment(source: str, number: int) -> str:
    """A comment line before the first function or class."""
    tree = ast.parse(source)
    first = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)), tree.body[-1]
    )
    lines = source.splitlines()
    at = (
        first.decorator_list[0].lineno if getattr(first, "decorator_list", None) else first.lineno
    ) - 1
    comment = f"# Note {number}: kept in step with the API contract (docs/contract.md)."
    return "\n".join([*lines[:at], comment, *lines[at:]]) + "\n"


def extend_docstring(source: str, number: int) -> str:
    """One more sentence in the module's docstring (a new one if it has none)."""
    sentence = f"Reviewed for the {number}th release; behaviour unchanged."
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    if docstring is None:
        return f'"""{sentence}"""\n\n{source}'
    first = tree.body[0]
    lines = source.splitlines()
    end = first.end_lineno or first.lineno
    closing = lines[end - 1]
    quote = closing.rstrip()[-3:]
    lines[end - 1] = closing.rstrip()[:-3].rstrip() + f"\n\n{sentence}\n{quote}"
    return "\n".join(lines) + "\n"


def add_unused_helper(source: str, number: int) -> str:
    """A small module-level function nobody calls, at the end of the module."""
    helper = (
        f"\n\ndef _unused_helper_{number}(values: list[int]) -> int:\n"
        f'    """A helper kept for a later change; nothing calls it yet."""\n'
        f"    return sum(value * {number} for value in values)\n"
    )
    return source.rstrip("\n") + "\n" + helper


def reorder_imports(source: str, number: int) -> str:
    """Two adjacent plain ``import x`` / ``from x import y`` lines of the module swapped (the
    ``number``-th such pair, wrapping), where neither can depend on the other."""
    tree = ast.parse(source)
    imports = [
        n
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom)
        and n.lineno == n.end_lineno
        and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")
    ]
    pairs = [(a, b) for a, b in itertools.pairwise(imports) if b.lineno == a.lineno + 1]
    if not pairs:
        raise HarnessError("no two adjacent one-line imports to reorder")
    first, second = pairs[number % len(pairs)]
    lines = source.splitlines()
    lines[first.lineno - 1], lines[second.lineno - 1] = (
        lines[second.lineno - 1],
        lines[first.lineno - 1],
    )
    return "\n".join(lines) + "\n"


def change_uncalled(source: str, number: int) -> str:
    """A new constant in a module the operations never import: the kind of change a
    service script or a data tool gets."""
    return source.rstrip("\n") + f"\n\nRELEASE_NOTE_{number} = 'maintenance release {number}'\n"


@dataclass(frozen=True)
class NoOp:
    """One no-op commit: ``kind`` applied to ``path`` (relative to the repository)."""

    kind: NoOpKind
    path: str
    number: int

    @property
    def title(self) -> str:
        return f"{self.kind} in {self.path}"

    def apply(self, root: Path) -> None:
        target = root / self.path
        if self.kind is NoOpKind.TEST_FILE:
            target.write_text(new_test_file(self.number))
            return
        edit = EDITS[self.kind]
        target.write_text(edit(target.read_text(), self.number))


EDITS: dict[NoOpKind, Callable[[str, int], str]] = {
    NoOpKind.COMMENT: add_comment,
    NoOpKind.DOCSTRING: extend_docstring,
    NoOpKind.UNUSED_HELPER: add_unused_helper,
    NoOpKind.REORDERED_IMPORTS: reorder_imports,
    NoOpKind.UNCALLED_MODULE: change_uncalled,
}


def new_test_file(number: int) -> str:
    return (
        f'"""A test added beside the backend ({number}): it changes no backend code."""\n\n\n'
        f"def test_noop_{number}() -> None:\n"
        f"    assert sum(range({number})) == {sum(range(number))}\n"
    )


# Modules on the counted operations' paths (repositories, cache, generation, API), and
# modules they never call (the data generator's command line, the services' launcher).
ON_PATH = (
    "afirgen_fixtures/cache/manager.py",
    "afirgen_fixtures/db/repositories/fir.py",
    "afirgen_fixtures/generation/pipeline.py",
    "afirgen_fixtures/api/routes/firs.py",
)
IMPORTS_ON_PATH = (
    "afirgen_fixtures/cache/manager.py",
    "afirgen_fixtures/db/repositories/fir.py",
    "afirgen_fixtures/generation/pipeline.py",
    "afirgen_fixtures/db/pool.py",
)
NEVER_CALLED = (
    "afirgen_fixtures/data/__main__.py",
    "afirgen_fixtures/api/__main__.py",
    "afirgen_fixtures/services/redis.py",
    "afirgen_fixtures/services/__main__.py",
)


def noop_commits() -> list[NoOp]:
    """The proof's no-op commits, four of each kind, 24 in all, in rounds of one of each kind
    (so the first 20 cover every kind)."""
    by_kind = [
        [NoOp(NoOpKind.COMMENT, path, n) for n, path in enumerate(ON_PATH, 1)],
        [NoOp(NoOpKind.DOCSTRING, path, n) for n, path in enumerate(ON_PATH, 5)],
        [NoOp(NoOpKind.UNUSED_HELPER, path, n) for n, path in enumerate(ON_PATH, 9)],
        [NoOp(NoOpKind.REORDERED_IMPORTS, path, n) for n, path in enumerate(IMPORTS_ON_PATH, 13)],
        [NoOp(NoOpKind.UNCALLED_MODULE, path, n) for n, path in enumerate(NEVER_CALLED, 17)],
        [NoOp(NoOpKind.TEST_FILE, f"tests/unit/test_noop_{n}.py", n) for n in range(21, 25)],
    ]
    return [noop for round_ in zip(*by_kind, strict=True) for noop in round_]
