"""A private Prometheus with the MariaDB and Redis exporters, started from Debian's binaries
on free ports of 127.0.0.1 with their own data directory, and stopped afterwards.

Every process is started in its own session (our terminal's Ctrl-C does not reach it; we stop
it in order) and dies with us if we are killed (``PR_SET_PDEATHSIG``), so an interrupted run
leaves none behind. The MariaDB exporter logs in as a user of its own with the privileges its
documentation names (PROCESS, REPLICATION CLIENT, SELECT), at most 3 connections.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.monitoring import queries
from afirgen_bench.monitoring.bridge import MetricsBridge
from afirgen_bench.monitoring.client import PrometheusClient
from afirgen_bench.monitoring.rules import ALERTS_FILE
from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.services import _process
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV

APT_PACKAGES = ("prometheus", "prometheus-mysqld-exporter", "prometheus-redis-exporter")
PROMETHEUS, PROMTOOL = "prometheus", "promtool"
MYSQLD_EXPORTER, REDIS_EXPORTER = "prometheus-mysqld-exporter", "prometheus-redis-exporter"
EXPORTER_USER = "afirgen_exporter"
EXPORTER_HOST = "127.0.0.1"  # the private server runs --skip-name-resolve: TCP from here
EXPORTER_PRIVILEGES = "PROCESS, REPLICATION CLIENT, SELECT"  # mysqld_exporter's README
# No replication here: the slave-status collector would need REPLICA MONITOR on MariaDB 10.11
MYSQLD_EXPORTER_FLAGS = ("--no-collect.slave_status",)
# Servers someone else runs: the exporter's login (mysql://user:password@host:port/)
EXPORTER_URL_ENV = "AFIRGEN_MYSQL_EXPORTER_URL"
PROJECT = Path(__file__).resolve().parents[2]  # the checkout (installed editable)
_PR_SET_PDEATHSIG = 1


class MonitoringUnavailable(HarnessError):
    """A binary is missing or a process would not start; the message says what to do."""


def binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/sbin")
    if not found:
        raise MonitoringUnavailable(
            f"{name} is not installed: run scripts/setup.sh, or "
            f"apt-get install -y --no-install-recommends {' '.join(APT_PACKAGES)}"
        )
    return found


def create_exporter_user(admin: pymysql.Connection) -> str:
    """(Re)create the exporter's login with a fresh password; return the password."""
    password = secrets.token_urlsafe(18)
    with admin.cursor() as cur:
        cur.execute("DROP USER IF EXISTS %s@%s", (EXPORTER_USER, EXPORTER_HOST))
        cur.execute(
            "CREATE USER %s@%s IDENTIFIED BY %s WITH MAX_USER_CONNECTIONS 3",
            (EXPORTER_USER, EXPORTER_HOST, password),
        )
        cur.execute(f"GRANT {EXPORTER_PRIVILEGES} ON *.* TO %s@%s", (EXPORTER_USER, EXPORTER_HOST))
    return password


@dataclass(frozen=True)
class ExporterLogin:
    """The MariaDB exporter's login, or why there is none."""

    target: MySQLTarget | None
    missing: str = ""


def exporter_login(mysql_url: str) -> ExporterLogin:
    """A login for the MariaDB exporter: made on our private server, or taken from
    ``AFIRGEN_MYSQL_EXPORTER_URL`` for a server someone else runs."""
    if os.environ.get(EXPORTER_URL_ENV):
        return ExporterLogin(MySQLTarget.from_url(os.environ[EXPORTER_URL_ENV]))
    if os.environ.get(MYSQL_URL_ENV):
        return ExporterLogin(
            None,
            f"MariaDB not monitored: it is not ours ({MYSQL_URL_ENV}); set {EXPORTER_URL_ENV} "
            f"to a login with {EXPORTER_PRIVILEGES} ON *.* to include it",
        )
    from afirgen_fixtures.services import ServiceRuntime, default_state_dir

    app = MySQLTarget.from_url(mysql_url)
    with ServiceRuntime(default_state_dir()).mariadb.admin_connection() as admin:
        password = create_exporter_user(admin)
    return ExporterLogin(MySQLTarget(EXPORTER_HOST, app.port, EXPORTER_USER, password, ""))


@dataclass(frozen=True)
class Scraped:
    """What the stack scrapes: the API (through the key bridge), Redis, and MariaDB when a
    login for its exporter is known."""

    api_url: str
    api_key: str
    redis_url: str
    mysql_exporter: MySQLTarget | None
    notes: list[str] = field(default_factory=list)  # what is not scraped, and why


