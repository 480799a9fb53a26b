"""Private, throwaway MariaDB and Redis servers for tests and benchmarks.

``resolve()`` answers where the servers are: the ``AFIRGEN_MYSQL_URL`` / ``AFIRGEN_REDIS_URL``
environment variables when set, otherwise private instances started from the installed
``mariadbd`` and ``redis-server`` binaries (own data dir, own ports, own sockets) and shared by
every process and run that uses them through a state file in ``AFIRGEN_STATE_DIR``; they stop
once no owner process runs and no idle lease is left.
"""

from afirgen_fixtures.services.binaries import MissingBinaryError
from afirgen_fixtures.services.runtime import (
    ServiceError,
    ServiceRuntime,
    ServiceURLs,
    default_state_dir,
    resolve,
)

__all__ = [
    "MissingBinaryError",
    "ServiceError",
    "ServiceRuntime",
    "ServiceURLs",
    "default_state_dir",
    "resolve",
]
