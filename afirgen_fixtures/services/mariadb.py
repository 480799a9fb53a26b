"""A private MariaDB server: its own data dir, port on 127.0.0.1 and unix socket.

Accounts: the OS user who starts the server administers it over the unix socket
(``unix_socket`` authentication, no password), and so does ``root``, over the socket only;
the application user logs in from 127.0.0.1 with a generated password and may only work
on the databases named ``afirgen*``.

``mariadbd`` does not run as root when it can be avoided: started by root, it runs as the
``mysql`` OS user. That user cannot reach into root's private state dir, so its files then
live in a home of its own under ``/var/tmp/afirgen-mariadb`` (see ``MariaDBServer.home``).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import stat
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pymysql

from afirgen_fixtures.services import _process, binaries

APP_USER = "afirgen"
APP_DATABASE_PREFIX = "afirgen"
# The server listens on 127.0.0.1 only, and with --skip-name-resolve a TCP client from there
# is '127.0.0.1' (never 'localhost', which means the socket).
APP_HOSTS = ("127.0.0.1",)
# What the backend, the loader, the migrations and the optimizer run: DML, CREATE/DROP
# DATABASE and TABLE, ALTER TABLE (FORCE, indexes), CREATE INDEX (FULLTEXT too); ANALYZE
# TABLE and EXPLAIN need SELECT and INSERT. Nothing global: no PROCESS, no SUPER.
APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX"
SERVER_OS_USER = "mysql"
# Where root-started servers keep their files: root-owned and traversable (0711), each home
# in it owned by the server's OS user (0700), named after the state dir it belongs to.
SHARED_HOMES = Path("/var/tmp/afirgen-mariadb")
_ACCESS_DENIED = {1045, 1698}


@dataclass(frozen=True)
class MariaDBServer:
    """Launcher for one private server belonging to ``base_dir``."""

    base_dir: Path
    buffer_pool: str = os.environ.get("AFIRGEN_MARIADB_BUFFER_POOL", "1G")

    @cached_property
    def os_user(self) -> pwd.struct_passwd:
        """The OS user mariadbd runs as: ``mysql`` when root starts it, else the caller."""
        if os.geteuid() == 0:
            try:
                return pwd.getpwnam(SERVER_OS_USER)
            except KeyError:
                pass  # no such user: mariadbd has to run as root
        return pwd.getpwuid(os.geteuid())

    @cached_property
    def home(self) -> Path:
        """The folder of the data dir, socket, pid file and log.

        ``base_dir`` when the server runs as the caller; else a folder the server's OS user
        owns in ``SHARED_HOMES``, because it cannot traverse a root-only state dir.
        """
        if self.os_user.pw_uid == os.geteuid():
            return self.base_dir
        return SHARED_HOMES / self._home_name

    @property
    def datadir(self) -> Path:
        return self.home / "data"

    @property
    def tmpdir(self) -> Path:
        """The server's own temporary folder: in the shared /tmp, others' clean-ups deleted
        its implicit temporary tables mid-query ("Error on delete of /tmp/#sql-temptable")."""
        return self.home / "tmp"

    @property
    def socket(self) -> Path:
        return self.home / "mariadbd.sock"

    @property
    def log(self) -> Path:
        return self.home / "error.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "mariadbd.pid"

    def initialize(self) -> None:
        """Create the data dir with ``mariadb-install-db`` unless it already holds one."""
        self._make_home()
        if (self.datadir / "mysql").is_dir():
            return
        command = [
            binaries.mariadb_install_db(),
            "--no-defaults",
            f"--datadir={self.datadir}",
            "--skip-test-db",
            # root and the caller log in over the socket as themselves, with no password
            "--auth-root-authentication-method=socket",
            f"--auth-root-socket-user={_admin_user()}",
            *self._user_option(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"mariadb-install-db failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-800:]}"
            )

    def start(self, port: int) -> int:
        """Start the server on ``port``; return its pid once it answers and only its
        administrators and the application user can log in."""
        self.initialize()
        self.socket.unlink(missing_ok=True)
        command = [
            binaries.mariadbd(),
            "--no-defaults",  # must come first: keeps /etc/mysql out of it
            f"--datadir={self.datadir}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={self.socket}",
            f"--pid-file={self.pid_file}",
            f"--log-error={self.log}",
            f"--tmpdir={self.tmpdir}",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--skip-name-resolve",
            f"--innodb-buffer-pool-size={self.buffer_pool}",
            "--innodb-log-file-size=256M",
            "--max-connections=300",
            "--max-allowed-packet=64M",
            *self._user_option(),
        ]
        process = _process.launch(command)
        try:
            _process.wait_until(
                self._answers,
                timeout_s=60,
                alive=lambda: process.poll() is None,
                what="mariadbd",
            )
            self._lock_down()
        except (RuntimeError, TimeoutError, pymysql.err.MySQLError) as exc:
            _process.terminate(process.pid, timeout_s=5)
            raise RuntimeError(
                f"{exc}; last lines of {self.log}:\n{_process.tail(self.log)}"
            ) from exc
        return process.pid

    def create_app_user(self) -> str:
        """(Re)create the application user with a fresh password; return the password."""
        password = secrets.token_urlsafe(18)
        with self.admin_connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT Host FROM mysql.global_priv WHERE User = %s", (APP_USER,))
            for (host,) in cur.fetchall():
                cur.execute("DROP USER %s@%s", (APP_USER, host))
            for host in APP_HOSTS:
                cur.execute("CREATE USER %s@%s IDENTIFIED BY %s", (APP_USER, host, password))
                cur.execute(
                    f"GRANT {APP_PRIVILEGES} ON `{APP_DATABASE_PREFIX}%%`.* TO %s@%s",
                    (APP_USER, host),
                )
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{APP_DATABASE_PREFIX}`")
        return password

    def admin_connection(self) -> pymysql.Connection:
        """A connection with every privilege, over the socket, as the caller's OS user.

        A data dir made by an earlier version instead lets root in over the socket with an
        empty password, until ``start`` locks it down.
        """
        try:
            return self._socket_login(_admin_user())
        except pymysql.err.OperationalError as exc:
            if exc.args[0] not in _ACCESS_DENIED or _admin_user() == "root":
                raise
        return self._socket_login("root")

    # -- internals -------------------------------------------------------------

    @property
    def _home_name(self) -> str:
        return hashlib.sha256(str(self.base_dir.resolve()).encode()).hexdigest()[:24]

    def _make_home(self) -> None:
        self.base_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.home == self.base_dir:
            self.tmpdir.mkdir(mode=0o700, exist_ok=True)
            return
        SHARED_HOMES.mkdir(mode=0o711, exist_ok=True)
        _check_dir(SHARED_HOMES, uid=0, what="the folder of root-started MariaDB homes")
        SHARED_HOMES.chmod(0o711)  # whatever the umask: the server's OS user must pass
        _remove_orphan_homes()
        # Root writes only here, never inside a folder the server's OS user owns.
        (SHARED_HOMES / f"{self._home_name}.origin").write_text(str(self.base_dir.resolve()))
        user = self.os_user
        try:
            self.home.mkdir(mode=0o700)
            os.chown(self.home, user.pw_uid, user.pw_gid)
        except FileExistsError:
            pass
        _check_dir(self.home, uid=user.pw_uid, what=f"the home of {self.base_dir}'s MariaDB")
        self.home.chmod(0o700)
        try:  # mkdir never follows a link in its last component; chown is told not to
            self.tmpdir.mkdir(mode=0o700)
            os.chown(self.tmpdir, user.pw_uid, user.pw_gid, follow_symlinks=False)
        except FileExistsError:
            pass
        _check_dir(self.tmpdir, uid=user.pw_uid, what=f"the temporary folder of {self.base_dir}")
        self._adopt_root_owned_datadir()

    def _adopt_root_owned_datadir(self) -> None:
        """Move a data dir that earlier versions kept in ``base_dir`` (run by root) into
        the home, so its data sets are not loaded again."""
        legacy = self.base_dir / "data"
        if not (legacy / "mysql").is_dir() or self.datadir.exists():
            return
        if _server_runs(self.base_dir):
            raise RuntimeError(
                f"a mariadbd started by an earlier version still runs on {legacy} (pid file "
                f"{self.base_dir / 'mariadbd.pid'}); stop it, then start again"
            )
        shutil.move(legacy, self.datadir)
        uid, gid = self.os_user.pw_uid, self.os_user.pw_gid
        for folder, dirs, files in os.walk(self.datadir):
            for name in [".", *dirs, *files]:
                os.chown(Path(folder, name), uid, gid, follow_symlinks=False)

    def _socket_login(self, user: str) -> pymysql.Connection:
        return pymysql.connect(
            unix_socket=str(self.socket),
            user=user,
            password="",
            autocommit=True,
            ssl_disabled=True,
            connect_timeout=2,
        )

    def _answers(self) -> bool:
        try:
            with self.admin_connection():
                return True
        except pymysql.err.OperationalError as exc:
            if exc.args[0] in _ACCESS_DENIED:
                raise RuntimeError(
                    f"mariadbd answers but refuses {_admin_user()}'s login over {self.socket} "
                    f"({exc.args[1]}); its accounts were changed by hand: remove {self.home} "
                    "to start afresh (the data sets are then loaded again)"
                ) from exc
            return False
        except pymysql.err.MySQLError:
            return False

    def _lock_down(self) -> None:
        """Leave administrators only one way in: as themselves over the socket.

        A fresh data dir is made that way; one made by an earlier version also let root in
        without a password from 127.0.0.1 and ::1, which this removes.
        """
        admins = sorted({"root", _admin_user()})
        with self.admin_connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT User, Host FROM mysql.global_priv")
            for user, host in cur.fetchall():
                if user == "" or (user in admins and host != "localhost"):
                    cur.execute("DROP USER %s@%s", (user, host))
            # mariadb-install-db lets root@<hostname> proxy anyone: no such account remains
            cur.execute("DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost'")
            cur.execute("FLUSH PRIVILEGES")
            for user in admins:
                cur.execute(
                    "CREATE USER IF NOT EXISTS %s@'localhost' IDENTIFIED VIA unix_socket", (user,)
                )
                cur.execute("ALTER USER %s@'localhost' IDENTIFIED VIA unix_socket", (user,))
                cur.execute(
                    "GRANT ALL PRIVILEGES ON *.* TO %s@'localhost' WITH GRANT OPTION", (user,)
                )

    def _user_option(self) -> list[str]:
        # mariadbd refuses to run as root unless told to, on purpose; others cannot switch.
        return [f"--user={self.os_user.pw_name}"] if os.geteuid() == 0 else []


def _admin_user() -> str:
    """The caller's OS account name, which ``unix_socket`` authentication checks."""
    return pwd.getpwuid(os.geteuid()).pw_name


def _check_dir(path: Path, *, uid: int, what: str) -> None:
    """Refuse a folder that is a symlink, not ``uid``'s, or writable by others."""
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o022:
        raise RuntimeError(
            f"{path} ({what}) must be a directory owned by uid {uid} that nobody else can "
            f"write to; it is not (mode {stat.filemode(info.st_mode)}, uid {info.st_uid}). "
            "Remove it and start again."
        )


def _remove_orphan_homes() -> None:
    """Delete homes whose state dir is gone (a test's temporary folder, say) and whose
    server no longer runs: nothing can use them again."""
    for origin in SHARED_HOMES.glob("*.origin"):
        home = origin.with_suffix("")
        try:
            if Path(origin.read_text()).exists() or _server_runs(home):
                continue
        except OSError:
            continue  # another process is removing it
        shutil.rmtree(home, ignore_errors=True)
        origin.unlink(missing_ok=True)


def _server_runs(home: Path) -> bool:
    try:
        pid = int((home / "mariadbd.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return _process.is_alive(pid)
