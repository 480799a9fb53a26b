"""The Locust load test against the real server: short runs that can fail on what matters
(errors, FIRs stored exactly once, no half-finished session). Latency goals are the SLA's
business, reported by `afirgen_bench load`, not asserted here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from afirgen_bench.judge import load_sla
from afirgen_bench.load.runner import judge_load, run_load
from afirgen_fixtures.services import ServiceURLs
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

ROOT = Path(__file__).resolve().parents[2]
CORRECTNESS = ("failed", "created but", "more than one FIR", "half-finished")


@pytest.fixture
def on_test_servers(service_urls: ServiceURLs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MYSQL_URL_ENV, service_urls.mysql_url)
    monkeypatch.setenv(REDIS_URL_ENV, service_urls.redis_url)


@pytest.mark.parametrize("workers", [0, 2], ids=["one-process", "master-and-2-workers"])
def test_short_load_run_loses_nothing(on_test_servers: None, tmp_path: Path, workers: int) -> None:
    result = run_load(
        users=6, duration_s=12, workers=workers, scale=10_000, out=tmp_path, progress=lambda _: None
    )
    assert result.requests > 100
    names = set(result.endpoints)
    assert {
        "/api/v1/session/{session_id}/status",
        "/api/v1/fir/{fir_number}",
        "/api/v1/validate",
    } <= names
    assert any(name.startswith("/api/v1/firs/search [") for name in names)
    assert result.firs_created > 0, "no complete flow in the run"
    assert result.firs_stored == result.firs_created
    problems = judge_load(result, load_sla(ROOT).load_test)
    assert not [p for p in problems if any(word in p for word in CORRECTNESS)], problems
    assert result.servers["api"]["peak_rss_mb"] > 0
    assert (tmp_path / "load.json").exists()
    assert os.environ[MYSQL_URL_ENV]
