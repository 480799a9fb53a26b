"""Coalesce concurrent calls per key, so a burst of cache misses runs the fetch once.

Each key has its own in-flight future; callers of other keys never wait on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar, cast

T = TypeVar("T")


class SingleFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[Hashable, Future[Any]] = {}

    def run(self, key: Hashable, work: Callable[[], T]) -> T:
        """Run ``work`` unless a call for ``key`` is running; then share its result or error."""
        with self._lock:
            future = self._in_flight.get(key)
            leader = future is None
            if leader:
                future = self._in_flight[key] = Future()
        if not leader:
            return cast(T, future.result())
        try:
            result = work()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                del self._in_flight[key]
