"""Property-based fuzzing of every endpoint from the OpenAPI schema (schemathesis): whatever
the input, no answer is a server error. AFIRGEN_FUZZ_EXAMPLES sets the examples per operation
(the full run: 1500, about 12,500 requests); CI runs a shorter version."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import writable_copy

from afirgen_fixtures.data import Dataset
from afirgen_fixtures.services import ServiceURLs
from afirgen_fixtures.services.api_server import ApiServer
from afirgen_fixtures.services.runtime import MYSQL_URL_ENV, REDIS_URL_ENV

API_KEY = "fuzz-api-key"
EXAMPLES = int(os.environ.get("AFIRGEN_FUZZ_EXAMPLES", "40"))


@pytest.fixture(scope="module")
def fuzz_server(dataset_10k: Dataset, service_urls: ServiceURLs) -> Iterator[ApiServer]:
    env = {
        MYSQL_URL_ENV: service_urls.mysql_url,
        REDIS_URL_ENV: service_urls.redis_url,
        "AFIRGEN_API_KEY": API_KEY,
    }
    with (
        writable_copy(dataset_10k) as target,
        ApiServer(database=target.database, env=env, owner_pid=os.getpid()) as server,
    ):
        yield server


def test_no_generated_request_gets_a_server_error(fuzz_server: ApiServer, tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is not installed: run scripts/setup.sh"
    events = tmp_path / "events.ndjson"
    done = subprocess.run(
        [
            schemathesis,
            "run",
            f"{fuzz_server.base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "20261126",
            "--header",
            f"X-API-Key: {API_KEY}",
            "--workers",
            "2",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(events),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    requests = sum(line.count('"status_code"') for line in events.read_text().splitlines())
    print(f"schemathesis sent {requests} requests, none answered with a server error")
    assert requests >= EXAMPLES * 5, f"only {requests} requests were generated"
    json.loads(events.read_text().splitlines()[0])  # the report is well-formed
