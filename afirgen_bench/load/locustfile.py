"""AFIRGen's traffic for Locust: status polls, FIR reads, list and search pages, and whole
complaint-to-FIR flows.

Weights follow the original suite's locustfile (status : FIR : validate = 3 : 2 : 1), with
list and search pages added; ``$AFIRGEN_LOAD_SEARCH_SHARE`` makes searches that share of the
tasks (the search-heavy mix: 0.5). Searches draw a class of query by the mix's shares, then
one of its queries (``benchmarks/search_queries.json``), and are reported per class.
"validate" advances this user's own interactive session by one step: it opens a session
when it has none, stores the FIR at the narrative step, and authenticates it once
completed; a user that stops finishes its flow first, so no session is left half-finished.
Every response time is also written, exact, to ``$AFIRGEN_LOAD_OUT/latencies-<pid>.jsonl``
(Locust's own percentiles are rounded).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events

from afirgen_bench.load.endpoints import STORES_FIR, search_endpoint, task_weights
from afirgen_bench.search_mix import QueryClass, suite_queries

API_KEY = os.environ.get("AFIRGEN_LOAD_API_KEY", "afirgen-dev-api-key")
AUTH_KEY = os.environ.get("AFIRGEN_LOAD_AUTH_KEY", "afirgen-officer-key")
OUT = Path(os.environ.get("AFIRGEN_LOAD_OUT", "."))
COMPLAINTS = (
    "Two men on a motorcycle snatched my gold chain near the metro station and threatened me.",
    "My phone was stolen from my bag while I was travelling in a crowded bus to the market.",
    "I received a call about a KYC update and after I shared the OTP money was debited.",
    "Someone broke the lock of my house while we were away and ransacked the cupboard.",
    "My neighbour abused me and threatened to kill me if I complained to the police.",
)
SEARCH_SHARE = float(os.environ.get("AFIRGEN_LOAD_SEARCH_SHARE", "0") or 0)
SHARES = suite_queries.shares()
MIX = {query_class: suite_queries.queries(query_class) for query_class in QueryClass}

_latencies: list[str] = []


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    _latencies.append(json.dumps([name, response_time, exception is None]))
    if len(_latencies) >= 2_000:
        _flush()


@events.quitting.add_listener
def _on_quit(**_: Any) -> None:
    _flush()


def _flush() -> None:
    if _latencies:
        OUT.mkdir(parents=True, exist_ok=True)
        with open(OUT / f"latencies-{os.getpid()}.jsonl", "a") as out:
            out.write("\n".join(_latencies) + "\n")
        _latencies.clear()


class AfirgenUser(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.client.headers["X-API-Key"] = API_KEY
        page = self.client.get(
            "/api/v1/firs",
            params={"limit": 100, "fields": "fir_number,session_id"},
            name="/api/v1/firs",
        )
        items = page.json()["items"] if page.ok else []
        self.fir_numbers = [i["fir_number"] for i in items] or ["FIR-00000000-20250101000000"]
        self.session_ids = [i["session_id"] for i in items if i["session_id"]]
        self.flow: dict[str, Any] | None = None

    def on_stop(self) -> None:
        while self.flow is not None:  # finish the flow: no half-finished session
            self.validate()

    def session_status(self) -> None:
        session_id = random.choice(self.session_ids)
        self.client.get(
            f"/api/v1/session/{session_id}/status", name="/api/v1/session/{session_id}/status"
        )

    def fir(self) -> None:
        self.client.get(
            f"/api/v1/fir/{random.choice(self.fir_numbers)}", name="/api/v1/fir/{fir_number}"
        )

    def list_page(self) -> None:
        self.client.get("/api/v1/firs", params={"limit": 20}, name="/api/v1/firs")

    def search(self) -> None:
        query_class = random.choices(list(SHARES), weights=list(SHARES.values()))[0]
        query = random.choice(MIX[query_class])
        self.client.get(
            "/api/v1/firs/search",
            params={"q": query.text, "mode": query.mode},
            name=search_endpoint(query_class),
        )

    def validate(self) -> None:
        """One step of this user's own flow (the seed's "validate" task)."""
        if self.flow is None:
            text = f"{random.choice(COMPLAINTS)} Reference {random.getrandbits(48):012x}."
            with self.client.post(
                "/api/v1/process", json={"text": text}, name="/api/v1/process", catch_response=True
            ) as response:
                if response.ok:
                    self.flow = {
                        "session_id": response.json()["session_id"],
                        "step": "transcript_review",
                    }
            return
        storing = self.flow["step"] == "fir_narrative_review"
        with self.client.post(
            "/api/v1/validate",
            json={"session_id": self.flow["session_id"], "approved": True},
            name=STORES_FIR if storing else "/api/v1/validate",
            catch_response=True,
        ) as response:
            if not response.ok:
                self.flow = None
                return
            body = response.json()
            self.flow["step"] = body["current_step"]
            if storing:
                self.flow["fir_number"] = body["content"]["fir_number"]
        if self.flow["step"] == "completed":
            self.client.post(
                "/api/v1/authenticate",
                name="/api/v1/authenticate",
                json={"fir_number": self.flow["fir_number"], "auth_key": AUTH_KEY},
            )
            self.flow = None


AfirgenUser.tasks = [
    getattr(AfirgenUser, name)
    for name, weight in task_weights(SEARCH_SHARE).items()
    for _ in range(weight)
]