_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class MonitoringStack:
    """Prometheus scraping every ``interval_s`` seconds, evaluating ``rules`` as often."""

    def __init__(
        self, workdir: Path, scraped: Scraped, *, interval_s: float = 1.0, rules: Path | None
    ) -> None:
        self.workdir = workdir
        self.scraped = scraped
        self.interval_s = interval_s
        self.rules = rules
        self.port = _process.free_port()
        self._processes: list[tuple[str, subprocess.Popen]] = []
        self._bridge: MetricsBridge | None = None
        self.client = PrometheusClient(self.url)
        self.notes = list(scraped.notes)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pids(self) -> list[int]:
        """The processes the stack started (the scrape bridge is a thread of ours)."""
        return [process.pid for _name, process in self._processes]

    @property
    def bridge_address(self) -> str | None:
        return self._bridge.address if self._bridge else None

    @property
    def jobs(self) -> list[str]:
        jobs = [queries.API_JOB, queries.REDIS_JOB]
        return [*jobs, queries.MARIADB_JOB] if self.scraped.mysql_exporter else jobs

    def _launch(self, name: str, command: list[str]) -> str:
        log = self.workdir / f"{Path(command[0]).name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                command,
                stdout=output,
                stderr=output,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # before any thread of ours starts (start())
            )
        self._processes.append((name, process))
        return name

    def _exporters(self) -> dict[str, str]:
        """Start the exporters; return each job's scrape address."""
        addresses = {queries.API_JOB: self._bridge.address if self._bridge else ""}
        redis_port = _process.free_port()
        self._launch(
            REDIS_EXPORTER,
            [
                binary(REDIS_EXPORTER),
                "-redis.addr",
                self.scraped.redis_url,
                "-web.listen-address",
                f"127.0.0.1:{redis_port}",
            ],
        )
        addresses[queries.REDIS_JOB] = f"127.0.0.1:{redis_port}"
        login = self.scraped.mysql_exporter
        if login:
            cnf = self.workdir / "exporter.my.cnf"
            cnf.touch(mode=0o600)
            cnf.write_text(
                f"[client]\nuser={login.user}\npassword={login.password}\n"
                f"host={login.host}\nport={login.port}\n"
            )
            mysql_port = _process.free_port()
            self._launch(
                MYSQLD_EXPORTER,
                [
                    binary(MYSQLD_EXPORTER),
                    f"--config.my-cnf={cnf}",
                    f"--web.listen-address=127.0.0.1:{mysql_port}",
                    *MYSQLD_EXPORTER_FLAGS,
                ],
            )
            addresses[queries.MARIADB_JOB] = f"127.0.0.1:{mysql_port}"
        return addresses

    def config(self, addresses: dict[str, str]) -> dict[str, Any]:
        """prometheus.yml (JSON is YAML)."""
        interval = f"{round(self.interval_s * 1000)}ms"
        return {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(self.rules.resolve())] if self.rules else [],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": [address]}]}
                for job, address in addresses.items()
            ],
        }

    def start(self, timeout_s: float = 60.0) -> MonitoringStack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._bridge = MetricsBridge(self.scraped.api_url, self.scraped.api_key)
            config = self.workdir / "prometheus.yml"
            config.write_text(json.dumps(self.config(self._exporters()), indent=1))
            self._launch(
                PROMETHEUS,
                [
                    binary(PROMETHEUS),
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--storage.tsdb.retention.time=1d",
                    "--log.level=warn",
                ],
            )
            self._bridge.start()
            self._wait_until_scraped(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_scraped(self, timeout_s: float) -> None:
        def every_job_up() -> bool:
            for name, process in self._processes:
                if process.poll() is not None:
                    raise MonitoringUnavailable(
                        f"{name} exited at start-up (code {process.returncode}); its log: "
                        f"{_process.tail(self.workdir / f'{name}.log', 3)}"
                    )
            try:
                up = self.client.targets_up()
            except HarnessError:
                return False
            return all(up.get(job) for job in self.jobs)

        try:
            _process.wait_until(
                every_job_up, timeout_s=timeout_s, alive=lambda: True, what="Prometheus"
            )
        except TimeoutError as exc:
            raise MonitoringUnavailable(
                f"not every target was scraped after {timeout_s:.0f} s: {self._health()}"
            ) from exc

    def _health(self) -> str:
        try:
            return json.dumps(self.client.targets_up())
        except HarnessError as exc:
            return str(exc)

    def settle(self) -> None:
        """Wait for two more scrapes, so the last moments of a run are stored."""
        time.sleep(2 * self.interval_s + 0.2)

    def stop(self) -> None:
        for _name, process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._processes.clear()
        if self._bridge:
            self._bridge.close()
            self._bridge = None
        self.client.close()

    def __enter__(self) -> MonitoringStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def watch(
    enabled: bool,
    workdir: Path,
    *,
    api_url: str,
    api_key: str,
    redis_url: str,
    mysql: ExporterLogin,
) -> Iterator[MonitoringStack | None]:
    """A running stack for the block, or None when monitoring is off."""
    if not enabled:
        yield None
        return
    notes = [mysql.missing] if mysql.missing else []
    scraped = Scraped(api_url, api_key, redis_url, mysql.target, notes)
    with MonitoringStack(workdir, scraped, rules=PROJECT / ALERTS_FILE) as stack:
        yield stack
