"""One set of private servers per state dir, shared by every process of a run.

The first process to ask starts MariaDB and Redis and writes their ports, pids and the
generated password to ``services.json``; later processes find them there and reuse them.
A file lock serialises start-up. Every use touches a lease file; a detached watchdog stops
the servers once the lease has been idle too long or the owning process has gone, so an
interrupted run leaves nothing behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pymysql
import redis

from afirgen_fixtures.services import _process
from afirgen_fixtures.services.binaries import MissingBinaryError
from afirgen_fixtures.services.mariadb import APP_DATABASE_PREFIX, APP_USER, MariaDBServer
from afirgen_fixtures.services.redis import RedisServer

MYSQL_URL_ENV = "AFIRGEN_MYSQL_URL"
REDIS_URL_ENV = "AFIRGEN_REDIS_URL"
STATE_DIR_ENV = "AFIRGEN_STATE_DIR"
DEFAULT_IDLE_S = float(os.environ.get("AFIRGEN_SERVICES_IDLE_S", "900"))


class ServiceError(RuntimeError):
    """The private servers could not be started or reached; the message says what to do."""


@dataclass(frozen=True)
class ServiceURLs:
    """Where the backend's servers are, and whether this project started them."""

    mysql_url: str
    redis_url: str
    private_mysql: bool
    private_redis: bool

    def environ(self) -> dict[str, str]:
        return {MYSQL_URL_ENV: self.mysql_url, REDIS_URL_ENV: self.redis_url}


def default_state_dir() -> Path:
    """``$AFIRGEN_STATE_DIR``, else a per-user cache folder shared by every checkout and commit."""
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "afirgen"


