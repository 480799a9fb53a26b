"""Realistic regressions to inject into backend source, for the deterministic proof.

Each takes a module's source and returns it changed the way a real pull request would slow
it down: a loop of fixed work, a query sent twice, a cache-aside read that no longer hits,
an index dropped by a migration. Pure text -> text, so each is tested without a backend.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from afirgen_bench.core.errors import HarnessError

QUERY_CALLS = frozenset({"execute", "executemany", "_fetch_all", "_fetch_one", "_execute"})


def find_function(tree: ast.AST, names: list[str]) -> ast.FunctionDef | ast.AsyncFunctionDef:
    scope = tree
    for name in names:
        found = next(
            (
                n
                for n in ast.iter_child_nodes(scope)
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and n.name == name
            ),
            None,
        )
        if found is None:
            raise HarnessError(f"no {'.'.join(names)} to inject into")
        scope = found
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        raise HarnessError(f"{'.'.join(names)} is not a function")
    return scope


def _first_statement(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    body = function.body
    has_docstring = ast.get_docstring(function) is not None and len(body) > 1
    return body[1] if has_docstring else body[0]


def _insert_before(source: str, statement: ast.stmt, lines: list[str]) -> str:
    indent = " " * statement.col_offset
    source_lines = source.splitlines()
    at = statement.lineno - 1
    return "\n".join([*source_lines[:at], *(indent + line for line in lines), *source_lines[at:]])


def fixed_work(source: str, function: str, iterations: int) -> str:
    """A loop of ``iterations`` steps of integer arithmetic at the top of ``function``: the
    kind of work a validation or formatting pass adds (0 adds only a comment: the same
    code under another commit)."""
    node = find_function(ast.parse(source), function.split("."))
    if iterations <= 0:
        lines = ["# proof: unchanged code under another commit"]
    else:
        # small ints only (CPython caches -5..256): each step costs the same, whether the
        # loop runs 10 times or 20,000 (with range()'s large ints it did not)
        lines = [
            "_proof_total = 0",
            f"for _proof_step in __import__('itertools').repeat(7, {iterations}):",
            "    _proof_total = (_proof_total + _proof_step) % 241",
        ]
    return _insert_before(source, _first_statement(node), lines) + "\n"


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements in source order, descending into with/if/for/try blocks."""
    for statement in body:
        yield statement
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, field, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from _statements(handler.body)


def _calls_query(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.With | ast.If | ast.For | ast.Try | ast.While):
        return False  # the query inside is found on its own
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in QUERY_CALLS
        for node in ast.walk(statement)
    )


def repeated_query(source: str, function: str) -> str:
    """The first statement of ``function`` that sends a query, sent twice: a redundant
    round trip, the most common way an ORM change adds a query."""
    node = find_function(ast.parse(source), function.split("."))
    statement = next((s for s in _statements(node.body) if _calls_query(s)), None)
    if statement is None:
        raise HarnessError(f"{function} sends no query to repeat")
    segment = ast.get_source_segment(source, statement)
    if segment is None or statement.end_lineno is None:
        raise HarnessError(f"cannot read the query statement of {function}")
    lines = source.splitlines()[statement.lineno - 1 : statement.end_lineno]
    indent = statement.col_offset
    return _insert_before(source, statement, [line[indent:] for line in lines]) + "\n"


def lost_cache_hit(source: str, function: str, fetch_argument: str = "fetch") -> str:
    """``function`` (a cache-aside read) calls its ``fetch_argument`` without looking in the
    cache: every hit becomes a database read, as when a key stops matching."""
    node = find_function(ast.parse(source), function.split("."))
    names = [a.arg for a in node.args.args + node.args.kwonlyargs]
    if fetch_argument not in names:
        raise HarnessError(f"{function} takes no {fetch_argument!r} to call instead")
    return _insert_before(source, _first_statement(node), [f"return {fetch_argument}()"]) + "\n"


def dropped_index_migration(table: str, index: str, columns: str) -> tuple[str, str]:
    """A migration (up, down) that drops ``index`` on ``columns``: reads that used it scan
    instead."""
    up = f"-- proof: reads relied on this index\nALTER TABLE {table} DROP INDEX {index};\n"
    down = f"ALTER TABLE {table} ADD INDEX {index} ({columns});\n"
    return up, down


# -- slowdowns only time can see (the duet proof) ----------------------------------------------


def sleep_first(source: str, function: str, seconds: float) -> str:
    """``function`` sleeps ``seconds`` first: waiting on something (a lock elsewhere, a
    remote call, a log handler's flush) costs time and no instruction."""
    node = find_function(ast.parse(source), function.split("."))
    line = f"__import__('time').sleep({seconds!r})"
    return _insert_before(source, _first_statement(node), [line]) + "\n"


def hinted_query(source: str, function: str, table: str, hint: str) -> str:
    """The query ``function`` sends on ``table`` with an index ``hint`` (``IGNORE INDEX FOR
    ORDER BY (idx)``): MariaDB reads the same rows by another plan, a filesort instead of
    walking the index."""
    node = find_function(ast.parse(source), function.split("."))
    lines = source.splitlines(keepends=True)
    start, end = node.lineno - 1, node.end_lineno or node.lineno
    body = "".join(lines[start:end])
    needle = f"FROM `{table}`"
    if needle not in body:
        raise HarnessError(f"{function} sends no query on {table} to hint")
    changed = body.replace(needle, f"{needle} {hint}", 1)
    return "".join([*lines[:start], changed, *lines[end:]])


def longer_lock(source: str, function: str, seconds: float) -> str:
    """The first ``with`` block of ``function`` (a lock taken) holds it ``seconds`` longer:
    under concurrency every other thread waits for it too."""
    node = find_function(ast.parse(source), function.split("."))
    block = next((s for s in _statements(node.body) if isinstance(s, ast.With)), None)
    if block is None:
        raise HarnessError(f"{function} takes no lock (no with block) to hold longer")
    line = f"__import__('time').sleep({seconds!r})"
    return _insert_before(source, block.body[0], [line]) + "\n"
