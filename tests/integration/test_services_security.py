"""The private servers are private: owner-only state, no password on screen unless asked,
no way into MariaDB but the administrators' socket login and the application user's from
loopback, and no mariadbd running as root when it can be avoided."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest

from afirgen_fixtures.services import ServiceRuntime
from afirgen_fixtures.services import runtime as runtime_module
from afirgen_fixtures.services._process import is_alive
from afirgen_fixtures.services.binaries import mariadb_install_db
from afirgen_fixtures.services.mariadb import APP_USER, SERVER_OS_USER

pytestmark = pytest.mark.integration

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
ACCESS_DENIED = {1045, 1698, 1130}


@dataclass(frozen=True)
class Started:
    runtime: ServiceRuntime
    output: str  # what `services start` printed

    @property
    def info(self) -> dict:
        return json.loads(self.runtime.state_file.read_text())["mariadb"]


def _cli(state_dir: Path, *args: str, umask: int = 0o022) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "afirgen_fixtures.services", "--state-dir", str(state_dir), *args],
        capture_output=True,
        text=True,
        timeout=180,
        umask=umask,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """Servers started with ``services start`` under umask 000, the laxest there is."""
    state = tmp_path_factory.mktemp("security") / "state"
    output = _cli(state, "start", "--idle", "600", umask=0)
    runtime = ServiceRuntime(state)
    pids = runtime.pids()
    yield Started(runtime, output)
    _cli(state, "stop")
    assert not [pid for pid in pids.values() if is_alive(pid)], "left running after stop"
    shutil.rmtree(runtime.mariadb.home, ignore_errors=True)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_dir_and_secrets_are_owner_only(started: Started) -> None:
    runtime = started.runtime
    assert _mode(runtime.state_dir) == 0o700
    assert _mode(runtime.state_file) == 0o600
    assert _mode(runtime.state_dir / "services.lock") == 0o600
    for folder in (runtime.mariadb.base_dir, runtime.mariadb.home, runtime.redis.base_dir):
        assert _mode(folder) == 0o700, folder


def test_the_state_file_is_owner_only_before_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not created readable and narrowed afterwards: the mode is checked before the write."""
    modes: list[int] = []
    real_fdopen = os.fdopen

    def spying_fdopen(fd: int, *args: object, **kwargs: object) -> object:
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", spying_fdopen)
    target = tmp_path / "services.json"
    (tmp_path / f".services.json.{os.getpid()}.tmp").write_text("left by a crash")
    previous = os.umask(0)
    try:
        runtime_module.write_private(target, '{"password": "s3cret"}')
    finally:
        os.umask(previous)
    assert modes == [0o600]
    assert _mode(target) == 0o600 and "s3cret" in target.read_text()


def test_start_and_status_print_the_password_only_when_asked(started: Started) -> None:
    password = started.info["password"]
    state_dir = started.runtime.state_dir
    assert password not in started.output and f"{APP_USER}:***@" in started.output
    assert password not in _cli(state_dir, "status")
    assert password in _cli(state_dir, "status", "--show-password")
    assert password in _cli(state_dir, "start", "--show-password")
    assert f"{APP_USER}:{password}@" in _cli(state_dir, "env")  # its job is to export the URLs


def test_root_cannot_log_in_over_tcp(started: Started) -> None:
    for password in ("", started.info["password"]):
        with pytest.raises(pymysql.err.OperationalError) as refused:
            pymysql.connect(
                host="127.0.0.1",
                port=started.info["port"],
                user="root",
                password=password,
                ssl_disabled=True,
            )
        assert refused.value.args[0] in ACCESS_DENIED


def test_only_administrators_over_the_socket_and_the_app_user_from_loopback(
    started: Started,
) -> None:
    with started.runtime.mariadb.admin_connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT User, Host FROM mysql.global_priv")
        accounts = []
        for user, host in cur.fetchall():
            cur.execute("SHOW CREATE USER %s@%s", (user, host))
            accounts.append((user, host, cur.fetchone()[0]))
        cur.execute("SELECT Host, User FROM mysql.proxies_priv WHERE Host <> 'localhost'")
        assert cur.fetchall() == ()
    for user, host, created in accounts:
        assert user != "", f"anonymous account @{host}"
        assert host in LOOPBACK, f"{user}@{host} can log in from beyond this machine"
        if user == APP_USER:
            assert host != "localhost", "the app user needs no socket login"
        elif "ACCOUNT LOCK" not in created:
            assert host == "localhost" and created.endswith("IDENTIFIED VIA unix_socket"), created
    assert {user for user, *_ in accounts} >= {"root", APP_USER}


