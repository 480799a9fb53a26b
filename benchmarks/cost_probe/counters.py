"""Server-side work per operation: MariaDB and Redis GLOBAL counters, minus the measuring.

GLOBAL counters see the work of every connection, the API's own pool included; what this
module's own reading costs is subtracted exactly:

- MariaDB: one statement reads each counter's GLOBAL value and this connection's SESSION
  value, so "everyone else" = global - session holds to the byte and the statement.
- Redis: ``INFO stats commandstats`` goes over a raw socket, so the exact request and reply
  lengths are known. Redis counts a request's input before it answers and its output after,
  so between two readings there is one INFO request in, one INFO reply out (the earlier
  one's), and one INFO command.

MariaDB 10.11 has no ``Innodb_rows_read`` (removed in 10.6 with the other ``Innodb_rows_*``);
``Rows_read`` counts the same: rows read from tables, temporary tables excluded.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

FIGURES = ("queries", "rows", "commands", "bytes")
MARIADB_STATUS = ("QUESTIONS", "ROWS_READ", "BYTES_SENT", "BYTES_RECEIVED")
MARIADB_QUERY = (
    "SELECT g.VARIABLE_NAME, g.VARIABLE_VALUE, s.VARIABLE_VALUE "
    "FROM information_schema.GLOBAL_STATUS g "
    "JOIN information_schema.SESSION_STATUS s USING (VARIABLE_NAME) "
    f"WHERE g.VARIABLE_NAME IN ({', '.join(repr(n) for n in MARIADB_STATUS)})"
)
INFO_REQUEST = b"*3\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$12\r\ncommandstats\r\n"


@dataclass(frozen=True)
class Reading:
    """Counters of everyone but the measuring connections, at one moment, and the length
    of the INFO reply that produced it (counted as Redis output by the next reading)."""

    queries: int
    rows: int
    mariadb_bytes: int
    redis_commands: int
    redis_bytes: int
    info_reply_bytes: int


def figures_between(before: Reading, after: Reading) -> dict[str, int]:
    """The work done between two readings, without the INFO that made ``after``."""
    return {
        "queries": after.queries - before.queries,
        "rows": after.rows - before.rows,
        "commands": after.redis_commands - before.redis_commands - 1,
        "bytes": after.mariadb_bytes
        - before.mariadb_bytes
        + after.redis_bytes
        - before.redis_bytes
        - len(INFO_REQUEST)
        - before.info_reply_bytes,
    }


def mariadb_others(rows: list[tuple[str, Any, Any]]) -> dict[str, int]:
    """GLOBAL - SESSION per status variable: the work of every other connection."""
    found = {name.upper(): int(glob) - int(own) for name, glob, own in rows}
    missing = set(MARIADB_STATUS) - found.keys()
    if missing:
        raise RuntimeError(f"MariaDB status lacks {', '.join(sorted(missing))}")
    return found


def parse_info(text: str) -> dict[str, int]:
    """``commands`` (every cmdstat's calls) and ``bytes`` (net input + output) of INFO."""
    commands = net = 0
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.startswith("cmdstat_"):
            commands += int(value.split("calls=", 1)[1].split(",", 1)[0])
        elif key in ("total_net_input_bytes", "total_net_output_bytes"):
            net += int(value)
    return {"commands": commands, "bytes": net}


class Counters:
    """Readings of the private MariaDB and Redis, through connections of its own."""

    def __init__(self, mysql_target: Any, redis_url: str) -> None:
        import pymysql

        self._mysql = pymysql.connect(**mysql_target.connect_kwargs())
        self._redis = _redis_socket(redis_url)
        self._buffer = b""

    def read(self) -> Reading:
        with self._mysql.cursor() as cur:
            cur.execute(MARIADB_QUERY)
            mariadb = mariadb_others(list(cur.fetchall()))
        reply = self._info()
        redis = parse_info(reply.split(b"\r\n", 1)[1].decode())
        return Reading(
            queries=mariadb["QUESTIONS"],
            rows=mariadb["ROWS_READ"],
            mariadb_bytes=mariadb["BYTES_SENT"] + mariadb["BYTES_RECEIVED"],
            redis_commands=redis["commands"],
            redis_bytes=redis["bytes"],
            info_reply_bytes=len(reply),
        )

    def _info(self) -> bytes:
        """One INFO round trip; the whole reply as sent (``$len``, body, CRLF)."""
        self._redis.sendall(INFO_REQUEST)
        while b"\r\n" not in self._buffer:
            self._buffer += self._recv()
        header = self._buffer.partition(b"\r\n")[0]
        if not header.startswith(b"$"):
            raise RuntimeError(f"Redis INFO answered {header[:80]!r}")
        size = len(header) + 2 + int(header[1:]) + 2
        while len(self._buffer) < size:
            self._buffer += self._recv()
        reply, self._buffer = self._buffer[:size], self._buffer[size:]
        return reply

    def _recv(self) -> bytes:
        chunk = self._redis.recv(65536)
        if not chunk:
            raise RuntimeError("Redis closed the counters connection")
        return chunk

    def close(self) -> None:
        self._mysql.close()
        self._redis.close()


def _redis_socket(url: str) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(parts.path)
    else:
        sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379))
    if parts.password:
        user = parts.username or "default"
        auth = [b"AUTH", user.encode(), parts.password.encode()]
        sock.sendall(b"".join([b"*3\r\n", *(b"$%d\r\n%s\r\n" % (len(a), a) for a in auth)]))
        if not sock.recv(64).startswith(b"+OK"):
            raise RuntimeError("Redis refused the counters connection's AUTH")
    return sock
