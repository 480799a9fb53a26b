"""One set of private servers per state dir, shared by every process that uses them.

The first process to ask starts MariaDB and Redis and writes their ports, pids and the
generated password to ``services.json``; later processes find them there and reuse them.
A file lock serialises every change to that file.

The servers stay up while something holds them:

- an *owner*, registered by ``ensure(owner_pid=...)``, holds them while that process runs
  (a benchmark run's harness, a test session). Every run that reuses them registers too.
- the *idle lease*: each ``ensure()`` without an owner holds them ``idle_stop_s`` seconds
  longer (``None``: until ``stop``).

A detached watchdog looks at the holds twice a second. When none is left it takes the lock,
looks again, and stops the servers before it lets the lock go. A process that asks for the
servers meanwhile waits for the lock and then starts fresh ones: it never gets servers that
are about to stop, and its registration, made under the lock, is seen by the watchdog's
second look.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
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
WATCH_POLL_S = 0.5
# Watchdogs of earlier versions stop the servers when *their* owner exits, whoever else uses
# them; one without this protocol number is replaced.
WATCH_PROTOCOL = 2
_HOLDS = ("owners", "idle_until", "keep")


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

    def ensure(
        self, *, idle_stop_s: float | None = DEFAULT_IDLE_S, owner_pid: int | None = None
    ) -> ServiceURLs:
        """Start whatever is not running yet, hold the servers, and return their URLs.

        With ``owner_pid`` the servers are held while that process runs (``idle_stop_s`` is
        then not used); without, for ``idle_stop_s`` more seconds (``None``: until ``stop``).
        """
        with self._lock():
            state = self._read_state()
            self._start_missing(state)
            if owner_pid:
                state.setdefault("owners", {})[str(owner_pid)] = _process.start_ticks(owner_pid)
            elif idle_stop_s:
                until = max(state.get("idle_until", 0.0), time.time() + idle_stop_s)
                state["idle_until"] = until
            else:
                state["keep"] = True
            self._ensure_watchdog(state)
            self._write_state(state)
            return self._urls(state)

    def stop(self) -> list[str]:
        """Stop both servers and the watchdog now, whoever holds them; return what stopped."""
        if not self.state_dir.exists():
            return []
        with self._lock():
            return self._stop_locked(self._read_state())

    def pids(self) -> dict[str, int]:
        """The pids of the servers and the watchdog recorded in the state file."""
        state = self._read_state()
        return {
            name: state[name]["pid"] for name in ("mariadb", "redis", "watchdog") if state.get(name)
        }

    def status(self, *, show_password: bool = False) -> dict[str, object]:
        """What runs and what holds it; the database password only when asked."""
        state = self._read_state()
        mariadb = self._mariadb_ok(state.get("mariadb")) and dict(state["mariadb"])
        if mariadb and not show_password:
            del mariadb["password"]
        self._live_holds(state)
        until = state.get("idle_until")
        return {
            "state_dir": str(self.state_dir),
            "mariadb": mariadb,
            "redis": self._redis_ok(state.get("redis")) and state["redis"],
            "watchdog": state.get("watchdog"),
            "owners": sorted(int(pid) for pid in state.get("owners", {})),
            "idle_lease_until": until and datetime.fromtimestamp(until).isoformat("T", "seconds"),
            "kept_until_stopped": bool(state.get("keep")),
        }

    def watch(self, poll_s: float = WATCH_POLL_S) -> str:
        """The watchdog's loop: stop the servers once nothing holds them; say why it ended."""
        while True:
            time.sleep(poll_s)
            if not self.state_file.exists():
                return "the state file is gone"
            state = self._read_state()
            if self._is_watchdog(state) and self._live_holds(state):
                continue
            with self._lock():
                state = self._read_state()
                if not self._is_watchdog(state):
                    return "another watchdog took over"
                gone = sorted(state.get("owners", {}))
                if self._live_holds(state):
                    continue
                stopped = self._stop_locked(state)
                owners = f"owners {', '.join(gone)} exited; " if gone else ""
                return f"{owners}no idle lease left: stopped {', '.join(stopped) or 'nothing'}"

    # -- internals -------------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self._make_state_dir()
        fd = os.open(self.state_dir / "services.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _make_state_dir(self) -> None:
        """0700 from the start: the state file holds the database password."""
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self.state_dir.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != 0o700:
            self.state_dir.chmod(0o700)  # made by an earlier version, or under a lax umask

    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _write_state(self, state: dict) -> None:
        write_private(self.state_file, json.dumps(state, indent=2))

    def _start_missing(self, state: dict) -> None:
        """Start the servers that do not answer; undo this call's starts if one fails."""
        started: list[int] = []
        try:
            if not self._mariadb_ok(state.get("mariadb")):
                self._refuse_unanswering("mariadb", state.get("mariadb"))
                state["mariadb"] = self._start_mariadb()
                started.append(state["mariadb"]["pid"])
            if not self._redis_ok(state.get("redis")):
                self._refuse_unanswering("redis", state.get("redis"))
                state["redis"] = self._start_redis()
        except (RuntimeError, TimeoutError, OSError, pymysql.err.MySQLError) as exc:
            for pid in started:
                _process.terminate(pid, timeout_s=30)
            if isinstance(exc, MissingBinaryError | ServiceError):
                raise ServiceError(str(exc)) from exc
            raise ServiceError(
                f"could not start the private servers in {self.state_dir}: {exc}"
            ) from exc

    def _refuse_unanswering(self, name: str, info: dict | None) -> None:
        """A recorded server that runs but does not answer may be busy serving someone:
        starting a second one on its files would fail, and stopping it might break a run."""
        if info and _process.is_alive(info["pid"]):
            raise ServiceError(
                f"the private {name} (pid {info['pid']}) of {self.state_dir} runs but does not "
                "answer; wait and try again, or stop it with "
                f"`python -m afirgen_fixtures.services --state-dir {self.state_dir} stop`"
            )

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

    @staticmethod
    def _live_holds(state: dict) -> bool:
        """Whether anything still holds the servers; drops the owners that have exited."""
        state["owners"] = {
            pid: ticks
            for pid, ticks in state.get("owners", {}).items()
            if _process.is_alive(int(pid)) and ticks in (None, _process.start_ticks(int(pid)))
        }
        return bool(
            state["owners"] or state.get("keep") or time.time() < state.get("idle_until", 0.0)
        )

    def _stop_locked(self, state: dict) -> list[str]:
        """Stop what ``state`` records and forget its holds; the caller holds the lock."""
        self._stop_watchdog(state)
        stopped = []
        for name in ("redis", "mariadb"):
            info = state.pop(name, None)
            if info and _process.is_alive(info["pid"]):
                _process.terminate(info["pid"], timeout_s=60)
                stopped.append(f"{name} (pid {info['pid']})")
        for hold in _HOLDS:
            state.pop(hold, None)
        self._write_state(state)
        return stopped

    @staticmethod
    def _is_watchdog(state: dict) -> bool:
        return state.get("watchdog", {}).get("pid") == os.getpid()

    def _ensure_watchdog(self, state: dict) -> None:
        info = state.get("watchdog")
        if info and info.get("protocol") == WATCH_PROTOCOL and _process.is_alive(info["pid"]):
            return
        self._stop_watchdog(state)
        command = [
            sys.executable,
            "-m",
            "afirgen_fixtures.services",
            "--state-dir",
            str(self.state_dir),
            "watch",
        ]
        process = _process.launch(command, log=self.state_dir / "watchdog.log")
        state["watchdog"] = {"pid": process.pid, "protocol": WATCH_PROTOCOL}

    @staticmethod
    def _stop_watchdog(state: dict) -> None:
        info = state.pop("watchdog", None)
        if info and info.get("pid") != os.getpid() and _process.is_alive(info["pid"]):
            _process.terminate(info["pid"], timeout_s=5)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a file only its owner can read, from its first byte."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # EXCL: no symlink either
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def watch(state_dir: Path) -> str:
    """Run the watchdog of ``state_dir`` until it has stopped the servers or is not needed."""
    return ServiceRuntime(state_dir).watch()


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
