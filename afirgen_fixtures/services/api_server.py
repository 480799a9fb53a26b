"""The API served by uvicorn in a background process, for benchmarks, load tests and tests."""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

import httpx

from afirgen_fixtures.services import _process

HEALTH_PATH = "/api/v1/health"
# Secrets the server must not run with at their published defaults: a caller that does not
# choose one gets a fresh random value (read it back from ``env``).
GENERATED_SECRETS = ("AFIRGEN_API_KEY", "AFIRGEN_FIR_AUTH_KEY", "AFIRGEN_CURSOR_SECRET")


class ApiServer:
    """``python -m afirgen_fixtures.api serve`` on a free port of 127.0.0.1.

    ``env`` carries ``AFIRGEN_*`` settings (URLs, keys); ``database`` picks the database. Any
    of ``GENERATED_SECRETS`` that neither ``env`` nor the environment sets is generated, so
    no server started here runs with a published key. Use as a context manager, or call
    ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        *,
        database: str,
        env: dict[str, str],
        port: int | None = None,
        log: Path | None = None,
        idle_exit_s: float | None = None,
        owner_pid: int | None = None,
    ) -> None:
        self.database = database
        self.env = {
            **{
                name: secrets.token_urlsafe(32)
                for name in GENERATED_SECRETS
                if name not in env and name not in os.environ
            },
            **env,
        }
        self.port = port or _process.free_port()
        self.log = log
        self.idle_exit_s = idle_exit_s
        self.owner_pid = owner_pid
        self.pid: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> ApiServer:
        command = [
            sys.executable,
            "-m",
            "afirgen_fixtures.api",
            "serve",
            "--port",
            str(self.port),
            "--database",
            self.database,
        ]
        if self.idle_exit_s:
            command += ["--idle-exit", str(self.idle_exit_s)]
        if self.owner_pid:
            command += ["--owner-pid", str(self.owner_pid)]
        process = _process.launch(command, log=self.log, env={**os.environ, **self.env})
        self.pid = process.pid

        def healthy() -> bool:
            try:
                return httpx.get(self.base_url + HEALTH_PATH, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            _process.wait_until(
                healthy,
                timeout_s=timeout_s,
                alive=lambda: process.poll() is None,
                what="API server",
            )
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            log_tail = _process.tail(self.log) if self.log else "(no log kept)"
            raise RuntimeError(f"{exc}; server log:\n{log_tail}") from exc
        return self

    def stop(self) -> None:
        if self.pid is not None:
            _process.terminate(self.pid, timeout_s=20)
            self.pid = None

    def wait_stopped(self, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.pid and _process.is_alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
