"""A private Redis server: own port on 127.0.0.1, own unix socket, nothing persisted."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import redis

from afirgen_fixtures.services import _process, binaries


@dataclass(frozen=True)
class RedisServer:
    """Launcher for one private server living under ``base_dir``."""

    base_dir: Path
    maxmemory: str = os.environ.get("AFIRGEN_REDIS_MAXMEMORY", "1gb")

    @property
    def socket(self) -> Path:
        return self.base_dir / "redis.sock"

    @property
    def log(self) -> Path:
        return self.base_dir / "redis.log"

    def start(self, port: int) -> int:
        """Start the server on ``port``; return its pid once it answers PING."""
        self.base_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        command = [
            binaries.redis_server(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(self.base_dir),
            "--logfile",
            str(self.log),
            "--maxmemory",
            self.maxmemory,
            "--maxmemory-policy",
            "allkeys-lru",
        ]
        process = _process.launch(command)
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        try:
            _process.wait_until(
                answers, timeout_s=20, alive=lambda: process.poll() is None, what="redis-server"
            )
        except (RuntimeError, TimeoutError) as exc:
            _process.terminate(process.pid, timeout_s=5)
            raise RuntimeError(
                f"{exc}; last lines of {self.log}:\n{_process.tail(self.log)}"
            ) from exc
        finally:
            client.close()
        return process.pid
