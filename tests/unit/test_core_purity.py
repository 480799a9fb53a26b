"""The judging core stays pure (no git, no asv, no processes) and the harness has no import
circle: the layout the design promises, checked from the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "afirgen_bench"
FORBIDDEN_IN_CORE = {"subprocess", "asv", "asv_runner", "git", "afirgen_fixtures"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_core_imports_only_itself_and_pure_libraries() -> None:
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {name}"
            if top == "afirgen_bench":
                assert name.startswith("afirgen_bench.core"), f"{path.name} imports {name}"


def test_importing_the_core_loads_neither_git_nor_asv() -> None:
    code = (
        "import sys, pkgutil, importlib, afirgen_bench.core as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module(c.__name__ + '.' + m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('asv', 'asv_runner', 'subprocess')"
        " or m in ('afirgen_bench.git', 'afirgen_bench.asv_driver', 'afirgen_bench.runner')]\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_harness_has_no_import_circle() -> None:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: {dep for dep in _imports(path) if dep in modules and dep != name}
        for name, path in modules.items()
    }
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for dep in graph[name]:
            assert state.get(dep) != 1, "import circle: " + " -> ".join([*trail, name, dep])
            if dep not in state:
                visit(dep, [*trail, name])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


FUNCTION_LINES_MAX = 60  # issue 23: a function a newcomer can read at once


def test_no_function_of_the_harness_or_the_suite_is_longer_than_a_screen() -> None:
    long = []
    for folder in (PACKAGE, PACKAGE.parent / "benchmarks"):
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > FUNCTION_LINES_MAX:
                        long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, f"split these: {long}"
