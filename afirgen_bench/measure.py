"""One-run measurements of the backend's layers, reported next to their raw floors.

* cache GET hit through ``CacheManager`` next to a raw redis-py GET;
* FIR by primary key through ``Pool`` + ``FIRRepository`` next to a raw pymysql select;
* ``GET /api/v1/fir/{n}`` over HTTP, and cached next to uncached FIR generation
  (``POST /api/v1/process`` with ``interactive: false``) against a running uvicorn server.

Everything runs in one process on one pinned CPU with the servers pinned to the same CPU, and
paired operations are interleaved, so their ratios are comparable; absolute numbers are only
comparable with others taken the same way on the same machine.
"""

from __future__ import annotations

import os
import platform
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import redis

from afirgen_bench.pinning import bench_cpu, pin
from afirgen_bench.sampling import Summary, interleaved
from afirgen_fixtures.cache import CacheManager
from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.data import Dataset, drop_dataset, load_dataset, reset_dataset
from afirgen_fixtures.db import connection
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import FIRRepository
from afirgen_fixtures.services import ServiceRuntime, ServiceURLs, default_state_dir
from afirgen_fixtures.services.api_server import ApiServer
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

VALUE_1KB = "x" * 1024


@dataclass
class Report:
    """The measured figures and the conditions they were taken under."""

    scale: int
    load_seconds: float | None
    started: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    sections: dict[str, dict[str, Summary]] = field(default_factory=dict)

    def markdown(self) -> str:
        lines = [
            f"Measured {self.started} on {platform.node()} ({os.cpu_count()} CPUs, "
            f"{platform.processor() or platform.machine()}), client and servers pinned to "
            f"CPU {bench_cpu()}; {self.scale:,}-FIR data set.",
            "",
        ]
        if self.load_seconds is not None:
            lines += [
                f"Load of {self.scale:,} FIRs (generate, insert, index, analyze): "
                f"**{self.load_seconds:.1f} s**.",
                "",
            ]
        for title, summaries in self.sections.items():
            lines += [
                f"#### {title}",
                "",
                "| operation | calls | p50 | p95 | p99 | mean |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for s in summaries.values():
                lines.append(
                    f"| {s.name} | {s.calls:,} | {_fmt(s.p50_us)} | {_fmt(s.p95_us)} | "
                    f"{_fmt(s.p99_us)} | {_fmt(s.mean_us)} |"
                )
            lines.append("")
        return "\n".join(lines)


def _fmt(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


def measure(
    urls: ServiceURLs,
    server_pids: list[int],
    *,
    scale: int,
    calls: int,
    http_calls: int,
    generation_calls: int,
    fresh_load: bool,
    progress: Callable[[str], None] = print,
) -> Report:
    server = MySQLTarget.from_url(urls.mysql_url)
    if fresh_load:
        drop_dataset(server, scale)
    dataset = load_dataset(server, scale=scale, progress=progress)
    reset_dataset(dataset.target)
    pin([0, *server_pids])
    report = Report(scale=scale, load_seconds=dataset.load_seconds)
    progress("timing the layers against their raw floors")
    report.sections["Layers next to their raw floors"] = _layers(dataset, urls, calls)
    progress("timing the HTTP API")
    report.sections.update(_http(dataset, urls, http_calls, generation_calls))
    reset_dataset(dataset.target)
    return report


def _layers(dataset: Dataset, urls: ServiceURLs, calls: int) -> dict[str, Summary]:
    settings = Settings(
        mysql_url=dataset.target.url(),
        redis_url=urls.redis_url,
        cache_namespace=f"measure-{uuid.uuid4().hex[:8]}",
    )
    pool = Pool(dataset.target, settings)
    repository = FIRRepository(pool)
    cache = CacheManager.from_settings(settings)
    raw_redis = redis.Redis.from_url(urls.redis_url, protocol=3)
    raw_mysql = connection.connect(dataset.target)
    try:
        cache.set("measure", "hit", VALUE_1KB)
        key = cache.key("measure", "hit")
        rng = random.Random(7)
        ids = [rng.randint(1, dataset.counts["fir_records"]) for _ in range(calls + 500)]
        select = (
            f"SELECT {repository.column_list(repository.columns)} FROM fir_records WHERE id = %s"
        )

        def raw_select(i: int) -> object:
            with raw_mysql.cursor() as cur:
                cur.execute(select, (ids[i],))
                return cur.fetchone()

        return interleaved(
            {
                "cache GET hit 1 KB, CacheManager.get": lambda i: cache.get("measure", "hit"),
                "cache GET hit 1 KB, raw redis-py GET": lambda i: raw_redis.get(key),
                "FIR by id, Pool + FIRRepository.get_by_id": lambda i: repository.get_by_id(ids[i]),
                "FIR by id, raw pymysql PK select (one connection)": raw_select,
            },
            calls=calls,
        )
    finally:
        raw_mysql.close()
        raw_redis.close()
        cache.close()
        pool.dispose()


def _http(
    dataset: Dataset, urls: ServiceURLs, http_calls: int, generation_calls: int
) -> dict[str, dict[str, Summary]]:
    api_key = "measure-api-key"
    env = {
        MYSQL_URL_ENV: urls.mysql_url,
        REDIS_URL_ENV: urls.redis_url,
        "AFIRGEN_API_KEY": api_key,
        "AFIRGEN_CACHE_NAMESPACE": f"measure-{uuid.uuid4().hex[:8]}",
    }
    with connection.connect(dataset.target) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT fir_number, complaint_text FROM fir_records ORDER BY id LIMIT %s",
            (max(http_calls, generation_calls) + 500,),
        )
        rows = list(cur.fetchall())
    random.Random(11).shuffle(rows)
    numbers = [r[0] for r in rows]
    complaints = [r[1] for r in rows]
    with ApiServer(database=dataset.target.database, env=env) as api:
        pin([api.pid or 0])
        with httpx.Client(
            base_url=api.base_url + "/api/v1", headers={"X-API-Key": api_key}
        ) as client:

            def get_fir(i: int) -> None:
                client.get(f"/fir/{numbers[i]}").raise_for_status()

            def generate(text: str) -> dict:
                response = client.post("/process", json={"text": text, "interactive": False})
                response.raise_for_status()
                return response.json()

            reads = interleaved({"GET /api/v1/fir/{fir_number}": get_fir}, calls=http_calls)
            repeated = complaints[-1]
            generate(repeated)  # the cached scenario's complaint is in the cache from here on
            fresh = iter(complaints)

            def uncached(i: int) -> None:
                if generate(next(fresh))["cached"]:
                    raise RuntimeError("an 'uncached' complaint was served from the cache")

            def cached(i: int) -> None:
                if not generate(repeated)["cached"]:
                    raise RuntimeError("a repeated complaint missed the cache")

            generation = interleaved(
                {
                    "FIR generation, uncached (new complaint)": uncached,
                    "FIR generation, cached (same complaint again)": cached,
                },
                calls=generation_calls,
                block=25,
                warmup=20,
            )
    return {"HTTP reads": reads, "FIR generation over HTTP (POST /api/v1/process)": generation}


def private_services() -> tuple[ServiceRuntime, ServiceURLs, list[int]]:
    """Private servers for the measurement, stopped when the measuring process exits."""
    runtime = ServiceRuntime(default_state_dir())
    urls = runtime.ensure(owner_pid=os.getpid())
    pids = runtime.pids()
    return runtime, urls, [pids["mariadb"], pids["redis"]]
