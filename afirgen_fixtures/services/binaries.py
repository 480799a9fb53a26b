"""Find the server binaries, or say exactly which Debian/Ubuntu packages bring them."""

from __future__ import annotations

import os
import shutil

SEARCH_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin")
INSTALL_HINT = (
    "Install them with: sudo apt-get update && "
    "sudo apt-get install -y mariadb-server redis-server "
    "(or point AFIRGEN_MYSQL_URL and AFIRGEN_REDIS_URL at running servers)."
)


class MissingBinaryError(RuntimeError):
    """A server binary is not installed."""


def find_binary(*names: str, package: str) -> str:
    """Return the path of the first of ``names`` found on PATH or in the sbin folders."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SEARCH_DIRS])
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    raise MissingBinaryError(
        f"{' / '.join(names)} not found (Debian/Ubuntu package {package}). {INSTALL_HINT}"
    )


def mariadbd() -> str:
    return find_binary("mariadbd", "mysqld", package="mariadb-server")


def mariadb_install_db() -> str:
    return find_binary("mariadb-install-db", "mysql_install_db", package="mariadb-server")


def redis_server() -> str:
    return find_binary("redis-server", package="redis-server")