class ServiceRuntime:
    """The private MariaDB and Redis of one state dir."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.mariadb = MariaDBServer(self.state_dir / "mariadb")
        self.redis = RedisServer(self.state_dir / "redis")

    @property
    def state_file(self) -> Path:
        return self.state_dir / "services.json"

    @property
    def lease_file(self) -> Path:
        return self.state_dir / "lease"

    def ensure(
        self, *, idle_stop_s: float | None = DEFAULT_IDLE_S, owner_pid: int | None = None
    ) -> ServiceURLs:
        """Start whatever is not running yet and return the URLs of both servers.

        ``idle_stop_s`` and ``owner_pid`` arm the watchdog for servers started by this call.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            state = self._read_state()
            started = False
            try:
                if not self._mariadb_ok(state.get("mariadb")):
                    state["mariadb"] = self._start_mariadb()
                    started = True
                if not self._redis_ok(state.get("redis")):
                    state["redis"] = self._start_redis()
                    started = True
            except MissingBinaryError as exc:
                raise ServiceError(str(exc)) from exc
            except (RuntimeError, TimeoutError, OSError, pymysql.err.MySQLError) as exc:
                raise ServiceError(
                    f"could not start the private servers in {self.state_dir}: {exc}"
                ) from exc
            if started and (idle_stop_s or owner_pid):
                self._stop_watchdog(state)
                state["watchdog"] = self._start_watchdog(idle_stop_s, owner_pid)
            self._write_state(state)
            self.touch()
            return self._urls(state)

    def touch(self) -> None:
        """Renew the lease so the watchdog knows the servers are still in use."""
        self.lease_file.touch()

    def stop(self) -> list[str]:
        """Stop both servers and the watchdog; return what was stopped."""
        if not self.state_dir.exists():
            return []
        stopped = []
        with self._lock():
            state = self._read_state()
            self._stop_watchdog(state)
            for name in ("redis", "mariadb"):
                info = state.pop(name, None)
                if info and _process.is_alive(info["pid"]):
                    _process.terminate(info["pid"], timeout_s=60)
                    stopped.append(f"{name} (pid {info['pid']})")
            self._write_state(state)
        return stopped

    def pids(self) -> dict[str, int]:
        """The pids of the servers and the watchdog recorded in the state file."""
        state = self._read_state()
        return {
            name: state[name]["pid"] for name in ("mariadb", "redis", "watchdog") if state.get(name)
        }

    def status(self) -> dict[str, object]:
        state = self._read_state()
        return {
            "state_dir": str(self.state_dir),
            "mariadb": self._mariadb_ok(state.get("mariadb")) and state["mariadb"],
            "redis": self._redis_ok(state.get("redis")) and state["redis"],
            "watchdog": state.get("watchdog"),
        }

    # -- internals -------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "services.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _write_state(self, state: dict) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.chmod(0o600)
        tmp.replace(self.state_file)

    def _start_mariadb(self) -> dict:
        port = _process.free_port()
        pid = self.mariadb.start(port)
        try:
            password = self.mariadb.create_app_user()
        except pymysql.err.MySQLError:
            _process.terminate(pid, timeout_s=30)
            raise
        return {"pid": pid, "port": port, "socket": str(self.mariadb.socket), "password": password}

    def _start_redis(self) -> dict:
        port = _process.free_port()
        pid = self.redis.start(port)
        return {"pid": pid, "port": port, "socket": str(self.redis.socket)}

    def _mariadb_ok(self, info: dict | None) -> bool:
        if not info or not _process.is_alive(info["pid"]):
            return False
        try:
            pymysql.connect(
                host="127.0.0.1",
                port=info["port"],
                user=APP_USER,
                password=info["password"],
                ssl_disabled=True,
                connect_timeout=2,
            ).close()
            return True
        except pymysql.err.MySQLError:
            return False

    def _redis_ok(self, info: dict | None) -> bool:
        if not info or not _process.is_alive(info["pid"]):
            return False
        client = redis.Redis(host="127.0.0.1", port=info["port"], socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def _urls(self, state: dict) -> ServiceURLs:
        db, rd = state["mariadb"], state["redis"]
        return ServiceURLs(
            mysql_url=(
                f"mysql://{APP_USER}:{db['password']}@127.0.0.1:{db['port']}/{APP_DATABASE_PREFIX}"
            ),
            redis_url=f"redis://127.0.0.1:{rd['port']}/0",
            private_mysql=True,
            private_redis=True,
        )

    def _start_watchdog(self, idle_stop_s: float | None, owner_pid: int | None) -> dict:
        command = [
            sys.executable,
            "-m",
            "afirgen_fixtures.services",
            "--state-dir",
            str(self.state_dir),
            "watch",
        ]
        if idle_stop_s:
            command += ["--idle", str(idle_stop_s)]
        if owner_pid:
            command += ["--owner-pid", str(owner_pid)]
        process = _process.launch(command, log=self.state_dir / "watchdog.log")
        return {"pid": process.pid, "idle_s": idle_stop_s, "owner_pid": owner_pid}

    @staticmethod
    def _stop_watchdog(state: dict) -> None:
        info = state.pop("watchdog", None)
        if info and info.get("pid") != os.getpid() and _process.is_alive(info["pid"]):
            _process.terminate(info["pid"], timeout_s=5)


def watch(state_dir: Path, idle_s: float | None, owner_pid: int | None) -> str:
    """Block until the lease idles out or the owner exits, then stop the servers."""
    runtime = ServiceRuntime(state_dir)
    while True:
        time.sleep(1.0)
        state = runtime._read_state()
        if not state.get("mariadb") and not state.get("redis"):
            return "servers already stopped"
        if owner_pid and not _process.is_alive(owner_pid):
            reason = f"owner process {owner_pid} exited"
            break
        if idle_s:
            try:
                idle = time.time() - runtime.lease_file.stat().st_mtime
            except FileNotFoundError:
                idle = float("inf")
            if idle > idle_s:
                reason = f"unused for {idle:.0f} s"
                break
    runtime.stop()
    return f"stopped the servers: {reason}"


def resolve(
    *, state_dir: Path | None = None, idle_stop_s: float | None = DEFAULT_IDLE_S
) -> ServiceURLs:
    """The servers to use: the configured URLs, else private ones (started when needed)."""
    mysql_url = os.environ.get(MYSQL_URL_ENV)
    redis_url = os.environ.get(REDIS_URL_ENV)
    if mysql_url and redis_url:
        return ServiceURLs(mysql_url, redis_url, private_mysql=False, private_redis=False)
    private = ServiceRuntime(state_dir or default_state_dir()).ensure(idle_stop_s=idle_stop_s)
    return ServiceURLs(
        mysql_url or private.mysql_url,
        redis_url or private.redis_url,
        private_mysql=not mysql_url,
        private_redis=not redis_url,
    )
