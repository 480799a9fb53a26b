"""The HTTP API over real HTTP (the seed's API benchmarks, which never ran: a Pydantic v2
break, and mocks that never reached the real routes).

Each operation is its request, built once by a function below (``calls``): the timed
benchmark sends it to a real server, its counted twin to the app in process."""

from __future__ import annotations

import time
from typing import Any

from .calls import measures
from .common import (
    FROM_BATCH_START,
    REQUESTS_PER_FIGURE,
    ApiServed,
    OverHTTP,
    percentile_ms,
    statistic,
)
from .pinning import executor, move_to_client_cpus, pin_process
from .resources import SAMPLE_IDS, next_index, next_of, process_token

# The statuses a desk lists FIRs by, in the order the samples take them.
LISTED_STATUSES = ["pending", "finalized", "draft"]
GZIP = {"Accept-Encoding": "gzip"}


# -- the operations (``calls``): each request, built once ----------------------------------


def session_status(session_id: int) -> str:
    """GET: a session's status, the request most benchmarks here make."""
    return f"/session/{session_id}/status"


def fir_status(number: str) -> str:
    """GET: a FIR's status by its number."""
    return f"/fir/{number}"


def fir_content(number: str) -> str:
    """GET, with ``GZIP`` accepted: a FIR's content (the reply must come gzip-encoded)."""
    return f"/fir/{number}/content"


def status_page(status: str) -> str:
    """GET: the newest page of 20 FIRs of ``status``."""
    return f"/firs?status={status}&limit=20"


def validation(session_id: int) -> dict[str, Any]:
    """POST /validate: approve a session's transcript (it moves on to its summary)."""
    return {"session_id": session_id, "approved": True}


def complaint(text: str, interactive: bool = False) -> dict[str, Any]:
    """POST /process: a complaint to draft an FIR from (in one step unless ``interactive``)."""
    return {"text": text} if interactive else {"text": text, "interactive": False}


def new_complaint(complaints: list[str], i: int, token: str) -> str:
    """The ``i``-th complaint made new: a reference no run sent before, so never cached."""
    return f"{complaints[1 + i % (len(complaints) - 1)]} Ref {token}{i:011d}."


# -- the timed benchmarks ------------------------------------------------------------------


class GetSessionStatus(OverHTTP):
    """Seed ``get_session_status``: GET /api/v1/session/{id}/status."""

    @measures(session_status)
    def time_get_session_status(self, prepared: ApiServed) -> None:
        session_id = next_of("session", prepared.session_ids)
        self.client.get(session_status(session_id)).raise_for_status()


class GetFirStatus(OverHTTP):
    """Seed ``get_fir_status``: GET /api/v1/fir/{n}."""

    @measures(fir_status)
    def time_get_fir_status(self, prepared: ApiServed) -> None:
        self.client.get(fir_status(next_of("fir", prepared.fir_numbers))).raise_for_status()


class GetFirContent(OverHTTP):
    """Seed ``get_fir_content``: GET /api/v1/fir/{n}/content, gzip-encoded."""

    @measures(fir_content)
    def time_get_fir_content(self, prepared: ApiServed) -> None:
        number = next_of("content", prepared.fir_numbers)
        response = self.client.get(fir_content(number), headers=GZIP)
        response.raise_for_status()
        if response.headers.get("content-encoding") != "gzip":
            raise RuntimeError("FIR content came back without gzip")


class ListFirsByStatus(OverHTTP):
    """GET /api/v1/firs?status=...: the newest 20 FIRs of one status, the list a police
    station's desk reads (a keyset page over the status index); each sample the next
    status."""

    @measures(status_page)
    def time_list_firs_by_status(self, prepared: ApiServed) -> None:
        self.client.get(status_page(next_of("list-status", LISTED_STATUSES))).raise_for_status()


class ValidateStep(OverHTTP):
    """Seed ``validate_step``: one POST /api/v1/validate (transcript approved -> summary).

    ``setup`` opens a fresh session before every sample, outside the timing."""

    def setup(self, prepared: ApiServed) -> None:
        super().setup(prepared)
        text = next_of("validate-complaint", prepared.complaints)
        response = self.client.post("/process", json=complaint(text, interactive=True))
        response.raise_for_status()
        self.session_id = response.json()["session_id"]

    @measures(validation)
    def time_validate_step(self, prepared: ApiServed) -> None:
        self.client.post("/validate", json=validation(self.session_id)).raise_for_status()


