"""A private MariaDB server: its own data dir, port on 127.0.0.1 and unix socket."""

from __future__ import annotations

import getpass
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pymysql

from afirgen_fixtures.services import _process, binaries

APP_USER = "afirgen"
APP_DATABASE_PREFIX = "afirgen"


@dataclass(frozen=True)
class MariaDBServer:
    """Launcher for one private server living under ``base_dir``."""

    base_dir: Path
    buffer_pool: str = os.environ.get("AFIRGEN_MARIADB_BUFFER_POOL", "1G")

    @property
    def datadir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket(self) -> Path:
        return self.base_dir / "mariadbd.sock"

    @property
    def log(self) -> Path:
        return self.base_dir / "error.log"

    def initialize(self) -> None:
        """Create the data dir with ``mariadb-install-db`` unless it already holds one."""
        if (self.datadir / "mysql").is_dir():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        command = [
            binaries.mariadb_install_db(),
            "--no-defaults",
            f"--datadir={self.datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *self._user_option(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"mariadb-install-db failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-800:]}"
            )

    def start(self, port: int) -> int:
        """Start the server on ``port``; return its pid once it answers."""
        self.initialize()
        self.socket.unlink(missing_ok=True)
        command = [
            binaries.mariadbd(),
            "--no-defaults",  # must come first: keeps /etc/mysql out of it
            f"--datadir={self.datadir}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={self.socket}",
            f"--pid-file={self.base_dir / 'mariadbd.pid'}",
            f"--log-error={self.log}",
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
        except (RuntimeError, TimeoutError) as exc:
            _process.terminate(process.pid, timeout_s=5)
            raise RuntimeError(
                f"{exc}; last lines of {self.log}:\n{_process.tail(self.log)}"
            ) from exc
        return process.pid

    def create_app_user(self) -> str:
        """(Re)create the application user with a fresh password; return the password."""
        password = secrets.token_urlsafe(18)
        with self._root_connection() as conn, conn.cursor() as cur:
            secret = conn.escape(password)  # DDL takes no placeholders; '%' below is literal
            for host in ("127.0.0.1", "localhost", "%"):
                cur.execute(
                    f"CREATE USER IF NOT EXISTS '{APP_USER}'@'{host}' IDENTIFIED BY {secret}"
                )
                cur.execute(f"ALTER USER '{APP_USER}'@'{host}' IDENTIFIED BY {secret}")
                cur.execute(
                    f"GRANT ALL PRIVILEGES ON `{APP_DATABASE_PREFIX}%`.* TO '{APP_USER}'@'{host}'"
                )
                cur.execute(f"GRANT PROCESS ON *.* TO '{APP_USER}'@'{host}'")
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{APP_DATABASE_PREFIX}`")
        return password

    def _answers(self) -> bool:
        try:
            with self._root_connection() as conn:
                conn.ping(reconnect=False)
            return True
        except pymysql.err.MySQLError:
            return False

    def _root_connection(self) -> pymysql.Connection:
        return pymysql.connect(
            unix_socket=str(self.socket),
            user="root",
            password="",
            autocommit=True,
            ssl_disabled=True,
            connect_timeout=2,
        )

    @staticmethod
    def _user_option() -> list[str]:
        # mariadbd refuses to run as root unless told to, on purpose.
        return ["--user=root"] if os.geteuid() == 0 else [f"--user={getpass.getuser()}"]