def test_app_user_works_only_on_its_own_databases(started: Started) -> None:
    info = started.info
    app = pymysql.connect(
        host="127.0.0.1",
        port=info["port"],
        user=APP_USER,
        password=info["password"],
        ssl_disabled=True,
        autocommit=True,
    )
    with app, app.cursor() as cur:
        cur.execute("SHOW GRANTS")
        grants = [row[0] for row in cur.fetchall()]
        assert grants[0].startswith(f"GRANT USAGE ON *.* TO `{APP_USER}`@`127.0.0.1`"), grants
        assert all(" ON `afirgen%`.* " in grant for grant in grants[1:]), grants
        for statement in ("SHOW ENGINE INNODB STATUS", "SELECT * FROM mysql.global_priv"):
            with pytest.raises(pymysql.err.OperationalError) as denied:
                cur.execute(statement)  # PROCESS, and the grant tables
            assert denied.value.args[0] in {1227, 1142}, denied.value
        with pytest.raises(pymysql.err.OperationalError) as denied:
            cur.execute("CREATE DATABASE not_afirgen")
        assert denied.value.args[0] == 1044
        own = f"afirgen_sec_{uuid.uuid4().hex[:8]}"
        cur.execute(f"CREATE DATABASE {own}")
        cur.execute(f"CREATE TABLE {own}.t (id INT PRIMARY KEY, body TEXT, FULLTEXT (body))")
        cur.execute(f"ANALYZE TABLE {own}.t")
        cur.execute(f"EXPLAIN SELECT * FROM {own}.t WHERE MATCH (body) AGAINST ('x')")
        cur.execute(f"DROP DATABASE {own}")


def test_mariadbd_does_not_run_as_root(started: Started) -> None:
    mariadb = started.runtime.mariadb
    if os.geteuid() == 0:
        try:
            expected = pwd.getpwnam(SERVER_OS_USER).pw_uid
        except KeyError:
            pytest.skip(f"started by root and there is no {SERVER_OS_USER} OS user")
        # that user cannot pass the root-only state dir: its files live in a home of its own
        assert started.runtime.state_dir not in mariadb.home.parents
        assert mariadb.home.stat().st_uid == expected
    else:
        expected = os.geteuid()
    status = Path(f"/proc/{started.info['pid']}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert {int(uid) for uid in uid_line.split()[1:]} == {expected}


def test_a_data_dir_from_an_earlier_version_is_kept_and_locked_down(tmp_path: Path) -> None:
    """Earlier versions let root in from 127.0.0.1 without a password, kept the data dir in
    the state dir even when root started it, and gave the app user every host."""
    runtime = ServiceRuntime(tmp_path / "state")
    legacy = runtime.mariadb.base_dir / "data"
    legacy.mkdir(parents=True)
    done = subprocess.run(
        [
            mariadb_install_db(),
            "--no-defaults",
            f"--datadir={legacy}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *(["--user=root"] if os.geteuid() == 0 else []),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (legacy / "afirgen_kept").mkdir()  # a database, as the server sees it
    try:
        runtime.ensure(idle_stop_s=None)
        info = json.loads(runtime.state_file.read_text())["mariadb"]
        with pytest.raises(pymysql.err.OperationalError):
            pymysql.connect(host="127.0.0.1", port=info["port"], user="root", password="")
        with runtime.mariadb.admin_connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT User, Host FROM mysql.global_priv")
            accounts = set(cur.fetchall())
            cur.execute("SHOW DATABASES LIKE 'afirgen_kept'")
            assert cur.fetchall(), "the earlier data dir was not kept"
        assert ("root", "127.0.0.1") not in accounts and ("root", "::1") not in accounts
        assert {host for user, host in accounts if user == APP_USER} == {"127.0.0.1"}
    finally:
        runtime.stop()
        shutil.rmtree(runtime.mariadb.home, ignore_errors=True)
