"""The OpenAPI document is the API's contract: schemathesis, with every check and every phase
(examples, coverage, fuzzing, stateful), against a real server, finds no failure at all.

Not only no server error: every status answered is documented, every body (errors included)
matches its schema, every request the schema allows is accepted and every one it forbids is
refused. AFIRGEN_FUZZ_EXAMPLES sets the examples per operation: CI runs 15 (about 650 cases,
20 s); the long run (README) is ``AFIRGEN_FUZZ_EXAMPLES=1500 pytest -s`` this file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_api import API_KEY, serving_copy

from afirgen_fixtures.data import Dataset
from afirgen_fixtures.services import ServiceURLs
from afirgen_fixtures.services.api_server import ApiServer

EXAMPLES = int(os.environ.get("AFIRGEN_FUZZ_EXAMPLES", "15"))
PHASES = ("examples", "coverage", "fuzzing", "stateful")


@pytest.fixture(scope="module")
def fuzz_server(dataset_10k: Dataset, service_urls: ServiceURLs) -> Iterator[ApiServer]:
    with serving_copy(dataset_10k, service_urls) as server:
        yield server


def test_schemathesis_finds_no_failure(fuzz_server: ApiServer, tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is not installed: run scripts/setup.sh"
    report = tmp_path / "run.json"
    command = [
        schemathesis,
        "run",
        f"{fuzz_server.base_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        ",".join(PHASES),
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261126",
        "--header",
        f"X-API-Key: {API_KEY}",
        # one worker: Hypothesis describing filters from several threads at once trips
        # CPython 3.11's AST recursion check (a schemathesis "Runtime Error", not an API one)
        "--workers",
        "1",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    # in tmp_path, where schemathesis keeps its cache (.schemathesis/), not in the checkout
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=4 * 3600, check=False
    )
    assert done.returncode == 0, done.stdout[-6000:]
    run = json.loads(report.read_text())
    assert run["exit_code"] == 0 and run["complete"], run["stop_reason"]
    assert {phase: run["phases"][phase]["status"] for phase in PHASES} == dict.fromkeys(
        PHASES, "success"
    )
    assert run["failures"] == [] and run["errors"] == []
    cases = run["test_cases"]
    assert cases["unique_failures"] == 0 and cases["errored"] == 0, cases
    assert cases["generated"] >= 5 * EXAMPLES, f"only {cases['generated']} cases were generated"
    operations = run["operations"]
    assert operations["tested"] == operations["total"], operations
    print(
        f"\nschemathesis {run['schemathesis_version']}: {cases['generated']} cases over "
        f"{operations['tested']} operations in {run['running_time']:.0f} s, no failure; "
        f"warnings: {[kind for kind, found in run['warnings'].items() if found] or 'none'}\n"
        f"{' '.join(command[1:]).replace(API_KEY, '<key>')}"
    )
