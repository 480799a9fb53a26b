"""A tiny circuit breaker: after a Redis failure, stay away from Redis for ``retry_after_s``.

Without it, every request during an outage would wait for a connect timeout before falling
back; with it, only the first request after each window pays that wait.
"""

from __future__ import annotations

import time


class RedisBreaker:
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        self._closed_again_at = 0.0

    def allows_call(self) -> bool:
        return time.monotonic() >= self._closed_again_at

    def trip(self) -> None:
        """Redis just failed: refuse calls until the window has passed."""
        self._closed_again_at = time.monotonic() + self.retry_after_s