class ProcessText(OverHTTP):
    """Seed ``process_text``, split as the seed meant it: POST /api/v1/process generating an
    FIR from a complaint never seen before (uncached) and from one seen before (cached)."""

    repeat = 60

    def setup(self, prepared: ApiServed) -> None:
        super().setup(prepared)
        self.repeated = prepared.complaints[0]
        self._generate(self.repeated)  # in the cache from here on

    def _generate(self, text: str) -> dict[str, Any]:
        response = self.client.post("/process", json=complaint(text))
        response.raise_for_status()
        return response.json()

    @measures(new_complaint)
    def time_process_uncached(self, prepared: ApiServed) -> None:
        text = new_complaint(prepared.complaints, next_index("uncached"), process_token())
        if self._generate(text)["cached"]:
            raise RuntimeError("a new complaint was served from the cache")

    @measures(complaint)
    def time_process_cached(self, prepared: ApiServed) -> None:
        if not self._generate(self.repeated)["cached"]:
            raise RuntimeError("a repeated complaint missed the cache")


class ConcurrentLoad(OverHTTP):
    """Seed ``concurrent_load``: a batch of simultaneous status requests, one per client.

    The clients run off the servers' CPU (``move_to_client_cpus``), so the batch measures
    concurrency rather than time slicing. A sample is a whole batch, so the seed's per-request
    limit is on ``track_request_p95_ms``; ``time_concurrent_status`` tracks regressions."""

    params = [[1, 5, 10, 15]]
    param_names = ["concurrency"]
    repeat = 50

    def setup(self, prepared: ApiServed, concurrency: int) -> None:
        self.server_side_cpus = move_to_client_cpus()  # first: teardown runs after a skip too
        super().setup(prepared)
        self.executor = executor(concurrency)

    def teardown(self, prepared: ApiServed, concurrency: int) -> None:
        pin_process(self.server_side_cpus)

    def _status(self, session_id: int, sent: float) -> float:
        """One status request; its latency in seconds from the moment its batch was sent."""
        self.client.get(session_status(session_id)).raise_for_status()
        return time.perf_counter() - sent

    def _batch(self, prepared: ApiServed, concurrency: int) -> list[float]:
        ids = [next_of("concurrent", prepared.session_ids) for _ in range(concurrency)]
        sent = time.perf_counter()
        return list(self.executor.map(self._status, ids, [sent] * concurrency))

    @measures(session_status)
    def time_concurrent_status(self, prepared: ApiServed, concurrency: int) -> None:
        self._batch(prepared, concurrency)

    @statistic(FROM_BATCH_START)
    def track_request_p95_ms(self, prepared: ApiServed, concurrency: int) -> float:
        """P95, in ms, of the latencies of ``REQUESTS_PER_FIGURE`` requests sent in batches
        like the timed ones, each from the moment its batch was sent (seed limit: 500 ms)."""
        self._batch(prepared, concurrency)  # opens the connections, as asv's warm-up does
        latencies = []
        for _ in range(REQUESTS_PER_FIGURE // concurrency):
            latencies += self._batch(prepared, concurrency)
        return percentile_ms(latencies, 95)

    track_request_p95_ms.unit = "ms"


class StatusThroughput(OverHTTP):
    """Status requests served per second with 15 clients for 2 s (the seed's 15 users), the
    clients off the servers' CPU as in ``ConcurrentLoad``. Higher is better."""

    rounds = 1
    unit = "requests/s"

    def setup(self, prepared: ApiServed) -> None:
        self.server_side_cpus = move_to_client_cpus()  # first: teardown runs after a skip too
        super().setup(prepared)

    def teardown(self, prepared: ApiServed) -> None:
        pin_process(self.server_side_cpus)

    def track_status_throughput(self, prepared: ApiServed) -> float:
        deadline = time.perf_counter() + 2.0

        def client_loop(offset: int) -> int:
            done = 0
            while time.perf_counter() < deadline:
                session_id = prepared.session_ids[(offset + done * 15) % SAMPLE_IDS]
                self.client.get(session_status(session_id)).raise_for_status()
                done += 1
            return done

        started = time.perf_counter()
        total = sum(executor(15).map(client_loop, range(15)))
        return total / (time.perf_counter() - started)


class SustainedLoad(OverHTTP):
    """Seed ``sustained_load``: 500 sequential status requests."""

    rounds = 1
    repeat = 4

    def _run(self, prepared: ApiServed) -> list[float]:
        latencies = []
        for _ in range(500):
            session_id = next_of("sustained", prepared.session_ids)
            start = time.perf_counter()
            self.client.get(session_status(session_id)).raise_for_status()
            latencies.append(time.perf_counter() - start)
        return latencies

    @measures(session_status)
    def time_sustained_500(self, prepared: ApiServed) -> None:
        self._run(prepared)

    def track_sustained_p95_ms(self, prepared: ApiServed) -> float:
        """P95 of the 500 requests' latencies, in ms (seed limit: 200 ms)."""
        return percentile_ms(self._run(prepared), 95)

    track_sustained_p95_ms.unit = "ms"
