"""Python-level work: bytecode instructions (opcodes) executed per code object (self).

Callgrind sees only the interpreter's C functions (``_PyEval_EvalFrameDefault`` and the
like), which say nothing about which Python function got slower. Counting opcodes with
``sys.settrace`` and ``frame.f_trace_opcodes`` names them, deterministically. Code run in a
worker thread through ``anyio.to_thread.run_sync`` (FastAPI's ``def`` endpoints) is traced
too; other threads are not.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

TOP = 300


class OpcodeCounter:
    """Counts executed opcodes per code object while active on a thread."""

    def __init__(self) -> None:
        self.counts: Counter[CodeType] = Counter()

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call":
            frame.f_trace_opcodes = True
            return self._local
        return None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            self.counts[frame.f_code] += 1
        return self._local

    @contextmanager
    def active(self) -> Iterator[None]:
        """Trace this thread, and calls sent to anyio's worker threads, inside the block."""
        previous = sys.gettrace()
        restore = self._patch_anyio()
        sys.settrace(self._trace)
        try:
            yield
        finally:
            sys.settrace(previous)
            restore()

    def run_traced(self, func: Callable[..., Any], *args: Any) -> Any:
        previous = sys.gettrace()
        sys.settrace(self._trace)
        try:
            return func(*args)
        finally:
            sys.settrace(previous)

    def _patch_anyio(self) -> Callable[[], None]:
        to_thread = sys.modules.get("anyio.to_thread")
        if to_thread is None:
            return lambda: None
        original = to_thread.run_sync

        async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            return await original(self.run_traced, func, *args, **kwargs)

        to_thread.run_sync = run_sync
        return lambda: setattr(to_thread, "run_sync", original)

    def total(self) -> int:
        return sum(self.counts.values())

    def top(self, calls: int = 1, limit: int = TOP) -> list[dict[str, Any]]:
        """The ``limit`` code objects with the most opcodes, per call."""
        return [
            {
                "function": code.co_qualname,
                "file": code.co_filename,
                "line": code.co_firstlineno,
                "opcodes": count / calls,
            }
            for code, count in sorted(
                self.counts.items(),
                key=lambda item: (-item[1], item[0].co_filename, item[0].co_firstlineno),
            )[:limit]
        ]
