"""What a run that counts instructions and server work needs, checked before asv starts, so
a missing piece is one clear line (exit 2) instead of every cost benchmark failing."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlsplit

from afirgen_bench.core.errors import HarnessError

# A benchmark name the cost suite has: a --bench pattern that matches it selects the suite.
COST_PROBE_NAME = "cost.Database.track_instructions"
COST_SUITE = r"^cost\."  # asv -b pattern of the cost suite alone


def selects_cost(bench: str | None) -> bool:
    return bench is None or re.search(bench, COST_PROBE_NAME) is not None


def check_valgrind() -> None:
    if shutil.which("valgrind") is None:
        raise HarnessError(
            "valgrind is not installed, and the deterministic figures (instructions) need it: "
            "run `make setup` (it installs the Debian package valgrind) or "
            "`sudo apt-get install valgrind`; or leave them out with --bench '^(?!cost\\.)'"
        )


def check_counters(mysql_url: str, redis_url: str) -> None:
    """MariaDB's status counters and Redis's command statistics must be readable."""
    import pymysql
    import redis

    parts = urlsplit(mysql_url)
    try:
        conn = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "",
            password=parts.password or "",
            connect_timeout=10,
        )
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                "WHERE VARIABLE_NAME IN ('QUESTIONS', 'ROWS_READ', 'BYTES_SENT')"
            )
            if len(cur.fetchall()) != 3:
                raise HarnessError(
                    f"MariaDB at {parts.hostname}:{parts.port} does not report the status "
                    "counters the cost benchmarks read (Questions, Rows_read, Bytes_sent)"
                )
    except pymysql.MySQLError as exc:
        raise HarnessError(
            f"cannot read MariaDB's status counters at {parts.hostname}:{parts.port}: {exc}"
        ) from exc
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=10)
        stats = client.info("commandstats")
        client.close()
    except redis.RedisError as exc:
        raise HarnessError(f"cannot read Redis's command statistics at {redis_url}: {exc}") from exc
    if not isinstance(stats, dict):
        raise HarnessError(f"Redis at {redis_url} returned no command statistics")
