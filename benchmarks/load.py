"""The load test by commit: 15 users (the seed's) for ``$AFIRGEN_BENCH_LOAD_S`` seconds
(default 30) against this commit's API server, its figures as ``track_`` benchmarks.

The server runs this commit's code; the load is driven by the harness in the repository's
own environment (``.venv``, where Locust lives), so the asv environment needs no Locust and
every commit with a self-stopping API server gets load figures. The full 5-minute run with
its pass criteria is ``python -m afirgen_bench load``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .backend import has_feature
from .common import Skipped, design_version, skip_if_unprepared
from .resources import API_SCALE, dataset, reset_writes, service_urls
from .search_queries import QueryClass, search_endpoint
from .server import api_server_stops_by_itself, start_api_server

USERS = 15
ENDPOINTS = [
    "/api/v1/session/{session_id}/status",
    "/api/v1/fir/{fir_number}",
    "/api/v1/validate",
    "/api/v1/process",
    "/api/v1/firs",
    *(search_endpoint(query_class) for query_class in QueryClass),
]
LOAD_API_KEY = "afirgen-load-api-key"
LOAD_AUTH_KEY = "afirgen-load-officer-key"


def _harness_python() -> Path:
    """The harness's interpreter: the one driving this run (any asv config folder, any
    clone), else the repository's ``.venv`` for a plain ``asv run``."""
    driving = os.environ.get("AFIRGEN_BENCH_HARNESS_PYTHON")
    if driving:
        return Path(driving)
    root = Path(os.environ.get("ASV_CONF_DIR", Path(__file__).resolve().parents[1]))
    return root / ".venv" / "bin" / "python"


class LoadTest:
    rounds = 1
    repeat = 1
    number = 1
    version = design_version(rounds, repeat, number)
    timeout = 900

    def setup_cache(self) -> dict[str, Any] | Skipped:
        """The load driver's ``load.json`` (``afirgen_bench.load.runner.LoadResult``)."""
        if not (api_server_stops_by_itself() and has_feature("data", "load_dataset")):
            return Skipped("no API server that stops by itself in this commit")
        harness = _harness_python()
        if not harness.exists():
            raise RuntimeError(f"{harness} is missing: run 'make setup' to create the harness env")
        server = start_api_server(
            api_key=LOAD_API_KEY,
            namespace="load",
            idle_exit_s=600,
            owner_pid=os.getpid(),
            extra_env={"AFIRGEN_FIR_AUTH_KEY": LOAD_AUTH_KEY},
        )
        data, urls = dataset(API_SCALE), service_urls()
        try:
            with tempfile.TemporaryDirectory() as folder:
                target = Path(folder) / "target.json"
                target.write_text(
                    json.dumps(
                        {
                            "base_url": server.base_url,
                            "mysql_url": data.target.url(),
                            "redis_url": urls.redis_url,
                            "pids": {"api": server.pid},
                            "api_key": LOAD_API_KEY,
                            "auth_key": LOAD_AUTH_KEY,
                        }
                    )
                )
                done = subprocess.run(
                    [
                        str(harness),
                        "-m",
                        "afirgen_bench",
                        "load-drive",
                        "--target",
                        str(target),
                        "--users",
                        str(USERS),
                        "--out",
                        folder,
                        "--duration",
                        os.environ.get("AFIRGEN_BENCH_LOAD_S", "30"),
                    ],
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=800,
                )
                if done.returncode != 0:
                    raise RuntimeError(f"the load driver failed:\n{done.stderr[-3000:]}")
                return json.loads((Path(folder) / "load.json").read_text())
        finally:
            server.stop()
            reset_writes(API_SCALE)

    setup_cache.timeout = 900

    def setup(self, prepared: dict[str, Any] | Skipped, *params: Any) -> None:
        skip_if_unprepared(prepared)

    def track_requests_per_second(self, prepared: dict[str, Any]) -> float:
        """Higher is better."""
        return prepared["rps"]

    track_requests_per_second.unit = "requests/s"

    def track_error_rate(self, prepared: dict[str, Any]) -> float:
        return 100.0 * prepared["error_rate"]

    track_error_rate.unit = "%"

    def track_p95(self, prepared: dict[str, Any], endpoint: str) -> float:
        return prepared["endpoints"][endpoint]["p95_ms"]

    track_p95.unit = "ms"
    track_p95.params = ENDPOINTS
    track_p95.param_names = ["endpoint"]

    def track_api_cpu(self, prepared: dict[str, Any]) -> float:
        return prepared["servers"]["api"]["cpu_percent"]

    track_api_cpu.unit = "% of one CPU"

    def track_api_peak_rss(self, prepared: dict[str, Any]) -> float:
        return prepared["servers"]["api"]["peak_rss_mb"]

    track_api_peak_rss.unit = "MB"

    def track_queries_per_request(self, prepared: dict[str, Any]) -> float:
        return prepared["queries_per_request"]

    track_queries_per_request.unit = "queries"
