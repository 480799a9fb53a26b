"""The no-op proof's edits: each compiles, changes no executed code, and is made on the
backend modules the proof names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.noop_edits import (
    EDITS,
    NoOpKind,
    add_comment,
    add_unused_helper,
    change_uncalled,
    extend_docstring,
    new_test_file,
    noop_commits,
    reorder_imports,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = '''"""A module."""

from __future__ import annotations

import json
import os
from typing import Any


def answer(value: Any) -> str:
    """The value as JSON."""
    return json.dumps(value) + os.sep
'''


def _code(source: str) -> str:
    """The module's code with every docstring emptied: what executing it does."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                value.value = ""
    return ast.dump(tree)


def _names(source: str) -> set[str]:
    return {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("edit", [add_comment, extend_docstring])
def test_comments_and_docstrings_leave_the_code_as_it_was(edit) -> None:
    changed = edit(SOURCE, 3)
    assert changed != SOURCE
    assert _code(changed) == _code(SOURCE)


def test_a_module_without_a_docstring_gets_one() -> None:
    source = SOURCE.split("\n", 2)[2]
    changed = extend_docstring(source, 4)
    assert ast.get_docstring(ast.parse(changed)) is not None
    assert _code(changed) == _code(f'"""Any docstring."""\n{source}')


def test_an_unused_helper_adds_one_function_nothing_calls() -> None:
    changed = add_unused_helper(SOURCE, 9)
    assert _names(changed) - _names(SOURCE) == {"_unused_helper_9"}
    assert "_unused_helper_9(" not in changed.split("def _unused_helper_9", 1)[1].split("\n", 1)[1]


def test_reordered_imports_swap_two_lines_and_keep_the_future_import_first() -> None:
    changed = reorder_imports(SOURCE, 0)
    assert sorted(changed.splitlines()) == sorted(SOURCE.splitlines())
    assert changed.index("import os") < changed.index("import json")
    assert changed.index("from __future__") < changed.index("import os")


def test_a_module_without_adjacent_imports_cannot_be_reordered() -> None:
    with pytest.raises(HarnessError, match="no two adjacent"):
        reorder_imports('"""x"""\n\nimport json\n\nX = json\n', 0)


def test_a_change_in_an_uncalled_module_only_adds_a_constant() -> None:
    changed = change_uncalled(SOURCE, 17)
    assert _names(changed) == _names(SOURCE)
    assert "RELEASE_NOTE_17" in changed


@given(number=st.integers(min_value=0, max_value=10_000))
def test_every_edit_compiles_whatever_its_number(number: int) -> None:
    for edit in EDITS.values():
        compile(edit(SOURCE, number), "<edited>", "exec")
    compile(new_test_file(number), "<test>", "exec")


def test_the_proof_makes_at_least_twenty_no_op_commits_of_every_kind_on_real_modules() -> None:
    plan = noop_commits()
    assert len(plan) >= 20
    assert {noop.kind for noop in plan} == {noop.kind for noop in plan[:20]} == set(NoOpKind)
    assert len({noop.title for noop in plan}) == len(plan)
    assert len({noop.number for noop in plan}) == len(plan)  # each its own results folder
    for noop in plan:
        if noop.kind is NoOpKind.TEST_FILE:
            assert not (ROOT / noop.path).exists()
            continue
        source = (ROOT / noop.path).read_text()
        changed = EDITS[noop.kind](source, noop.number)
        compile(changed, noop.path, "exec")
        if noop.kind in (NoOpKind.COMMENT, NoOpKind.DOCSTRING):
            assert _code(changed) == _code(source)
