"""This commit's API server for the HTTP benchmarks: started over the API data set, stopped
with the process that owns it, and the HTTP client that talks to it."""

from __future__ import annotations

import inspect
import os
from functools import cache
from typing import Any

from .backend import feature, has_feature
from .resources import API_SCALE, dataset, reset_writes, service_urls, unique_token

API_KEY = "afirgen-benchmark-key"
API_IDLE_EXIT_S = 1800


def start_api_server(
    *,
    api_key: str,
    namespace: str,
    idle_exit_s: int,
    owner_pid: int,
    extra_env: dict[str, str] | None = None,
) -> Any:
    """This commit's API server over the API data set, taken back to as generated first, with
    its own cache namespace; it stops when ``owner_pid`` exits or after ``idle_exit_s``."""
    data = dataset(API_SCALE)
    reset_writes(API_SCALE)
    urls = service_urls()
    return feature("services.api_server", "ApiServer")(
        database=data.target.database,
        env={
            "AFIRGEN_MYSQL_URL": urls.mysql_url,
            "AFIRGEN_REDIS_URL": urls.redis_url,
            "AFIRGEN_API_KEY": api_key,
            "AFIRGEN_CACHE_NAMESPACE": f"{namespace}-{unique_token()[:8]}",
            **(extra_env or {}),
        },
        idle_exit_s=idle_exit_s,
        owner_pid=owner_pid,
    ).start()


def api_server_stops_by_itself() -> bool:
    """Commits whose API server cannot exit on its own are skipped: it would linger."""
    if not has_feature("services.api_server", "ApiServer"):
        return False
    parameters = inspect.signature(feature("services.api_server", "ApiServer")).parameters
    return {"idle_exit_s", "owner_pid"} <= parameters.keys()


def round_owner_pid() -> int:
    """The asv process that runs this ``setup_cache``: the round's forkserver, or asv itself.
    The server stops with it, so interleaved rounds (each runs ``setup_cache`` again) do not
    pile up servers. A duet worker (``afirgen_bench/duet_worker.py``) runs ``setup_cache``
    itself and names itself in ``$AFIRGEN_BENCH_OWNER_PID``."""
    return int(os.environ.get("AFIRGEN_BENCH_OWNER_PID") or os.getppid())


@cache
def http_client(base_url: str) -> Any:
    import httpx

    return httpx.Client(
        base_url=base_url + "/api/v1",
        headers={"X-API-Key": API_KEY},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        timeout=60,
    )
